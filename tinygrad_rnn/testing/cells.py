"""``check_cell``: a cell unrolled, every op node checked, then every parameter's gradient of
the whole unrolled loss against finite differences."""
import numpy

from ..gradcheck import perturbing
from ..tensor import Tensor
from .compare import as_host
from .nodes import check_graph


def check_cell(cell, xs=None, state=None, labels=None, steps=3, batch=2, seed=0, max_entries=30,
               **tolerances):
    """Unroll ``cell`` over ``xs`` (default: ``steps`` random inputs ``[batch, input_size]``) with
    ``tr.rnn.unroll``, check every op node, then every parameter's gradient end to end against
    finite differences of the whole unrolled loss L = sum_t <P_t, y_t> + <Q, s_T>.

    An end-to-end problem while every op is right means part of the computation is not in the
    graph (``.data``, NumPy arrays, ``detach``).
    """
    rng = numpy.random.default_rng(seed)
    if xs is None:
        xs = [Tensor(rng.standard_normal((batch, cell.input_size)), name="x") for _ in range(steps)]
    loss = _unrolled_loss(cell, xs, state, labels, rng)
    root = loss()
    report = check_graph(root, seed=seed, max_entries=max_entries, **tolerances)
    params = cell.named_parameters()
    analytic = _backward(root, params)
    for name, p in params:
        problem = _wrong_entry(name, p, analytic[name], loss, rng, max_entries,
                               ops_wrong=bool(report.problems))
        if problem:
            report.leaf_problems.append(problem)
    report.root = root
    return report


def _unrolled_loss(cell, xs, state, labels, rng):
    """L() = sum_t <P_t, y_t> + <Q, s_T> of a fresh unroll, with fixed random P_t, Q (drawn from
    ``rng`` at the first call)."""
    from ..rnn import unroll
    probes = {}

    def loss():
        ys, states = unroll(cell, xs, state=state, labels=labels)
        last = states[-1] if isinstance(states[-1], tuple) else (states[-1],)
        total = None
        for i, y in enumerate(list(ys) + list(last)):
            if i not in probes:
                probes[i] = rng.standard_normal(y.shape)
            term = (y * probes[i]).sum()
            total = term if total is None else total + term
        return total
    return loss


def _backward(root, params):
    """``{name: dL/dp}`` of ``root.backward()`` for the named parameters; their ``.grad`` is left
    as it was."""
    kept = [p.grad for _, p in params]
    try:
        for _, p in params:
            p.grad = None
        root.backward()
        return {name: (as_host(p.grad) if p.grad is not None else numpy.zeros(p.shape))
                for name, p in params}
    finally:
        for (_, p), g in zip(params, kept):
            p.grad = g


def _wrong_entry(name, p, analytic, loss, rng, max_entries, ops_wrong):
    """The message for the first entry of parameter ``p`` (at most ``max_entries`` random ones)
    whose gradient ``analytic`` disagrees with central differences of ``loss``, or None."""
    picks = numpy.arange(p.size) if p.size <= max_entries else \
        numpy.sort(rng.choice(p.size, max_entries, replace=False))
    for j in picks:
        with perturbing(p) as flat:
            keep = flat[j].item()
            flat[j] = keep + 1e-6
            plus = loss().item()
            flat[j] = keep - 1e-6
            minus = loss().item()
        numeric, got = (plus - minus) / 2e-6, analytic.reshape(-1)[j]
        if not abs(got - numeric) <= 1e-5 + 1e-3 * abs(numeric):
            index = tuple(int(i) for i in numpy.unravel_index(j, p.shape))
            why = "a consequence of the wrong op gradients above" if ops_wrong else (
                "every op's backward is right, so part of R or O is computed outside the graph "
                "(.data, NumPy, detach)")
            return (f"parameter {name} ({p.name}): dL/d{p.name}{list(index)} expected "
                    f"{numeric:.8g} (finite differences of the unrolled loss), got {got:.8g}: "
                    f"{why}")
    return None
