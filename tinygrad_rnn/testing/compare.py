"""Comparing gradients: ``rel_error`` and ``assert_grad_close`` (on tensors, arrays of any
backend, or numbers; compared on the host in float64)."""
import numpy

from .. import backend
from ..tensor import Tensor


def as_host(x):
    if isinstance(x, Tensor):
        x = x.data
    return numpy.asarray(backend.to_numpy(x) if not isinstance(x, numpy.ndarray) else x, dtype=float)


def rel_error(x, y, eps=1e-12):
    """max over elements of |x - y| / max(|x| + |y|, eps) (tensors, arrays or numbers)."""
    x, y = as_host(x), as_host(y)
    return float(numpy.max(numpy.abs(x - y) / numpy.maximum(numpy.abs(x) + numpy.abs(y), eps),
                           initial=0.0))


def assert_grad_close(actual, expected, rtol=1e-5, atol=1e-8, name="gradient"):
    """Raise ``AssertionError`` naming the shape or the worst index, both values, the relative
    error, unless |actual - expected| <= atol + rtol |expected| everywhere."""
    if actual is None:
        raise AssertionError(f"{name}: got None (was backward() called, and does the graph reach it?)")
    a, e = as_host(actual), as_host(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{name}: shape {a.shape}, expected {e.shape}")
    excess = numpy.abs(a - e) - (atol + rtol * numpy.abs(e))
    bad = ~numpy.isfinite(a)
    if a.size and (bad.any() or excess.max() > 0):
        at = numpy.unravel_index(numpy.argmax(bad) if bad.any() else numpy.argmax(excess), a.shape)
        where = tuple(int(i) for i in at)
        raise AssertionError(f"{name}: wrong at index {where}: expected {e[at]:.8g}, got {a[at]:.8g} "
                             f"(relative error {rel_error(a, e):.2e}; rtol={rtol}, atol={atol})")
