"""The Elman network (the lecture's simple RNN, S-RNN): the cell, and its R as one fused op."""
from ..function import Function
from .base import RNNCell
from .fused import add_into

_ACTIVATIONS = ("tanh", "relu")


class ElmanCell(RNNCell):
    """The Elman cell:

        s_t = R(s_{t-1}, x_t) = g(x_t W^x + s_{t-1} W^s + b)
        y_t = O(s_t) = s_t

    with g = tanh (or relu), x_t a row ``[batch, input_size]``, s_t ``[batch, hidden_size]``,
    W^x ``(input_size, hidden_size)``, W^s ``(hidden_size, hidden_size)`` and one bias b.
    The parameters are the attributes ``W_x``, ``W_s``, ``b`` (tensor names ``"W^x"``, ``"W^s"``,
    ``"b"``); each new state tensor is named ``"s"``.

    PyTorch's ``torch.nn.RNNCell`` has the same equations with two biases; loading its weights
    sets b = bias_ih + bias_hh.
    """
    kind = "elman"

    def __init__(self, input_size, hidden_size, activation="tanh", dtype="float64", device="cpu"):
        super().__init__(input_size, hidden_size, dtype, device)
        if activation not in _ACTIVATIONS:
            raise ValueError(f"ElmanCell: activation must be one of {_ACTIVATIONS}, "
                             f"got {activation!r}")
        self.activation = activation
        self.W_x = self._uniform((self.input_size, hidden_size), "W^x")
        self.W_s = self._uniform((hidden_size, hidden_size), "W^s")
        self.b = self._uniform((hidden_size,), "b")

    def initial_state(self, batch_size):
        """s_0 = 0, ``[batch_size, hidden_size]``."""
        return self._zeros(batch_size, "s")

    def R(self, state, x):
        """s_t = g(x_t W^x + s_{t-1} W^s + b)"""
        a = x @ self.W_x + state @ self.W_s + self.b
        s = a.tanh() if self.activation == "tanh" else a.relu()
        s.name = "s"
        return s

    def O(self, state):
        """y_t = s_t"""
        return state

    def fused_R(self, state, x):
        """R as one node with its own backward (training mode): ``ElmanStep``."""
        s = ElmanStep.apply(x, state, self.W_x, self.W_s, self.b, activation=self.activation)
        s.name = "s"
        return s

    def __repr__(self):
        return (f"ElmanCell(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"activation={self.activation!r})")


class ElmanStep(Function):
    """The Elman cell's R as one node (training mode, ``unroll(..., fused=True)``):

        a = x_t W^x + s_{t-1} W^s + b,      s_t = g(a)
        dL/da = dL/ds_t * g'(a)             tanh: 1 - s_t**2;  relu: [s_t > 0]
        dL/dx_t = dL/da (W^x)^T             dL/ds_{t-1} = dL/da (W^s)^T
        dL/dW^x = x_t^T dL/da               dL/dW^s = s_{t-1}^T dL/da
        dL/db = dL/da summed over the batch

    Inputs ``(x_t [B, I], s_{t-1} [B, H], W^x, W^s, b)``; param ``activation`` ("tanh"/"relu").
    ``tr.rnn.expand`` turns it back into the ops of ``ElmanCell.R``.
    """
    name = "elman_step"
    cell_R = ElmanCell.R                       # what the step computes, op by op
    parameters = ("W_x", "W_s", "b")           # the cell's attributes, inputs 2.. in order
    state_inputs = 1                           # inputs 1.. 1 + state_inputs: the parts of s_{t-1}
    cases = [(((2, 3), (2, 4), (3, 4), (4, 4), (4,)), {"activation": "tanh"}),
             (((3, 2), (3, 4), (2, 4), (4, 4), (4,)), {"activation": "relu"})]

    def forward(self, x, s, W_x, W_s, b, activation="tanh"):
        a = add_into(add_into(x @ W_x, s @ W_s), b)
        s_new = self.xp.tanh(a, out=a) if activation == "tanh" else self.xp.maximum(a, 0, out=a)
        self.save(x=x, s=s, W_x=W_x, W_s=W_s, s_new=s_new)
        return s_new

    def backward(self, ds):
        saved, need = self.saved, self.needs_grad
        s_new = saved["s_new"]
        if self.params.get("activation", "tanh") == "tanh":
            da = ds * (1 - s_new * s_new)
        else:
            da = ds * (s_new > 0)
        return (da @ saved["W_x"].T if need(0) else None,
                da @ saved["W_s"].T if need(1) else None,
                saved["x"].T @ da if need(2) else None,
                saved["s"].T @ da if need(3) else None,
                da.sum(axis=0) if need(4) else None)
