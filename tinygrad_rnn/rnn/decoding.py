"""Decoding a sequence from a model that predicts one token at a time: beam search.

Greedy decoding commits to the most likely token at every step; a token that looks best now
can lead to a worse sequence. Beam search keeps the ``beam_size`` best partial sequences
(hypotheses), scored by the sum of their tokens' log-probabilities:

    score(y_1..y_n) = log P(y_1) + log P(y_2 | y_1) + ... + log P(y_n | y_1..y_{n-1})

At every step each hypothesis is extended by every token; of all the extensions, the
``beam_size`` best are kept. One that ends with the end token is finished; the others go on.
The search stops after ``max_len`` tokens, or as soon as the best finished hypothesis scores
at least as well as every unfinished one (log-probabilities are <= 0, so an unfinished one can
only lose score). With ``beam_size=1`` this is greedy decoding; with a beam at least as large as
the number of possible sequences it is exhaustive search (both are tested).

``EncoderDecoder.generate(..., beam_size=k)`` uses it; ``beam_search`` itself takes any
``step`` function, e.g. a hand-made table of probabilities (notebook 4). Pass
``trace=BeamTrace()`` to keep what the search did, and ``trace.draw(words)`` to see it: the
tree of partial sequences, step by step, with those kept, ended and dropped.
"""
import math
import numbers

import numpy

from ..data.checks import fits_in_memory
from ..state import no_grad
from ..tensor import Tensor
from .unroll import parts_of


def check_beam_size(beam_size, where):
    if not isinstance(beam_size, numbers.Integral) or isinstance(beam_size, bool) or \
            beam_size < 1:
        raise ValueError(f"{where}: beam_size must be a positive int (how many partial "
                         f"sequences to keep; 1 is greedy decoding), got {beam_size!r}")
    return int(beam_size)


def check_max_len(max_len, where):
    if not isinstance(max_len, numbers.Integral) or isinstance(max_len, bool) or max_len < 1:
        raise ValueError(f"{where}: max_len must be a positive int (the most tokens to "
                         f"generate), got {max_len!r}")
    return int(max_len)


def take_rows(state, rows):
    """The rows ``rows`` of every part of a state (a Tensor or a tuple of Tensors)."""
    if isinstance(state, Tensor):
        return state[rows]
    return type(state)(p[rows] for p in parts_of(state))


class BeamTrace:
    """What one beam search did, to look at (``beam_search(..., trace=BeamTrace())``).

    ``steps[t]``: the best extensions at step t+1, best first, as ``(prefix, token, score,
    status)``: ``prefix`` the tokens before (a tuple), ``score`` the sum of log-probabilities
    with ``token``, ``status`` one of ``"kept"`` (in the beam), ``"ended"`` (``token`` is the
    end token: a finished sequence) or ``"dropped"`` (the best ``shown`` of the rest). ``best``:
    ``(tokens, ended)`` of the answer; ``stopped``: why the search stopped."""

    def __init__(self, shown=None):
        if shown is not None and (not isinstance(shown, numbers.Integral) or
                                  isinstance(shown, bool) or shown < 0):
            raise ValueError(f"BeamTrace: shown must be None (as many as the beam) or an int "
                             f">= 0 (dropped extensions to keep per step), got {shown!r}")
        self.shown = shown
        self.steps, self.best, self.stopped = [], None, None
        self.start_token = self.end_token = self.beam_size = None

    def draw(self, words=None, title=None):
        """The search as a tree (a ``graphviz.Digraph``): ``words`` (a ``tr.data.Vocab`` or a
        list of strings) names the tokens. Write it with ``tinygrad_rnn.draw.write_graph``."""
        from ..draw.beam import draw_beam
        return draw_beam(self, words, title)


