"""What the usage patterns (``patterns.py``) share: running a cell, BiRNN or Stacked in one way,
checking ids, lengths and targets with messages that name the problem, the per-step embedding
lookups and the per-step loss terms, each in the scopes listed in docs/scopes_patterns.md.
"""
import numpy

from ..errors import ShapeError
from ..functional import cross_entropy, stack
from ..nn import Embedding, Linear, Module
from ..state import scope
from ..tensor import Tensor
from .base import RNNCell
from .stacking import BiRNN, Stacked

IGNORE = -1   # target id of the positions past a sequence's end (set here, never by the user)


# ---- running any RNN: a cell, a BiRNN or a Stacked share one runner protocol --------------------
def check_rnn(rnn, where):
    """``rnn`` if it is a cell, a BiRNN or a Stacked (what the patterns can run)."""
    if not isinstance(rnn, (RNNCell, BiRNN, Stacked)):
        raise TypeError(f"{where}: expected an RNN cell, a BiRNN or a Stacked, got "
                        f"{type(rnn).__name__}")
    return rnn


def run_rnn(rnn, xs, state=None, labels=None, lengths=None, fused=None):
    """``(ys, final state)`` of a cell, BiRNN or Stacked (a Stacked: the list of its layers'
    final states, which is also what it takes as ``state``); ``fused`` as in ``unroll``."""
    ys, states = rnn.run(xs, state, labels, lengths, fused)
    return ys, rnn.final(states)


# ---- checking what the user passes ----------------------------------------------------------
def whole_numbers(values, where, what, kind="token"):
    """``values`` as an int64 NumPy array: the one rule for ids everywhere (token ids, class
    ids): integers, or floats that are whole numbers (1.0); 1.9, NaN, text or bools are refused
    with an error naming ``what``."""
    try:
        array = values.numpy() if isinstance(values, Tensor) else numpy.asarray(values)
    except ValueError:
        raise ShapeError(f"{where}: {what} must be a rectangular [T, B] array; pad sequences of "
                         "different lengths with tr.data.pad_batch") from None
    if array.dtype.kind == "f" and array.size:
        bad = numpy.flatnonzero(~numpy.isfinite(array) | (array != numpy.round(array)))
        if bad.size:
            index = numpy.unravel_index(bad[0], array.shape)
            at = "".join(f"[{int(i)}]" for i in index)
            raise TypeError(f"{where}: {what} must be integer {kind} ids, got "
                            f"{float(array[index])!r} at {what}{at} (not a whole number)")
        array = array.astype(numpy.int64)
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"{where}: {what} must be integer {kind} ids, got dtype {array.dtype}")
    return array.astype(numpy.int64, copy=False)


def check_ids(ids, where, what="ids", kind="token"):
    """Integer ids as a NumPy array [T, B] (a 1-D sequence is one sequence, B = 1)."""
    array = whole_numbers(ids, where, what, kind)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ShapeError(f"{where}: {what} must be [T, B] (time first), got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{where}: empty sequence: {what} has no time steps (shape {array.shape})")
    if array.shape[1] == 0:
        raise ValueError(f"{where}: {what} has an empty batch (shape {array.shape})")
    return array


def check_classes(array, num_classes, where, what="targets", real=None):
    """Raise unless every class id of ``array`` (where ``real``, a boolean mask, is True) lies in
    0..num_classes-1; padding is what ``lengths`` says, never a special id such as -1."""
    bad = (array < 0) | (array >= num_classes)
    if real is not None:
        bad &= real
    if bad.any():
        index = tuple(int(i) for i in numpy.argwhere(bad)[0])
        at = f"[{', '.join(map(str, index))}]" if index else ""
        raise ValueError(f"{where}: {what}{at} = {int(array[index])} is not a class id: each "
                         f"must lie in 0..{num_classes - 1} ({num_classes} classes); mark "
                         "padding with lengths=, not with a special id")
    return array


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


def masked_targets(targets, lengths, shape, num_classes, where):
    """Targets [T, B], checked at the real positions, with those past each sequence's end set to
    IGNORE."""
    targets = check_ids(targets, where, "targets", "class")
    if targets.shape != shape:
        raise ShapeError(f"{where}: targets have shape {targets.shape} but the inputs have "
                         f"shape {shape}")
    real = None if lengths is None else numpy.arange(shape[0])[:, None] < lengths[None, :]
    check_classes(targets, num_classes, where, "targets", real)
    if real is not None:
        targets = numpy.where(real, targets, IGNORE)
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
        self.rnn = check_rnn(rnn, type(self).__name__)
        self.dtype, self.device = rnn.dtype, rnn.device
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
        with scope("loss", kind="loss") as outer:
            for t, (z, label) in enumerate(zip(logits, labels), start=1):
                n_t = int(valid[t - 1].sum())
                if n_t == 0:
                    continue
                with scope(f"t={t}", t=t, label=label, position=t) as step:
                    term = cross_entropy(z, targets[t - 1], ignore_index=IGNORE)
                    if n_t != total:
                        term = term * (n_t / total)
                    term.name = "L_t"
                    step.declare("loss", (term,))
                    terms.append(term)
            loss = terms[0] if len(terms) == 1 else stack(terms).sum()
            loss.name = "L"
            outer.declare("loss", (loss,))
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
