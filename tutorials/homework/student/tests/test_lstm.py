"""Tests of part 3, the LSTM cell (observed, and compared with the reference solution)."""
import numpy

import tinygrad_rnn as tr
from tinygrad_rnn.homework import observe
from lstm import LSTMCell


def _cell(seed=0):
    tr.manual_seed(seed)
    return LSTMCell(3, 2)


def _inputs(seed=1):
    """(c, h, x) as tensors: c and h are (2, 2), x is (2, 3)."""
    rng = numpy.random.default_rng(seed)
    return tuple(tr.Tensor(rng.standard_normal(shape)) for shape in ((2, 2), (2, 2), (2, 3)))


# points: 2
def test_gates_match_the_formula():
    """i, f, g, o are sigmoid, sigmoid, tanh, sigmoid of the four blocks of x W^x + h W^h + b."""
    _, h, x = _inputs()
    observe("gates (i, f, g, o)", _cell().gates(h, x))


# points: 2
def test_one_step_matches_the_formula():
    """R((c, h), x) = (f * c + i * g, o * tanh(c_t))."""
    c, h, x = _inputs()
    observe("R((c, h), x) = (c_t, h_t)", _cell().R((c, h), x))


# credit: partial
def test_gradients_of_the_unrolled_cell():
    """Every op of the unrolled LSTM and every parameter's gradient."""
    tr.testing.check_cell(_cell(), steps=3).raise_if_wrong()


