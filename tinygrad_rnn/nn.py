"""Modules: parameters found in a stable order, state dicts that validate before they change
anything, and the two layers every NLP model starts with (``Linear``, ``Embedding``)."""
import math

import numpy

from . import backend
from .errors import ShapeError
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
        seen, result = set(), []
        stack = [("", self)]
        while stack:
            prefix, obj = stack.pop()
            if isinstance(obj, Tensor):
                if obj.requires_grad and id(obj) not in seen:
                    seen.add(id(obj))
                    result.append((prefix, obj))
                continue
            if isinstance(obj, Module):
                children = list(vars(obj).items())
            elif isinstance(obj, (list, tuple)):
                children = [(str(i), item) for i, item in enumerate(obj)]
            else:
                continue
            # push in reverse so the first child is visited first
            for key, child in reversed(children):
                if isinstance(child, (Tensor, Module, list, tuple)):
                    stack.append((f"{prefix}.{key}" if prefix else key, child))
        return result

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
            shape = tuple(getattr(value, "shape", ()) or _shape_of(value))
            if shape != tuple(p.shape):
                problems.append(f"{name!r} has shape {shape}, the parameter {tuple(p.shape)}")
            else:
                arrays[name] = value
        if problems:
            raise ShapeError(f"{type(self).__name__}.load_state_dict: " + "; ".join(problems) +
                             " (nothing was changed)")
        for name, value in arrays.items():
            p = params[name]
            p.data = backend.as_array(value, p.dtype, p.device).copy()
            p.grad = None

    def to(self, device):
        """Move every parameter to ``device`` in place (the module keeps its tensors' identity)."""
        for _, p in self.named_parameters():
            moved = p.to(device)
            p.data, p.device, p._xp, p.grad = moved.data, moved.device, moved._xp, None
        return self

    def __repr__(self):
        shapes = ", ".join(f"{n}{tuple(p.shape)}" for n, p in self.named_parameters())
        return f"{type(self).__name__}({shapes})"


def _shape_of(value):
    return numpy.shape(value)  # nested lists given by the user


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
