"""Two cells reading a sentence in both directions (``BiRNN``), and deep RNNs (``Stacked``).

Both are ``Module``s built from cells and ``unroll``; PyTorch's multi-layer / bidirectional
``torch.nn.RNN``, ``LSTM`` and ``GRU`` state dicts (keys ``weight_ih_l0``, ``..._l0_reverse``)
load into them with ``load_torch_state_dict``.
"""
import numpy

from ..errors import ShapeError
from ..functional import concat, stack
from ..nn import Module, assign_all, check_state
from ..state import scope
from ..tensor import Tensor
from .base import TORCH_KEYS, RNNCell
from .unroll import _check_inputs, last_steps, unroll


class BiRNN(Module):
    """A bidirectional RNN: y_t = [y_t^f ; y_t^b], the concatenation of

        y_1^f .. y_T^f = forward_cell unrolled over x_1 .. x_T
        y_T^b .. y_1^b = backward_cell unrolled over x_T .. x_1

    so that y_t sees the whole sentence. In a padded batch (``lengths``) each sequence is
    reversed within its own length: the backward cell starts at that sequence's last real word,
    never at the padding.

    ``bi(xs, state=None, labels=None, lengths=None, fused=None)`` (the argument order of
    ``unroll``; before it was ``(xs, labels, lengths, state)``, the keywords are unchanged;
    ``fused`` as in ``unroll``, for both directions) returns ``(ys,
    (forward_states, backward_states))``; ``state`` is an optional pair of initial states. Both
    directions read the same x_t tensors. Scopes: ``birnn`` > ``forward``/``backward`` (attr
    ``direction``) > the cells' scopes (see ``unroll``); the backward steps' ``label``/
    ``position`` name the word each step reads; y_t is made in ``birnn > concat{t}``, which
    declares it as its ``"y"`` role.
    """
    kind = "birnn"

    def __init__(self, forward_cell, backward_cell):
        for cell in (forward_cell, backward_cell):
            if not isinstance(cell, RNNCell):
                raise TypeError(f"BiRNN: expected two RNNCells, got {type(cell).__name__}")
        if forward_cell.input_size != backward_cell.input_size:
            raise ShapeError(f"BiRNN: the cells' input sizes differ: {forward_cell.input_size} "
                             f"(forward) and {backward_cell.input_size} (backward)")
        self.forward_cell, self.backward_cell = forward_cell, backward_cell

    @property
    def input_size(self):
        return self.forward_cell.input_size

    @property
    def output_size(self):
        return self.forward_cell.output_size + self.backward_cell.output_size

    dtype = property(lambda self: self.forward_cell.dtype)
    device = property(lambda self: self.forward_cell.device)

    def forward(self, xs, state=None, labels=None, lengths=None, fused=None):
        steps, batch = _check_inputs(self.forward_cell, xs)
        T = len(steps)
        labels = None if labels is None else list(labels)
        if state is not None and (not isinstance(state, (tuple, list)) or len(state) != 2):
            raise ValueError("BiRNN: state must be a pair (forward s_0, backward s_0) or None, "
                             f"got {type(state).__name__}")
        state_f, state_b = (None, None) if state is None else state
        with scope("birnn", kind="birnn"):
            xs, steps = _shared_inputs(self.forward_cell, xs, steps)
            with scope("forward", direction="forward"):
                ys_f, states_f = unroll(self.forward_cell, xs, state_f, labels, lengths, fused)
            with scope("backward", direction="backward"):
                order = _reversal(T, batch, lengths)  # order[t, b]: the step reading x_t of b
                first = order[:, 0]
                with scope("reverse"):
                    xs_b = _reverse_inputs(xs, steps, order, lengths is not None)
                ys_b, states_b = unroll(
                    self.backward_cell, xs_b, state_b,
                    None if labels is None else [labels[p] for p in first],
                    lengths, fused, positions=[int(p) + 1 for p in first])
                if lengths is not None:
                    with scope("reverse"):
                        back = stack(ys_b)[order, numpy.arange(batch)]  # back to word order
            ys = []
            for t in range(1, T + 1):
                with scope("concat", t=t, label=None if labels is None else labels[t - 1]) as step:
                    y_b = ys_b[T - t] if lengths is None else back[t - 1]
                    y = concat([ys_f[t - 1], y_b], axis=-1)
                    y.name = "y"
                    step.declare("y", (y,))
                    ys.append(y)
        return ys, (states_f, states_b)

    # ---- the runner protocol (see RNNCell.run) ----------------------------------------------
    def run(self, xs, state=None, labels=None, lengths=None, fused=None):
        return self.forward(xs, state, labels, lengths, fused)

    def final(self, states):
        """(s^f_T, s^b_T): each direction's state after reading the whole sequence."""
        return states[0][-1], states[1][-1]

    def summary(self, final):
        """The final state as one state: [s^f_n ; s^b_1], part by part."""
        forward, backward = final
        if isinstance(forward, tuple):
            return tuple(concat([f, b], axis=1) for f, b in zip(forward, backward))
        return concat([forward, backward], axis=1)

    def last_output(self, ys, lengths=None):
        """[y^f_n ; y^b_1]: both directions after reading the whole sequence."""
        split_at = self.forward_cell.output_size
        return concat([last_steps(ys, lengths)[:, :split_at], ys[0][:, split_at:]], axis=1)

    @property
    def top_cells(self):
        return [self.forward_cell, self.backward_cell]

    def _torch_cells(self, layer=0):
        return [(f"_l{layer}", self.forward_cell), (f"_l{layer}_reverse", self.backward_cell)]

    def load_torch_state_dict(self, state_dict):
        """Take a one-layer ``torch.nn.RNN/LSTM/GRU(bidirectional=True)`` state dict; checks
        everything first and changes nothing on a problem."""
        _load(self, self._torch_cells(), state_dict)

    def torch_state_dict(self, grad=False):
        """The weights (or with ``grad=True`` their gradients) under PyTorch's keys."""
        return _export(self._torch_cells(), grad)


