"""What the usage patterns (``patterns.py``) share: running a cell, BiRNN or Stacked in one way,
checking ids, lengths and targets with messages that name the problem, the per-step embedding
lookups and the per-step loss terms, each in the scopes listed in docs/scopes_patterns.md.
"""
import numpy

from ..errors import ShapeError
from ..functional import concat, cross_entropy, stack
from ..nn import Embedding, Linear, Module
from ..state import scope
from ..tensor import Tensor
from .base import RNNCell
from .stacking import BiRNN, Stacked
from .unroll import unroll

IGNORE = -1   # target id of the positions past a sequence's end


# ---- running any of the RNN kinds ------------------------------------------------------------
def _first_cell(rnn):
    """The first cell of a cell, BiRNN or Stacked (its dtype and device are the model's)."""
    if isinstance(rnn, RNNCell):
        return rnn
    if isinstance(rnn, BiRNN):
        return rnn.forward_cell
    if isinstance(rnn, Stacked):
        return _first_cell(rnn.layers[0])
    raise TypeError(f"expected an RNN cell, a BiRNN or a Stacked, got {type(rnn).__name__}")


def _final(layer, states):
    """A layer's final state from what it returned as states (a BiRNN: the pair (s^f_n, s^b_1))."""
    if isinstance(layer, BiRNN):
        return states[0][-1], states[1][-1]
    return states[-1]


def top_layer(rnn):
    """The layer whose outputs are the network's: the top layer of a Stacked."""
    return rnn.layers[-1] if isinstance(rnn, Stacked) else rnn


def summary_state(rnn, final):
    """The top layer's final state as one state (a BiRNN's [s^f_n ; s^b_1], part by part)."""
    top = top_layer(rnn)
    if isinstance(rnn, Stacked):
        final = final[-1]
    if not isinstance(top, BiRNN):
        return final
    forward, backward = final
    if isinstance(forward, tuple):
        return tuple(concat([f, b], axis=1) for f, b in zip(forward, backward))
    return concat([forward, backward], axis=1)


def run_rnn(rnn, xs, state=None, labels=None, lengths=None):
    """``(ys, final state)`` of a cell, BiRNN or Stacked (a Stacked: the list of its layers'
    final states, which is also what it takes as ``state``)."""
    if isinstance(rnn, RNNCell):
        ys, states = unroll(rnn, xs, state=state, labels=labels, lengths=lengths)
    elif isinstance(rnn, BiRNN):
        ys, states = rnn(xs, labels=labels, lengths=lengths, state=state)
    else:
        ys, states = rnn(xs, state=state, labels=labels, lengths=lengths)
        return ys, [_final(layer, s) for layer, s in zip(rnn.layers, states)]
    return ys, _final(rnn, states)


# ---- checking what the user passes ----------------------------------------------------------
def check_ids(ids, where, what="ids"):
    """Integer ids as a NumPy array [T, B] (a 1-D sequence is one sequence, B = 1)."""
    try:
        array = ids.numpy() if isinstance(ids, Tensor) else numpy.asarray(ids)
    except ValueError:
        raise ShapeError(f"{where}: {what} must be a rectangular [T, B] array; pad sequences of "
                         "different lengths with tr.data.pad_batch") from None
    if array.dtype.kind == "f" and array.size and numpy.all(array == numpy.round(array)):
        array = array.astype(numpy.int64)
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"{where}: {what} must be integer token ids, got dtype {array.dtype}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ShapeError(f"{where}: {what} must be [T, B] (time first), got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{where}: empty sequence: {what} has no time steps (shape {array.shape})")
    if array.shape[1] == 0:
        raise ValueError(f"{where}: {what} has an empty batch (shape {array.shape})")
    return array.astype(numpy.int64, copy=False)


def check_lengths(lengths, T, B, where, what="lengths"):
    """``lengths`` as int64 [B], each in 1..T; None means every sequence has T steps."""
    if lengths is None:
        return None
    array = numpy.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
    if array.dtype.kind == "f" and numpy.all(array == numpy.round(array)):
        array = array.astype(numpy.int64)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise ValueError(f"{where}: {what} must be a 1-D sequence of ints, got {lengths!r}")
    if len(array) != B:
        raise ShapeError(f"{where}: got {len(array)} {what} for a batch of {B} sequences "
                         "(mismatched batch sizes)")
    bad = numpy.flatnonzero((array > T) | (array < 1))
    if bad.size:
        b = int(bad[0])
        raise ValueError(f"{where}: {what}[{b}] = {int(array[b])} but the sequence has {T} steps "
                         f"(each length must lie in 1..{T}; a length longer than the sequence, "
                         "or an empty sequence, is an error)")
    return array.astype(numpy.int64)


