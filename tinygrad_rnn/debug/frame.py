"""Frames: the recorded graph as far as the replay has run, as a ``graphviz.Digraph``.

A small DOT layer of the debugger's own on the recorded graph: the drawing module colours
gradients from ``tensor.grad``, which the Stepper never touches, so a frame colours each box
from the Stepper's progress instead. A *layout* (``layout.py``) lists the boxes (one per node
in the ``"ops"`` view, one per cell application in the ``"cells"`` view), each with the nodes
it stands for; ids are counters (``n12``, ``u3``), the same in every frame and in the SVG the
HTML player restyles. Looks:

    not yet run      dashed grey outline, no values
    computed         filled, its value v=...
    gradient so far  pink, g=... (a partial sum while contributions are still arriving)
    gradient done    salmon, g=...
    current          yellow with a thick red outline
"""
import graphviz

from .layout import layout
from .text import short

FONT = "Helvetica"
PENDING = {"style": "dashed", "color": "gray75", "fontcolor": "gray60", "fillcolor": "white"}
FILL = {"leaf": "#dbe9f6", "param": "#e5d8ef", "op": "#eeeeee", "named": "#d9f0d3",
        "cell": "#d9f0d3"}
PARTIAL_FILL, GRAD_FILL, CURRENT_FILL, CURRENT_EDGE = "#fee0d2", "#fc9272", "#ffd92f", "#d62728"


def node_state(stepper, node, progress):
    """``(computed, grad_state)`` at op-event ``progress``; grad_state None/"partial"/"done"."""
    at = stepper.forward_at.get(node)
    computed = at is None or at <= progress
    grad_state = None
    b = stepper.backward_at.get(node)
    if b is not None:
        if b <= progress:
            grad_state = "done"
        elif any(s is not None and stepper.backward_at[s] <= progress
                 for s, _ in stepper.ops[b].contributions):
            grad_state = "partial"
    return computed, grad_state


def box_state(stepper, box, progress, current):
    """A box is computed when all its nodes are, 'done' when all its gradients are."""
    states = [node_state(stepper, n, progress) for n in box.members]
    computed = all(c for c, _ in states)
    grads = [g for _, g in states if g is not None] if stepper.backward_at else []
    with_grad = [n for n in box.members if n in stepper.backward_at]
    if not grads:
        grad_state = None
    elif len(grads) == len(with_grad) and all(g == "done" for g in grads):
        grad_state = "done"
    else:
        grad_state = "partial"
    return computed, grad_state, any(n in current for n in box.members)


def style(box, computed, grad_state, current):
    """DOT attributes of a box in a given state."""
    if box.kind == "label":  # a parameter's name beside its use
        return {"shape": "plaintext", "fontcolor": "#54278f", "fontsize": "9"}
    attrs = {"shape": box.shape, "style": "filled", "fillcolor": FILL[box.kind],
             "color": "gray30", "fontcolor": "black", "penwidth": "1"}
    if not computed:
        attrs.update(PENDING)
    if grad_state == "partial":
        attrs["fillcolor"] = PARTIAL_FILL
    elif grad_state == "done":
        attrs["fillcolor"] = GRAD_FILL
    if current:
        attrs.update(fillcolor=CURRENT_FILL, color=CURRENT_EDGE, penwidth="3")
    return attrs


def label(stepper, box, computed, values, progress):
    """Title lines, then v= (value) and g= (gradient so far) of the box's shown nodes."""
    lines = list(box.title)
    if not values:
        return "\n".join(lines)
    for node in box.shown:
        prefix = f"{stepper.names[node]}: " if len(box.members) > 1 else ""
        if computed or node_state(stepper, node, progress)[0]:
            lines.append(f"{prefix}v=" + short(node.data, 28))
        grad, parts, done = stepper.grad_of(node, progress)
        if grad is not None:
            lines.append(f"{prefix}" + ("g=" if done else f"g({parts} so far)=") + short(grad, 28))
    return "\n".join(lines)


