"""``gradcheck``: analytic gradients against central finite differences, in float64."""
import contextlib

import numpy

from . import backend
from .errors import DTypeError, GradcheckError
from .state import no_grad
from .tensor import Tensor


def _scalar(out, projections):
    """The output reduced to one number: itself if scalar, else a fixed random projection (an
    op with several outputs: the sum of one projection per output)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    total = None
    for o, p in zip(outs, projections):
        term = o if p is None else (o * p).sum()
        total = term if total is None else total + term
    return total


def _projections(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if not outs or not all(isinstance(o, Tensor) for o in outs):
        raise TypeError(f"gradcheck: fn must return a Tensor (or a tuple of them), got "
                        f"{type(out).__name__}")
    rng = numpy.random.default_rng(1234)
    single = len(outs) == 1
    return [None if single and o.size == 1 else
            Tensor(rng.standard_normal(o.shape), device=o.device) for o in outs]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check ``fn(*inputs)``'s gradients for every input that requires grad.

    Returns True, or raises ``GradcheckError`` naming the input, the worst index and both values.
    The inputs' own ``.grad`` (and values) are left as they were.
    """
    inputs = list(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            raise DTypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need "
                             "float64 (Tensor(..., dtype='float64'))")
    kept_grads = [inputs[i].grad for i in checked]
    try:
        out = fn(*inputs)
        projections = _projections(out)
        for i in checked:
            inputs[i].grad = None
        _scalar(out, projections).backward()
        for i in checked:
            x = inputs[i]
            analytic = backend.to_numpy(x.grad) if x.grad is not None else numpy.zeros(x.shape)
            numeric = _finite_differences(fn, inputs, x, projections, eps)
            _compare(analytic, numeric, i, x, atol, rtol)
    finally:
        for i, g in zip(checked, kept_grads):
            inputs[i].grad = g
    return True


@contextlib.contextmanager
def perturbing(tensor):
    """For finite differences: a writeable copy of ``tensor``'s values, used by ``tensor`` for
    the duration of the block (only under ``no_grad``, so no graph records it); the original
    array comes back afterwards, unchanged, so nothing recorded before goes stale. Yields the
    copy, flattened: write ``flat[k] = value`` and evaluate."""
    kept = tensor._data
    work = tensor._xp.array(kept)  # contiguous and writeable
    tensor._data = work
    try:
        with no_grad():
            yield work.reshape(-1)
    finally:
        tensor._data = kept


def _finite_differences(fn, inputs, x, projections, eps):
    numeric = numpy.zeros(x.shape)
    flat_numeric = numeric.reshape(-1)
    with perturbing(x) as flat:
        for k in range(flat.size):
            original = flat[k].item()
            flat[k] = original + eps
            plus = _scalar(fn(*inputs), projections).item()
            flat[k] = original - eps
            minus = _scalar(fn(*inputs), projections).item()
            flat[k] = original
            flat_numeric[k] = (plus - minus) / (2 * eps)
    return numeric


def _compare(analytic, numeric, i, x, atol, rtol):
    excess = numpy.abs(analytic - numeric) - (atol + rtol * numpy.abs(numeric))
    bad = ~(numpy.isfinite(analytic) & numpy.isfinite(numeric))
    if excess.size and (bad.any() or excess.max() > 0):
        worst = numpy.unravel_index(numpy.argmax(bad) if bad.any() else numpy.argmax(excess), x.shape)
        label = f"input {i}" + (f" ({x.name!r})" if x.name else "") + f" of shape {tuple(x.shape)}"
        raise GradcheckError(
            f"gradcheck: {label}: gradient wrong at index {tuple(int(j) for j in worst)}: "
            f"analytic {analytic[worst]:.10g}, numeric {numeric[worst]:.10g} "
            f"(atol={atol}, rtol={rtol})")
