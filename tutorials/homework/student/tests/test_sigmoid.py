"""Tests of part 2, the backward pass of the "hw_sigmoid" op."""
import numpy

import tinygrad_rnn as tr
from tinygrad_rnn.homework import observe
from sigmoid import Sigmoid, sigmoid


# points: 2
def test_backward_matches_the_formula():
    """dL/da = dL/ds * s * (1 - s) for a given upstream gradient dL/ds."""
    rng = numpy.random.default_rng(0)
    a = tr.Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="a")
    sigmoid(a).backward(rng.standard_normal((3, 4)))
    observe("dL/da", a.grad)


def test_backward_passes_finite_differences():
    """The op's backward agrees with central finite differences of its forward."""
    tr.testing.check_op(Sigmoid, (2, 5)).raise_if_wrong()


