"""``Tensor``: an array, the op that made it and its input tensors, and ``backward``.

Every op on tensors records a node (see ``function.py``); ``backward`` walks the recorded graph in
reverse topological order and applies each op's vector-Jacobian product. Walking is iterative
(an explicit stack), so an RNN unrolled over thousands of steps backprops without recursion.
"""
import contextlib
import gc

import numpy

from . import backend
from .errors import DTypeError, ShapeError
from .origin import capture as capture_origin
from .state import STATE

DEFAULT_DTYPE = numpy.float64


class Tensor:
    """An array that remembers how it was computed.

    ``Tensor(data, requires_grad=False, name=None, dtype=None, device="cpu")``; ``dtype``
    defaults to float64 so that gradients can be checked by finite differences (a float array
    keeps its own float dtype). ``data`` is copied: changing the tensor (an optimizer step) never
    changes the caller's array.
    """
    __slots__ = ("data", "grad", "requires_grad", "name", "device", "scope", "origin", "_ctx",
                 "_xp", "__weakref__")
    __array_ufunc__ = None  # ``ndarray * tensor`` defers to Tensor.__rmul__

    def __init__(self, data, requires_grad=False, name=None, dtype=None, device="cpu"):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is None:  # float64 by default; float arrays keep their own float dtype
            given = getattr(data, "dtype", None)
            dtype = given if given is not None and backend.is_float(given) else DEFAULT_DTYPE
        self.data = backend.as_array(data, dtype, device)
        if self.data is data:  # never share the caller's array: optimizers update it in place
            self.data = data.copy()
        if requires_grad and not backend.is_float(self.data.dtype):
            raise DTypeError(f"Tensor{' ' + repr(name) if name else ''}: requires_grad=True needs a "
                             f"float dtype, got {self.data.dtype} (pass dtype='float64')")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.device = device
        self.scope = STATE.scope
        self.origin = capture_origin()  # (file, line, function) in the user's code
        self._ctx = None
        self._xp = backend.array_module(device)

    @classmethod
    def _node(cls, data, device, xp, ctx, requires_grad, origin):
        """A tensor made by an op (``ctx``), without ``__init__``'s conversions and checks."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.name = None
        t.device = device
        t.scope = STATE.scope
        t.origin = origin
        t._ctx = ctx
        t._xp = xp
        return t

    @classmethod
    def _constant(cls, value, like):
        """A number or array met in an op with ``like``: a constant leaf of ``like``'s dtype
        (so ``x32 * 2.0`` and ``x32 + numpy_float64_array`` stay float32)."""
        xp = like._xp
        dtype = like.data.dtype
        if isinstance(value, (int, float)):
            data = xp.asarray(value, dtype=dtype)
        else:
            data = backend.as_array(value, None, like.device)
            if data.dtype != dtype and (data.dtype.kind in "biuf" and dtype.kind == "f"):
                data = data.astype(dtype)
        return cls._node(data, like.device, xp, None, False, None)

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
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

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
    def backward(self, grad=None, retain_grads=True):
        """Accumulate dL/d(node) into ``.grad`` of every node that requires grad.

        ``self`` is L. A non-scalar L needs ``grad`` (dL'/dL, same shape as L). Intermediate nodes
        keep their gradients too, so a student can inspect dL/ds_t at every step (and drawings
        can colour them); ``retain_grads=False`` fills only the leaves' ``.grad`` (parameters),
        which saves memory and time in a training loop with large arrays.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad (no input of its graph "
                               "had requires_grad=True, or it was made under no_grad)")
        if grad is None:
            if self.data.size != 1:
                raise ShapeError(f"backward: a non-scalar tensor of shape {tuple(self.shape)} needs "
                                 "grad= of the same shape (or call .sum().backward())")
            grad = self._xp.ones_like(self.data)
        else:
            grad = backend.as_array(grad.data if isinstance(grad, Tensor) else grad,
                                    self.data.dtype, self.device)
            if grad.shape != self.shape:
                raise ShapeError(f"backward: grad has shape {tuple(grad.shape)} but the tensor has "
                                 f"shape {tuple(self.shape)}")
        with collector_paused():
            _backpropagate(self, grad, retain_grads)

    def zero_grad(self):
        self.grad = None

    def detach(self):
        """The same data as a new leaf: the graph is cut here (truncated BPTT)."""
        t = Tensor._node(self.data, self.device, self._xp, None, False, capture_origin())
        t.name = self.name
        return t

    def numpy(self):
        """A host NumPy copy of the data."""
        return backend.to_numpy(self.data)

    def item(self):
        if self.data.size != 1:
            raise ShapeError(f"item: needs a tensor with one element, got shape {tuple(self.shape)}")
        return self.data.reshape(-1)[0].item()

    def to(self, device):
        """This tensor's data on ``device`` (``"cpu"``, ``"cuda"``) as a new leaf with the same
        name, dtype and requires_grad; the same tensor if it is there already. Like ``detach``,
        the result has no graph: move parameters and inputs, not intermediate results."""
        if device == self.device:
            return self
        backend.array_module(device)  # a clear error for a device that is not available
        data = self.data if self.device == backend.CPU else backend.to_numpy(self.data)
        return Tensor(data, requires_grad=self.requires_grad, name=self.name,
                      dtype=self.data.dtype, device=device)

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
        if isinstance(exponent, Tensor):
            raise TypeError("pow: the exponent must be a Python number, not a Tensor")
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


def _backpropagate(root, grad, retain_grads):
    """The reverse sweep of ``backward``: each node's dL/d(node) is complete when its turn comes.

    Gradients reaching one tensor from several uses (a weight shared by every step) are summed
    in place, into an array this sweep allocated itself (``owned``): never into an array an op
    returned, which may be another node's gradient or a view of it.
    """
    grads, owned = {root: grad}, set()
    for node in reversed(topological_order(root)):
        g = grads.pop(node, None)
        if g is None:
            continue
        ctx = node._ctx
        if ctx is None:  # a leaf keeps its own array (never shared with another node)
            if node.grad is not None:
                node.grad = node.grad + g
            else:
                node.grad = g if node in owned else node._xp.array(g)
            continue
        if retain_grads:
            node.grad = g if node.grad is None else node.grad + g
        if ctx.backward_into is not None:  # getitem: adds dL/db into a's gradient at the index
            inp = ctx.inputs[0]
            if inp.requires_grad:
                buffer = grads.get(inp)
                if buffer is None:
                    buffer = ctx.xp.zeros(inp.data.shape, dtype=inp.data.dtype)
                elif inp not in owned:
                    buffer = ctx.xp.array(buffer)
                ctx.backward_into(g, buffer)
                grads[inp] = buffer
                owned.add(inp)
            continue
        for inp, g_in in zip(ctx.inputs, ctx.backward(g)):
            if g_in is None or not inp.requires_grad:
                continue
            data = inp.data
            if g_in.shape != data.shape:
                g_in = _sum_to_shape(ctx.xp, g_in, data.shape)
            # a float32 input of a float64 op gets a float32 gradient ("is": the fast path)
            if g_in.dtype is not data.dtype and g_in.dtype != data.dtype:
                g_in = g_in.astype(data.dtype)
            prev = grads.get(inp)
            if prev is None:
                grads[inp] = g_in
            elif inp in owned:
                prev += g_in
            else:
                grads[inp] = total = prev + g_in
                if total.ndim:  # (NumPy's 0-d sums are scalars, which do not add in place)
                    owned.add(inp)


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cycle collector while a graph is built or swept. The graph has no
    reference cycles (output -> op -> inputs), so reference counting frees it; the collector
    would only walk its many new objects again and again (measured: it doubled the forward of a
    2000-step LSTM). The previous setting is restored, even after an error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def topological_order(roots, requires_grad_only=True):
    """The nodes of the graph behind ``roots`` (a tensor or a list of them), each after all of
    its inputs: those that require grad (what ``backward`` visits), or with
    ``requires_grad_only=False`` every node (leaves and constants too: what drawings show).

    Iterative depth-first search with an explicit stack (no recursion limit): a node is appended
    once all of its inputs have been appended.
    """
    if isinstance(roots, Tensor):
        roots = (roots,)
    order, visited = [], set()
    stack = [(root, False) for root in reversed(roots)]
    pop, push = stack.pop, stack.append
    while stack:
        node, expanded = pop()
        if expanded:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            push((node, True))
            ctx = node._ctx
            if ctx is not None:
                for inp in reversed(ctx.inputs):
                    if inp not in visited and (inp.requires_grad or not requires_grad_only):
                        push((inp, False))
    return order


from . import ops  # noqa: E402  (ops need Tensor defined first)
from .function import sum_to_shape as _sum_to_shape  # noqa: E402
