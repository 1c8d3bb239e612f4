"""Tests of part 1, the Elman cell (the graded copy has hidden tests too)."""
import numpy

import tinygrad_rnn as tr
from elman import ElmanCell


def _cell(input_size=3, hidden_size=4, seed=0):
    tr.manual_seed(seed)
    return ElmanCell(input_size, hidden_size)


def _reference_R(cell, s, x):
    """s_t = tanh(x_t W^x + s_{t-1} W^s + b), in NumPy."""
    return numpy.tanh(x @ cell.W_x.numpy() + s @ cell.W_s.numpy() + cell.b.numpy())


# points: 2
def test_R_matches_the_formula():
    """R(s, x) = tanh(x W^x + s W^s + b) for a batch of two."""
    cell = _cell()
    rng = numpy.random.default_rng(1)
    s, x = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    got = cell.R(tr.Tensor(s), tr.Tensor(x))
    assert isinstance(got, tr.Tensor), f"R must return a Tensor, got {type(got).__name__}"
    assert got.shape == (2, 4), f"R returned shape {got.shape}, expected (2, 4)"
    tr.testing.assert_grad_close(got.numpy(), _reference_R(cell, s, x), name="R(s, x)")


def test_O_is_the_state():
    """O(s) = s."""
    cell = _cell()
    s = tr.Tensor(numpy.random.default_rng(2).standard_normal((2, 4)))
    y = cell.O(s)
    tr.testing.assert_grad_close(y.numpy(), s.numpy(), name="O(s)")


# points: 2
def test_gradients_of_the_unrolled_cell():
    """Every op of the unrolled graph and every parameter's gradient pass finite differences."""
    report = tr.testing.check_cell(_cell(), labels=["John", "lives", "in"])
    report.raise_if_wrong()


# BEGIN HIDDEN TESTS
def test_hidden_unroll_over_a_sentence():
    """The final state over "John lives in Salt Lake City" matches a NumPy loop."""
    cell = _cell(seed=3)
    rng = numpy.random.default_rng(4)
    xs = [rng.standard_normal((1, 3)) for _ in range(6)]
    ys, states = tr.rnn.unroll(cell, xs, labels="John lives in Salt Lake City".split())
    s = numpy.zeros((1, 4))
    for t, x in enumerate(xs, 1):
        s = _reference_R(cell, s, x)
        tr.testing.assert_grad_close(ys[t - 1].numpy(), s, name=f"y_{t}")
# END HIDDEN TESTS
