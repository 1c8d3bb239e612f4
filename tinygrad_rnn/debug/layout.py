"""What a frame draws, independent of how far the replay has run: boxes and edges.

``"ops"``: one box per node (leaves as ellipses), one cluster per time step (a ``with
tr.scope("t=3")`` block), parameters outside the clusters as shared nodes.
``"cells"``: one box per cell application (everything recorded in one step scope), the
parameters in one "shared parameters" box, other nodes (a loss, a stack) as their own boxes.
"""
import math

from .events import step_of
from .text import step_text

MAX_OPS_NODES = 3000  # as tr.draw: dot needs minutes beyond this


class Box:
    """One drawn node: its id, the tensors it stands for, title lines, the tensors whose
    values it prints, its colour kind and shape, and its cluster (a step scope, or None)."""
    __slots__ = ("id", "members", "title", "shown", "kind", "shape", "cluster")

    def __init__(self, id, members, title, shown, kind, shape="box", cluster=None):
        self.id, self.members, self.title, self.shown = id, members, title, shown
        self.kind, self.shape, self.cluster = kind, shape, cluster


def is_parameter(node):
    return node.function is None and node.requires_grad


def node_kind(node):
    if node.function is None:
        return "param" if node.requires_grad else "leaf"
    return "named" if node.name else "op"


def step_key(node):
    """The step scope object a node was made in (one per ``with`` block), or None."""
    for s in reversed(node.scope):
        if "t" in s.attrs:
            return s
    return None


def step_title(node):
    """``elman t=3 'Salt'``, ``birnn > backward > elman t=1 'City'``."""
    path = list(node.scope)
    k = max(i for i, s in enumerate(path) if "t" in s.attrs)
    t, label = step_of(node)
    return " > ".join(s.name for s in path[:k]) + (" " if k else "") + step_text(t, label)


def node_box(stepper, i, node, cluster):
    return Box(f"n{i}", [node], [stepper.names[node], f"{node.op or 'leaf'} {tuple(node.shape)}"],
               [node], node_kind(node), "ellipse" if node.function is None else "box", cluster)


def layout(stepper, view):
    """``(boxes, edges, clusters)``; ``clusters`` maps a step scope to (number, title)."""
    cache = stepper.__dict__.setdefault("_layouts", {})
    if view not in cache:
        if view == "ops":
            if len(stepper.order) > MAX_OPS_NODES:
                raise ValueError(f"frame: the ops view of {len(stepper.order)} nodes is too large "
                                 f"for dot to lay out in reasonable time (limit {MAX_OPS_NODES}); "
                                 "use view='cells' (one box per step)")
            cache[view] = ops_layout(stepper)
        elif view == "cells":
            cache[view] = cells_layout(stepper)
        else:
            raise ValueError(f"frame: view must be 'ops' or 'cells', got {view!r}")
    return cache[view]


def ops_layout(stepper):
    """Every node; a shared parameter is one "shared parameters" box plus a small name label
    beside each use (one node with an edge into every step is a tangle that ``dot`` lays out
    in minutes, see shared/reference)."""
    boxes, clusters, box_of = [], {}, {}
    params = [n for n in stepper.order if is_parameter(n)]
    for i, node in enumerate(stepper.order):
        if is_parameter(node):
            continue
        key = step_key(node)
        if key is not None and key not in clusters:
            clusters[key] = (len(clusters), step_title(node))
        box = node_box(stepper, i, node, key)
        boxes.append(box)
        box_of[node] = box.id
    edges = _edges(stepper.order, box_of)
    number = {node: i for i, node in enumerate(stepper.order)}
    for node in stepper.order:
        for k, inp in enumerate(node.inputs):
            if is_parameter(inp) and node in box_of:
                tag = Box(f"p{number[inp]}_{box_of[node]}_{k}", [], [stepper.names[inp]], [],
                          "label", "plaintext", step_key(node))
                boxes.append(tag)
                edges.append((tag.id, box_of[node]))
    if params:
        boxes.append(Box("params", params, ["shared parameters"], params, "param"))
    return boxes, edges, clusters


def cells_layout(stepper):
    """One box per step scope; the steps of one chain (one ``unroll``, one row of per-step
    output layers) share a rank, so the picture reads like the lecture's: a row of cells with
    the state flowing left to right, inputs below, outputs above, and every edge short."""
    boxes, box_of, units, rows, halves = [], {}, {}, {}, {}
    params = [n for n in stepper.order if is_parameter(n)]
    for i, node in enumerate(stepper.order):
        if is_parameter(node):
            continue
        key = step_key(node)
        if key is None:
            box = node_box(stepper, i, node, None)
            boxes.append(box)
        else:
            box = units.get(key)
            if box is None:
                box = units[key] = Box(f"u{len(units)}", [], [step_title(node)], [], "cell")
                boxes.append(box)
                pos = node.scope.index(key)
                chain = node.scope[pos - 1] if pos else None
                rows.setdefault(chain, []).append(box)
                if pos >= 2 and "direction" in node.scope[pos - 2].attrs:  # a BiRNN half
                    pair = node.scope[pos - 3] if pos >= 3 else None
                    halves.setdefault(pair, {})[node.scope[pos - 2].attrs["direction"]] = chain
            box.members.append(node)
        box_of[node] = box.id
    for box in units.values():
        named = [n for n in box.members if n.name and n.function is not None]
        box.shown = (named or box.members[-1:])[-4:]
    if params:
        boxes.append(Box("params", params, ["shared parameters"], params, "param"))
    edges = _edges(stepper.order, box_of)
    backward = {h.get("backward") for h in halves.values()}
    for chain, row in rows.items():  # in the order of the words; s_0 where its chain starts
        row.sort(key=lambda b: _column(b, chain in backward))
    above = [(rows[h["forward"]][0].id, rows[h["backward"]][0].id) for h in halves.values()
             if "forward" in h and "backward" in h]   # the backward half one row higher
    return boxes, edges, {"rows": [[b.id for b in row] for row in rows.values()],
                          "above": above}


def _column(box, backward):
    """Where a step's box goes in its row: the word it reads (``position``, else ``t``)."""
    attrs = step_key(box.members[0]).attrs
    if attrs.get("t") == 0:
        return math.inf if backward else -math.inf
    return attrs.get("position", attrs.get("t"))


def _edges(order, box_of):
    """Box-to-box edges in a stable order, each once; parameters' boxes send none in the cells
    view (they feed every step)."""
    seen, edges = set(), []
    for node in order:
        dst = box_of.get(node)
        for inp in node.inputs:
            src = box_of.get(inp)
            if src is None or dst is None or src == dst or (src, dst) in seen:
                continue
            seen.add((src, dst))
            edges.append((src, dst))
    return edges
