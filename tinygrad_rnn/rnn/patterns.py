"""The lecture's usage patterns of an RNN, as modules with an Embedding, a Linear output layer
and a ``loss``:

- ``Acceptor``: read the whole sequence, predict once from the final output y_n.
- ``Transducer``: predict at every step from y_t (e.g. tagging "John lives in Salt Lake City").
- ``EncoderDecoder``: the encoder's final state s_n is the decoder's initial state; the decoder
  is trained with teacher forcing and decodes in ``generate`` (greedily, or by beam search).

The ``rnn`` of a pattern is a cell (``ElmanCell``, ``LSTMCell``, ``GRUCell``), a ``BiRNN`` or a
``Stacked``. Ids are time first, ``[T, B]`` (as ``tr.data.pad_batch`` makes them), with
``lengths`` ``[B]`` for padded batches. The scopes that the embedding, output and loss nodes get
are listed in docs/scopes_patterns.md (per step: ``embed/t=k``, ``output/t=k``,
``loss/t=k``; the total loss: ``loss``).
"""

import numpy

from ..errors import ShapeError
from ..functional import cross_entropy, log_softmax
from ..nn import Module
from ..state import no_grad, scope
from .base import RNNCell
from .pattern_parts import (IGNORE, PatternBase, check_classes, check_ids, check_labels,
                            check_lengths, check_rnn, masked_targets, output_layer,
                            per_step_logits, run_rnn, whole_numbers)
from .decoding import BeamTrace, beam_search, check_beam_size, check_max_len, take_rows
from .unroll import parts_of


class Acceptor(PatternBase):
    """Read x_1..x_n, predict once: z = y_n W + b, p = softmax(z).

    ``Acceptor(rnn, num_classes, vocab_size=None)``: with ``vocab_size`` the inputs are token ids
    ``[T, B]`` looked up in an Embedding, without it vectors ``[T, B, input_size]``. With
    ``lengths``, y_n is each sequence's output at its own last step. For a BiRNN,
    y_n = [y^f_n ; y^b_1]: both directions after reading the whole sequence.
    """

    def __init__(self, rnn, num_classes, vocab_size=None):
        self._setup(rnn, vocab_size)
        self.num_classes = num_classes
        self.output = output_layer(rnn.output_size, num_classes, self.dtype, self.device)

    def forward(self, inputs, lengths=None, labels=None, fused=None):
        """Logits z ``[B, num_classes]``; ``fused`` as in ``unroll`` (training mode)."""
        where = type(self).__name__
        inputs, (T, B) = self._inputs(inputs, where)
        lengths = check_lengths(lengths, T, B, where)
        labels = check_labels(labels, T, where)
        ys, _ = run_rnn(self.rnn, self._embed(inputs, labels), labels=labels, lengths=lengths,
                        fused=fused)
        with scope("output", kind="output"):
            last = self.rnn.last_output(ys, lengths)
            if last is not ys[-1]:  # a node of our own (y_T itself keeps the cell's name)
                last.name = "y_n"
            z = self.output(last)
            z.name = "z"
        return z

    def loss(self, inputs, targets, lengths=None, labels=None, fused=None):
        """L = CE(z, targets), the mean over the batch; ``targets`` are class ids ``[B]`` in
        0..num_classes-1 (whole-number floats such as 1.0 are accepted, 1.9 is an error)."""
        where = f"{type(self).__name__}.loss"
        z = self.forward(inputs, lengths, labels, fused)
        targets = whole_numbers(targets, where, "targets", "class")
        if targets.shape != (z.shape[0],):
            raise ShapeError(f"{where}: targets have shape {targets.shape} but "
                             f"the batch has {z.shape[0]} sequences: expected ({z.shape[0]},)")
        check_classes(targets, self.num_classes, where)
        with scope("loss", kind="loss") as outer:
            loss = cross_entropy(z, targets)
            loss.name = "L"
            outer.declare("loss", (loss,))
        return loss

    def predict(self, inputs, lengths=None, fused=None):
        """The most likely class of each sequence, int64 ``[B]``."""
        with no_grad():
            return self.forward(inputs, lengths, fused=fused).numpy().argmax(axis=-1)


