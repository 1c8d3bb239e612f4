"""``gradcheck``: analytic gradients against central finite differences, in float64."""
import numpy

from . import backend
from .errors import DTypeError, GradcheckError
from .state import no_grad
from .tensor import Tensor


def _scalar(out, projection):
    """The output reduced to one number: itself if scalar, else a fixed random projection."""
    return out if projection is None else (out * projection).sum()


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check ``fn(*inputs)``'s gradients for every input that requires grad.

    Returns True, or raises ``GradcheckError`` naming the input, the worst index and both values.
    The inputs' own ``.grad`` is left as it was.
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
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
        projection = None
        if out.data.size != 1:
            rng = numpy.random.default_rng(1234)
            projection = Tensor(rng.standard_normal(out.shape), device=out.device)
        for i in checked:
            inputs[i].grad = None
        _scalar(out, projection).backward()
        for i in checked:
            x = inputs[i]
            analytic = backend.to_numpy(x.grad) if x.grad is not None else numpy.zeros(x.shape)
            numeric = _finite_differences(fn, inputs, x, projection, eps)
            _compare(analytic, numeric, i, x, atol, rtol)
    finally:
        for i, g in zip(checked, kept_grads):
            inputs[i].grad = g
    return True


def _finite_differences(fn, inputs, x, projection, eps):
    numeric = numpy.zeros(x.shape)
    kept = x.data
    x.data = kept.copy()  # contiguous and writeable, so that ``flat`` is a view of x's data
    flat = x.data.reshape(-1)
    try:
        _perturb(fn, inputs, flat, numeric.reshape(-1), projection, eps)
    finally:
        x.data = kept
    return numeric


def _perturb(fn, inputs, flat, numeric, projection, eps):
    with no_grad():
        for k in range(flat.size):
            original = flat[k].item()
            flat[k] = original + eps
            plus = _scalar(fn(*inputs), projection).item()
            flat[k] = original - eps
            minus = _scalar(fn(*inputs), projection).item()
            flat[k] = original
            numeric[k] = (plus - minus) / (2 * eps)


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
