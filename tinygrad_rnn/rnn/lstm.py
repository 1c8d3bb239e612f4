"""The LSTM cell: a state of two parts, the memory c and the output h, and three gates."""
from ..functional import split
from .base import RNNCell


class LSTMCell(RNNCell):
    """The LSTM cell (state s_t = (c_t, h_t), as in the lecture; PyTorch orders it (h, c)):

        i = sigmoid(x_t W^x_i + h_{t-1} W^h_i + b_i)      input gate
        f = sigmoid(x_t W^x_f + h_{t-1} W^h_f + b_f)      forget gate
        g = tanh(x_t W^x_g + h_{t-1} W^h_g + b_g)         candidate
        o = sigmoid(x_t W^x_o + h_{t-1} W^h_o + b_o)      output gate
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)
        s_t = R(s_{t-1}, x_t) = (c_t, h_t),    y_t = O(s_t) = h_t

    The four blocks sit side by side (PyTorch's order i, f, g, o) in W^x
    ``(input_size, 4 hidden_size)``, W^h ``(hidden_size, 4 hidden_size)`` and one bias b
    ``(4 hidden_size,)``: attributes ``W_x``, ``W_h``, ``b``, tensor names ``"W^x"``, ``"W^h"``,
    ``"b"``. The gate tensors are named ``"i"``, ``"f"``, ``"g"``, ``"o"`` and the new state's
    parts ``"c"`` and ``"h"``, so each is visible in a drawing. Loading PyTorch's weights sets
    b = bias_ih + bias_hh.
    """
    kind = "lstm"
    gates = 4
    recurrent = "W_h"
    state_parts = 2

    def __init__(self, input_size, hidden_size, dtype="float64", device="cpu"):
        super().__init__(input_size, hidden_size, dtype, device)
        self.W_x = self._uniform((input_size, 4 * hidden_size), "W^x")
        self.W_h = self._uniform((hidden_size, 4 * hidden_size), "W^h")
        self.b = self._uniform((4 * hidden_size,), "b")

    def initial_state(self, batch_size):
        """s_0 = (c_0, h_0) = (0, 0), each ``[batch_size, hidden_size]``."""
        return self._zeros(batch_size, "c"), self._zeros(batch_size, "h")

    def R(self, state, x):
        """(c_t, h_t) from (c_{t-1}, h_{t-1}) and x_t (see the class docstring)."""
        c, h = state
        a_i, a_f, a_g, a_o = split(x @ self.W_x + h @ self.W_h + self.b, 4, axis=-1)
        i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
        i.name, f.name, g.name, o.name = "i", "f", "g", "o"
        c = f * c + i * g
        c.name = "c"
        h = o * c.tanh()
        h.name = "h"
        return c, h

    def O(self, state):
        """y_t = h_t"""
        return state[1]
