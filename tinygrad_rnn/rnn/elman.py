"""The Elman network (the lecture's simple RNN, S-RNN)."""
from .base import RNNCell

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

    def __repr__(self):
        return (f"ElmanCell(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"activation={self.activation!r})")
