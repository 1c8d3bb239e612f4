"""Observations: what a test saw the submission compute, as plain data for the grader.

*Observations out, verdict in.* In the grader's test process a test does not decide whether it
passed: everything in that process can be patched by the submission. It records what the
student's code computed, and the grader compares that with what the same test recorded when it
ran the reference solution. A test observes explicitly::

    from tinygrad_rnn.homework import observe
    observe("R(s, x)", cell.R(s, x))          # returns its value; does nothing outside the grader

and implicitly through ``tr.testing`` and ``tr.gradcheck``, which the test process wraps:
``assert_grad_close(actual, ...)`` observes ``actual`` (never ``expected``),
``check_graph``/``check_op``/``check_cell`` observe the checked graph (see ``encode_graph``) and
``gradcheck`` the gradients it checks. So a test never needs expected values: the reference
solution provides them, and a test that computes some itself puts them within the submission's
reach. Outside the grader these functions work as usual (assert-style checks).
"""
import zlib

import numpy

MAX_ELEMENTS = 2_000_000   # numbers in one observation
MAX_TOTAL = 4_000_000      # numbers a test observes in all (the grader reads no more)
MAX_NODES = 20_000         # nodes of one observed graph
_recorded = None           # the list being recorded, in the grader's test process only
_counted = [0]             # numbers recorded so far


def start():
    """Begin recording (the test process, before the test runs)."""
    global _recorded
    _recorded = []
    _counted[0] = 0


def recorded():
    """The observations recorded so far (a list of dicts of plain data)."""
    return list(_recorded or [])


def _tolerance(value, what):
    value = float(value)
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"observe: {what} must be a finite number >= 0, got {value!r}")
    return value


def observe(name, value, rtol=1e-6, atol=1e-9):
    """Record ``value`` (a Tensor, array, number, or a tuple/list of them) under ``name`` for the
    grader, which compares it elementwise with the reference solution's value within
    ``atol + rtol * |expected|``. Returns ``value``."""
    entry = {"name": str(name)[:200], "call": "observe", "rtol": _tolerance(rtol, "rtol"),
             "atol": _tolerance(atol, "atol")}
    if _recorded is not None:
        entry["value"] = encode(value)
        _recorded.append(entry)
    return value


def _array(data):
    """``{"shape", "dtype", "values"}`` of an array of any backend (values as a flat list)."""
    from .. import backend
    if not isinstance(data, (numpy.ndarray, numpy.generic)):
        data = backend.to_numpy(data) if hasattr(data, "get") else numpy.asarray(data)
    data = numpy.asarray(data)
    if data.dtype.kind not in "biuf":
        return None
    if data.size > MAX_ELEMENTS:
        raise ValueError(f"observe: an array of {data.size} numbers is too large to compare "
                         f"(at most {MAX_ELEMENTS})")
    _counted[0] += data.size
    if _recorded is not None and _counted[0] > MAX_TOTAL:
        raise ValueError(f"observe: the test observed more than {MAX_TOTAL} numbers in all, "
                         "more than the grader compares")
    return {"shape": list(data.shape), "dtype": str(data.dtype),
            "values": data.astype(float).reshape(-1).tolist()}


def encode(value, depth=0):
    """Plain data for ``value``: ``{"kind": "tensor"|"array"|"number"|"none"|"str"|"sequence"|
    "object", ...}``."""
    from ..tensor import Tensor
    if depth > 8:
        raise ValueError("observe: values nested more than 8 deep cannot be compared")
    if isinstance(value, Tensor):
        array = _array(value.data)
        return {"kind": "tensor", **array} if array else {"kind": "object", "type": "Tensor"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, str):
        return {"kind": "str", "value": value[:10000]}
    if isinstance(value, (bool, int, float, numpy.generic)) and not isinstance(value, complex):
        array = _array(numpy.asarray(value))
        return {"kind": "number", **array} if array else {"kind": "object", "type": type(value).__name__}
    if isinstance(value, numpy.ndarray) or hasattr(value, "__cuda_array_interface__"):
        array = _array(value)
        return {"kind": "array", **array} if array else {"kind": "object", "type": "ndarray"}
    if isinstance(value, (tuple, list)):
        return {"kind": "sequence", "type": type(value).__name__,
                "items": [encode(v, depth + 1) for v in value[:1000]]}
    return {"kind": "object", "type": type(value).__name__}