def masked_targets(targets, lengths, shape, where):
    """Targets [T, B] with the positions past each sequence's end set to IGNORE."""
    targets = check_ids(targets, where, "targets")
    if targets.shape != shape:
        raise ShapeError(f"{where}: targets have shape {targets.shape} but the inputs have "
                         f"shape {shape}")
    if lengths is not None:
        targets = numpy.where(numpy.arange(shape[0])[:, None] < lengths[None, :], targets, IGNORE)
    return targets


def check_labels(labels, T, where):
    if labels is None:
        return [None] * T
    labels = list(labels)
    if len(labels) != T:
        raise ValueError(f"{where}: got {len(labels)} labels for a sequence of {T} steps")
    return labels


# ---- the parts every pattern shares ---------------------------------------------------------
class PatternBase(Module):
    """An RNN with an input Embedding (or vector inputs when ``vocab_size`` is None)."""

    def _setup(self, rnn, vocab_size):
        first = _first_cell(rnn)
        self.rnn = rnn
        self.dtype, self.device = first.dtype, first.device
        self.input_size = rnn.input_size
        self.embedding = None if vocab_size is None else Embedding(
            vocab_size, self.input_size, dtype=self.dtype, device=self.device)

    def _inputs(self, inputs, where):
        """Per-step inputs x_1..x_T ([B, input_size] each) and the NumPy shape [T, B]."""
        if self.embedding is None:
            x = inputs if isinstance(inputs, Tensor) else Tensor(inputs, dtype=self.dtype,
                                                                 device=self.device)
            if x.ndim != 3 or x.shape[0] == 0 or x.shape[-1] != self.input_size:
                if x.ndim == 3 and x.shape[0] == 0:
                    raise ValueError(f"{where}: empty sequence: the inputs have no time steps")
                raise ShapeError(f"{where}: inputs must be [T, B, input_size={self.input_size}], "
                                 f"got shape {tuple(x.shape)} (wrong width?)")
            return x, tuple(x.shape[:2])
        ids = check_ids(inputs, where)
        return ids, ids.shape

    def _embed(self, ids, labels):
        """x_t = E[w_t], one lookup per step inside scope ``embed/t=k`` (vectors pass through)."""
        if self.embedding is None:
            return ids
        xs = []
        with scope("embed", kind="embed"):
            for t, label in enumerate(labels, start=1):
                with scope(f"t={t}", t=t, label=label, position=t):
                    x = self.embedding(ids[t - 1])
                    x.name = "x"
                    xs.append(x)
        return xs

    def _step_loss(self, logits, targets, labels):
        """L = sum_t L_t with L_t = (n_t / N) * CE(z_t, targets_t): the mean over all N real
        positions, one term per step in scope ``loss/t=k``, the sum in scope ``loss``."""
        valid = targets != IGNORE
        total = int(valid.sum())
        terms = []
        with scope("loss", kind="loss"):
            for t, (z, label) in enumerate(zip(logits, labels), start=1):
                n_t = int(valid[t - 1].sum())
                if n_t == 0:
                    continue
                with scope(f"t={t}", t=t, label=label, position=t):
                    term = cross_entropy(z, targets[t - 1], ignore_index=IGNORE)
                    if n_t != total:
                        term = term * (n_t / total)
                    term.name = "L_t"
                    terms.append(term)
            if not terms:
                raise ValueError("loss: every target position is padding (-1): nothing to score")
            loss = terms[0] if len(terms) == 1 else stack(terms).sum()
            loss.name = "L"
        return loss


def output_layer(in_features, out_features, dtype, device):
    """The prediction layer z = y W^z + b^z (named so drawings tell it from the cell's W and b)."""
    layer = Linear(in_features, out_features, dtype=dtype, device=device)
    layer.W.name, layer.b.name = "W^z", "b^z"
    return layer


def per_step_logits(output, ys, labels):
    """z_t = output(y_t) for every step, each in scope ``output`` > ``t=k`` (named ``z_t``)."""
    logits = []
    with scope("output", kind="output"):
        for t, (y, label) in enumerate(zip(ys, labels), start=1):
            with scope(f"t={t}", t=t, label=label, position=t):
                z = output(y)
                z.name = "z_t"
                logits.append(z)
    return logits
