"""``unroll``: a cell applied once per time step, in a plain Python loop.

The recorded graph is loop-free: T copies of the cell's ops that share the cell's parameter
tensors. Scopes tell renderers and the debugger which node belongs to which step:

    Scope(kind, kind=kind)            the cell's kind: "elman", "lstm", "gru"
      Scope("t=0", t=0, label=None, position=0)
                                      the initial state s_0 (when unroll creates it)
      Scope("t=1", t=1, label=w_1, position=1)
                                      step 1: x_1 (if unroll makes it), R's and O's ops, masks
      ...
      Scope("t=T", t=T, label=w_T, position=T)

t counts from 1; ``label`` is ``labels[t-1]`` (e.g. the word) or None; ``position`` is the
index of the word the step reads (t, except in BiRNN's backward direction).

Each step scope also declares its roles (``Scope.role``): ``"x"`` (x_t), ``"state_in"`` (the
parts of s_{t-1}), ``"state"`` (the parts of s_t), ``"y"`` (y_t) and, in a padded batch,
``"mask"``; scope ``t=0`` declares ``"state"`` (s_0). Drawings and the debugger find the
recurrence from these, whatever the cell names its tensors.
"""
import numpy

from .. import backend
from ..errors import ShapeError
from ..functional import stack
from ..origin import capture as capture_origin
from ..state import scope
from ..tensor import Tensor, collector_paused
from .fused import is_fused, step_function

# the name other per-step loops may use (docs/scopes_rnn.md)
_collector_paused = collector_paused


def unroll(cell, xs, state=None, labels=None, lengths=None, fused=None, *, positions=None):
    """Run ``cell`` over the sequence ``xs``: s_t = R(s_{t-1}, x_t), y_t = O(s_t), t = 1..T.

    - ``xs``: a list of T tensors (or arrays) ``[batch, input_size]``, or one tensor/array
      ``[T, batch, input_size]``. Arrays become constant tensors of the cell's dtype.
    - ``state``: s_0, a tensor or array-like ``[batch, hidden_size]`` (for a cell whose state has
      several parts, a tuple of them, e.g. ``(c, h)`` for an LSTM); default
      ``cell.initial_state(batch)`` (zeros), created inside scope ``"t=0"``.
    - ``labels``: T labels (the words), stored as the ``label`` attribute of each step's scope.
    - ``lengths``: for a padded batch, each sequence's true length (1..T). From the step after
      its end, a sequence's output y_t is masked to zeros and its state is carried unchanged,
      s_t = s_{t-1} + m_t * (R(s_{t-1}, x_t) - s_{t-1}) with the mask m_t in {0, 1} (ops in the
      graph, so gradients flow only through the real steps); thus ``states[-1]`` holds each
      sequence's state at its own last step. Steps where every sequence is still running are
      not masked at all.
    - ``fused``: training mode (``fused.py``): each step of a built-in cell is one node
      (``elman_step``, ``lstm_step``, ``gru_step``) with its own backward; the same numbers,
      scopes and roles, and drawings and the debugger expand each step back into its ops. A
      cell without a fused step runs op by op, with a ``NotFusedWarning``. None (the default):
      False, or what an enclosing ``tr.rnn.fused_mode()`` says.

    The x_t of one ``[T, batch, input_size]`` array or constant tensor are read-only views of one
    array (an array is copied once, so reusing it afterwards changes nothing; a tensor's array
    is not copied at all); the arrays of a list are copied step by step.
    - ``positions``: which word each step reads (stored as the scope attribute ``position``;
      default t). ``BiRNN`` passes T..1 for its backward direction.

    Returns ``(ys, states)``: T outputs y_1..y_T and T+1 states s_0..s_T.
    Scopes: see this module's docstring; a given ``state`` keeps its own scope.
    """
    fused = is_fused(fused)
    steps, batch = _check_inputs(cell, xs, share=True)
    owned = not isinstance(xs, (list, tuple))   # the steps are views of one array of ours
    R = step_function(cell, fused)
    T = len(steps)
    if labels is not None:
        labels = list(labels)
        if len(labels) != T:
            raise ValueError(f"unroll: got {len(labels)} labels for a sequence of {T} steps")
    positions = range(1, T + 1) if positions is None else list(positions)
    masks = None if lengths is None else _masks(lengths, T, batch)
    with scope(cell.kind, kind=cell.kind), collector_paused():
        with scope("t=0", t=0, label=None, position=0) as step:
            state = cell.initial_state(batch) if state is None else _check_state(cell, state, batch)
            step.declare("state", parts_of(state))
        states, ys = [state], []
        for t in range(1, T + 1):
            with scope(f"t={t}", t=t, label=None if labels is None else labels[t - 1],
                       position=positions[t - 1]) as step:
                x = steps[t - 1]
                if not isinstance(x, Tensor):
                    x = x() if callable(x) else _input(x, cell, owned)
                state, y = _step(cell, R, state, x, None if masks is None else masks[t - 1], step)
            states.append(state)
            ys.append(y)
    return ys, states