def _keys(order):
    """Stable names of the graph's nodes: ``elman/t=2|tanh#0`` (scope, op, how many such ops
    came before in that scope), ``leaf:W^x#0``, ``constant#3``. The same test code on a
    submission and on the solution names the same node the same way."""
    keys, counts = {}, {}
    for node in order:
        if node._ctx is None:
            base = f"leaf:{node.name}" if node.requires_grad or node.name else "constant"
        else:
            base = "/".join(s.name for s in node.scope) + "|" + node.op
        keys[node] = f"{base}#{counts.get(base, 0)}"
        counts[base] = counts.get(base, 0) + 1
    return keys


def _seeded(key, shape):
    """A fixed pseudo-random upstream gradient for ``key`` (the same in both runs)."""
    return numpy.random.default_rng(zlib.crc32(key.encode("utf-8"))).standard_normal(shape)


def _local_grads(node):
    """Each input's gradient from the node's own backward for a fixed upstream gradient."""
    from .. import backend
    from ..function import sum_to_shape
    ctx = node._ctx
    try:
        # the upstream gradient depends on what the op is, not on where it is in the graph, so
        # that the grader may match ops by value
        seed = f"{'/'.join(s.name for s in node.scope)}|{node.op}|{node.data.shape}"
        grads = ctx.backward(ctx.xp.asarray(_seeded(seed, node.data.shape), dtype=node.data.dtype))
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        out = []
        for k, inp in enumerate(ctx.inputs):
            g = grads[k] if k < len(grads) else None
            if g is None or not inp.requires_grad:
                out.append(None)
                continue
            g = g if isinstance(g, numpy.ndarray) else numpy.asarray(backend.to_numpy(g))
            if g.shape != tuple(inp.shape):
                try:
                    g = sum_to_shape(numpy, numpy.broadcast_to(g, node.data.shape), tuple(inp.shape))
                except ValueError:
                    pass
            out.append(_array(g))
        return {"grads": out}
    except Exception as exc:  # noqa: BLE001 - a student's backward may fail in any way
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}


def encode_graph(roots, label="graph"):
    """A recorded graph as data: every node (leaves and constants too, in topological order)
    with its key, value, and for an op its scope, time step, word, input keys and labels and
    the gradients its backward gives each input; then the gradient of the roots (each
    projected on a fixed random direction) with respect to every leaf that requires grad."""
    from ..state import step_of
    from ..tensor import Tensor, topological_order
    roots = [roots] if isinstance(roots, Tensor) else list(roots)
    order = topological_order(roots, requires_grad_only=False)
    if len(order) > MAX_NODES:
        raise ValueError(f"observe: {label} has {len(order)} nodes, too many to compare "
                         f"(at most {MAX_NODES})")
    keys, nodes = _keys(order), []
    for node in order:
        entry = {"key": keys[node], "value": _array(node.data)}
        if node._ctx is not None:
            t, word = step_of(node)
            entry.update(op=node.op, scope="/".join(s.name for s in node.scope), t=t,
                         word=None if word is None else str(word),
                         inputs=[keys[i] for i in node._ctx.inputs],
                         labels=[i.name or (f"output of {i.op}" if i.op else "a constant")
                                 for i in node._ctx.inputs],
                         **_local_grads(node))
        nodes.append(entry)
    leaves = [n for n in order if n._ctx is None and n.requires_grad]
    kept = [leaf.grad for leaf in leaves]
    try:
        for leaf in leaves:
            leaf.grad = None
        for root in roots:
            if root.requires_grad:
                root.backward(None if root.data.size == 1 else _seeded(keys[root], root.shape),
                              retain_grads=False)
        end = {keys[leaf]: _array(leaf.grad if leaf.grad is not None else numpy.zeros(leaf.shape))
               for leaf in leaves}
    finally:
        for leaf, grad in zip(leaves, kept):
            leaf.grad = grad
    return {"kind": "graph", "nodes": nodes, "roots": [keys[r] for r in roots], "end": end}