class Stacked(Module):
    """A deep RNN: layer k reads layer k-1's outputs,

        y^1_1..y^1_T = layer_1 over x_1..x_T,   y^k_1..y^k_T = layer_k over y^{k-1}_1..y^{k-1}_T

    and the network's outputs are the top layer's. A layer is an ``RNNCell`` or a ``BiRNN``.
    ``stacked(xs, state=None, labels=None, lengths=None, fused=None)`` (``fused`` as in
    ``unroll``, for every layer) returns ``(ys, states)`` with
    ``states[k]`` what layer k+1's ``unroll`` (or BiRNN) returned as its states; ``state`` is an
    optional list of initial states, one per layer (None for zeros). Scopes: ``stacked`` >
    ``layer=k`` (attr ``layer``, k from 1) > the layer's scopes.
    """
    kind = "stacked"

    def __init__(self, layers):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("Stacked: needs at least one layer")
        for k, layer in enumerate(self.layers, start=1):
            if not isinstance(layer, (RNNCell, BiRNN)):
                raise TypeError(f"Stacked: layer {k} is a {type(layer).__name__}, expected an "
                                "RNNCell or a BiRNN")
            if k > 1 and layer.input_size != self.layers[k - 2].output_size:
                raise ShapeError(f"Stacked: layer {k} has input_size {layer.input_size} but "
                                 f"layer {k - 1}'s outputs have width "
                                 f"{self.layers[k - 2].output_size}")

    @property
    def input_size(self):
        return self.layers[0].input_size

    @property
    def output_size(self):
        return self.layers[-1].output_size

    dtype = property(lambda self: self.layers[0].dtype)
    device = property(lambda self: self.layers[0].device)

    def forward(self, xs, state=None, labels=None, lengths=None, fused=None):
        n = len(self.layers)
        if state is not None and (not isinstance(state, (list, tuple)) or len(state) != n):
            got = (f"{len(state)} entries" if isinstance(state, (list, tuple))
                   else f"a {type(state).__name__}")
            raise ValueError(f"Stacked: state must be a list of {n} per-layer initial states "
                             f"(one for each of the {n} layer(s); None for zeros), got {got}")
        labels = None if labels is None else list(labels)
        all_states = []
        with scope("stacked", kind="stacked"):
            for k, layer in enumerate(self.layers, start=1):
                s0 = None if state is None else state[k - 1]
                with scope(f"layer={k}", layer=k):
                    xs, states = layer.run(xs, s0, labels, lengths, fused)
                all_states.append(states)
        return xs, all_states

    # ---- the runner protocol (see RNNCell.run) ----------------------------------------------
    def run(self, xs, state=None, labels=None, lengths=None, fused=None):
        return self.forward(xs, state, labels, lengths, fused)

    def final(self, states):
        """Every layer's final state (a list, one per layer: what ``state=`` takes)."""
        return [layer.final(s) for layer, s in zip(self.layers, states)]

    def summary(self, final):
        """The top layer's final state as one state."""
        return self.layers[-1].summary(final[-1])

    def last_output(self, ys, lengths=None):
        return self.layers[-1].last_output(ys, lengths)

    @property
    def top_cells(self):
        return self.layers[-1].top_cells

    def _torch_cells(self):
        return [pair for k, layer in enumerate(self.layers) for pair in layer._torch_cells(k)]

    def load_torch_state_dict(self, state_dict):
        """Take a ``torch.nn.RNN/LSTM/GRU(num_layers=len(layers), bidirectional=...)`` state
        dict; checks everything first and changes nothing on a problem."""
        _load(self, self._torch_cells(), state_dict)

    def torch_state_dict(self, grad=False):
        """The weights (or with ``grad=True`` their gradients) under PyTorch's keys."""
        return _export(self._torch_cells(), grad)


