"""Reductions over axes: sum, mean and max (ties share the gradient equally)."""
import numbers

from ..errors import ShapeError
from ..function import Function

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site

_AXES = [(((3, 4),), {}), (((3, 4),), {"axis": 0}), (((2, 3, 4),), {"axis": (0, 2), "keepdims": True}),
         (((2, 3, 4),), {"axis": -1}), (((3, 4),), {"keepdims": True}),
         (((2, 3, 4),), {"axis": (-1, 0)})]


def _check_axis(op, axis, ndim):
    """``axis`` must be None, an int or a tuple of distinct ints in range for ``ndim`` axes
    (NumPy would also take axis 0 of a 0-d array)."""
    if axis is None:
        return
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}")
    if any(not -ndim <= a < ndim for a in axes) or len({a % ndim for a in axes}) < len(axes):
        raise ShapeError(f"{op}: axis {axis!r} does not fit a tensor of {ndim} dims (allowed: "
                         f"distinct axes from {-ndim} to {ndim - 1})")


def _expand(xp, grad, shape, axis, keepdims):
    """Put back the reduced axes of ``grad`` as length-1 axes, ready to broadcast to ``shape``."""
    if keepdims:
        return grad
    if axis is None:
        return grad.reshape((1,) * len(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    for a in sorted(a % len(shape) for a in axes):
        grad = xp.expand_dims(grad, a)
    return grad


class Sum(Function):
    """s = sum(a over axis);   dL/da = dL/ds, copied along the summed axes"""
    cases = _AXES

    def forward(self, a, axis=None, keepdims=False):
        _check_axis("sum", axis, a.ndim)
        self.save(shape=a.shape)
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, ds):
        shape = self.saved["shape"]
        g = _expand(self.xp, ds, shape, self.params.get("axis"), self.params.get("keepdims", False))
        return (self.xp.broadcast_to(g, shape),)


class Mean(Function):
    """m = sum(a over axis) / n;   dL/da = dL/dm / n, copied along the averaged axes"""
    cases = _AXES

    def forward(self, a, axis=None, keepdims=False):
        _check_axis("mean", axis, a.ndim)
        m = a.mean(axis=axis, keepdims=keepdims)
        self.save(shape=a.shape, n=a.size // max(m.size, 1))
        return m

    def backward(self, dm):
        shape, n = self.saved["shape"], self.saved["n"]
        g = _expand(self.xp, dm, shape, self.params.get("axis"), self.params.get("keepdims", False))
        return (self.xp.broadcast_to(g / n, shape),)


class Max(Function):
    """m = max(a over axis);   dL/da = dL/dm / k at each of the k tied maxima, 0 elsewhere"""
    cases = _AXES

    def forward(self, a, axis=None, keepdims=False):
        _check_axis("max", axis, a.ndim)
        m = a.max(axis=axis, keepdims=True)
        is_max = a == m
        self.save(is_max=is_max, count=is_max.sum(axis=axis, keepdims=True))
        return m if keepdims else (m.reshape(()) if axis is None else self.xp.squeeze(m, axis=axis))

    def backward(self, dm):
        is_max, count = self.saved["is_max"], self.saved["count"]
        g = _expand(self.xp, dm, is_max.shape, self.params.get("axis"), self.params.get("keepdims", False))
        return (g * is_max / count,)