def record_graph(name, roots):
    """Observe a graph (``check_graph`` and friends call this inside the grader)."""
    if _recorded is not None:
        _recorded.append({"name": name, "call": "graph", "rtol": 1e-6, "atol": 1e-9,
                          "value": encode_graph(roots, name)})


def _roots(report):
    """The nodes of a ``GradientReport`` that no other checked node uses."""
    if getattr(report, "root", None) is not None:
        return [report.root]
    used = {id(i) for node in report.nodes for i in node.inputs}
    return [node for node in report.nodes if id(node) not in used]


def install(package):
    """Wrap ``package.testing``'s checks and ``package.gradcheck`` so that they observe what
    they check (the grader's test process calls this before loading the test file)."""
    checks = _Observing(package)
    for name in ("assert_grad_close", "check_graph", "check_op", "check_cell"):
        setattr(package.testing, name, checks.wrapped(name))
    package.gradcheck = checks.wrapped("gradcheck")


class _Observing:
    """The checks of the test process: each runs the original check and records what it
    checked, only when it is the outermost check running (``check_cell`` calls ``check_graph``,
    which must not record the same graph twice). Observations of one kind are numbered:
    ``check_graph``, ``check_graph #2``, ..."""

    def __init__(self, package):
        self.package = package
        self.original = {name: getattr(package.testing, name) for name in
                         ("assert_grad_close", "check_graph", "check_op", "check_cell")}
        self.original["gradcheck"] = package.gradcheck
        self.counts, self.depth = {}, 0

    def wrapped(self, name):
        """``name``'s check, observing: same name, same docstring."""
        observing = getattr(self, name)

        def call(*args, **kwargs):
            self.depth += 1
            try:
                return observing(self.depth == 1, *args, **kwargs)
            finally:
                self.depth -= 1
        call.__name__, call.__doc__ = name, self.original[name].__doc__
        return call

    def numbered(self, base):
        self.counts[base] = self.counts.get(base, 0) + 1
        return f"{base} #{self.counts[base]}" if self.counts[base] > 1 else base

    def assert_grad_close(self, record, actual, expected, rtol=1e-5, atol=1e-8,
                          name="gradient"):
        if record:
            observe(name, actual, rtol, atol)
            if _recorded:
                _recorded[-1]["call"] = "assert_grad_close"
        return self.original["assert_grad_close"](actual, expected, rtol=rtol, atol=atol,
                                                  name=name)

    def check_graph(self, record, root, *args, **kwargs):
        report = self.original["check_graph"](root, *args, **kwargs)
        if record:
            record_graph(self.numbered("check_graph"), _roots(report))
        return report

    def check_op(self, record, op, *args, **kwargs):
        report = self.original["check_op"](op, *args, **kwargs)
        if record:
            record_graph(self.numbered(f"check_op({getattr(op, 'name', op)})"), _roots(report))
        return report

    def check_cell(self, record, cell, *args, **kwargs):
        report = self.original["check_cell"](cell, *args, **kwargs)
        if record:
            kind = getattr(cell, "kind", type(cell).__name__)
            record_graph(self.numbered(f"check_cell({kind})"), _roots(report))
        return report

    def gradcheck(self, record, fn, inputs, *args, **kwargs):
        if record:
            _observe_gradients(self.package, fn, list(inputs), self.numbered("gradcheck"))
        return self.original["gradcheck"](fn, inputs, *args, **kwargs)


def _observe_gradients(package, fn, inputs, name):
    """Observe ``fn(*inputs)`` and its gradients with respect to the inputs that require grad
    (the output projected on a fixed random direction when it is not a scalar)."""
    checked = [x for x in inputs if isinstance(x, package.Tensor) and x.requires_grad]
    kept = [x.grad for x in checked]
    try:
        for x in checked:
            x.grad = None
        out = fn(*inputs)
        if isinstance(out, package.Tensor) and out.requires_grad:
            out.backward(None if out.data.size == 1 else _seeded(name, out.shape),
                         retain_grads=False)
        grads = [x.grad if x.grad is not None else numpy.zeros(x.shape) for x in checked]
        observe(name, [out] + grads)
    finally:
        for x, grad in zip(checked, kept):
            x.grad = grad
