"""Functions on tensors that are not methods: concat, stack, split, unstack, softmax, losses.

Each checks its arguments first and names the one that is wrong and what is allowed.
"""
import numbers

from .errors import DTypeError, ShapeError
from .ops import Concat, CrossEntropy, LogSoftmax, MSE, Softmax, Stack, Unstack
from .tensor import Tensor

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site


def _tensor(t, op, what="the input"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(t).__name__}")
    return t


def _is_int(n):
    return type(n) is int or (isinstance(n, numbers.Integral) and not isinstance(n, bool))


def _axis(axis, ndim, op, shape):
    """``axis`` as a non-negative int in range for ``ndim`` axes."""
    if not _is_int(axis):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for {shape} (allowed: "
                         f"{-ndim} to {ndim - 1})")
    return int(axis) % ndim


def _tensors(ts, op):
    if isinstance(ts, Tensor):
        raise TypeError(f"{op}: takes a list of tensors, got one Tensor (wrap it: [t])")
    ts = list(ts)
    if not ts:
        raise ValueError(f"{op}: needs at least one tensor")
    if not any(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"{op}: needs at least one Tensor in the list")
    return ts


def _ndim(t):
    return t.ndim if isinstance(t, Tensor) else len(getattr(t, "shape", ()))


def concat(ts, axis=0):
    """Join tensors along an existing axis."""
    ts = _tensors(ts, "concat")
    ndim = _ndim(next(t for t in ts if isinstance(t, Tensor)))
    if ndim == 0:
        raise ShapeError("concat: cannot join 0-d tensors along an axis (use tr.stack to make "
                         "a new axis)")
    _axis(axis, ndim, "concat", f"tensors of {ndim} dims")
    return Concat.apply(*ts, axis=axis)


def stack(ts, axis=0):
    """Join same-shaped tensors along a new axis."""
    ts = _tensors(ts, "stack")
    ndim = _ndim(next(t for t in ts if isinstance(t, Tensor))) + 1
    _axis(axis, ndim, "stack", f"a result of {ndim} dims")
    return Stack.apply(*ts, axis=axis)


def unstack(t, axis=0):
    """The slices of ``t`` along ``axis`` as a tuple of tensors (the inverse of ``stack``):
    one op with several outputs, whose backward stacks their gradients back in one array."""
    _tensor(t, "unstack")
    if t.ndim == 0:
        raise ShapeError("unstack: cannot unstack a 0-d tensor")
    _axis(axis, t.ndim, "unstack", tuple(t.shape))
    return Unstack.apply(t, axis=axis)


def split(t, n_or_sizes, axis=0):
    """Cut ``t`` along ``axis`` into ``n`` equal parts or parts of the given sizes (getitem ops)."""
    _tensor(t, "split")
    if t.ndim == 0:
        raise ShapeError("split: cannot split a 0-d tensor")
    axis = _axis(axis, t.ndim, "split", tuple(t.shape))
    length = t.shape[axis]
    if _is_int(n_or_sizes):
        if n_or_sizes <= 0 or length % n_or_sizes:
            raise ShapeError(f"split: cannot cut axis {axis} of length {length} of {tuple(t.shape)} "
                             f"into {n_or_sizes} equal parts")
        sizes = [length // int(n_or_sizes)] * int(n_or_sizes)
    else:
        try:
            sizes = list(n_or_sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(_is_int(s) for s in sizes):
            raise TypeError(f"split: n_or_sizes must be an int (equal parts) or a list of ints "
                            f"(the sizes), got {n_or_sizes!r}")
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ShapeError(f"split: sizes {sizes} do not add up to axis {axis} of length {length} "
                             f"of {tuple(t.shape)}")
    return [t[index] for index in _split_indices(axis, tuple(sizes))]


_SPLITS = {}   # (axis, sizes) -> the index of every part


def _split_indices(axis, sizes):
    """The index tuples of ``split``'s parts, made once per (axis, sizes): every step of an
    unrolled LSTM splits the same way, and new tuples and slices for each step would be more
    objects for the cycle collector to walk (they are never changed, so they can be shared)."""
    found = _SPLITS.get((axis, sizes))
    if found is None:
        found, start = [], 0
        for size in sizes:
            found.append((slice(None),) * axis + (slice(start, start + size),))
            start += size
        if len(_SPLITS) > 1000:
            _SPLITS.clear()
        _SPLITS[(axis, sizes)] = found
    return found


def softmax(t, axis=-1):
    _tensor(t, "softmax")
    _axis(axis, max(t.ndim, 1), "softmax", tuple(t.shape))
    return Softmax.apply(t, axis=axis)


def log_softmax(t, axis=-1):
    _tensor(t, "log_softmax")
    _axis(axis, max(t.ndim, 1), "log_softmax", tuple(t.shape))
    return LogSoftmax.apply(t, axis=axis)


def cross_entropy(logits, targets, ignore_index=None):
    """Mean over positions of -log softmax(logits)[target]; ``targets`` are integer classes
    of shape ``logits.shape[:-1]`` (positions equal to ``ignore_index`` are left out)."""
    _tensor(logits, "cross_entropy", "logits")
    if logits.ndim == 0:
        raise ShapeError("cross_entropy: logits must have at least one axis (the classes, last), "
                         "got a 0-d tensor")
    if isinstance(targets, Tensor):
        targets = targets._data
    xp = logits._xp
    try:  # a copy: reusing the caller's array cannot change what the op keeps
        targets = xp.array(targets)
    except (TypeError, ValueError) as exc:
        raise DTypeError(f"cross_entropy: targets must be integer class indices: {exc}") from None
    if targets.dtype.kind not in "iu":
        raise DTypeError(f"cross_entropy: targets must be integer class indices, got dtype "
                         f"{targets.dtype} (e.g. Tensor(ids, dtype='int64') or a list of ints)")
    if targets.shape != logits.shape[:-1]:
        raise ShapeError(f"cross_entropy: logits {tuple(logits.shape)} need targets of shape "
                         f"{tuple(logits.shape[:-1])}, got {tuple(targets.shape)}")
    valid = targets if ignore_index is None else targets[targets != ignore_index]
    n_classes = logits.shape[-1]
    if valid.size and (int(valid.min()) < 0 or int(valid.max()) >= n_classes):
        raise ValueError(f"cross_entropy: targets must lie in [0, {n_classes}) for logits "
                         f"{tuple(logits.shape)}, got values from {int(valid.min())} to {int(valid.max())}")
    return CrossEntropy.apply(logits, targets=targets, ignore_index=ignore_index)


def mse(pred, target):
    """Mean squared error: mean((pred - target)**2); ``pred`` and ``target`` of one shape."""
    return MSE.apply(pred, target)