def _shared_inputs(cell, xs, steps):
    """``(xs, steps)`` with every x_t a Tensor that both directions read (arrays become leaves
    ``"x"`` once, not once per direction); a [T, B, I] tensor that requires grad stays whole."""
    if isinstance(xs, Tensor) and xs.requires_grad:
        return xs, steps
    tensors = [x if isinstance(x, Tensor) else Tensor(x, name="x", dtype=cell.dtype,
                                                      device=cell.device) for x in steps]
    return tensors, tensors


def _reversal(T, batch, lengths):
    """order[t, b] = the backward step (0-based) at which sequence b reads its word t: L_b-1-t
    within its length L_b, t itself in the padding (which stays in place and is masked)."""
    t = numpy.arange(T)[:, None]
    if lengths is None:
        return numpy.broadcast_to(T - 1 - t, (T, batch))
    L = numpy.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
    if L.ndim != 1 or len(L) != batch:  # unroll words the error; keep the shapes valid here
        return numpy.broadcast_to(T - 1 - t, (T, batch))
    return numpy.where(t < L[None, :], L[None, :] - 1 - t, t)


def _reverse_inputs(xs, steps, order, padded):
    """The backward direction's inputs: each sequence reversed within its own length."""
    if not padded:
        if isinstance(xs, (list, tuple)):
            return list(reversed(xs))
        return xs[::-1] if isinstance(xs, Tensor) else numpy.asarray(xs)[::-1]
    index = (order, numpy.arange(order.shape[1]))
    if isinstance(xs, Tensor):
        return xs[index]
    if all(not isinstance(x, Tensor) for x in steps):
        return numpy.stack([numpy.asarray(x) for x in steps])[index]
    dtype = next(x.dtype for x in steps if isinstance(x, Tensor))
    return stack([x if isinstance(x, Tensor) else Tensor(x, dtype=dtype) for x in steps])[index]


def _load(module, cells, state_dict):
    name = f"{type(module).__name__}.load_torch_state_dict"
    expected = {key + suffix: shape for suffix, cell in cells
                for key, shape in cell._torch_shapes().items()}
    arrays = check_state(name, expected, state_dict)  # every key and shape, before any change
    updates = [(getattr(cell, attr), value) for suffix, cell in cells for attr, value in
               cell._validated({key: arrays[key + suffix] for key in TORCH_KEYS}, name).items()]
    assign_all(name, updates)


def _export(cells, grad):
    out = {}
    for suffix, cell in cells:
        for key, value in cell.torch_state_dict(grad=grad).items():
            out[key + suffix] = value
    return out
