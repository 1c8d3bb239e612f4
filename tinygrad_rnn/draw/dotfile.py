"""A small DOT writer: lines in the order they are declared, wrapped in a ``graphviz.Digraph``.

Order matters to ``dot``: the per-step clusters are declared in time order (that decides left to
right), so the views write their lines explicitly instead of leaving the order to a library.
"""
import functools

import graphviz

from .hooks import IDENTIFIER, Hooks, Quoted
from .style import FONT, dot_string

KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


class Dot:
    def __init__(self, name, rankdir="BT", title=None, nodesep=0.35, ranksep=0.45, hooks=None):
        self.name = name
        self.hooks = hooks if hooks is not None else Hooks()
        self.lines = [f"rankdir={rankdir}; newrank=true; nodesep={nodesep}; ranksep={ranksep};",
                      f'fontname="{FONT}"; fontsize=13;',
                      f'node [fontname="{FONT}", fontsize=11, shape=plain];',
                      f'edge [fontname="{FONT}", fontsize=10, arrowsize=0.7, color=gray35];']
        # The title goes last: a graph attribute set before the subgraphs is inherited by
        # every cluster without a label of its own (an invisible one then grows to its width).
        self.title = title
        self.ranks = []
        self.depth = 0

    def add(self, line):
        self.lines.append("  " * self.depth + line)

    def node(self, nid, label, tensors=None, **attrs):
        """Declare a node; ``tensors``: what it stands for (the hooks of ``tr.draw`` apply)."""
        if tensors is not None:
            label, attrs = self.hooks.node(nid, label, attrs, tensors)
        extra = "".join(f", {k}={_value(v)}" for k, v in attrs.items())
        self.add(f"{nid} [label={label}{extra}];")

    def edge(self, a, b, **attrs):
        attrs = self.hooks.edge(a, b, attrs)
        extra = ", ".join(f"{k}={_value(v)}" for k, v in attrs.items())
        self.add(f"{a} -> {b}" + (f" [{extra}]" if extra else "") + ";")

    def open(self, name, *settings):
        self.add(f"subgraph {name} {{ " + " ".join(settings))
        self.depth += 1

    def close(self):
        self.depth -= 1
        self.add("}")

    def same_rank(self, ids):
        ids = [i for i in ids if i is not None]
        if len(ids) > 1:
            self.ranks.append("{rank=same; " + "; ".join(ids) + ";}")

    def in_order(self, ids, anchor="order"):
        """Keep ``ids`` left to right in this order (one per column, in time order): an
        invisible node below them all whose invisible edges to them are laid out in order
        (``ordering=out``). Edges that run down into the next column can otherwise make
        ``dot`` mirror the whole picture."""
        if len(ids) < 2:
            return
        self.node(anchor, '""', shape="none", style="invis", width=0, height=0, ordering="out")
        for i in ids:
            self.edge(anchor, i, style="invis")

    def digraph(self):
        tail = []
        if self.title:
            from .style import dot_string
            tail.append(f"label={dot_string(self.title)}; labelloc=t;")
        body = ["\t" + line + "\n" for line in self.lines + self.ranks + tail]
        graph = graphviz.Digraph(name=self.name, body=body)
        graph.node_ids = dict(self.hooks.ids)          # tensor -> DOT id
        graph.node_tensors = dict(self.hooks.tensors)  # DOT id -> the tensors it stands for
        return graph


def _value(v):
    """An attribute value as DOT: a number, an HTML label of ours (``<...>``; never for a value
    a hook gave), a bare identifier, or a quoted string."""
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, Quoted):
        return _word(str(v))
    v = str(v)
    if v.startswith("<") and v.endswith(">"):
        return v
    return _word(v)


@functools.lru_cache(maxsize=4096)    # the same few colours and styles on every node
def _word(v):
    """A bare identifier, or a quoted string."""
    if IDENTIFIER.fullmatch(v) and v.lower() not in KEYWORDS:
        return v
    return dot_string(v)