class Transducer(PatternBase):
    """Predict at every step: z_t = y_t W + b, p_t = softmax(z_t) (e.g. one BIO tag per word).

    ``Transducer(rnn, num_tags, vocab_size=None)``; inputs as for ``Acceptor``. The output layer
    of step t runs in scope ``output/t=k`` and its loss term in ``loss/t=k``.
    """

    def __init__(self, rnn, num_tags, vocab_size=None):
        self._setup(rnn, vocab_size)
        self.num_tags = num_tags
        self.output = output_layer(rnn.output_size, num_tags, self.dtype, self.device)

    def run(self, inputs, lengths=None, state=None, labels=None, fused=None):
        """``(logits, final state)``: T logits z_t ``[B, num_tags]`` and s_n (carry it, detached,
        into the next chunk for truncated BPTT; see ``tr.train.truncated_bptt``); ``fused`` as in
        ``unroll`` (training mode)."""
        where = type(self).__name__
        inputs, (T, B) = self._inputs(inputs, where)
        lengths = check_lengths(lengths, T, B, where)
        labels = check_labels(labels, T, where)
        ys, final = run_rnn(self.rnn, self._embed(inputs, labels), state=state, labels=labels,
                            lengths=lengths, fused=fused)
        return per_step_logits(self.output, ys, labels), final

    def forward(self, inputs, lengths=None, state=None, labels=None, fused=None):
        """T logits z_t, each ``[B, num_tags]``."""
        return self.run(inputs, lengths, state, labels, fused)[0]

    def loss(self, inputs, targets, lengths=None, state=None, labels=None, return_state=False,
             fused=None):
        """L = mean over the real positions of CE(z_t, targets_t); ``targets`` ``[T, B]`` are tag
        ids in 0..num_tags-1 (positions past ``lengths`` are ignored: padding is said by
        ``lengths``, never by a special id). ``return_state=True`` gives ``(L, s_n)``."""
        where = f"{type(self).__name__}.loss"
        logits, final = self.run(inputs, lengths, state, labels, fused)
        T, B = len(logits), logits[0].shape[0]
        lengths = check_lengths(lengths, T, B, where)
        targets = masked_targets(targets, lengths, (T, B), self.num_tags, where)
        loss = self._step_loss(logits, targets, check_labels(labels, T, where))
        return (loss, final) if return_state else loss

    def predict(self, inputs, lengths=None, fused=None):
        """The most likely tag at every step, int64 ``[T, B]``; -1 past each sequence's end."""
        with no_grad():
            logits = self.forward(inputs, lengths, fused=fused)
        tags = numpy.stack([z.numpy().argmax(axis=-1) for z in logits])
        if lengths is not None:
            tags[numpy.arange(len(tags))[:, None] >= numpy.asarray(lengths)[None, :]] = IGNORE
        return tags


