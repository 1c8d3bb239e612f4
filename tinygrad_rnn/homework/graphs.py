"""An observed graph (``check_cell``, ``check_graph``, ``check_op``) against the reference's.

Ops are matched by value, not by position: a reference op matches the first unmatched op of the
submission's graph with the same op name, the same scope (``elman/t=2``) and the same output
value. So writing ``s W^s + x W^x`` instead of ``x W^x + s W^s``, or adding an op, does not
shift every comparison after it. Then

* a reference op that no op of the submission matches, although everything it is computed from
  is matched, is where the forward pass goes wrong: the message names it (which op, which time
  step, which word) with expected and actual value;
* a matched op whose inputs line up by value has its backward checked: each input's gradient
  for the same fixed upstream gradient, "which op, which input, which time step";
* the graph's result and the gradient of every parameter end to end are compared last.

The graph passes when nothing differs; its partial credit is the fraction of the reference's
ops that are matched and have a right backward. A graph of more than ``MAX_NODES`` nodes (more
than a test process ever sends) is not compared.
"""
import numpy

from .observations import MAX_NODES


def _numbers(entry, size=None):
    from .compare import _numbers as parse
    return parse(entry, size) if isinstance(entry, dict) else None


def _same(expected, got, rtol, atol):
    from .compare import first_difference
    return (expected is not None and got is not None and expected.shape == got.shape
            and first_difference(expected, got, rtol, atol) is None)


def _where(node):
    word = node.get("word")
    return f"{node['op']} at {node.get('scope') or '(no scope)'}" + (f" ({word!r})" if word else "")


def _fmt(x):
    return f"{x:.8g}"


def _detail(expected, got, rtol, atol, shown, expected_from="", got_from=""):
    """``wrong at index (i, j): expected ..., got ...`` (without values when not shown)."""
    from .compare import first_difference
    if got is None:
        return "is missing"
    if not shown:  # a shape or an index chosen by the test process could carry anything
        return "has another shape" if got.shape != expected.shape else "is wrong"
    if got.shape != expected.shape:
        return f"has shape {got.shape}"[:200] + f", expected {expected.shape}"
    index, e, g, _ = first_difference(expected, got, rtol, atol)
    head = f"is wrong at index {index}" if index else "is wrong"
    return (f"{head}: expected {_fmt(e)}" + (f" {expected_from}" if expected_from else "") +
            f", got {_fmt(g)}" + (f" {got_from}" if got_from else ""))


def _align(node, other, ref_arrays, got_arrays, rtol, atol):
    """For each input of ``node``, the index of the input of ``other`` with the same value."""
    got_inputs = other.get("inputs")
    if not isinstance(got_inputs, list) or len(got_inputs) != len(node["inputs"]):
        return None
    free, order = list(range(len(got_inputs))), []
    for key in node["inputs"]:
        j = next((j for j in free if isinstance(got_inputs[j], str) and
                  _same(ref_arrays.get(key), got_arrays.get(got_inputs[j]), rtol, atol)), None)
        if j is None:
            return None
        free.remove(j)
        order.append(j)
    return order


def _grad_problems(node, other, order, rtol, atol, shown):
    if "error" in other:
        return [f"{_where(node)}: its backward raised " +
                (str(other["error"])[:300] if shown else "an exception")]
    got_grads = other.get("grads") if isinstance(other.get("grads"), list) else []
    problems = []
    for k, expected in enumerate(node.get("grads", [])):
        if expected is None:
            continue
        expected = _numbers(expected)
        got = _numbers(got_grads[order[k]], expected.size) if order[k] < len(got_grads) else None
        if not _same(expected, got, rtol, atol):
            detail = _detail(expected, got, rtol, atol, shown, "(reference solution)",
                             "(your backward)")
            if got is None:
                detail += " (does your graph cut it off: .detach(), .data, NumPy?)"
            problems.append(f"{_where(node)}: gradient for input {k} ({node['labels'][k]}) {detail}")
    return problems