def new_graph(name="frame", rankdir="LR"):
    g = graphviz.Digraph(name)
    g.attr(rankdir=rankdir, fontname=FONT, newrank="true")
    g.attr("node", fontname=FONT, fontsize="10")
    g.attr("edge", color="gray40", arrowsize="0.6")
    return g


def build(stepper, view="ops", values=True, progress=None, neutral=False):
    """The Digraph of a view at op-event ``progress`` (default: now, with the current event
    highlighted). ``neutral=True`` draws every box as computed with no values: the one picture
    the HTML player restyles."""
    boxes, edges, clusters = layout(stepper, view)
    clusters = dict(clusters)
    rows = clusters.pop("rows", [])
    above = clusters.pop("above", [])
    current = set()
    if progress is None:
        progress = stepper.progress
        current = {e.node for e in stepper.event.events}
    g = new_graph(rankdir="BT" if rows else "LR")
    if len(boxes) > 200:  # dot's crossing minimisation blows up on long unrolls
        g.attr(mclimit="0.1", nslimit="1", nslimit1="1", remincross="false")
    computed_ids = set()
    placed = {None: []}
    for box in boxes:
        if neutral or not box.members:
            computed, grad_state, is_current = True, None, False
        else:
            computed, grad_state, is_current = box_state(stepper, box, progress, current)
        if computed:
            computed_ids.add(box.id)
        attrs = style(box, computed, grad_state, is_current)
        attrs["id"] = box.id
        placed.setdefault(box.cluster, []).append(
            (box.id, label(stepper, box, computed, values and not neutral, progress), attrs))
    for box_id, text, attrs in placed.pop(None):
        g.node(box_id, text, **attrs)
    for key, lines in placed.items():
        number, title = clusters[key]
        with g.subgraph(name=f"cluster_{number}") as c:
            c.attr(label=title, style="rounded,filled", fillcolor="gray97", color="gray70",
                   id=f"c{number}")
            for box_id, text, attrs in lines:
                c.node(box_id, text, **attrs)
    for row in rows:
        g.body.append("\t{rank=same; " + " ".join(row) + ";}\n")
    for low, high in above:
        g.edge(low, high, style="invis")
    # Each row reads left to right in word order: a flat edge always points right in dot, so a
    # state flowing right to left (a BiRNN's backward half) is written reversed with dir=back,
    # and neighbours with no edge between them get an invisible one.
    neighbours = {}
    for row in rows:
        for a, b in zip(row, row[1:]):
            neighbours[(a, b)], neighbours[(b, a)] = "right", "left"
    joined = set()
    for src, dst in edges:
        attrs = {"id": f"{src}-{dst}"}
        if dst not in computed_ids:
            attrs.update(style="dashed", color="gray80")
        side = neighbours.get((src, dst))
        if side is not None:
            attrs.update(weight="10", penwidth="1.6")
            joined.add(frozenset((src, dst)))
        if side == "left":
            g.edge(dst, src, dir="back", **attrs)
        else:
            g.edge(src, dst, **attrs)
    for (a, b), side in neighbours.items():
        if side == "right" and frozenset((a, b)) not in joined:
            g.edge(a, b, style="invis")
    return g


def frame(stepper, view="ops", values=True, progress=None):
    """The current frame in the ``"ops"`` view (every node, one cluster per time step) or the
    ``"cells"`` view (one box per cell application, parameters in one box)."""
    return build(stepper, view, values, progress)


def mimebundle(stepper):
    """What a notebook shows: the frame as SVG beside a short text summary."""
    import html
    summary = stepper.summary()
    bundle = {"text/plain": f"{stepper!r}\n{summary}"}
    try:
        try:
            graph = stepper.frame()
        except ValueError:  # too many nodes for the ops view
            graph = stepper.frame(view="cells")
        svg = graph.pipe(format="svg").decode("utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        return bundle
    svg = svg[svg.find("<svg"):]
    bundle["image/svg+xml"] = svg
    bundle["text/html"] = (
        '<div style="display:flex;gap:1em;align-items:flex-start">'
        f'<div style="overflow:auto;max-width:75%">{svg}</div>'
        f'<pre style="font-size:11px">{html.escape(summary)}</pre></div>')
    return bundle
