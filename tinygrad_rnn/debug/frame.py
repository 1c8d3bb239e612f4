"""Frames: the recorded graph as far as the replay has run, drawn by ``tr.draw`` with its hooks.

A frame is ``tr.draw`` of the Stepper's root, the ``"ops"`` or the ``"cells"`` view, the same
picture as the lecture's, with the Stepper's progress passed through the per-node options: the
gradients are the Stepper's own running sums (``grads=``; no tensor's ``.grad`` changes), and each
node is styled and annotated from the state of the tensors it stands for. The DOT ids are
``tr.draw``'s (``graph.node_ids``), the same in every frame and in the SVG the HTML player
restyles. Looks:

    not yet run      dashed grey outline, grey text, no values
    computed         its own colours, its value v=...
    gradient so far  pink, g(k so far)=... (a partial sum while contributions still arrive),
                     |grad| on tr.draw's heat scale
    gradient done    salmon, g=...
    current          yellow with a thick red outline (a parameter: its lines in the
                     parameters' table marked with a triangle, not the whole table)
"""
import graphviz

from ..state import step_index
from .text import compact

VIEWS = ("ops", "cells")
PENDING = {"style": "dashed", "color": "gray75", "fontcolor": "gray60", "fillcolor": "white"}
PENDING_EDGE = {"style": "dashed", "color": "gray80"}
PARTIAL_FILL, GRAD_FILL, CURRENT_FILL, CURRENT_EDGE = "#fee0d2", "#fc9272", "#ffd92f", "#d62728"
CURRENT_MARK = "\u25b6 "    # before the current parameter's line in the parameters' table


class Progress:
    """What has run at op-event ``progress``: each node computed or not, its gradient so far."""

    def __init__(self, stepper, progress, current=()):
        self.stepper, self.progress, self.current = stepper, progress, set(current)

    def computed(self, node):
        at = self.stepper.forward_at.get(node)
        return at is None or at <= self.progress

    def grad_state(self, node):
        """None (nothing arrived yet), "partial" or "done"."""
        st = self.stepper
        b = st.backward_at.get(node)
        if b is None:
            return None
        if b <= self.progress:
            return "done"
        if any(s is not None and st.backward_at[s] <= self.progress
               for s, _ in st.ops[b].contributions):
            return "partial"
        return None

    def grads(self):
        """``{node: dL/dnode so far}`` for the nodes some gradient has reached."""
        out = {}
        for node in self.stepper.backward_at:
            grad = self.stepper.grad_of(node, self.progress)[0]
            if grad is not None:
                out[node] = grad
        return out

    def in_backward(self):
        st = self.stepper
        return bool(st.backward_at) and self.progress >= min(st.backward_at.values())

    def state(self, tensors):
        """``(computed, grad_state, current)`` of a node standing for ``tensors``: computed when
        all are, gradient done when all that get one have it, current when any is."""
        computed = all(self.computed(n) for n in tensors)
        grads = [self.grad_state(n) for n in tensors if n in self.stepper.backward_at]
        arrived = [g for g in grads if g is not None]
        grad_state = None if not arrived else (
            "done" if len(arrived) == len(grads) and all(g == "done" for g in arrived)
            else "partial")
        return computed, grad_state, any(n in self.current for n in tensors)

    def node_style(self, tensors):
        computed, grad_state, current = self.state(tensors)
        attrs = {} if computed else dict(PENDING)
        if grad_state is not None:
            attrs["fillcolor"] = GRAD_FILL if grad_state == "done" else PARTIAL_FILL
        if current and not is_legend(tensors):    # the legend marks one row, not the table
            attrs.update(fillcolor=CURRENT_FILL, color=CURRENT_EDGE, penwidth=3)
        return attrs

    def node_text(self, tensors):
        """v= (value) and g= (gradient so far) of the node's tensors (see ``slots``); in the
        parameters' table the current parameter's line is marked."""
        st, lines = self.stepper, []
        legend = is_legend(tensors)
        for node, prefix, kinds in slots(st, tensors):
            if legend and node in self.current:
                prefix = CURRENT_MARK + prefix
            if "v" in kinds and self.computed(node):
                lines.append(prefix + value_text(st.values[node]))
            grad, parts, done = st.grad_of(node, self.progress)
            if "g" in kinds and grad is not None:
                lines.append(prefix + grad_text(grad, parts, done))
        return lines

    def edge_style(self, tail, head):
        return PENDING_EDGE if not all(self.computed(n) for n in (*tail, *head)) else {}


