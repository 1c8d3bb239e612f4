"""Part 3: the LSTM cell's gates.

The state is the pair s_t = (c_t, h_t): the memory c and the output h. With one product for all
four gates, a = x_t W^x + h_{t-1} W^h + b, cut into four column blocks a_i, a_f, a_g, a_o of
width hidden_size (in this order):

    i = sigmoid(a_i)     input gate          f = sigmoid(a_f)     forget gate
    g = tanh(a_g)        candidate           o = sigmoid(a_o)     output gate
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)
    R(s_{t-1}, x_t) = (c_t, h_t),    y_t = O(s_t) = h_t

Useful: ``tr.split(a, 4, axis=-1)`` cuts a tensor into four equal blocks; ``.sigmoid()`` and
``.tanh()`` are tensor methods.
"""
import tinygrad_rnn as tr


class LSTMCell(tr.rnn.RNNCell):
    """The LSTM cell; W^x is (input_size, 4 hidden_size), W^h (hidden_size, 4 hidden_size)."""
    kind = "lstm"
    state_parts = 2

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        bound = 1 / hidden_size ** 0.5
        self.W_x = tr.nn.uniform((input_size, 4 * hidden_size), bound, "W^x")
        self.W_h = tr.nn.uniform((hidden_size, 4 * hidden_size), bound, "W^h")
        self.b = tr.nn.uniform((4 * hidden_size,), bound, "b")

    def initial_state(self, batch_size):
        """s_0 = (c_0, h_0) = (0, 0)"""
        zeros = [[0.0] * self.hidden_size] * batch_size
        return tr.Tensor(zeros, name="c"), tr.Tensor(zeros, name="h")

    def gates(self, h, x):
        """(i, f, g, o) from h_{t-1} and x_t, each ``[batch, hidden_size]``."""
        raise NotImplementedError("YOUR CODE HERE")

    def R(self, state, x):
        """(c_t, h_t) from s_{t-1} = (c_{t-1}, h_{t-1}) and x_t."""
        c, h = state
        raise NotImplementedError("YOUR CODE HERE")

    def O(self, state):
        """y_t = h_t"""
        return state[1]
