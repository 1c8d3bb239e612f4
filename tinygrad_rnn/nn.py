"""Modules: parameters found in a stable order, state dicts that are checked completely before
they change anything, and the two layers every NLP model starts with (``Linear``, ``Embedding``).

State dicts, "check everything, then change nothing": ``check_state`` validates every key and
value of a state dict and raises one error listing every problem; ``assign_all`` converts every
new value to its parameter's dtype and device before it assigns any. Cells (``rnn/``) use both.
"""
import math
import numbers

from . import backend
from .errors import DTypeError, ShapeError, StateDictKeyError, TooLargeError
from .random import generator
from .tensor import Tensor


def positive_int(owner, what, n):
    """``n`` as an int >= 1, or an error naming ``owner``'s argument ``what``."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"{owner}: {what} must be a positive int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{owner}: {what} must be a positive int, got {n!r}")
    return int(n)


def parameter(data, name, dtype="float64", device="cpu"):
    """A leaf tensor that requires grad: what a module learns."""
    return Tensor(data, requires_grad=True, name=name, dtype=dtype, device=device)


def uniform(shape, bound, name, dtype="float64", device="cpu", owner=None):
    """A parameter drawn from U(-bound, bound) by the library's seeded generator; ``owner``
    (e.g. ``"Linear"``) names the module in an error."""
    return parameter(_drawn(lambda: generator().uniform(-bound, bound, size=shape), shape, name,
                            owner), name, dtype, device)


def _drawn(draw, shape, name, owner=None):
    """``draw()``, with an absurd size named as such (NumPy says ``_ArrayMemoryError``)."""
    try:
        return draw()
    except (MemoryError, ValueError) as exc:
        if isinstance(exc, ValueError) and "too big" not in str(exc):
            raise
        where = f"{owner}: parameter {name}" if owner else f"parameter {name}"
        raise TooLargeError(f"{where}: {backend.too_large_text(shape, 'float64')}") from None


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
        """Copy arrays into the parameters. Every key, value and shape is checked first: on any
        problem one error lists them all and no parameter is changed (``StateDictKeyError``, a
        ``KeyError``, for missing or unexpected keys; ``DTypeError`` for values that are not
        real numbers or do not fit the parameter's dtype; ``ShapeError`` for shapes)."""
        where = f"{type(self).__name__}.load_state_dict"
        params = dict(self.named_parameters())
        arrays = check_state(where, {name: tuple(p.shape) for name, p in params.items()}, state)
        assign_all(where, [(params[name], array) for name, array in arrays.items()])

    def to(self, device):
        """Move every tensor of the module to ``device`` in place (tensors keep their identity,
        so optimizers made before still hold them; their gradients are dropped). Modules with a
        ``device`` attribute (cells use it for new states) get the new name too."""
        backend.array_module(device)  # fails here, before anything moves, if unavailable
        found = list(self._walk())
        for _, obj in found:
            if isinstance(obj, Tensor) and obj.device != device:
                obj._replace(obj.to(device).data, device=device)
                obj.grad = None
            elif isinstance(obj, Module) and "device" in vars(obj):
                obj.device = device
        return self

    def __repr__(self):
        shapes = ", ".join(f"{n}{tuple(p.shape)}" for n, p in self.named_parameters())
        return f"{type(self).__name__}({shapes})"


def check_state(where, expected, state, dtype=None):
    """Check a state dict against ``expected`` (``{key: shape}``) completely: every key present,
    none unexpected, every value real numbers (NumPy arrays, lists, tinygrad or torch tensors)
    of the expected shape and, with ``dtype``, small enough for that dtype (1e6 does not fit
    float16). Returns ``{key: host NumPy array}`` (their own dtype); on any problem raises one
    error that lists all of them, each by its key, and says nothing was changed."""
    if not hasattr(state, "keys") or not hasattr(state, "__getitem__"):
        raise TypeError(f"{where}: expected a dict of arrays, got {type(state).__name__}")
    missing = [f"missing key {k!r}" for k in expected if k not in state]
    missing += [f"unexpected key {k!r}" for k in state.keys() if k not in expected]
    bad, shapes, arrays = [], [], {}
    for key, shape in expected.items():
        if key not in state:
            continue
        try:
            array = backend.as_array(_host(state[key]), who=f"{key!r}")
            if dtype is not None:  # only a check: the values keep their own precision
                backend.as_array(array, dtype, who=f"{key!r}")
        except (DTypeError, ShapeError, TooLargeError) as exc:  # not numbers, ragged, too large
            bad.append(str(exc))
            continue
        if tuple(array.shape) != tuple(shape):
            shapes.append(f"{key!r} has shape {tuple(array.shape)}, expected {tuple(shape)}")
        else:
            arrays[key] = array
    problems = missing + bad + shapes
    if problems:
        kind = StateDictKeyError if missing else DTypeError if bad else ShapeError
        raise kind(f"{where}: {'; '.join(problems)} (nothing was changed)")
    return arrays


def assign_all(where, pairs):
    """Assign each ``(tensor, value)``: every value is converted to its tensor's dtype and
    device first, so that a value that does not fit (1e6 in a float16) changes nothing."""
    converted, problems = [], []
    for tensor, value in pairs:
        try:
            array = backend.as_array(value, tensor.dtype, tensor.device, copy=True,
                                     who=f"{tensor.name or 'parameter'}")
        except DTypeError as exc:
            problems.append(str(exc))
        else:
            converted.append((tensor, array))
    if problems:
        raise DTypeError(f"{where}: {'; '.join(problems)} (nothing was changed)")
    for tensor, array in converted:
        tensor.assign(array)
        tensor.grad = None


def _host(value):
    """A tinygrad or torch tensor (even one that requires grad) as something NumPy reads,
    without importing torch."""
    if isinstance(value, Tensor):
        return value.numpy()
    if hasattr(value, "detach") and not hasattr(value, "__array_interface__"):
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        if hasattr(value, "numpy"):
            value = value.numpy()
    return value


class Linear(Module):
    """y = x W + b, with W of shape (in_features, out_features) (row vectors, as in the lecture)."""

    def __init__(self, in_features, out_features, bias=True, dtype="float64", device="cpu"):
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        bound = 1 / math.sqrt(self.in_features)
        self.W = uniform((self.in_features, self.out_features), bound, "W", dtype, device, "Linear")
        self.b = uniform((self.out_features,), bound, "b", dtype, device, "Linear") if bias else None

    def forward(self, x):
        if getattr(x, "ndim", 0) == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear: input {tuple(getattr(x, 'shape', ()))} must be "
                             f"[..., in_features={self.in_features}]")
        y = x @ self.W
        return y + self.b if self.b is not None else y


class Embedding(Module):
    """E[ids]: row ``i`` of the table E (num, dim) is the vector of word ``i``."""

    def __init__(self, num, dim, dtype="float64", device="cpu"):
        self.num = positive_int("Embedding", "num", num)
        self.dim = positive_int("Embedding", "dim", dim)
        shape = (self.num, self.dim)
        self.E = parameter(_drawn(lambda: generator().standard_normal(shape), shape, "E",
                                  "Embedding"), "E", dtype, device)

    def forward(self, ids):
        ids_array = ids._data if isinstance(ids, Tensor) else self.E._xp.asarray(ids)
        if ids_array.dtype.kind not in "iu":
            raise TypeError(f"Embedding: ids must be integers, got dtype {ids_array.dtype}")
        if ids_array.size and (int(ids_array.min()) < 0 or int(ids_array.max()) >= self.num):
            raise IndexError(f"Embedding: ids must lie in [0, {self.num}), got values from "
                             f"{int(ids_array.min())} to {int(ids_array.max())}")
        return self.E[ids_array]
