"""``check_node``, ``check_graph``, ``check_op``: each op node of a recorded graph checked on
its own, its backward against central finite differences (see ``tr.testing``)."""
import numpy

from ..autograd import topological_order
from ..function import sum_to_shape
from ..state import step_of
from ..tensor import Tensor
from .compare import as_host, rel_error
from .report import GradientProblem, GradientReport


def _label(t):
    return t.name or (f"output of {t.op}" if t.op else "a constant")


def _forward(cls, arrays, params):
    """The op's output(s) on host arrays, as a tuple of float arrays."""
    out = cls.run(arrays, params)[0]
    return tuple(numpy.asarray(o, dtype=float) for o in (out if type(out) is tuple else (out,)))


def _objective(cls, arrays, params, gs):
    """sum over outputs of sum(g * output): what the finite differences differentiate."""
    return sum(float((g * o).sum()) for g, o in zip(gs, _forward(cls, arrays, params)))


def _problem(node, k, **values):
    step, word = step_of(node)
    return GradientProblem(node.op, k, _label(node.inputs[k]), "/".join(s.name for s in node.scope),
                           step, word, node=node, **values)


def check_node(node, rng, eps=1e-6, atol=1e-6, rtol=1e-4, max_entries=100):
    """The ``GradientProblem`` list of one op node (see the module docstring)."""
    cls, params = type(node.function), node.function.params
    arrays = [as_host(i.data).copy() for i in node.inputs]
    try:
        outs = _forward(cls, arrays, params)
        gs = tuple(rng.standard_normal(o.shape) for o in outs)
        grads = cls.run(arrays, params, grad=gs if len(outs) > 1 else gs[0])[1]
    except Exception as exc:  # noqa: BLE001 - a student's op may fail in any way
        return [_problem(node, 0, message=f"forward/backward raised {type(exc).__name__}: {exc}")]
    problems = []
    for k, inp in enumerate(node.inputs):
        if not inp.requires_grad:
            continue
        x = arrays[k]
        analytic = grads[k] if k < len(grads) else None
        analytic = numpy.zeros(x.shape) if analytic is None else numpy.asarray(analytic, dtype=float)
        if analytic.shape != x.shape and len(outs) == 1:
            try:
                analytic = sum_to_shape(numpy, numpy.broadcast_to(analytic, outs[0].shape), x.shape)
            except ValueError:
                pass
        if analytic.shape != x.shape:
            problems.append(_problem(node, k, message=f"backward returned shape {analytic.shape} "
                                                      f"for an input of shape {x.shape}"))
            continue
        flat = x.reshape(-1)
        picks = numpy.arange(flat.size)
        if flat.size > max_entries:
            picks = numpy.sort(rng.choice(flat.size, max_entries, replace=False))
        numeric = numpy.empty(picks.size)
        for j, p in enumerate(picks):
            keep = flat[p]
            flat[p] = keep + eps
            plus = _objective(cls, arrays, params, gs)
            flat[p] = keep - eps
            minus = _objective(cls, arrays, params, gs)
            flat[p] = keep
            numeric[j] = (plus - minus) / (2 * eps)
        got = analytic.reshape(-1)[picks]
        excess = numpy.abs(got - numeric) - (atol + rtol * numpy.abs(numeric))
        bad = ~numpy.isfinite(got)
        if picks.size and (bad.any() or excess.max() > 0):
            j = int(numpy.argmax(bad) if bad.any() else numpy.argmax(excess))
            index = tuple(int(i) for i in numpy.unravel_index(picks[j], x.shape))
            problems.append(_problem(node, k, index=index, expected=float(numeric[j]),
                                     got=float(got[j]), error=rel_error(got, numeric)))
    return problems


def _op_nodes(roots):
    """One node per op of the graph (an op with several outputs once), inputs first."""
    nodes, ops = [], set()
    for node in topological_order(roots):
        if node.function is not None and id(node.function) not in ops:
            ops.add(id(node.function))
            nodes.append(node)
    return nodes


def check_graph(root, eps=1e-6, atol=1e-6, rtol=1e-4, max_entries=100, seed=0):
    """Check every op node of the graph recorded up to ``root`` (a tensor or a list of them).

    Nothing needs to have been backpropagated, and no tensor's ``.grad`` changes. Inputs with more
    than ``max_entries`` elements are checked at that many random entries.
    """
    roots = [root] if isinstance(root, Tensor) else list(root)
    rng = numpy.random.default_rng(seed)
    nodes = _op_nodes(roots)
    problems = []
    for node in nodes:
        problems += check_node(node, rng, eps, atol, rtol, max_entries)
    return GradientReport(nodes, problems)


def check_op(op, *inputs, params=None, positive=False, seed=0, **tolerances):
    """Check one ``Function`` subclass: ``inputs`` are shapes (random inputs are drawn, positive
    ones with ``positive=True``), arrays or tensors; ``params`` its keyword parameters."""
    rng = numpy.random.default_rng(seed)
    tensors = []
    for i, x in enumerate(inputs):
        if isinstance(x, tuple):
            x = rng.uniform(0.5, 2.0, x) if positive else rng.standard_normal(x)
        if not isinstance(x, Tensor):
            x = Tensor(x, requires_grad=True, name=f"x{i}")
        tensors.append(x)
    out = op.apply(*tensors, **(params or {}))
    return check_graph(out, seed=seed, **tolerances)
