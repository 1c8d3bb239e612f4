"""Tests of part 3, the LSTM cell."""
import numpy

import tinygrad_rnn as tr
from lstm import LSTMCell


def _sigmoid(a):
    return 1 / (1 + numpy.exp(-a))


def _cell(seed=0):
    tr.manual_seed(seed)
    return LSTMCell(3, 2)


def _reference(cell, c, h, x):
    """(i, f, g, o, c_t, h_t) in NumPy."""
    a = x @ cell.W_x.numpy() + h @ cell.W_h.numpy() + cell.b.numpy()
    H = cell.hidden_size
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
    g = numpy.tanh(a[:, 2 * H:3 * H])
    c_t = f * c + i * g
    return i, f, g, o, c_t, o * numpy.tanh(c_t)


def _inputs(seed=1):
    rng = numpy.random.default_rng(seed)
    return rng.standard_normal((2, 2)), rng.standard_normal((2, 2)), rng.standard_normal((2, 3))


# points: 2
def test_gates_match_the_formula():
    """i, f, g, o are sigmoid, sigmoid, tanh, sigmoid of the four blocks of x W^x + h W^h + b."""
    cell = _cell()
    c, h, x = _inputs()
    got = cell.gates(tr.Tensor(h), tr.Tensor(x))
    assert len(got) == 4, f"gates must return (i, f, g, o), got {len(got)} values"
    for name, mine, ref in zip("ifgo", got, _reference(cell, c, h, x)):
        tr.testing.assert_grad_close(mine.numpy(), ref, name=f"gate {name}")


# points: 2
def test_one_step_matches_the_formula():
    """R((c, h), x) = (f * c + i * g, o * tanh(c_t))."""
    cell = _cell()
    c, h, x = _inputs()
    got = cell.R((tr.Tensor(c), tr.Tensor(h)), tr.Tensor(x))
    assert isinstance(got, tuple) and len(got) == 2, "R must return the pair (c_t, h_t)"
    _, _, _, _, c_t, h_t = _reference(cell, c, h, x)
    tr.testing.assert_grad_close(got[0].numpy(), c_t, name="c_t")
    tr.testing.assert_grad_close(got[1].numpy(), h_t, name="h_t")


def test_gradients_of_the_unrolled_cell():
    """Every op of the unrolled LSTM and every parameter's gradient pass finite differences."""
    tr.testing.check_cell(_cell(), steps=3).raise_if_wrong()


# BEGIN HIDDEN TESTS
def test_hidden_matches_the_library_lstm():
    """Five steps agree with tr.rnn.LSTMCell given the same weights (same gate order)."""
    mine = _cell(seed=5)
    theirs = tr.rnn.LSTMCell(3, 2)
    theirs.W_x.assign(mine.W_x.data)
    theirs.W_h.assign(mine.W_h.data)
    theirs.b.assign(mine.b.data)
    xs = list(numpy.random.default_rng(6).standard_normal((5, 1, 3)))
    ys_mine, _ = tr.rnn.unroll(mine, xs)
    ys_theirs, _ = tr.rnn.unroll(theirs, xs)
    for t, (a, b) in enumerate(zip(ys_mine, ys_theirs), 1):
        tr.testing.assert_grad_close(a.numpy(), b.numpy(), name=f"y_{t}")
# END HIDDEN TESTS
