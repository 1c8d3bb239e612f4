"""``Tensor``: an array, the op that made it and its input tensors, and ``backward``.

Every op on tensors records a node (see ``function.py``); ``backward`` runs the backward pass
(``autograd.py``) over the recorded graph.

A tensor's array is never changed in place. On the CPU it is read-only once handed out (by
``.data``, or to a user-defined op), so ``W.data[0] = 1`` fails at the write. To give a tensor
new values on purpose (an optimizer step, loading weights), ``assign`` replaces its array and
counts a new version: arrays that ops saved for the backward pass keep the values the forward
pass used, and a backward pass over a graph that used the old version refuses to run
(``StaleValueError``) instead of mixing old and new values. See docs/autodiff.md.
"""
import numbers

import numpy

from . import backend, ops
from .autograd import backpropagate, collector_paused, topological_order  # noqa: F401
from .errors import DTypeError, ShapeError, describe
from .function import Node
from .origin import capture as capture_origin
from .state import STATE, scope_path_now

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site

DEFAULT_DTYPE = "float64"
_NDARRAY, _freeze = numpy.ndarray, numpy.ndarray.setflags
_new = object.__new__


class Tensor(Node):
    """An array that remembers how it was computed.

    ``Tensor(data, requires_grad=False, name=None, dtype=None, device="cpu")``; ``dtype``
    defaults to float64 so that gradients can be checked by finite differences (a float array
    keeps its own float dtype). ``data`` is copied: the tensor never shares the caller's array.
    """
    __slots__ = ("_data", "grad", "requires_grad", "name", "device", "scope", "origin", "_ctx",
                 "_xp", "_index", "_changes", "__weakref__")
    __array_ufunc__ = None  # ``ndarray * tensor`` defers to Tensor.__rmul__

    def __init__(self, data, requires_grad=False, name=None, dtype=None, device="cpu"):
        if isinstance(data, Tensor):
            data = data._data
        if dtype is None:  # float64 by default; float arrays keep their own float dtype
            given = getattr(data, "dtype", None)
            dtype = given if given is not None and backend.is_float(given) else DEFAULT_DTYPE
        try:
            self._data = backend.freeze(backend.as_array(data, dtype, device, copy=True))
        except DTypeError as exc:
            if name:  # say which tensor
                exc.args = (str(exc).replace("Tensor:", f"Tensor {name!r}:", 1),)
            raise
        if requires_grad and not backend.is_float(self._data.dtype):
            raise DTypeError(f"Tensor{' ' + repr(name) if name else ''}: requires_grad=True "
                             f"needs a float dtype, got {self._data.dtype} (pass dtype='float64')")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.device = device
        self.scope = scope_path_now()
        self.origin = capture_origin()  # (file, line, function) in the user's code
        self._ctx = None
        self._xp = backend.array_module(device)
        self._changes = None

    @classmethod
    def _node(cls, data, device, xp, ctx, requires_grad, origin):
        """A tensor made by an op (``ctx``), without ``__init__``'s conversions and checks."""
        t = _new(cls)
        t._data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.name = None
        t.device = device
        t.scope = scope_path_now()
        t.origin = origin
        t._ctx = ctx
        t._xp = xp
        t._changes = None
        return t

    @classmethod
    def _constant(cls, value, like, op):
        """A number or array met in op ``op`` with ``like``: a constant leaf of ``like``'s dtype
        (so ``x32 * 2.0`` and ``x32 + numpy_float64_array`` stay float32). An array is copied:
        reusing the caller's buffer afterwards cannot change what the op saved."""
        dtype = like._data.dtype
        if isinstance(value, (int, float)) and not isinstance(value, bool) and dtype.kind == "f":
            data = like._xp.asarray(value, dtype=dtype)
        else:
            data = backend.as_array(value, None, like.device, copy=True, who=op)
            if data.dtype != dtype and (data.dtype.kind in "biuf" and dtype.kind == "f"):
                data = data.astype(dtype)
        return cls._node(data, like.device, like._xp, None, False, None)

    # ---- the values, and changing them on purpose -----------------------------------------
    @property
    def data(self):
        """The array (read-only on the CPU). To change it, use ``assign``."""
        data = self._data
        if type(data) is _NDARRAY:  # frozen when handed out (see backend.freeze)
            _freeze(data, False)
        return data

    @data.setter
    def data(self, value):
        self.assign(value)

    def assign(self, value):
        """Give this tensor new values on purpose (an optimizer step, loaded weights): ``value``
        (same shape; converted to this tensor's dtype and device, and copied) replaces the
        array, and the tensor's ``version`` goes up. Graphs recorded with the old values keep
        them; their backward pass refuses to run. ``t.data = value`` does the same. Returns t."""
        who = f"assign to {describe(self)}"
        array = backend.as_array(value._data if isinstance(value, Tensor) else value,
                                 self._data.dtype, self.device, copy=True, who=who)
        if array.shape != self._data.shape:
            raise ShapeError(f"{who}: the new value has shape {tuple(array.shape)}; a tensor "
                             "keeps its shape (make a new Tensor for another shape)")
        self._replace(array)
        return self

    def _replace(self, array, device=None):
        """The one place where a tensor gets a new array: frozen, with a new version."""
        if device is not None:
            self.device, self._xp = device, backend.array_module(device)
        STATE.generation += 1
        self._data = backend.freeze(array)
        self._changes = (self.version + 1, STATE.generation, capture_origin())

    @property
    def version(self):
        """How many times the values were replaced (``assign``) since the tensor was made."""
        return 0 if self._changes is None else self._changes[0]

    # ---- what the graph records -------------------------------------------------------
    @property
    def op(self):
        """Name of the primitive that made this tensor (``"matmul"``, ``"tanh"``), None for a leaf."""
        return None if self._ctx is None else self._ctx.name

    @property
    def inputs(self):
        """The parent tensors, in argument order (``x * x`` lists ``x`` twice)."""
        return () if self._ctx is None else self._ctx.inputs

    @property
    def function(self):
        """The op object that made this tensor (its ``saved`` arrays and ``params``), or None."""
        return self._ctx

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def size(self):
        return self._data.size

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        """Python's truth of a one-element tensor (as NumPy and PyTorch); ambiguous otherwise."""
        if self._data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {tuple(self.shape)} is "
                             "ambiguous: use t.data.any() or t.data.all()")
        return bool(self._data)

    def __array_function__(self, func, types, args, kwargs):
        name = getattr(func, "__name__", "function")
        raise TypeError(f"numpy.{name} does not take Tensors (it would not be recorded in the "
                        "graph): use the tensor's methods (t.sum(), t.mean(), t.max(), t.tanh()) "
                        f"or tr's functions (tr.stack, tr.concat), or numpy.{name}(t.numpy()) "
                        "for plain numbers")

    def __repr__(self):
        parts = [f"shape={tuple(self.shape)}", f"dtype={self.dtype}"]
        if self.name:
            parts.insert(0, f"name={self.name!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.requires_grad:
            parts.append("requires_grad=True")
        if self.device != "cpu":
            parts.append(f"device={self.device!r}")
        return f"Tensor({', '.join(parts)})"

    # ---- autodiff ---------------------------------------------------------------------
    def backward(self, grad=None, retain_grads=True, hooks=(), write_grads=True):
        """Accumulate dL/d(node) into ``.grad`` of every node that requires grad.

        ``self`` is L. A non-scalar L needs ``grad`` (dL'/dL, same shape as L). Intermediate nodes
        keep their gradients too, so a student can inspect dL/ds_t at every step (and drawings
        can colour them); ``retain_grads=False`` fills only the leaves' ``.grad`` (parameters),
        which saves memory and time in a training loop with large arrays. ``hooks``:
        ``autograd.BackwardHook`` objects that watch every step; ``write_grads=False`` writes no
        ``.grad`` at all (the hooks see every gradient).
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad (no input of its graph "
                               "had requires_grad=True, or it was made under no_grad)")
        if grad is None:
            if self._data.size != 1:
                raise ShapeError(f"backward: a non-scalar tensor of shape {tuple(self.shape)} needs "
                                 "grad= of the same shape (or call .sum().backward())")
            grad = self._xp.ones_like(self._data)
        else:
            grad = backend.as_array(grad._data if isinstance(grad, Tensor) else grad,
                                    self._data.dtype, self.device, copy=True, who="backward: grad")
            if grad.shape != self.shape:
                raise ShapeError(f"backward: grad has shape {tuple(grad.shape)} but the tensor has "
                                 f"shape {tuple(self.shape)}")
        with collector_paused():  # (part of the fast path: see autograd.collector_paused)
            backpropagate(self, grad, retain_grads, write_grads, hooks)

    def zero_grad(self):
        self.grad = None

    def detach(self):
        """The same values as a new leaf: the graph is cut here (truncated BPTT)."""
        t = Tensor._node(self._data, self.device, self._xp, None, False, capture_origin())
        t.name = self.name
        return t

    def numpy(self):
        """A host NumPy copy of the data."""
        return backend.to_numpy(self._data)

    def item(self):
        if self._data.size != 1:
            raise ShapeError(f"item: needs a tensor with one element, got shape {tuple(self.shape)}")
        return self._data.reshape(-1)[0].item()

    def to(self, device):
        """This tensor's data on ``device`` (``"cpu"``, ``"cuda"``) as a new leaf with the same
        name, dtype and requires_grad; the same tensor if it is there already. Like ``detach``,
        the result has no graph: move parameters and inputs, not intermediate results."""
        if device == self.device:
            return self
        backend.array_module(device)  # a clear error for a device that is not available
        data = self._data if self.device == backend.CPU else backend.to_numpy(self._data)
        return Tensor(data, requires_grad=self.requires_grad, name=self.name,
                      dtype=self._data.dtype, device=device)

    # ---- ops, written out so they can be found ------------------------------------------
    def __add__(self, other): return ops.Add.apply(self, other)
    def __radd__(self, other): return ops.Add.apply(other, self)
    def __sub__(self, other): return ops.Sub.apply(self, other)
    def __rsub__(self, other): return ops.Sub.apply(other, self)
    def __mul__(self, other): return ops.Mul.apply(self, other)
    def __rmul__(self, other): return ops.Mul.apply(other, self)
    def __truediv__(self, other): return ops.Div.apply(self, other)
    def __rtruediv__(self, other): return ops.Div.apply(other, self)
    def __neg__(self): return ops.Neg.apply(self)
    def __matmul__(self, other): return ops.MatMul.apply(self, other)
    def __rmatmul__(self, other): return ops.MatMul.apply(other, self)
    def __getitem__(self, index): return ops.GetItem.apply(self, index=index)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"pow: the exponent must be a real number (int or float), got "
                            f"{type(exponent).__name__}")
        return ops.Pow.apply(self, exponent=exponent)

    def exp(self): return ops.Exp.apply(self)
    def log(self): return ops.Log.apply(self)
    def tanh(self): return ops.Tanh.apply(self)
    def sigmoid(self): return ops.Sigmoid.apply(self)
    def relu(self): return ops.Relu.apply(self)
    def sum(self, axis=None, keepdims=False): return ops.Sum.apply(self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return ops.Mean.apply(self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return ops.Reshape.apply(self, shape=tuple(shape))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return ops.Transpose.apply(self, axes=tuple(axes) or None)