def _step(cell, R, state, x, mask, step):
    """One time step, in its scope ``step``: s_t = R(s_{t-1}, x_t), y_t = O(s_t) (past a
    sequence's end, ``mask``: s_t = s_{t-1}, y_t = 0), each tensor declared in its role."""
    new = _checked(cell, "R", R(state, x))
    y = _checked(cell, "O", cell.O(new))
    if mask is not None:
        m = Tensor(mask, name="mask", dtype=cell.dtype, device=cell.device)
        new = _carry(m, new, state)
        y = y * m
        y.name = "y"
        step.declare("mask", (m,))
    step.declare("x", (x,))
    step.declare("state_in", parts_of(state))
    step.declare("state", parts_of(new))
    step.declare("y", (y,))
    return new, y


def parts_of(state):
    """The parts of a state: ``(s,)``, or ``(c, h)`` for a composite one."""
    return tuple(state) if isinstance(state, (tuple, list)) else (state,)


def _checked(cell, fn, value):
    """What ``cell.R``/``cell.O`` returned, if it is a Tensor or a tuple of Tensors."""
    if type(value) is Tensor or (isinstance(value, (tuple, list)) and value and all(
            isinstance(p, Tensor) for p in value)) or isinstance(value, Tensor):
        return value
    raise TypeError(f"{type(cell).__name__}.{fn} must return a Tensor (or, for a state of several "
                    f"parts, a tuple of Tensors), got {type(value).__name__}")


def last_steps(ys, lengths=None):
    """y_n of each sequence: y_T, or in a padded batch the output at its own last step."""
    T = len(ys)
    if lengths is None or (numpy.asarray(lengths) == T).all():
        return ys[-1]
    lengths = numpy.asarray(lengths)
    return stack(ys)[lengths - 1, numpy.arange(len(lengths))]


def _carry(m, new, old):
    """old + m * (new - old), part by part: the new state where m = 1, the old one where m = 0."""
    if isinstance(new, tuple):
        return tuple(_carry(m, n, o) for n, o in zip(new, old))
    out = old + m * (new - old)
    out.name = new.name
    return out


def _input(x, cell, shared):
    """x_t as a constant leaf named "x": a copy of the array, or with ``shared`` the array itself
    (a read-only view of one [T, batch, input] array that ``_check_inputs`` made)."""
    if not shared:
        return Tensor(x, name="x", dtype=cell.dtype, device=cell.device)
    t = Tensor._node(x, cell.device, backend.array_module(cell.device), None, False,
                     capture_origin())
    t.name = "x"
    return t


