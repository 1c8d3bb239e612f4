"""Tests of part 1, the Elman cell (the graded copy has hidden tests too).

Each test runs your code and observes what it computes; the grader compares every observation
with what the same test observed on the reference solution, so no expected value is written
here. Locally, compare with the reference observations that come with the homework:
``tinygrad-rnn homework grade . --tests tests --reference tests/reference.json``.
"""
import numpy

import tinygrad_rnn as tr
from tinygrad_rnn.homework import observe
from elman import ElmanCell


def _cell(input_size=3, hidden_size=4, seed=0):
    tr.manual_seed(seed)
    return ElmanCell(input_size, hidden_size)


# points: 2
def test_R_matches_the_formula():
    """R(s, x) = tanh(x W^x + s W^s + b) for a batch of two."""
    cell = _cell()
    rng = numpy.random.default_rng(1)
    s, x = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    observe("R(s, x)", cell.R(tr.Tensor(s), tr.Tensor(x)))


def test_O_is_the_state():
    """O(s) = s."""
    cell = _cell()
    s = tr.Tensor(numpy.random.default_rng(2).standard_normal((2, 4)))
    observe("O(s)", cell.O(s))


# points: 2
# credit: partial
def test_gradients_of_the_unrolled_cell():
    """Every op of the unrolled graph and every parameter's gradient (partial credit: the
    fraction of ops whose gradients are right)."""
    tr.testing.check_cell(_cell(), labels=["John", "lives", "in"]).raise_if_wrong()


# BEGIN HIDDEN TESTS
def test_hidden_unroll_over_a_sentence():
    """The outputs over "John lives in Salt Lake City"."""
    cell = _cell(seed=3)
    xs = list(numpy.random.default_rng(4).standard_normal((6, 1, 3)))
    ys, _ = tr.rnn.unroll(cell, xs, labels="John lives in Salt Lake City".split())
    observe("y_1 ... y_6", ys)
# END HIDDEN TESTS
