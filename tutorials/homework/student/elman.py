"""Part 1: the Elman cell, the lecture's simple RNN.

    s_t = R(s_{t-1}, x_t) = tanh(x_t W^x + s_{t-1} W^s + b)
    y_t = O(s_t) = s_t

x_t is a row ``[batch, input_size]`` (row vectors, as in the lecture), s_t is
``[batch, hidden_size]``. Write ``R`` and ``O`` with tensor operations only (``@``, ``+``,
``.tanh()``): the recorded graph is what backpropagates, so no NumPy and no ``.data`` here.
"""
import tinygrad_rnn as tr


class ElmanCell(tr.rnn.RNNCell):
    """The Elman cell; ``tr.rnn.unroll(cell, xs)`` applies it once per time step."""
    kind = "elman"

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        bound = 1 / hidden_size ** 0.5
        self.W_x = tr.nn.uniform((input_size, hidden_size), bound, "W^x")
        self.W_s = tr.nn.uniform((hidden_size, hidden_size), bound, "W^s")
        self.b = tr.nn.uniform((hidden_size,), bound, "b")

    def initial_state(self, batch_size):
        """s_0 = 0"""
        return tr.Tensor([[0.0] * self.hidden_size] * batch_size, name="s")

    def R(self, state, x):
        """s_t = tanh(x_t W^x + s_{t-1} W^s + b)"""
        raise NotImplementedError("YOUR CODE HERE")

    def O(self, state):
        """y_t = s_t"""
        raise NotImplementedError("YOUR CODE HERE")
