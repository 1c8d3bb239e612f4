"""``tr.testing``: relative errors, gradient assertions, and reports that say which op, which
input and which time step has a wrong gradient."""
import contextlib

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.ops import Sigmoid, Tanh

WORDS = "John lives in Salt Lake City".split()


@contextlib.contextmanager
def planted(base, name, backward):
    """A subclass of ``base`` with a wrong ``backward``, kept out of the op registry."""
    cls = type(base.__name__ + "Bug", (base,), {"name": name, "backward": backward})
    tr.Function.registry.pop(name, None)
    yield cls


def test_rel_error_by_hand():
    assert tr.testing.rel_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert tr.testing.rel_error(1.0, 3.0) == pytest.approx(0.5)          # 2 / 4
    assert tr.testing.rel_error(tr.Tensor([[1.0, -1.0]]), numpy.array([[1.0, 1.0]])) == 1.0


def test_assert_grad_close_names_the_worst_index():
    tr.testing.assert_grad_close(numpy.ones((2, 3)), numpy.ones((2, 3)) + 1e-12)
    wrong = numpy.ones((2, 3))
    wrong[1, 2] = 5.0
    with pytest.raises(AssertionError, match=r"dL/dW: wrong at index \(1, 2\): expected 1, got 5"):
        tr.testing.assert_grad_close(wrong, numpy.ones((2, 3)), name="dL/dW")
    with pytest.raises(AssertionError, match=r"shape \(3,\), expected \(2, 3\)"):
        tr.testing.assert_grad_close(numpy.ones(3), numpy.ones((2, 3)))
    with pytest.raises(AssertionError, match="got None"):
        tr.testing.assert_grad_close(None, numpy.ones(3))


@pytest.mark.parametrize("make", [lambda: tr.rnn.ElmanCell(3, 4), lambda: tr.rnn.LSTMCell(3, 2),
                                  lambda: tr.rnn.GRUCell(3, 2)])
def test_correct_cells_pass(make):
    tr.manual_seed(0)
    report = tr.testing.check_cell(make(), labels=WORDS[:3])
    assert report.ok, str(report)
    assert len(report.nodes) > 10 and "agree with finite differences" in str(report)


def test_wrong_op_is_reported_with_its_input():
    def backward(self, ds):                       # forgot the (1 - s)
        return (ds * self.saved["s"],)
    with planted(Sigmoid, "test_sigmoid_bug", backward) as Bug:
        report = tr.testing.check_op(Bug, (2, 3))
    assert not report.ok and report.ops == ["test_sigmoid_bug"]
    (problem,) = report.problems
    assert problem.input_index == 0 and problem.step is None
    a = report.nodes[0].inputs[0].numpy()[problem.index]
    s = 1 / (1 + numpy.exp(-a))
    # the report's expected and got differ by exactly the missing factor (1 - s)
    assert problem.got * (1 - s) == pytest.approx(problem.expected, rel=1e-5)
    with pytest.raises(AssertionError, match="test_sigmoid_bug: gradient for input 0"):
        report.raise_if_wrong()


def test_planted_bug_at_one_step_is_found_at_that_step():
    """The tanh of step t=3 (the word "in") gets a wrong backward: the report names that op,
    that step and word, and no other node."""
    tr.manual_seed(1)
    cell = tr.rnn.ElmanCell(3, 4)
    xs = [numpy.random.default_rng(t).standard_normal((2, 3)) for t in range(6)]
    ys, _ = tr.rnn.unroll(cell, xs, labels=WORDS)
    loss = tr.stack(ys).sum()

    def backward(self, dh):                       # 1 - h instead of 1 - h**2
        return (dh * (1 - self.saved["h"]),)
    with planted(Tanh, "test_tanh_bug", backward) as Bug:
        for node in tr.topological_order(loss):
            if node.op == "tanh" and node.scope[-1].name == "t=3":
                node.function.__class__ = Bug
        report = tr.testing.check_graph(loss)
    assert report.steps == [3] and report.ops == ["test_tanh_bug"]
    (problem,) = report.problems
    assert (problem.scope, problem.word, problem.input_index) == ("elman/t=3", "in", 0)
    text = str(report)
    assert "test_tanh_bug at elman/t=3 ('in'): gradient for input 0" in text
    h = problem.node.numpy()[problem.index]
    assert problem.got * (1 + h) == pytest.approx(problem.expected, rel=1e-5)   # (1-h)(1+h) = 1-h^2
    graph = report.draw()                         # tr.draw's ops view, the bug marked
    marked = [line for line in graph.body if "#f4cccc" in line]
    assert len(marked) == 1 and marked[0].strip().startswith(graph.node_ids[problem.node] + " [")
    assert "WRONG backward at elman/t=3" in marked[0] and f"<B>{problem.op}</B>" in marked[0]
    cells = report.draw(view="cells")             # the cell box of step 3 ("in")
    marked = [line for line in cells.body if "#f4cccc" in line]
    step3 = [n for n in tr.topological_order(loss) if n.scope and n.scope[-1].name == "t=3"]
    assert len(marked) == 1 and all(cells.node_ids[n] == marked[0].split()[0]
                                    for n in step3 if n.function is not None)


def test_cut_graph_is_reported_end_to_end():
    """R computed from s_{t-1}'s raw data: every op is right, but dL/dW^s misses the path
    through the state, and the report says so."""
    class CutElman(tr.rnn.ElmanCell):
        def R(self, state, x):
            return (x @ self.W_x + tr.Tensor(state.data) @ self.W_s + self.b).tanh()
    tr.manual_seed(2)
    report = tr.testing.check_cell(CutElman(3, 4), steps=4)
    assert not report.problems and report.leaf_problems
    assert any("W^x" in m or "W^s" in m for m in report.leaf_problems)
    assert "outside the" in str(report)


def test_backward_that_raises_is_a_problem_not_a_crash():
    def backward(self, dh):
        raise NotImplementedError("YOUR CODE HERE")
    with planted(Tanh, "test_tanh_todo", backward) as Bug:
        report = tr.testing.check_op(Bug, (3,))
    assert "raised NotImplementedError: YOUR CODE HERE" in str(report)


def test_checks_leave_grads_alone():
    tr.manual_seed(3)
    cell = tr.rnn.ElmanCell(2, 3)
    marker = numpy.full(cell.W_s.shape, 7.0)
    cell.W_s.grad = marker
    tr.testing.check_cell(cell)
    assert cell.W_s.grad is marker
