"""The gated recurrent unit, in PyTorch's formulation; and its R as one fused op."""
from ..function import Function
from ..functional import split
from .base import RNNCell
from .fused import add_into, gates


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

    def fused_R(self, state, x):
        """R as one node with its own backward (training mode): ``GRUStep``."""
        h = GRUStep.apply(x, state, self.W_x, self.W_h, self.b_x, self.b_h)
        h.name = "h"
        return h


class GRUStep(Function):
    """The GRU cell's R as one node (training mode, ``unroll(..., fused=True)``):

        [ax_r, ax_z, ax_n] = x_t W^x + b^x,     [ah_r, ah_z, ah_n] = h_{t-1} W^h + b^h
        r = sigmoid(ax_r + ah_r),  z = sigmoid(ax_z + ah_z),  n = tanh(ax_n + r * ah_n)
        h_t = n + z * (h_{t-1} - n)

    backward, from dL/dh_t:
        dL/dn = dL/dh_t (1 - z),   dL/dz = dL/dh_t (h_{t-1} - n)
        dL/dax_n = dL/dn (1 - n**2),   dL/dah_n = dL/dax_n * r,   dL/dr = dL/dax_n * ah_n
        dL/dax_r = dL/dah_r = dL/dr * r (1 - r),   dL/dax_z = dL/dah_z = dL/dz * z (1 - z)
        dL/dx_t = dL/dax (W^x)^T,    dL/dh_{t-1} = dL/dah (W^h)^T + dL/dh_t * z
        dL/dW^x = x_t^T dL/dax,   dL/dW^h = h_{t-1}^T dL/dah
        dL/db^x, dL/db^h: dL/dax, dL/dah summed over the batch

    Inputs ``(x_t, h_{t-1}, W^x, W^h, b^x, b^h)``.
    """
    name = "gru_step"
    cell_R = GRUCell.R
    parameters = ("W_x", "W_h", "b_x", "b_h")
    state_inputs = 1
    cases = [(((2, 3), (2, 4), (3, 12), (4, 12), (12,), (12,)), {}),
             (((1, 2), (1, 3), (2, 9), (3, 9), (9,), (9,)), {})]

    def forward(self, x, h, W_x, W_h, b_x, b_h):
        xp = self.xp
        ax = add_into(x @ W_x, b_x)
        ah = add_into(h @ W_h, b_h)
        H = h.shape[-1]
        rz = gates(xp, ax[:, :2 * H] + ah[:, :2 * H], "ss")
        r, z = rz[:, :H], rz[:, H:]
        n = r * ah[:, 2 * H:]
        n += ax[:, 2 * H:]
        xp.tanh(n, out=n)
        h_new = h - n
        h_new *= z
        h_new += n
        self.save(x=x, h=h, W_x=W_x, W_h=W_h, rz=rz, n=n, ah_n=ah[:, 2 * H:])
        return h_new

    def backward(self, dh_new):
        xp, saved, need = self.xp, self.saved, self.needs_grad
        rz, n, h = saved["rz"], saved["n"], saved["h"]
        H = h.shape[-1]
        r, z = rz[:, :H], rz[:, H:]
        dax = xp.empty((dh_new.shape[0], 3 * H), dtype=rz.dtype)
        dn = dh_new * (1 - z)
        xp.multiply(dn, 1 - n * n, out=dax[:, 2 * H:])              # dL/dax_n
        xp.multiply(dax[:, 2 * H:], saved["ah_n"], out=dax[:, :H])  # dL/dr
        xp.multiply(dh_new, h - n, out=dax[:, H:2 * H])             # dL/dz
        dax[:, :2 * H] *= rz * (1 - rz)                              # through the sigmoids
        dah = dax.copy()
        dah[:, 2 * H:] *= r                                          # dL/dah_n = dL/dax_n * r
        dh = dah @ saved["W_h"].T if need(1) else None
        if dh is not None:
            dh += dh_new * z
        return (dax @ saved["W_x"].T if need(0) else None,
                dh,
                saved["x"].T @ dax if need(2) else None,
                h.T @ dah if need(3) else None,
                dax.sum(axis=0) if need(4) else None,
                dah.sum(axis=0) if need(5) else None)
