"""Training mode: each step of a built-in cell as one node of the graph, with its own backward.

Teaching mode (the default) records every op of R: x_t W^x, s_{t-1} W^s, their sum, the bias,
the activation, ... An LSTM step is 17 nodes. In training mode (``fused=True`` of ``unroll``,
``BiRNN``, ``Stacked``, the usage patterns and ``tr.fit``) the whole of R is one op (``elman_step``,
``lstm_step``, ``gru_step``, defined beside each cell) whose backward is written out by hand:

    s_t = R(s_{t-1}, x_t)            one node, inputs (x_t, s_{t-1}, W^x, W^s, b)

The numbers are the same (to rounding: 1e-10 in float64, checked against the per-op graph and
PyTorch), and nothing a student can see is lost: drawings and the debugger expand any fused step
back into its ops (``expand.py``) by running the cell's own R again on the step's inputs.

A cell whose R is its own (a user-defined cell, or a subclass that overrides R) has no fused
step: with ``fused=True`` it runs op by op, and a ``NotFusedWarning`` names it.
"""
import contextvars
import sys
import warnings

from ..state import setting


class NotFusedWarning(UserWarning):
    """``fused=True`` was asked for a cell that has no fused step: it runs op by op."""


# What ``fused=None`` means: False, or True inside ``fused_mode()``; per thread, as grad mode.
_DEFAULT = contextvars.ContextVar("tinygrad_rnn.fused_mode", default=False)


def fused_mode(enabled=True):
    """Inside the block, ``fused=None`` (the default of ``unroll``, ``BiRNN``, ``Stacked`` and
    the usage patterns) means ``enabled``; ``tr.fit(..., fused=True)`` trains inside one. An
    explicit ``fused=True``/``False`` always wins."""
    if not isinstance(enabled, bool):
        raise TypeError(f"fused_mode: enabled must be True or False, got {enabled!r}")
    return setting(_DEFAULT, enabled)


def is_fused(fused):
    """``fused`` as a bool: True, False, or None for the default of the enclosing block."""
    if fused is None:
        return _DEFAULT.get()
    if not isinstance(fused, bool):
        raise TypeError(f"fused must be True, False or None (the default), got {fused!r}")
    return fused


def _defined_by(cls, attr):
    return next((k for k in cls.__mro__ if attr in k.__dict__), None)


def has_fused_step(cell):
    """Whether ``cell``'s R has a fused step: the class that defines ``fused_R`` is the class
    that defines ``R``, or a subclass of it (a subclass that writes its own R and no fused_R
    has none: the fused step would compute the parent's R, not its own)."""
    cls = type(cell)
    fused, own = _defined_by(cls, "fused_R"), _defined_by(cls, "R")
    return getattr(cls, "fused_R", None) is not None and fused is not None and \
        own is not None and issubclass(fused, own)


def step_function(cell, fused):
    """What ``unroll`` calls for s_t: ``cell.fused_R`` in training mode when the cell has one,
    else ``cell.R`` (with a ``NotFusedWarning`` when training mode was asked for)."""
    if not fused:
        return cell.R
    if has_fused_step(cell):
        return cell.fused_R
    warnings.warn(f"fused=True: {type(cell).__name__} has no fused step (its R is its own), so "
                  "it runs op by op: the same numbers, at teaching-mode speed. The built-in "
                  "ElmanCell, LSTMCell and GRUCell have one.", NotFusedWarning,
                  stacklevel=_user_level())
    return cell.R


def _user_level():
    """The ``stacklevel`` of the first frame outside tinygrad_rnn: the user's line that asked
    for training mode, whether it called ``unroll``, a BiRNN, a pattern or ``fit``."""
    from ..origin import _PACKAGE_DIR
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


# ---- array helpers the step ops share (``xp`` is NumPy or CuPy) --------------------------------
def add_into(a, b):
    """a + b, written into ``a`` (a fresh array the op owns) when shapes and dtypes allow."""
    if a.dtype == b.dtype and (b.shape == a.shape or b.shape == a.shape[-1:]):
        a += b
        return a
    return a + b


_SCALES = {}   # (xp, dtype, gate layout) -> the arrays that turn tanh into the gates' sigmoids


def gate_scales(xp, dtype, layout, H):
    """``(scale, shift)`` of width len(layout) * H: sigmoid(a) = tanh(a/2)/2 + 1/2 on the gates
    marked "s" in ``layout`` (the tanh form of the Sigmoid op), tanh on those marked "t".
    Cached: every step of an unroll uses the same two arrays."""
    key = (id(xp), dtype, layout, H)
    found = _SCALES.get(key)
    if found is None:
        scale = [0.5 if kind == "s" else 1.0 for kind in layout for _ in range(H)]
        shift = [0.5 if kind == "s" else 0.0 for kind in layout for _ in range(H)]
        found = _SCALES[key] = (xp.asarray(scale, dtype=dtype), xp.asarray(shift, dtype=dtype))
        if len(_SCALES) > 256:   # many different widths: keep the cache small
            _SCALES.clear()
            _SCALES[key] = found
    return found


def gates(xp, a, layout):
    """The gate activations of the pre-activations ``a`` ``[B, len(layout) * H]``, computed in
    place in ``a``: sigmoid on the "s" blocks, tanh on the "t" blocks."""
    scale, shift = gate_scales(xp, a.dtype, layout, a.shape[-1] // len(layout))
    a *= scale
    xp.tanh(a, out=a)
    a *= scale
    a += shift
    return a
