"""The LSTM cell: a state of two parts, the memory c and the output h, and three gates; and its
R as one fused op with two outputs."""
from ..function import Function
from ..functional import split
from .base import RNNCell
from .fused import add_into, gates

_LAYOUT = "ssts"   # the gate blocks i, f, g, o: sigmoid, sigmoid, tanh, sigmoid


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

    def fused_R(self, state, x):
        """R as one node with two outputs (c_t, h_t) and its own backward: ``LSTMStep``."""
        c, h = state
        c, h = LSTMStep.apply(x, c, h, self.W_x, self.W_h, self.b)
        c.name, h.name = "c", "h"
        return c, h


class LSTMStep(Function):
    """The LSTM cell's R as one node with two outputs (training mode, ``unroll(..., fused=True)``):

        a = x_t W^x + h_{t-1} W^h + b = [a_i, a_f, a_g, a_o]
        i, f, o = sigmoid(a_i, a_f, a_o),   g = tanh(a_g)
        c_t = f * c_{t-1} + i * g,          h_t = o * tanh(c_t)

    backward, from dL/dc_t (through the next step) and dL/dh_t:
        dL/dc = dL/dc_t + dL/dh_t * o * (1 - tanh(c_t)**2)      (all of dL/dc_t)
        dL/da_i = dL/dc * g * i (1 - i)       dL/da_f = dL/dc * c_{t-1} * f (1 - f)
        dL/da_g = dL/dc * i * (1 - g**2)      dL/da_o = dL/dh_t * tanh(c_t) * o (1 - o)
        dL/dc_{t-1} = dL/dc * f,   dL/dh_{t-1} = dL/da (W^h)^T,   dL/dx_t = dL/da (W^x)^T
        dL/dW^x = x_t^T dL/da,     dL/dW^h = h_{t-1}^T dL/da,     dL/db = sum_batch dL/da

    Inputs ``(x_t, c_{t-1}, h_{t-1}, W^x, W^h, b)``; outputs ``(c_t, h_t)``.
    """
    name = "lstm_step"
    cell_R = LSTMCell.R
    parameters = ("W_x", "W_h", "b")
    state_inputs = 2
    cases = [(((2, 3), (2, 4), (2, 4), (3, 16), (4, 16), (16,)), {}),
             (((1, 2), (1, 3), (1, 3), (2, 12), (3, 12), (12,)), {})]

    def forward(self, x, c, h, W_x, W_h, b):
        g_all = gates(self.xp, add_into(add_into(x @ W_x, h @ W_h), b), _LAYOUT)
        H = c.shape[-1]
        i, f, g, o = (g_all[:, k * H:(k + 1) * H] for k in range(4))
        c_new = f * c
        c_new += i * g
        tc = self.xp.tanh(c_new)
        self.save(x=x, c=c, h=h, W_x=W_x, W_h=W_h, gates=g_all, tc=tc)
        return c_new, o * tc

    def backward(self, dc_new, dh_new):
        xp, saved, need = self.xp, self.saved, self.needs_grad
        g_all, tc, c = saved["gates"], saved["tc"], saved["c"]
        H = c.shape[-1]
        i, f, g, o = (g_all[:, k * H:(k + 1) * H] for k in range(4))
        dc = dh_new * o
        dc *= 1 - tc * tc
        dc += dc_new
        da = xp.empty_like(g_all)       # dL/d(gates), then through the activations
        xp.multiply(dc, g, out=da[:, :H])
        xp.multiply(dc, c, out=da[:, H:2 * H])
        xp.multiply(dc, i, out=da[:, 2 * H:3 * H])
        xp.multiply(dh_new, tc, out=da[:, 3 * H:])
        slope = g_all * (1 - g_all)     # sigmoid' = s (1 - s); the g block: tanh' = 1 - g**2
        xp.multiply(g, g, out=slope[:, 2 * H:3 * H])
        xp.subtract(1, slope[:, 2 * H:3 * H], out=slope[:, 2 * H:3 * H])
        da *= slope
        return (da @ saved["W_x"].T if need(0) else None,
                dc * f if need(1) else None,
                da @ saved["W_h"].T if need(2) else None,
                saved["x"].T @ da if need(3) else None,
                saved["h"].T @ da if need(4) else None,
                da.sum(axis=0) if need(5) else None)