class EncoderDecoder(Module):
    """Conditioned generation: the encoder reads the source, its final state s_n is the
    decoder's initial state, and the decoder predicts the target one token at a time.

    ``EncoderDecoder(encoder, decoder, src_vocab_size, tgt_vocab_size)``: ``encoder`` a cell, a
    ``BiRNN`` (its final state is [s^f_n ; s^b_1], part by part) or a ``Stacked`` (its top layer's
    final state); ``decoder`` a cell whose state has the same shape. Training uses teacher
    forcing: the decoder reads the true previous token. Scopes: ``encoder/...`` and
    ``decoder/...`` (attr ``part="encoder"``/``"decoder"``) around each side's embedding, cells
    and output layer; the loss as in ``Transducer`` (``loss/t=k``, ``loss``).
    """

    def __init__(self, encoder, decoder, src_vocab_size, tgt_vocab_size):
        if not isinstance(decoder, RNNCell):
            raise TypeError(f"EncoderDecoder: the decoder must be a cell, got "
                            f"{type(decoder).__name__}")
        parts = check_rnn(encoder, "EncoderDecoder").top_cells
        if any(p.state_parts != decoder.state_parts for p in parts) or \
                sum(p.hidden_size for p in parts) != decoder.hidden_size:
            raise ShapeError(f"EncoderDecoder: the encoder's final state "
                             f"({' + '.join(repr(p) for p in parts)}) does not fit the decoder's "
                             f"state ({decoder!r}): same cell kind and hidden sizes that add up")
        self.encoder = PatternBase()
        self.encoder._setup(encoder, src_vocab_size)
        self.decoder = PatternBase()
        self.decoder._setup(decoder, tgt_vocab_size)
        self.tgt_vocab_size = tgt_vocab_size
        self.output = output_layer(decoder.output_size, tgt_vocab_size, decoder.dtype,
                                   decoder.device)

    def encode(self, src, src_lengths=None, labels=None, fused=None):
        """s_n of the encoder: the decoder's initial state (``labels`` name the source steps;
        ``fused`` as in ``unroll``)."""
        where = f"{type(self).__name__}.encode"
        ids, (T, B) = self.encoder._inputs(src, where)
        lengths = check_lengths(src_lengths, T, B, where, "src_lengths")
        labels = check_labels(labels, T, where)
        with scope("encoder", kind="encoder", part="encoder"):
            _, final = run_rnn(self.encoder.rnn, self.encoder._embed(ids, labels), labels=labels,
                               lengths=lengths, fused=fused)
            return self.encoder.rnn.summary(final)

    def forward(self, src, tgt_in, src_lengths=None, tgt_lengths=None, labels=None,
                src_labels=None, fused=None):
        """Teacher forcing: the decoder reads ``tgt_in`` ``[T', B]`` from the encoder's s_n;
        returns T' logits z_t ``[B, tgt_vocab_size]``. ``labels`` name the decoder's steps,
        ``src_labels`` the encoder's; ``fused`` as in ``unroll`` (training mode)."""
        where = type(self).__name__
        state = self.encode(src, src_lengths, src_labels, fused)
        ids, (T, B) = self.decoder._inputs(tgt_in, where)
        batch = parts_of(state)[0].shape[0]
        if B != batch:
            raise ShapeError(f"{where}: mismatched batch sizes: src has {batch} sequences, the "
                             f"target {B}")
        lengths = check_lengths(tgt_lengths, T, B, where, "tgt_lengths")
        labels = check_labels(labels, T, where)
        with scope("decoder", kind="decoder", part="decoder"):
            ys, _ = run_rnn(self.decoder.rnn, self.decoder._embed(ids, labels), state=state,
                            labels=labels, lengths=lengths, fused=fused)
            return per_step_logits(self.output, ys, labels)

    def loss(self, src, tgt, src_lengths=None, tgt_lengths=None, src_labels=None,
             tgt_labels=None, fused=None):
        """``tgt`` ``[T', B]`` holds each target sequence from its start token to its end token
        (``tgt_lengths`` counts both). The decoder reads tgt[:-1] and is scored on predicting
        tgt[1:]: L = mean over the real positions of CE(z_t, tgt_{t+1}). ``src_labels`` name
        the encoder's steps (e.g. the source words); ``tgt_labels``, one per token of ``tgt``,
        name the decoder step that reads that token and its loss term."""
        where = f"{type(self).__name__}.loss"
        tgt = check_ids(tgt, where, "tgt")
        T, B = tgt.shape
        if T < 2:
            raise ValueError(f"{where}: tgt needs at least 2 steps (start token, ..., end token), "
                             f"got shape {tgt.shape}")
        lengths = check_lengths(tgt_lengths, T, B, where, "tgt_lengths")
        if lengths is not None and lengths.min() < 2:
            raise ValueError(f"{where}: every tgt_lengths must be at least 2 (start and end "
                             "token), "
                             f"got {lengths.tolist()}")
        labels = check_labels(tgt_labels, T, where)[:-1]
        in_lengths = None if lengths is None else lengths - 1
        logits = self.forward(src, tgt[:-1], src_lengths, in_lengths, labels, src_labels, fused)
        targets = masked_targets(tgt[1:], in_lengths, (T - 1, B), self.tgt_vocab_size, where)
        return self.decoder._step_loss(logits, targets, labels)

    def generate(self, src, max_len, end_token, start_token, src_lengths=None, beam_size=1,
                 return_scores=False, traces=None):
        """Decode: from s_n and the start token, feed back the chosen token until ``end_token``
        or ``max_len`` tokens. ``beam_size=1`` (the default) is greedy decoding (the most likely
        token at every step); ``beam_size=k`` keeps the k best partial sequences
        (``tr.rnn.beam_search``). Returns B lists of ids, without start and end token; with
        ``return_scores=True``, B pairs (ids, log-probability of the sequence and its end).
        ``traces``: a list to append one ``tr.rnn.BeamTrace`` per sequence to (to draw)."""
        where = f"{type(self).__name__}.generate"
        max_len = check_max_len(max_len, where)
        beam_size = check_beam_size(beam_size, where)
        if traces is not None and not isinstance(traces, list):
            raise TypeError(f"{where}: traces must be a list (one tr.rnn.BeamTrace per "
                            f"sequence is appended to it) or None, got {type(traces).__name__}")
        for what, token in (("start_token", start_token), ("end_token", end_token)):
            if whole_numbers(token, where, what).ndim:
                raise ValueError(f"{where}: {what} must be one token id, got {token!r}")
        check_classes(whole_numbers(start_token, where, "start_token"), self.tgt_vocab_size,
                      where, "start_token")
        with no_grad():
            state = self.encode(src, src_lengths)
            B = parts_of(state)[0].shape[0]
            found = []
            for b in range(B):
                trace = None if traces is None else BeamTrace()
                found.append(beam_search(self._decode_step, take_rows(state, numpy.array([b])),
                                         int(start_token), int(end_token), max_len, beam_size,
                                         trace))
                if trace is not None:
                    traces.append(trace)
        return found if return_scores else [tokens for tokens, _ in found]

    def _decode_step(self, state, tokens):
        """One decoder step for ``beam_search``: (s_t, log P(next token)) from s_{t-1} and the
        tokens just chosen."""
        state, y = self.decoder.rnn(state, self.decoder.embedding(tokens))
        return state, log_softmax(self.output(y))