def is_legend(tensors):
    """The table of parameters (a node that stands for several learned leaves)."""
    return len(tensors) > 1 and all(t.function is None and t.requires_grad for t in tensors)


def slots(stepper, tensors):
    """``[(tensor, prefix, kinds)]``: what a node's text shows, ``kinds`` among ``"v"`` (its
    value; not for a parameter, whose value the replay never changes) and ``"g"`` (its gradient
    so far; for what receives one). The prefix names the tensor when the node stands for
    several: a cell box's state s_t (as its step declared it, every part), else its named ops,
    else all of them (four at most; every row of the parameters' table)."""
    out = []
    shown = list(tensors) if is_legend(tensors) else _shown(tensors)
    for node in shown:
        prefix = f"{stepper.names[node]}: " if len(tensors) > 1 else ""
        kinds = ("" if node.function is None and node.requires_grad else "v") + \
            ("g" if node in stepper.backward_at else "")
        if kinds:
            out.append((node, prefix, kinds))
    return out


def value_text(value):
    return "v=" + compact(value)


def grad_text(grad, parts, done):
    return ("g=" if done else f"g({parts} so far)=") + compact(grad)


def _shown(tensors):
    """Which of a node's tensors its text shows."""
    if len(tensors) == 1:
        return tensors
    mine = {id(t) for t in tensors}
    steps = {}
    for t in tensors:
        i = step_index(t.scope)
        if i >= 0:
            steps.setdefault(id(t.scope[i]), t.scope[i])
    state = [t for step in steps.values() for t in step.role("state")
             if t is not None and id(t) in mine]
    named = [n for n in tensors if n.name and n.function is not None]
    return (state or named or list(tensors))[-4:]


def build(stepper, view="ops", values=True, progress=None):
    """``tr.draw`` of the stepper's root at op-event ``progress`` (default: now, with the
    current event highlighted)."""
    from ..draw import draw
    if view not in VIEWS:
        raise ValueError(f"frame: view must be 'ops' or 'cells', got {view!r}")
    current = ()
    if progress is None:
        progress = stepper.progress
        current = [e.node for e in stepper.event.events]
    with stepper.expanded:  # fused steps drawn as the ops the events show
        now = Progress(stepper, progress, current)
        grad = values and now.in_backward()
        return draw(stepper.root, view=view, show=("shape", "grad") if grad else ("shape",),
                    grads=now.grads() if grad else None, node_style=now.node_style,
                    node_text=now.node_text if values else None, edge_style=now.edge_style)


def frame(stepper, view="ops", values=True, progress=None):
    """The current frame in the ``"ops"`` view (every op, one cluster per time step) or the
    ``"cells"`` view (one box per cell application, the parameters in one table)."""
    return build(stepper, view, values, progress)


def static_bundle(stepper):
    """What a notebook without ipywidgets shows: the frame as SVG beside a short text
    summary (just the text without Graphviz's dot)."""
    import html
    summary = stepper.summary()
    bundle = {"text/plain": f"{stepper!r}\n{summary}"}
    try:
        svg = stepper.frame().pipe(format="svg").decode("utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        return bundle
    svg = svg[svg.find("<svg"):]
    bundle["image/svg+xml"] = svg
    bundle["text/html"] = (
        '<div style="display:flex;gap:1em;align-items:flex-start">'
        f'<div style="overflow:auto;max-width:75%">{svg}</div>'
        f'<pre style="font-size:11px">{html.escape(summary)}</pre></div>')
    return bundle