class _Candidates:
    """The submission's ops of one (scope, op), in graph order, to match reference ops by
    value: one vectorised comparison per reference op and shape, however many ops the
    submission sends (comparing them one by one let a graph of many look-alike ops keep the
    grader busy for minutes)."""

    def __init__(self):
        self.nodes, self.arrays, self.by_shape = [], [], {}

    def add(self, node, array):
        index = len(self.nodes)
        self.nodes.append(node)
        self.arrays.append(array)
        if array is not None:
            self.by_shape.setdefault(array.shape, ([], []))
            self.by_shape[array.shape][0].append(index)
            self.by_shape[array.shape][1].append(array.reshape(-1))

    def match(self, expected, used, rtol, atol):
        """The index of the first unused node whose value agrees with ``expected``, or None."""
        from .compare import agree
        if expected is None or expected.shape not in self.by_shape:
            return None
        indices, rows = self.by_shape[expected.shape]
        if isinstance(rows, list):  # stacked on first use
            rows = numpy.stack(rows) if rows else numpy.zeros((0, expected.size))
            self.by_shape[expected.shape] = (indices, rows)
        ok = agree(expected.reshape(1, -1), rows, rtol, atol).all(axis=1)
        free = [i for i, good in zip(indices, ok) if good and i not in used]
        return free[0] if free else None


def compare_graph(name, ref, got, rtol, atol, shown):
    """``(problems, right ops, ops)`` of an observed graph against the reference's."""
    if not isinstance(got, dict) or got.get("kind") != "graph" or not isinstance(got.get("nodes"), list):
        return [f"{name}: expected a graph, got something else"], 0, 1
    if len(got["nodes"]) > MAX_NODES:  # more than a test process ever sends
        return [f"{name}: the test process sent a graph too large to compare"], 0, 1
    ref_arrays = {n["key"]: _numbers(n["value"]) for n in ref["nodes"]}
    got_nodes = [n for n in got["nodes"] if isinstance(n, dict) and isinstance(n.get("key"), str)]
    parsed = [_numbers(n.get("value")) for n in got_nodes]
    got_arrays = {n["key"]: array for n, array in zip(got_nodes, parsed)}
    places = {}
    for n, array in zip(got_nodes, parsed):
        if isinstance(n.get("op"), str) and isinstance(n.get("scope"), (str, type(None))):
            places.setdefault((n.get("scope"), n["op"]), _Candidates()).add(n, array)
    ops = [n for n in ref["nodes"] if "op" in n]
    is_op = {n["key"] for n in ops}
    matched, used, problems, right = set(), {}, [], 0
    for node in ops:
        expected = ref_arrays[node["key"]]
        candidates = places.get((node["scope"], node["op"]), _Candidates())
        taken = used.setdefault((node["scope"], node["op"]), set())
        index = candidates.match(expected, taken, rtol, atol)
        if index is None:
            if all(k in matched or k not in is_op for k in node["inputs"]):
                free = [i for i in range(len(candidates.nodes)) if i not in taken]
                detail = (_detail(expected, candidates.arrays[free[0]], rtol, atol, shown)
                          if free else "is not in your graph")
                problems.append(f"{_where(node)}: computed from values that are right, its "
                                f"output {detail}: the forward goes wrong here")
            continue
        taken.add(index)
        other = candidates.nodes[index]
        matched.add(node["key"])
        order = _align(node, other, ref_arrays, got_arrays, rtol, atol)
        found = _grad_problems(node, other, order, rtol, atol, shown) if order else None
        problems += found or []
        right += found == []
    got_roots = got.get("roots") if isinstance(got.get("roots"), list) else []
    for i, key in enumerate(ref["roots"]):
        other = got_arrays.get(got_roots[i]) if i < len(got_roots) and isinstance(got_roots[i], str) else None
        if not _same(ref_arrays[key], other, rtol, atol):
            problems.append(f"{name}: the result {_detail(ref_arrays[key], other, rtol, atol, shown)}")
    got_end = got.get("end") if isinstance(got.get("end"), dict) else {}
    for key, value in ref["end"].items():
        expected = _numbers(value)
        other = _numbers(got_end.get(key), expected.size)
        if not _same(expected, other, rtol, atol):
            leaf = key[len("leaf:"):].rsplit("#", 1)[0]
            problems.append(f"{name}: dL/d{leaf} of the whole graph " + _detail(
                expected, other, rtol, atol, shown, "(reference solution)", "(yours)"))
    if problems and len(matched) < len(ops):
        problems.append(f"{name}: {len(ops) - len(matched)} of the {len(ops)} ops of the "
                        "reference solution's graph have no match in yours")
    return problems, (len(ops) if not problems else right), len(ops)
