"""The gated recurrent unit, in PyTorch's formulation."""
from ..functional import split
from .base import RNNCell


class GRUCell(RNNCell):
    """The GRU cell (PyTorch's formulation; the state is s_t = h_t):

        r = sigmoid(x_t W^x_r + b^x_r + h_{t-1} W^h_r + b^h_r)          reset gate
        z = sigmoid(x_t W^x_z + b^x_z + h_{t-1} W^h_z + b^h_z)          update gate
        n = tanh(x_t W^x_n + b^x_n + r * (h_{t-1} W^h_n + b^h_n))       candidate
        h_t = R(h_{t-1}, x_t) = (1 - z) * n + z * h_{t-1}
        y_t = O(s_t) = h_t

    The blocks sit side by side (PyTorch's order r, z, n) in W^x ``(input_size, 3 hidden_size)``
    and W^h ``(hidden_size, 3 hidden_size)``; there are two biases because b^h_n sits inside
    r * (...): attributes ``W_x``, ``W_h``, ``b_x``, ``b_h``, tensor names ``"W^x"``, ``"W^h"``,
    ``"b^x"``, ``"b^h"``. The gates are named ``"r"``, ``"z"``, ``"n"`` and the new state ``"h"``.
    h_t is computed as n + z * (h_{t-1} - n), the same number with one op fewer.
    """
    kind = "gru"
    gates = 3
    recurrent = "W_h"
    single_bias = False

    def __init__(self, input_size, hidden_size, dtype="float64", device="cpu"):
        super().__init__(input_size, hidden_size, dtype, device)
        self.W_x = self._uniform((input_size, 3 * hidden_size), "W^x")
        self.W_h = self._uniform((hidden_size, 3 * hidden_size), "W^h")
        self.b_x = self._uniform((3 * hidden_size,), "b^x")
        self.b_h = self._uniform((3 * hidden_size,), "b^h")

    def initial_state(self, batch_size):
        """s_0 = h_0 = 0, ``[batch_size, hidden_size]``."""
        return self._zeros(batch_size, "h")

    def R(self, state, x):
        """h_t from h_{t-1} and x_t (see the class docstring)."""
        ax_r, ax_z, ax_n = split(x @ self.W_x + self.b_x, 3, axis=-1)
        ah_r, ah_z, ah_n = split(state @ self.W_h + self.b_h, 3, axis=-1)
        r, z = (ax_r + ah_r).sigmoid(), (ax_z + ah_z).sigmoid()
        r.name, z.name = "r", "z"
        n = (ax_n + r * ah_n).tanh()
        n.name = "n"
        h = n + z * (state - n)
        h.name = "h"
        return h

    def O(self, state):
        """y_t = h_t"""
        return state