def _check_inputs(cell, xs, share=False):
    """Validate xs; return (T per-step items, batch). An item is a Tensor, an array, or a
    callable that makes the step's tensor (for a Tensor [T, batch, input] that requires grad).
    ``share``: the steps of one [T, batch, input] array or constant tensor are read-only views
    of one array of the cell's dtype and device (copied once if the caller's array is not
    already a tensor's), to be made leaves without another copy (``_input``)."""
    where = f"unroll ({type(cell).__name__}, input_size={cell.input_size})"
    if isinstance(xs, Tensor) or not isinstance(xs, (list, tuple)):
        whole = xs if isinstance(xs, Tensor) else numpy.asarray(xs)
        if whole.ndim != 3:
            raise ShapeError(f"{where}: xs must be a list of [batch, input] tensors or one "
                             f"[T, batch, input] tensor, got shape {tuple(whole.shape)}")
        T = whole.shape[0]
        if isinstance(whole, Tensor):
            if whole.requires_grad:
                steps = [(lambda k=k: whole[k]) for k in range(T)]
            elif share:
                steps = list(backend.freeze(backend.as_array(
                    whole._data, cell.dtype, cell.device, who=where)))
            else:
                steps = [whole.data[k] for k in range(T)]
        elif share and whole.ndim == 3 and whole.shape[-1] == cell.input_size:
            steps = list(backend.freeze(backend.as_array(
                whole, cell.dtype, cell.device, copy=True, who=where)))
        else:
            steps = list(whole)
        shapes = [tuple(whole.shape[1:])] * T
    else:
        steps = list(xs)
        T = len(steps)
        shapes = [tuple(s.shape) if hasattr(s, "shape") else numpy.shape(s) for s in steps]
    if T == 0:
        raise ValueError(f"{where}: empty sequence: xs has no time steps")
    batch = None
    for t, shape in enumerate(shapes, start=1):
        if len(shape) != 2:
            raise ShapeError(f"{where}: x_{t} has shape {shape}; each x_t must be "
                             "[batch, input_size] (a single vector v: v[None, :])")
        if shape[1] != cell.input_size:
            raise ShapeError(f"{where}: x_{t} has shape {shape}, width {shape[1]} != the "
                             f"cell's input_size {cell.input_size}")
        if batch is None:
            batch = shape[0]
        elif shape[0] != batch:
            raise ShapeError(f"{where}: x_{t} has batch size {shape[0]} but x_1 has {batch}")
    return steps, batch


def _check_state(cell, state, batch):
    """The given s_0 as tensors of the cell's dtype, after checking its parts and shapes."""
    name = f"unroll ({type(cell).__name__})"
    parts = split_state(state, name)
    n, expected = cell.state_parts, (batch, cell.hidden_size)
    if len(parts) != n:
        want = ("one tensor or array" if n == 1 else
                f"a tuple of {n} tensors (the parts of the state, e.g. (c, h) of an LSTMCell)")
        raise ValueError(f"{name}: the initial state must be {want} of shape [batch, hidden_size]"
                         f" = {list(expected)}; got {len(parts)} part{'s' if len(parts) != 1 else ''}")
    tensors = []
    for part in parts:
        if not isinstance(part, Tensor):
            part = Tensor(part, dtype=cell.dtype, device=cell.device)
        if tuple(part.shape) != expected:
            raise ShapeError(f"{name}: the initial state has shape {tuple(part.shape)} but x has "
                             f"batch size {batch} and hidden_size is {cell.hidden_size}: expected "
                             f"{expected}")
        tensors.append(part)
    return tuple(tensors) if n > 1 else tensors[0]


def split_state(state, name):
    """A given state as a tuple of parts: a tuple is its parts; a tensor or array [B, H] (or a
    nested list of numbers) is one part, an array [parts, B, H] several."""
    if isinstance(state, tuple):
        return state
    if isinstance(state, Tensor):
        return (state,)
    if isinstance(state, list) and any(isinstance(p, Tensor) for p in state):
        return tuple(state)
    if not hasattr(state, "ndim"):
        try:
            state = numpy.asarray(state)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: the initial state must be a tensor or an array-like "
                             f"[batch, hidden_size], got {type(state).__name__} ({exc})") from None
        if state.dtype.kind not in "biuf":
            raise ValueError(f"{name}: the initial state must hold numbers, got dtype "
                             f"{state.dtype}")
    return tuple(state) if state.ndim == 3 else (state,)


def _masks(lengths, T, batch):
    """Per step, the [batch, 1] mask 1{t <= length}, or None where every sequence still runs."""
    if isinstance(lengths, Tensor):
        lengths = lengths.numpy()
    lengths = numpy.asarray(lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise ValueError(f"unroll: lengths must be a 1-D sequence of ints, got {lengths!r}")
    if len(lengths) != batch:
        raise ValueError(f"unroll: got {len(lengths)} lengths for a batch of {batch} sequences")
    if lengths.size and (lengths.max() > T or lengths.min() < 1):
        bad = int(numpy.argmax((lengths > T) | (lengths < 1)))
        raise ValueError(f"unroll: lengths[{bad}] = {int(lengths[bad])}, but each length must lie "
                         f"in 1..T = 1..{T} (the sequence has {T} steps)")
    masks = []
    for t in range(1, T + 1):
        alive = (lengths >= t)
        masks.append(None if alive.all() else alive.astype(numpy.float64)[:, None])
    return masks
