"""Part 2: a primitive op with its backward pass.

An op is a ``tr.Function`` subclass: ``forward`` computes on raw arrays and saves what the
backward needs; ``backward(ds)`` gets dL/ds (the gradient of the loss with respect to the op's
output) and returns a tuple with one gradient per input:

    s = sigmoid(a) = 1 / (1 + exp(-a))          dL/da = dL/ds * s * (1 - s)

Our op is registered as ``"hw_sigmoid"`` so that it does not replace the library's sigmoid.
"""
import tinygrad_rnn as tr


class Sigmoid(tr.Function):
    """s = 1 / (1 + exp(-a));   dL/da = dL/ds * s * (1 - s)"""
    name = "hw_sigmoid"
    cases = [(((3, 4),), {})]  # the shapes the library's own op tests try

    def forward(self, a):
        xp = self.xp  # numpy (or cupy on a GPU)
        s = 1 / (1 + xp.exp(-xp.clip(a, -500, 500)))
        self.save(s=s)
        return s

    def backward(self, ds):
        """dL/da = dL/ds * s * (1 - s); returns a tuple with one entry per input."""
        # BEGIN SOLUTION
        s = self.saved["s"]
        return (ds * s * (1 - s),)
        # END SOLUTION


def sigmoid(a):
    """sigmoid(a) for a tensor ``a``, recorded as one "hw_sigmoid" node."""
    return Sigmoid.apply(a)
