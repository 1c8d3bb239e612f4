"""Checks for homework and tests that say *where* a gradient is wrong.

    tr.testing.rel_error(x, y)                    max |x - y| / (|x| + |y|), elementwise
    tr.testing.assert_grad_close(got, expected)   AssertionError naming the worst index
    report = tr.testing.check_op(HwTanh, (3, 4))  one op's backward vs finite differences
    report = tr.testing.check_graph(loss)         every node of a recorded graph, one by one
    report = tr.testing.check_cell(cell)          unroll a cell, check every node and every
                                                  parameter's gradient end to end
    report.ok, report.problems, print(report), report.raise_if_wrong(), report.draw()

``check_graph`` checks each op node on its own: it runs the node's op again on the recorded
input values (``Function.run``: a fresh op object, host NumPy, float64), takes a fixed random
upstream gradient g (one per output) and compares the op's ``backward(g)`` with central finite
differences of sum(g * forward).
A wrong backward is therefore reported at the node where it happens, with its op, which input,
the node's scope path and time step (the ``t=3`` scope that ``unroll`` opens), the index and
expected (finite differences) vs got (backward) -- not only as a wrong gradient of W far away.
"""
from dataclasses import dataclass, field

import numpy

from . import backend
from .autograd import topological_order
from .state import step_of
from .function import sum_to_shape
from .gradcheck import perturbing
from .tensor import Tensor


def _host(x):
    if isinstance(x, Tensor):
        x = x.data
    return numpy.asarray(backend.to_numpy(x) if not isinstance(x, numpy.ndarray) else x, dtype=float)


def rel_error(x, y, eps=1e-12):
    """max over elements of |x - y| / max(|x| + |y|, eps) (tensors, arrays or numbers)."""
    x, y = _host(x), _host(y)
    return float(numpy.max(numpy.abs(x - y) / numpy.maximum(numpy.abs(x) + numpy.abs(y), eps),
                           initial=0.0))


