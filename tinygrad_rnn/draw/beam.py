"""Draw a beam search (``tr.rnn.BeamTrace.draw``): the tree of partial sequences, one column per
step, left to right from the start token. Each box is a sequence's last token and the
probability of the whole sequence so far. Green: kept in the beam; orange with a double border:
ended with the end token; dashed: an extension that did not make the beam. The answer's path is
drawn bold. Returns a ``graphviz.Digraph`` (``.source`` is DOT; Jupyter displays it).
"""
import math

from . import style as st
from .api import GraphTooLarge
from .dotfile import Dot

MAX_BOXES = 2_000        # more would be unreadable, and slow to lay out
FILLS = {"kept": st.S_FILL, "ended": st.Y_FILL, "dropped": "white"}


def draw_beam(trace, words=None, title=None):
    if trace.best is None:
        raise ValueError("BeamTrace.draw: nothing to draw yet: pass the trace to "
                         "tr.rnn.beam_search(..., trace=trace) (or generate) first")
    boxes = sum(len(step) for step in trace.steps)
    if boxes > MAX_BOXES:
        raise GraphTooLarge(f"BeamTrace.draw: {boxes} boxes (beam_size={trace.beam_size}, "
                            f"{len(trace.steps)} steps) are too many to read; draw a search "
                            f"with a smaller beam, fewer steps or BeamTrace(shown=0)")
    name = _namer(words)
    if title is None:
        title = (f"beam search, beam_size={trace.beam_size}: stopped because {trace.stopped}\n"
                 f"green: in the beam; orange, double border: ended; dashed: did not make the "
                 f"beam; bold: the answer")
    dot = Dot("beam_search", rankdir="LR", title=title, nodesep=0.15, ranksep=0.5)
    on_path = _best_path(trace)
    dot.node("start", _label(name(trace.start_token), None, True), shape="box", style="rounded,filled", fillcolor=st.X_FILL, penwidth=2)
    ids = {(): "start"}
    for t, step in enumerate(trace.steps):
        column = []
        for k, (prefix, token, score, status) in enumerate(step):
            nid = f"s{t + 1}_{k}"
            key = prefix + (token,)
            if status == "kept":
                ids[key] = nid
            bold = status != "dropped" and (key, status == "ended") in on_path
            dot.node(nid, _label(name(token), score, bold), shape="box",
                     style="rounded,dashed" if status == "dropped" else "rounded,filled",
                     fillcolor=FILLS[status], peripheries=2 if status == "ended" else 1,
                     penwidth=2.5 if bold else 1, color="gray55" if status == "dropped"
                     else "black")
            dot.edge(ids.get(prefix, "start"), nid, color=st.S_EDGE if bold else "gray55",
                     penwidth=2.5 if bold else 1,
                     style="dashed" if status == "dropped" else "solid")
            column.append(nid)
        dot.same_rank(column)
    return dot.digraph()


def _label(word, score, bold):
    """The token's text and, below it, P of the sequence so far (none for the start)."""
    text = f"<B>{st.esc(word)}</B>" if bold else st.esc(word)
    rows = [text] + ([] if score is None else [st.small(f"P = {_probability(score)}")])
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(f"<TR><TD>{r}</TD></TR>" for r in rows) + "</TABLE>>")


def _probability(score):
    p = math.exp(score)
    return f"{p:.2f}" if p >= 0.01 else f"{p:.1e}"


def _best_path(trace):
    """``(tokens, ended)`` of every node on the answer's path."""
    tokens, ended = trace.best
    path = {(tokens[:n], False) for n in range(1, len(tokens) + 1)}
    if ended:
        path.add((tokens + (trace.end_token,), True))
    return path


def _namer(words):
    """A token id's text: from a ``tr.data.Vocab``, a list of strings, or the id itself."""
    itos = getattr(words, "itos", words)
    if itos is not None and (isinstance(itos, (str, bytes)) or not hasattr(itos, "__getitem__")):
        raise TypeError(f"BeamTrace.draw: words must be a tr.data.Vocab or a list of strings, "
                        f"got {type(words).__name__}")

    def name(token):
        if itos is not None and 0 <= token < len(itos):
            return str(itos[token])
        return str(token)
    return name
