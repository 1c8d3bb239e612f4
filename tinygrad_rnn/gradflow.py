"""How far back the gradient reaches: ||dL/ds_t|| for every step t of an unrolled RNN, and its
plot (the vanishing-gradient picture of tutorial 7 and ``tinygrad-rnn gradflow``).

    cell = tr.rnn.ElmanCell(8, 32)
    norms = state_grad_norms(cell, steps=50)      # norms[t] = ||dL/ds_t||, t = 0..50
    fig = plot_grad_norms({"elman": norms})        # log scale: a straight line down = vanishing

The loss reads only the last output, L = sum_i y_{T,i}, so dL/ds_t measures how much the state
t steps back still influences the loss. For the Elman cell, by the chain rule,

    dL/ds_{t-1} = dL/ds_t · diag(1 - s_t²) · (W^s)^T

a product of T - t Jacobians, each of norm at most ||W^s|| (tanh' <= 1): it shrinks (or grows)
geometrically with the distance T - t. For the LSTM the state is the pair (c_t, h_t) and the norm
is that of both parts together, sqrt(||dL/dc_t||² + ||dL/dh_t||²).
"""
import io
import os

import numpy

from .files import atomic_write
from .rnn import ElmanCell, GRUCell, LSTMCell, unroll
from .tensor import Tensor

CELLS = {"elman": ElmanCell, "lstm": LSTMCell, "gru": GRUCell}
PLOT_FORMATS = (".png", ".svg", ".pdf")


def make_cell(kind, input_size=8, hidden_size=32, gate_bias=None):
    """A freshly initialised cell of ``kind`` (``"elman"``, ``"lstm"``, ``"gru"``).

    ``gate_bias`` sets the bias of the gate that keeps the old state: the LSTM's forget gate f
    (b_f; f = sigmoid(... + b_f)) or the GRU's update gate z. None keeps the initialisation
    (f ≈ z ≈ 0.5). It is ignored for the Elman cell, which has no gate.
    """
    if kind not in CELLS:
        raise ValueError(f"unknown cell {kind!r}; use one of {', '.join(CELLS)}")
    cell = CELLS[kind](input_size, hidden_size)
    if gate_bias is not None and kind != "elman":
        H = hidden_size
        bias = cell.b if kind == "lstm" else cell.b_x   # block 1: LSTM's f (i,f,g,o), GRU's z
        values = bias.numpy()
        values[H:2 * H] = gate_bias
        bias.assign(values)
        if kind == "gru":
            values = cell.b_h.numpy()
            values[H:2 * H] = 0.0
            cell.b_h.assign(values)
    return cell


def _leaf_state(cell, batch):
    """s_0 = 0 as leaves that require grad, so that dL/ds_0 is computed too."""
    s0 = cell.initial_state(batch)
    parts = s0 if isinstance(s0, tuple) else (s0,)
    leaves = tuple(Tensor(p.numpy(), requires_grad=True, name=p.name, dtype=p.dtype,
                          device=p.device) for p in parts)
    return leaves if isinstance(s0, tuple) else leaves[0]


def state_grad_norms(cell, steps=None, xs=None, seed=0, batch=1):
    """``norms[t] = ||dL/ds_t||`` for t = 0..T (a NumPy array of T + 1 numbers).

    The inputs are ``xs`` (an array ``[T, batch, input_size]``) or, when not given, ``steps``
    rows of standard normal noise drawn with ``seed``. The parameters' ``.grad`` are left as
    they were. L = sum of the last output y_T (summed over the
    batch too), so the curve shows how the gradient of one late loss fades going back in time.
    """
    if xs is None:
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise ValueError(f"state_grad_norms: steps must be a positive int, got {steps!r}")
        rng = numpy.random.default_rng(seed)
        xs = rng.standard_normal((steps, batch, cell.input_size))
    xs = numpy.asarray(xs, dtype=numpy.float64)
    params = cell.parameters()
    kept = [p.grad for p in params]          # the caller's gradients, restored at the end
    ys, states = unroll(cell, xs, state=_leaf_state(cell, xs.shape[1]))
    for p in params:
        p.grad = None
    loss = ys[-1].sum()
    loss.backward()
    norms = []
    for state in states:
        parts = state if isinstance(state, tuple) else (state,)
        total = sum(float((p.grad * p.grad).sum()) for p in parts
                    if p.grad is not None)
        norms.append(numpy.sqrt(total))
    for p, grad in zip(params, kept):
        p.grad = grad
    return numpy.array(norms)


def spectral_norm(matrix):
    """The largest singular value ||W||_2 (bounds how much one step can stretch a gradient)."""
    return float(numpy.linalg.norm(numpy.asarray(matrix), 2))


def plot_grad_norms(curves, ax=None, title=None):
    """Plot ``{label: norms}`` (norms[t] for t = 0..T) on a log scale; returns the Figure.

    With ``ax`` the curves go into that matplotlib Axes (e.g. from ``plt.subplots``); without
    it a new ``matplotlib.figure.Figure`` is made (no pyplot, no display needed).
    """
    if ax is None:
        from matplotlib.figure import Figure
        fig = Figure(figsize=(7, 4), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    steps = 0
    for label, norms in curves.items():
        norms = numpy.asarray(norms, dtype=float)
        steps = max(steps, len(norms) - 1)
        # a norm of exactly 0 cannot be drawn on a log scale; it is left out
        shown = numpy.where(norms > 0, norms, numpy.nan)
        ax.semilogy(numpy.arange(len(norms)), shown, marker="o", markersize=3, label=label)
    ax.set_xlabel("time step t   (the loss reads only y_T, T = %d)" % steps)
    ax.set_ylabel("||dL/ds_t||  (log scale)")
    ax.set_title(title or "How far back the gradient reaches")
    ax.grid(True, which="major", alpha=0.4)
    ax.legend()
    return fig


def save_figure(fig, path):
    """Write ``fig`` to ``path`` (.png .svg .pdf by the suffix) through a temporary file and a
    rename, so a failure leaves no half-written file."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in PLOT_FORMATS:
        raise ValueError(f"unknown output suffix {suffix or '(none)'!r} in {path!r}; use one of "
                         f"{' '.join(PLOT_FORMATS)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=suffix[1:], dpi=120)
    atomic_write(path, buffer.getvalue())
    return path
