"""Functions on tensors that are not methods: concat, stack, split, softmax and the losses."""
from .errors import DTypeError, ShapeError
from .ops import Concat, CrossEntropy, LogSoftmax, MSE, Softmax, Stack
from .tensor import Tensor


def _tensors(ts, op):
    ts = list(ts)
    if not ts:
        raise ValueError(f"{op}: needs at least one tensor")
    return ts


def concat(ts, axis=0):
    """Join tensors along an existing axis."""
    return Concat.apply(*_tensors(ts, "concat"), axis=axis)


def stack(ts, axis=0):
    """Join same-shaped tensors along a new axis."""
    return Stack.apply(*_tensors(ts, "stack"), axis=axis)


def split(t, n_or_sizes, axis=0):
    """Cut ``t`` along ``axis`` into ``n`` equal parts or parts of the given sizes (getitem ops)."""
    length = t.shape[axis]
    if isinstance(n_or_sizes, int):
        if n_or_sizes <= 0 or length % n_or_sizes:
            raise ShapeError(f"split: cannot cut axis {axis} of length {length} of {tuple(t.shape)} "
                             f"into {n_or_sizes} equal parts")
        sizes = [length // n_or_sizes] * n_or_sizes
    else:
        sizes = list(n_or_sizes)
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ShapeError(f"split: sizes {sizes} do not add up to axis {axis} of length {length} "
                             f"of {tuple(t.shape)}")
    axis = axis % t.ndim
    parts, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + size),)
        parts.append(t[index])
        start += size
    return parts


def softmax(t, axis=-1):
    return Softmax.apply(t, axis=axis)


def log_softmax(t, axis=-1):
    return LogSoftmax.apply(t, axis=axis)


def cross_entropy(logits, targets, ignore_index=None):
    """Mean over positions of -log softmax(logits)[target]; ``targets`` are integer classes
    of shape ``logits.shape[:-1]`` (positions equal to ``ignore_index`` are left out)."""
    if isinstance(targets, Tensor):
        targets = targets.data
    xp = logits._xp
    targets = xp.asarray(targets)
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
    """Mean squared error: mean((pred - target)**2)."""
    return MSE.apply(pred, target)