def assert_grad_close(actual, expected, rtol=1e-5, atol=1e-8, name="gradient"):
    """Raise ``AssertionError`` naming the shape or the worst index, both values, the relative
    error, unless |actual - expected| <= atol + rtol |expected| everywhere."""
    if actual is None:
        raise AssertionError(f"{name}: got None (was backward() called, and does the graph reach it?)")
    a, e = _host(actual), _host(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{name}: shape {a.shape}, expected {e.shape}")
    excess = numpy.abs(a - e) - (atol + rtol * numpy.abs(e))
    bad = ~numpy.isfinite(a)
    if a.size and (bad.any() or excess.max() > 0):
        at = numpy.unravel_index(numpy.argmax(bad) if bad.any() else numpy.argmax(excess), a.shape)
        where = tuple(int(i) for i in at)
        raise AssertionError(f"{name}: wrong at index {where}: expected {e[at]:.8g}, got {a[at]:.8g} "
                             f"(relative error {rel_error(a, e):.2e}; rtol={rtol}, atol={atol})")


@dataclass
class GradientProblem:
    """One wrong gradient: of which op's input, where in the graph, expected vs got."""
    op: str
    input_index: int
    input_label: str
    scope: str                 # e.g. "elman/t=3"
    step: object               # the t of the innermost step scope, or None
    word: object               # that scope's label (the word), or None
    index: tuple = ()
    expected: float = float("nan")
    got: float = float("nan")
    error: float = float("nan")
    message: str = ""          # set instead of the values when backward failed outright
    node: object = field(default=None, repr=False, compare=False)

    def __str__(self):
        where = f" at {self.scope}" if self.scope else ""
        if self.word is not None:
            where += f" ({self.word!r})"
        head = f"{self.op}{where}: gradient for input {self.input_index} ({self.input_label})"
        if self.message:
            return f"{head}: {self.message}"
        return (f"{head} wrong at index {self.index}: expected {self.expected:.8g} (finite "
                f"differences), got {self.got:.8g} (backward); relative error {self.error:.2e}")


class GradientReport:
    """What ``check_graph``/``check_op``/``check_cell`` found; ``ok`` when nothing is wrong."""

    def __init__(self, nodes, problems, leaf_problems=()):
        self.nodes = nodes                       # op nodes checked, inputs before consumers
        self.problems = list(problems)           # GradientProblem per wrong (node, input)
        self.leaf_problems = list(leaf_problems)  # end-to-end messages (check_cell)
        self.root = None                         # the unrolled loss (check_cell)

    @property
    def ok(self):
        return not self.problems and not self.leaf_problems

    @property
    def steps(self):
        """Sorted time steps that have a wrong gradient."""
        return sorted({p.step for p in self.problems if p.step is not None})

    @property
    def ops(self):
        """Names of the ops whose backward is wrong somewhere, in graph order."""
        return list(dict.fromkeys(p.op for p in self.problems))

    def __str__(self):
        if self.ok:
            return f"all {len(self.nodes)} ops' gradients agree with finite differences"
        if self.problems:
            steps = f" (steps {', '.join(map(str, self.steps))})" if self.steps else ""
            lines = [f"{len(self.problems)} wrong gradient(s) in {len(self.nodes)} ops checked{steps}:"]
        else:
            lines = [f"the backward of each of the {len(self.nodes)} ops is right, but parameter "
                     "gradients of the whole unrolled loss are not:"]
        lines += [f"  {p}" for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  ... and {len(self.problems) - 20} more")
        lines += [f"  {m}" for m in self.leaf_problems]
        return "\n".join(lines)

    def raise_if_wrong(self):
        if not self.ok:
            raise AssertionError(str(self))
        return self

    def draw(self, view=None, **options):
        """``tr.draw`` of the checked graph (``view="ops"`` unless too large, then ``"cells"``),
        the ops whose backward is wrong filled red with expected vs got; ``options`` go to
        ``tr.draw``. Returns a ``graphviz.Digraph``."""
        from .draw.report import draw_report
        return draw_report(self, view, **options)


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
    arrays = [_host(i.data).copy() for i in node.inputs]
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


def check_cell(cell, xs=None, state=None, labels=None, steps=3, batch=2, seed=0, max_entries=30,
               **tolerances):
    """Unroll ``cell`` over ``xs`` (default: ``steps`` random inputs ``[batch, input_size]``) with
    ``tr.rnn.unroll``, check every op node, then every parameter's gradient end to end against
    finite differences of the whole unrolled loss L = sum_t <P_t, y_t> + <Q, s_T>.

    An end-to-end problem while every op is right means part of the computation is not in the
    graph (``.data``, NumPy arrays, ``detach``).
    """
    from .rnn import unroll
    rng = numpy.random.default_rng(seed)
    if xs is None:
        xs = [Tensor(rng.standard_normal((batch, cell.input_size)), name="x") for _ in range(steps)]
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

    root = loss()
    report = check_graph(root, seed=seed, max_entries=max_entries, **tolerances)
    params = cell.named_parameters()
    kept = [p.grad for _, p in params]
    try:
        for _, p in params:
            p.grad = None
        root.backward()
        analytic = {name: (_host(p.grad) if p.grad is not None else numpy.zeros(p.shape))
                    for name, p in params}
    finally:
        for (_, p), g in zip(params, kept):
            p.grad = g
    for name, p in params:
        size = p.size
        picks = numpy.arange(size) if size <= max_entries else \
            numpy.sort(rng.choice(size, max_entries, replace=False))
        for j in picks:
            with perturbing(p) as flat:
                keep = flat[j].item()
                flat[j] = keep + 1e-6
                plus = loss().item()
                flat[j] = keep - 1e-6
                minus = loss().item()
            numeric, got = (plus - minus) / 2e-6, analytic[name].reshape(-1)[j]
            if not abs(got - numeric) <= 1e-5 + 1e-3 * abs(numeric):
                index = tuple(int(i) for i in numpy.unravel_index(j, p.shape))
                why = ("every op's backward is right, so part of R or O is computed outside the "
                       "graph (.data, NumPy, detach)") if not report.problems else \
                    "a consequence of the wrong op gradients above"
                report.leaf_problems.append(
                    f"parameter {name} ({p.name}): dL/d{p.name}{list(index)} expected {numeric:.8g} "
                    f"(finite differences of the unrolled loss), got {got:.8g}: {why}")
                break
    report.root = root
    return report
