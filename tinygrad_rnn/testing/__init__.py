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
from .compare import assert_grad_close, rel_error  # noqa: F401
from .report import GradientProblem, GradientReport  # noqa: F401
from .nodes import check_graph, check_node, check_op  # noqa: F401
from .cells import check_cell  # noqa: F401

__all__ = ["rel_error", "assert_grad_close", "check_op", "check_graph", "check_node",
           "check_cell", "GradientReport", "GradientProblem"]
