"""The caller's say in a drawing: other gradients, highlighted tensors, per-node styles and text.

Every view declares each node with the tensors it stands for (one tensor in the ops view, the
ops of one cell application in the cells view, every step of a chain in the rolled view, all
parameters in the legend). ``Hooks`` records which DOT id stands for which tensor (ids are
counters such as ``v12`` or ``c0_3``: the same program gives the same ids) and turns the
options of ``tr.draw`` into each node's attributes and extra label rows:

    grads={t: array}          |grad| of show="grad" from this mapping instead of ``t.grad``
    highlight={t: message}    red outline and fill, the message (one row per line) below
                              (on the node of ``node_ids[t]``, not on a y_t box repeating it)
    node_style=fn(tensors)    DOT attributes over the node's own (style words are added)
    node_text=fn(tensors)     lines added below the node's label
    edge_style=fn(tail, head) DOT attributes of a visible edge from the tensors at its ends

With ``node_style`` (or a highlight) a node of the ops view or a legend, a bare table, is drawn
as a box around its table, so every node has an outline and a background to set.

What the hooks return is checked: attribute names must be DOT identifiers and every value is
written as a quoted string (or a number), so no hook can add nodes, edges or attributes to the
DOT source; a hook that returns the wrong type gets an error saying what it must return.
"""
import re
from collections.abc import Iterable, Mapping

import numpy

from . import style as st

HIGHLIGHT_FILL = "#f4cccc"
HIGHLIGHT_EDGE = "#cc0000"
BARE = ("plain", "plaintext", "none")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Quoted(str):
    """A value from a hook: always written as a DOT quoted string, never as raw HTML."""


def _mapping(name, value):
    if value is None:
        return None
    if not isinstance(value, Mapping):
        what = "messages" if name == "highlight" else "gradient arrays"
        raise TypeError(f"draw: {name}= must map tensors to {what}, got {type(value).__name__}")
    return value


def _gradients(grads):
    """``grads=`` with every value an array of numbers (or None: no gradient yet)."""
    if grads is None:
        return None
    from ..tensor import Tensor
    out = {}
    for t, g in _mapping("grads", grads).items():
        array = g.data if isinstance(g, Tensor) else g
        if array is not None and not hasattr(array, "dtype"):
            try:
                array = numpy.asarray(array)
            except (TypeError, ValueError):
                array = False                 # not numbers at all
        if array is False or (array is not None and array.dtype.kind not in "biuf"):
            raise TypeError(f"draw: grads= maps {_who(t)} to a {type(g).__name__}; each value "
                            "must be an array of numbers (the gradient dL/dt) or None")
        out[t] = array
    return out


def _who(t):
    name = getattr(t, "name", None)
    return f"the tensor {name!r}" if name else f"a {type(t).__name__}"


def _function(name, value):
    if value is not None and not callable(value):
        raise TypeError(f"draw: {name}= must be a function, got {type(value).__name__}")
    return value


class Hooks:
    """The options of ``tr.draw`` that act per node; ``ids``/``tensors`` what stands for what."""

    def __init__(self, grads=None, highlight=None, node_style=None, node_text=None,
                 edge_style=None):
        self.grads = _gradients(grads)
        self.highlight = _mapping("highlight", highlight) or {}
        self.node_style = _function("node_style", node_style)
        self.node_text = _function("node_text", node_text)
        self.edge_style = _function("edge_style", edge_style)
        self.ids = {}          # tensor -> DOT id of the first node that stands for it
        self.tensors = {}      # DOT id -> tuple of the tensors it stands for

    def grad(self, t):
        """dL/dt as the picture shows it: from ``grads`` when given (None if absent)."""
        if self.grads is None:
            return t.grad
        return self.grads.get(t)

    def node(self, nid, label, attrs, tensors):
        """``(label, attrs)`` of node ``nid`` that stands for ``tensors``, the hooks applied."""
        tensors = tuple(tensors)
        self.tensors[nid] = tensors
        for t in tensors:
            self.ids.setdefault(t, nid)
        messages = [str(self.highlight[t]) for t in tensors        # once: on the node of
                    if t in self.highlight and self.ids[t] == nid]  # node_ids, not a y_t copy
        if self.node_style is None and not messages and self.node_text is None:
            return label, attrs
        if self.node_style is not None or messages:
            attrs = _boxed(attrs)
        if self.node_style is not None:
            attrs = merge(attrs, _attributes("node_style", self.node_style(tensors)))
        if messages:
            attrs = merge(attrs, {"style": "filled", "fillcolor": HIGHLIGHT_FILL,
                                  "color": HIGHLIGHT_EDGE, "penwidth": 2})
        lines = _lines(self.node_text(tensors)) if self.node_text else []
        return _extend(label, lines, [m for text in messages for m in text.splitlines()]), attrs

    def edge(self, a, b, attrs):
        if self.edge_style is None or attrs.get("style") == "invis":
            return attrs
        extra = self.edge_style(self.tensors.get(a, ()), self.tensors.get(b, ()))
        return merge(attrs, _attributes("edge_style", extra))


def _attributes(hook, value):
    """What ``node_style``/``edge_style`` returned, as safe DOT attributes."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"draw: {hook} must return a dict of DOT attributes (or None), e.g. "
                        f"{{'color': 'red'}}; it returned a {type(value).__name__}")
    out = {}
    for key, v in value.items():
        if not isinstance(key, str) or not IDENTIFIER.fullmatch(key):
            raise ValueError(f"draw: {hook} returned the attribute name {key!r}; a DOT attribute "
                             "name is letters, digits and _ (e.g. 'color', 'penwidth')")
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise TypeError(f"draw: {hook} returned {key}={v!r}; a value must be a string or a "
                            "number")
        out[key] = v if isinstance(v, (int, float)) else Quoted(v)
    return out


def _lines(value):
    """What ``node_text`` returned, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise TypeError(f"draw: node_text must return lines of text (a list of strings, or "
                        f"None); it returned a {type(value).__name__}")
    return [str(line) for line in value]


def merge(attrs, extra):
    """``attrs`` updated by ``extra``; the words of a ``style`` are added to the node's own."""
    out = dict(attrs)
    for key, value in extra.items():
        if key == "style" and out.get("style"):
            words = [w for w in str(out["style"]).split(",") if w]
            words += [w for w in str(value).split(",") if w and w not in words]
            value = Quoted(",".join(words)) if isinstance(value, Quoted) else ",".join(words)
        out[key] = value
    return out


def _boxed(attrs):
    """A bare table (shape=plain) framed as a filled box, so it has an outline and a fill."""
    if attrs.get("shape", "plain") not in BARE:
        return attrs
    rest = {k: v for k, v in attrs.items() if k != "shape"}
    return {"shape": "box", "style": "filled", "fillcolor": "white", "color": "gray30",
            "margin": "0.04", **rest}


def _extend(label, lines, messages):
    """The label as one cell of a borderless table, then a row per line and per message."""
    if not lines and not messages:
        return label
    if label.startswith("<") and label.endswith(">"):
        inner = label[1:-1]
    else:
        inner = st.esc(label.strip('"'))
    rows = [f"<TR><TD>{inner}</TD></TR>"]
    rows += [f'<TR><TD ALIGN="LEFT">{st.mono(line)}</TD></TR>' for line in lines]
    rows += [f'<TR><TD>{st.small(st.esc(m), HIGHLIGHT_EDGE, 9)}</TD></TR>' for m in messages]
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")
