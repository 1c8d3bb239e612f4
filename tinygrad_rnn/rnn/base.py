"""``RNNCell``: the lecture's abstraction of one step of a recurrent network, and the PyTorch
state-dict interop that every cell shares.

A cell is two functions of the lecture:

    s_t = R(s_{t-1}, x_t)      the next state
    y_t = O(s_t)               the output

``cell(state, x)`` returns ``(s_t, y_t)``; ``unroll`` applies it once per time step.
"""
import math
import numbers

import numpy

from .. import backend
from ..errors import ShapeError
from ..nn import Module, assign_all, check_state, uniform
from ..tensor import Tensor

TORCH_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class RNNCell(Module):
    """One step of a recurrent network: ``R(state, x)`` and ``O(state)``.

    Subclasses set ``kind`` (the scope name ``unroll`` opens, e.g. ``"elman"``) and define ``R``,
    ``O`` and ``initial_state``. Shapes (row vectors, as in the lecture):
    x_t is ``[batch, input_size]``, every part of s_t is ``[batch, hidden_size]``.

    PyTorch interop: the weights live in PyTorch's gate order as column blocks of ``W_x`` (input
    to gates) and of the recurrent matrix, so PyTorch's ``weight_ih`` is ``W_x`` transposed.
    """
    kind = "cell"
    gates = 1                  # how many hidden_size blocks W_x has (LSTM 4, GRU 3)
    recurrent = "W_s"          # attribute name of the recurrent matrix
    single_bias = True         # one b (lecture) instead of PyTorch's bias_ih and bias_hh
    state_parts = 1            # how many tensors s_t is made of (LSTM: 2, the pair (c, h))
    # R as one node with its own backward (training mode, rnn/fused.py): a method
    # ``fused_R(state, x)`` in the built-in cells; None: this cell runs op by op
    fused_R = None

    def __init__(self, input_size, hidden_size, dtype="float64", device="cpu"):
        for what, n in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
                raise ValueError(f"{type(self).__name__}: {what} must be a positive int, got {n!r}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.dtype, self.device = numpy.dtype(dtype), device

    @property
    def output_size(self):
        """Width of y_t."""
        return self.hidden_size

    def _uniform(self, shape, name):
        """PyTorch's initialisation: U(-1/sqrt(H), 1/sqrt(H)) from the seeded generator."""
        return uniform(shape, 1 / math.sqrt(self.hidden_size), name, self.dtype, self.device)

    def _zeros(self, batch_size, name):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or \
                batch_size < 1:
            raise ValueError(f"{type(self).__name__}.initial_state: batch_size must be a positive "
                             f"int, got {batch_size!r}")
        return Tensor(numpy.zeros((batch_size, self.hidden_size)), name=name, dtype=self.dtype,
                      device=self.device)

    # ---- the lecture's two functions --------------------------------------------------
    def initial_state(self, batch_size):
        """s_0: zeros (a tensor, or a tuple of tensors for a cell with a composite state)."""
        raise NotImplementedError

    def R(self, state, x):
        """s_t = R(s_{t-1}, x_t)."""
        raise NotImplementedError

    def O(self, state):
        """y_t = O(s_t)."""
        raise NotImplementedError

    def forward(self, state, x):
        """One step: ``(s_t, y_t)`` from ``(s_{t-1}, x_t)``; shapes are checked first."""
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.dtype, device=self.device)
        parts = state if isinstance(state, tuple) else (state,)
        expected = (x.shape[0] if x.ndim == 2 else None, self.hidden_size)
        if x.ndim != 2 or x.shape[1] != self.input_size or len(parts) != self.state_parts or any(
                tuple(p.shape) != expected for p in parts):
            raise ShapeError(f"{type(self).__name__}: x {tuple(x.shape)} and state "
                             f"{[tuple(p.shape) for p in parts]} do not fit: expected x "
                             f"[batch, {self.input_size}] and {self.state_parts} state tensor(s) "
                             f"[batch, {self.hidden_size}] with the same batch")
        state = self.R(state, x)
        return state, self.O(state)

    def __repr__(self):
        return (f"{type(self).__name__}(input_size={self.input_size}, "
                f"hidden_size={self.hidden_size})")

    # ---- the runner protocol of cells, BiRNN and Stacked (what the usage patterns call) -----
    def run(self, xs, state=None, labels=None, lengths=None, fused=None):
        """``(ys, states)`` over the sequence: ``tr.rnn.unroll(self, xs, state, labels, lengths,
        fused)``."""
        from .unroll import unroll
        return unroll(self, xs, state, labels, lengths, fused)

    def final(self, states):
        """The final state, from the states ``run`` returned: s_T."""
        return states[-1]

    def summary(self, final):
        """The final state as one state of the top cell (for a cell: itself)."""
        return final

    def last_output(self, ys, lengths=None):
        """y_n: each sequence's output at its own last step (``lengths``: int array or None)."""
        from .unroll import last_steps
        return last_steps(ys, lengths)

    @property
    def top_cells(self):
        """The cells whose states make the final state (a decoder must fit them)."""
        return [self]

    def _torch_cells(self, layer=0):
        return [(f"_l{layer}", self)]

    # ---- PyTorch interop (torch itself is never imported) ------------------------------
    def _torch_shapes(self):
        rows = self.gates * self.hidden_size
        return {"weight_ih": (rows, self.input_size), "weight_hh": (rows, self.hidden_size),
                "bias_ih": (rows,), "bias_hh": (rows,)}

    def load_torch_state_dict(self, state_dict):
        """Take the weights of ``torch.nn.RNNCell`` / ``LSTMCell`` / ``GRUCell`` (keys
        ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``, PyTorch's gate order), as arrays
        or anything ``numpy.asarray`` accepts (torch tensors included).

        Every key, value and shape is checked first (``nn.check_state``); on any problem one
        error names them all (``StateDictKeyError``, a ``KeyError``, for keys; ``DTypeError``
        for values that are not real numbers or do not fit the cell's dtype; ``ShapeError`` for
        shapes) and no parameter changes. A cell with one bias b gets b = bias_ih + bias_hh.
        """
        name = f"{type(self).__name__}.load_torch_state_dict"
        self._assign(self._validated(state_dict, name), name)

    def _validated(self, state_dict, name):
        """Check a PyTorch state dict; return our parameters' new arrays (nothing assigned yet)."""
        arrays = check_state(name, self._torch_shapes(), state_dict, self.dtype)
        arrays = {key: numpy.asarray(value, dtype=numpy.float64) for key, value in arrays.items()}
        ours = {"W_x": arrays["weight_ih"].T, self.recurrent: arrays["weight_hh"].T}
        if self.single_bias:  # each bias may fit the dtype while their sum does not
            ours["b"] = arrays["bias_ih"] + arrays["bias_hh"]
            backend.as_array(ours["b"], self.dtype, who=f"{name}: b = bias_ih + bias_hh")
        else:
            ours["b_x"], ours["b_h"] = arrays["bias_ih"], arrays["bias_hh"]
        return ours

    def _assign(self, ours, name="load_torch_state_dict"):
        assign_all(name, [(getattr(self, attr), value) for attr, value in ours.items()])

    def torch_state_dict(self, grad=False):
        """The parameters in PyTorch's keys and layout, as NumPy float64 arrays.

        ``grad=True`` gives the parameters' gradients instead (zeros where none was computed).
        A cell with one bias b exports bias_ih = b, bias_hh = 0; their gradients are both b's.
        """
        def get(attr):
            p = getattr(self, attr)
            if not grad:
                return backend.to_numpy(p.data).astype(numpy.float64)
            if p.grad is None:
                return numpy.zeros(p.shape)
            return backend.to_numpy(p.grad).astype(numpy.float64)

        out = {"weight_ih": get("W_x").T.copy(), "weight_hh": get(self.recurrent).T.copy()}
        if self.single_bias:
            b = get("b")
            out["bias_ih"], out["bias_hh"] = b, (b.copy() if grad else numpy.zeros_like(b))
        else:
            out["bias_ih"], out["bias_hh"] = get("b_x"), get("b_h")
        return out
