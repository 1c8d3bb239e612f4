"""Modules: parameters found in a stable order, state dicts that validate before they change
anything, and the two layers every NLP model starts with (``Linear``, ``Embedding``)."""
import math

from . import backend
from .errors import DeviceError, DTypeError, ShapeError
from .random import generator
from .tensor import Tensor


def parameter(data, name, dtype="float64", device="cpu"):
    """A leaf tensor that requires grad: what a module learns."""
    return Tensor(data, requires_grad=True, name=name, dtype=dtype, device=device)


def uniform(shape, bound, name, dtype="float64", device="cpu"):
    """A parameter drawn from U(-bound, bound) by the library's seeded generator."""
    return parameter(generator().uniform(-bound, bound, size=shape), name, dtype, device)


class Module:
    """Base class: subclasses set tensors and modules as attributes and define ``forward``.

    Parameters are the attributes that are tensors with ``requires_grad``, found in the order
    they were assigned (sub-modules and lists of them included), so their order is stable.
    """

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self):
        """``(dotted name, tensor)`` pairs in assignment order; a shared tensor appears once."""
        return [(name, obj) for name, obj in self._walk()
                if isinstance(obj, Tensor) and obj.requires_grad]

    def _walk(self):
        """``(dotted name, object)`` for this module and every module, tensor, list and tuple
        reachable through attributes, depth first in assignment order, each object once."""
        seen, stack = set(), [("", self)]
        while stack:
            prefix, obj = stack.pop()
            if id(obj) in seen:  # shared, or reachable twice (even through a cycle)
                continue
            seen.add(id(obj))
            yield prefix, obj
            if isinstance(obj, Module):
                children = list(vars(obj).items())
            elif isinstance(obj, (list, tuple)):
                children = [(str(i), item) for i, item in enumerate(obj)]
            else:
                continue
            for key, child in reversed(children):  # reversed: the first child is visited first
                if isinstance(child, (Tensor, Module, list, tuple)):
                    stack.append((f"{prefix}.{key}" if prefix else key, child))

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def state_dict(self):
        """``{name: host NumPy copy}`` of every parameter, in parameter order."""
        return {name: p.numpy() for name, p in self.named_parameters()}

    def load_state_dict(self, state):
        """Copy arrays into the parameters. Every key and shape is checked first: on any
        problem a ``ValueError`` lists them all and no parameter is changed."""
        params = dict(self.named_parameters())
        problems = [f"missing key {k!r}" for k in params if k not in state]
        problems += [f"unexpected key {k!r}" for k in state if k not in params]
        arrays = {}
        for name, p in params.items():
            if name not in state:
                continue
            value = state[name]
            value = value.numpy() if isinstance(value, Tensor) else value
            try:  # convert now, so that a bad value fails before anything changes
                array = backend.as_array(value, p.dtype, p.device).copy()
            except (DTypeError, DeviceError) as exc:
                problems.append(f"{name!r}: {exc}")
                continue
            if tuple(array.shape) != tuple(p.shape):
                problems.append(f"{name!r} has shape {tuple(array.shape)}, the parameter "
                                f"{tuple(p.shape)}")
            else:
                arrays[name] = array
        if problems:
            raise ShapeError(f"{type(self).__name__}.load_state_dict: " + "; ".join(problems) +
                             " (nothing was changed)")
        for name, array in arrays.items():
            params[name].data = array
            params[name].grad = None

    def to(self, device):
        """Move every tensor of the module to ``device`` in place (tensors keep their identity,
        so optimizers made before still hold them; their gradients are dropped). Modules with a
        ``device`` attribute (cells use it for new states) get the new name too."""
        backend.array_module(device)  # fails here, before anything moves, if unavailable
        found = list(self._walk())
        for _, obj in found:
            if isinstance(obj, Tensor) and obj.device != device:
                moved = obj.to(device)
                obj.data, obj.device, obj._xp, obj.grad = moved.data, device, moved._xp, None
            elif isinstance(obj, Module) and "device" in vars(obj):
                obj.device = device
        return self

    def __repr__(self):
        shapes = ", ".join(f"{n}{tuple(p.shape)}" for n, p in self.named_parameters())
        return f"{type(self).__name__}({shapes})"


class Linear(Module):
    """y = x W + b, with W of shape (in_features, out_features) (row vectors, as in the lecture)."""

    def __init__(self, in_features, out_features, bias=True, dtype="float64", device="cpu"):
        bound = 1 / math.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.W = uniform((in_features, out_features), bound, "W", dtype, device)
        self.b = uniform((out_features,), bound, "b", dtype, device) if bias else None

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear: input {tuple(x.shape)} has width {x.shape[-1]}, "
                             f"expected in_features={self.in_features}")
        y = x @ self.W
        return y + self.b if self.b is not None else y


class Embedding(Module):
    """E[ids]: row ``i`` of the table E (num, dim) is the vector of word ``i``."""

    def __init__(self, num, dim, dtype="float64", device="cpu"):
        self.num, self.dim = num, dim
        self.E = parameter(generator().standard_normal((num, dim)), "E", dtype, device)

    def forward(self, ids):
        ids_array = ids.data if isinstance(ids, Tensor) else self.E._xp.asarray(ids)
        if ids_array.dtype.kind not in "iu":
            raise TypeError(f"Embedding: ids must be integers, got dtype {ids_array.dtype}")
        if ids_array.size and (int(ids_array.min()) < 0 or int(ids_array.max()) >= self.num):
            raise IndexError(f"Embedding: ids must lie in [0, {self.num}), got values from "
                             f"{int(ids_array.min())} to {int(ids_array.max())}")
        return self.E[ids_array]