def beam_search(step, state, start_token, end_token, max_len, beam_size=3, trace=None):
    """The best sequence for one example, and its score (sum of log-probabilities).

    ``step(state, tokens)`` feeds ``tokens`` (an int array ``[N]``, one per hypothesis) into the
    model from ``state`` (N rows, a Tensor or a tuple of Tensors) and returns
    ``(new_state, log_probs)`` with ``log_probs`` ``[N, V]`` (e.g. ``tr.log_softmax(logits)``).
    ``state`` starts with one row. Returns ``(tokens, score)``: the tokens without the start and
    end token; the score includes log P(end) when the sequence ended before ``max_len``.
    ``trace``: a ``BeamTrace`` to record the search in."""
    where = "beam_search"
    beam_size = check_beam_size(beam_size, where)
    for what, token in (("start_token", start_token), ("end_token", end_token)):
        if not isinstance(token, numbers.Integral) or isinstance(token, bool):
            raise TypeError(f"{where}: {what} must be one int token id, got {token!r}")
    if trace is not None and not isinstance(trace, BeamTrace):
        raise TypeError(f"{where}: trace must be a tr.rnn.BeamTrace or None, got "
                        f"{type(trace).__name__}")
    check_max_len(max_len, where)
    alive = [((), 0.0)]                      # (tokens so far, score), best first
    tokens = numpy.array([int(start_token)], dtype=numpy.int64)
    finished, shown = [], _shown(trace, beam_size)
    with no_grad():
        for t in range(max_len):
            state, log_probs = _stepped(step(state, tokens), len(alive), where)
            if t == 0:
                _check_reach(where, beam_size, log_probs.shape[1], max_len, state)
            alive, rows, ended, considered = _extend(alive, log_probs, beam_size, end_token,
                                                     shown)
            finished.extend(ended)
            if trace is not None:
                trace.steps.append(considered)
            if not alive or (finished and max(s for _, s in finished) >= alive[0][1]):
                break
            state = take_rows(state, numpy.array(rows))
            tokens = numpy.array([seq[-1] for seq, _ in alive], dtype=numpy.int64)
    best = max(finished + alive, key=lambda hyp: hyp[1])   # the first of equals: stable
    if trace is not None:
        _finish(trace, best, finished, alive, (start_token, end_token, beam_size, max_len))
    return list(best[0]), best[1]


def _stepped(result, n, where):
    """``(state, log_probs)`` from what ``step`` returned, checked: log_probs as a float64
    array ``[n, V]``, one row per hypothesis fed in."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{where}: step must return (state, log_probs), got "
                        f"{type(result).__name__}")
    state, log_probs = result
    if isinstance(log_probs, Tensor):
        log_probs = log_probs.numpy()
    try:
        log_probs = numpy.asarray(log_probs, dtype=numpy.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: step's log_probs must be numbers [N, V], got "
                        f"{type(log_probs).__name__}") from None
    if log_probs.ndim != 2 or log_probs.shape[0] != n or log_probs.shape[1] < 1:
        raise ValueError(f"{where}: step's log_probs must have shape [N, V] with N = {n} (one "
                         f"row per sequence fed in), got {log_probs.shape}")
    if numpy.isnan(log_probs).any() or (log_probs > 1e-9).any():
        raise ValueError(f"{where}: step's log_probs must be log-probabilities (<= 0, no NaN); "
                         "pass logits through tr.log_softmax")
    return state, log_probs


def _shown(trace, beam_size):
    if trace is None:
        return 0
    return beam_size if trace.shown is None else int(trace.shown)


def _finish(trace, best, finished, alive, settings):
    trace.start_token, trace.end_token, trace.beam_size, max_len = settings
    trace.best = (tuple(best[0]), any(hyp is best for hyp in finished))
    if not alive:
        trace.stopped = "every sequence in the beam ended"
    elif len(trace.steps) < max_len:
        trace.stopped = "no open sequence can beat the best finished one"
    else:
        trace.stopped = f"max_len={max_len} tokens"


def _check_reach(where, beam_size, V, max_len, state):
    """Refuse, before the search grows, a beam that could never fit in memory: it holds at most
    ``min(beam_size, V ** (max_len - 1))`` hypotheses, each with V scores and a state row."""
    if (max_len - 1) * math.log(max(V, 2)) < math.log(beam_size):
        reach = V ** (max_len - 1)
    else:
        reach = beam_size
    row = sum(p.numpy().nbytes for p in parts_of(state)) + 24 * V + 8 * max_len + 150
    fits_in_memory(where, f"beam_size={beam_size} ({reach} partial sequences of {V} tokens)",
                   reach * row)


def _extend(alive, log_probs, beam_size, end_token, shown=0):
    """Keep the ``beam_size`` best one-token extensions of the hypotheses ``alive``: those that
    go on (with the row of their parent's state) and those that ended with ``end_token``; and
    the first ``beam_size + shown`` extensions considered, for a trace."""
    V = log_probs.shape[1]
    scores = numpy.array([s for _, s in alive])[:, None] + log_probs
    order = numpy.argsort(-scores, axis=None, kind="stable")[:beam_size + shown]
    going, rows, ended, considered = [], [], [], []
    for rank, flat in enumerate(order):
        parent, token = divmod(int(flat), V)
        seq, score = alive[parent][0], float(scores[parent, token])
        if rank >= beam_size:
            status = "dropped"
        elif token == end_token:
            ended.append((seq, score))
            status = "ended"
        else:
            going.append((seq + (token,), score))
            rows.append(parent)
            status = "kept"
        considered.append((seq, token, score, status))
    return going, rows, ended, considered
