"""``Stepper``: replay a recorded graph, forward node by node (or step by step), then backward.

    import tinygrad_rnn as tr
    st = tr.debug.Stepper(loss)          # starts at event 0
    st.step(); print(st.event)           # the next op, its inputs and value
    st.next()                            # pdb's next: over a whole time step at a state s_t
    st.break_at("nan"); st.cont()        # run to where a NaN/Inf is produced, forward or back
    st.where()                           # its scope (which time step), creation site, culprit
    st.frame()                           # graphviz.Digraph: what has run, the current node

The backward pass is the library's own (``autograd.backpropagate``), recorded through a hook
that writes no ``.grad`` (see ``events.py``): the tensors' ``.grad`` never change, and the
gradients are those ``loss.backward()`` gives. A graph whose values were changed after its
forward pass (an optimizer step) is refused with ``StaleValueError``; a Stepper made before
such a change keeps showing the values of the forward pass. Breakpoints, ``next`` and
``finish`` are in ``control.py``.
"""
from ..state import step_index
from ..rnn.expand import expanded
from ..tensor import Tensor
from . import text
from .control import Control
from .events import forward_order, record
from .names import Names

GRANULARITIES = ("op", "step")


class StepEvent:
    """Step granularity: the consecutive op events of one phase and one time step.

    ``events`` are the op-level events; ``node`` is the step's state s_t (its last part; every
    part in ``nodes``), or what the step declares as its output, else the node of the group's
    last (forward) or first (backward) event; ``value``, ``grad``, ``origin`` are that node's;
    ``op`` is ``"step"``.
    """
    op = "step"

    def __init__(self, events, index, names):
        self.events, self.index = events, index
        self.phase, self.t, self.label = events[-1].phase, events[-1].t, events[-1].label
        self._of = {e.node: e for e in events}
        self.nodes = _results(events)
        if not self.nodes:
            self.nodes = [events[-1].node if self.phase == "forward" else events[0].node]
        self.node = self.nodes[-1]
        self.name = text.listing(names[n] for n in self.nodes)

    inputs = property(lambda self: self._of[self.node].inputs)  # as recorded
    value = property(lambda self: self._of[self.node].value)
    grad = property(lambda self: self._of[self.node].grad)
    origin = property(lambda self: self._of[self.node].origin)
    scope = property(lambda self: self.node.scope)
    culprit = property(lambda self: next((e.culprit for e in self.events if e.culprit), None))

    def is_finite(self):
        return all(e.is_finite() for e in self.events)

    def __repr__(self):
        return f"<{self.phase} #{self.index} {text.step_text(self.t, self.label) or 'no step'}" \
               f" {self.name}: {len(self.events)} node(s)>"


def _results(events):
    """The nodes among ``events`` that their step declares as its state s_t (every part), else
    as its output y_t, else as its loss."""
    mine = {e.node for e in events}
    path = events[-1].node.scope
    i = step_index(path)
    if i < 0:
        return []
    for role in ("state", "y", "loss"):
        found = [t for t in path[i].role(role) if t is not None and t in mine]
        if found:
            return found
    return []


class Stepper(Control):
    """The events of ``root``'s graph, and a cursor on them (``index``, starting at 0).

    ``granularity="op"``: one event per op (forward) and per node that receives a gradient
    (backward); ``"step"``: one event per time step and phase (a ``StepEvent``). ``grad`` seeds
    dL/d(root) for a non-scalar root (a scalar root gets 1). Attributes: ``order`` (every node,
    inputs first), ``names`` (node -> readable name), ``ops`` (the op-level events),
    ``breakpoints``, ``variables`` (what ``!`` statements assigned), ``user_code`` (False when
    the graph was built by tinygrad_rnn itself, as by the command line).
    """

    def __init__(self, root, granularity="op", grad=None):
        if not isinstance(root, Tensor):
            raise TypeError(f"Stepper: root must be a Tensor, got {type(root).__name__}")
        if granularity not in GRANULARITIES:
            raise ValueError(f"Stepper: granularity must be 'op' or 'step', got {granularity!r}")
        self.root, self.granularity = root, granularity
        # steps recorded in training mode (fused=True) are replayed as their ops: inside
        # this block every fused step reads as the ops it stands for (tr.rnn.expanded)
        self.expanded = expanded(root)
        with self.expanded:
            self.order = forward_order(root)
            self.resolver = Names(self.order)
            self.names = self.resolver.of
            self.by_name = self.resolver.exact
            self.ops = record(root, self.names, grad, self.order)  # forward, then back
        if not self.ops:
            raise ValueError(f"Stepper: {self.names[root]} is a leaf with no recorded ops and no "
                             "gradient to replay")
        if granularity == "op":
            self._spans = [(i, i) for i in range(len(self.ops))]
        else:
            self._spans = _group_by_step(self.ops)
        self._events = [self.ops[a] if granularity == "op" else
                        StepEvent(self.ops[a:b + 1], k, self.names)
                        for k, (a, b) in enumerate(self._spans)]
        self.values = {node: node.data for node in self.order}  # as the forward pass left them
        self.forward_at = {e.node: e.index for e in self.ops if e.phase == "forward"}
        self.backward_at = {e.node: e.index for e in self.ops if e.phase == "backward"}
        self.breakpoints, self.variables, self.user_code = [], {}, True
        self.index = 0
        Control.__init__(self)

    # ---- the cursor ----------------------------------------------------------------------
    def __len__(self):
        return len(self._events)

    @property
    def events(self):
        return list(self._events)

    @property
    def event(self):
        """The current event (``.phase``, ``.node``, ``.op``, ``.inputs``, ``.value``/``.grad``)."""
        return self._events[self.index]

    def goto(self, i):
        """Jump to event ``i``, clamped to ``0 .. len-1``; returns the event."""
        self.index = max(0, min(len(self._events) - 1, int(i)))
        return self.event

    def step(self, n=1):
        """Move ``n`` events on (stays on the last one at the end)."""
        return self.goto(self.index + n)

    def back(self, n=1):
        """Move ``n`` events back (stays on the first one)."""
        return self.goto(self.index - n)

    @property
    def progress(self):
        """Index of the last op-level event that has run (the current one included)."""
        return self._spans[self.index][1]

    # ---- what is known now ---------------------------------------------------------------
    def node(self, name):
        """The tensor called ``name``: the debugger's name (``s_3``, ``W^x``, ``tanh@t=3#1``)
        or its Python spelling (``W_x``, ``tanh_t_3_1``); KeyError with suggestions."""
        if isinstance(name, Tensor):
            return name
        return self.resolver.find(name)

    def value_of(self, name, progress=None):
        """The node's value if the forward replay has computed it (leaves: always), else None:
        the value of the forward pass, even if the tensor was assigned since."""
        node = self.node(name)
        progress = self.progress if progress is None else progress
        at = self.forward_at.get(node)
        return self.values.get(node) if at is None or at <= progress else None

    def grad_of(self, name, progress=None):
        """``(gradient so far, number of partial gradients arrived, done)`` at this point of the
        backward replay: the running sum, and whether the node's own backward event has run."""
        node = self.node(name)
        progress = self.progress if progress is None else progress
        at = self.backward_at.get(node)
        if at is None:
            return None, 0, False
        parts = [g for sender, g in self.ops[at].contributions
                 if (self.backward_at[sender] if sender is not None else at) <= progress]
        total = None
        for g in parts:
            total = g if total is None else total + g
        return total, len(parts), at <= progress

    def where(self, node=None):
        """Scope path (which cell, which time step), creation site, and what non-finite value
        it produced, of the current node(s) (or of ``node``)."""
        if node is not None:
            return f"{self.names[node]}: {text.where(self.recorded(node), self.user_code)}"
        lines = [f"{e.name}: {text.where(e, self.user_code)}" for e in self.event.events]
        culprit = self.event.culprit
        return "\n".join(lines + ([f"!! {culprit}"] if culprit else []))

    def summary(self):
        """The current event as a few lines of text."""
        if self.granularity == "op":
            return text.describe(self.event, self.names, self.index + 1, len(self),
                                 self.user_code)
        return text.describe_group(self.event, self.names, self.index + 1, len(self))

    def recorded(self, node):
        """``node`` as the replay recorded it: its forward event (``.op``, ``.inputs``,
        ``.origin`` as they were then, a fused step's ops included), or the node itself."""
        at = self.forward_at.get(node)
        return node if at is None else self.ops[at]

    def backtrace(self, node=None):
        """The path from the root (the loss) down to ``node`` (default: the current node), each
        node a consumer of the next: the shortest such chain."""
        node = self.event.node if node is None else node
        if not hasattr(self, "_consumer"):
            self._consumer = {self.root: None}
            frontier = [self.root]
            with self.expanded:  # the graph the events replay (fused steps as their ops)
                while frontier:
                    later = []
                    for n in frontier:
                        for i in n.inputs:
                            if i not in self._consumer:
                                self._consumer[i] = n
                                later.append(i)
                    frontier = later
        path = [node]
        while self._consumer.get(path[-1]) is not None:
            path.append(self._consumer[path[-1]])
        return path[::-1]

    def __repr__(self):
        return f"<Stepper {self.index + 1}/{len(self)} {self.event!r}>"

    # ---- pictures ----------------------------------------------------------------------
    def frame(self, view=None, values=True):
        """``graphviz.Digraph``: what has run filled in with its value (forward) or gradient
        (backward), what has not run greyed out, the current node highlighted. ``view``:
        ``"ops"`` (every node; the default at op granularity, unless the graph is too large
        for it) or ``"cells"`` (one box per cell application; the default at step
        granularity)."""
        from .frame import frame
        return frame(self, view=view or self.default_view, values=values)

    def to_html(self, path, view=None, title=None):
        """Write one self-contained page (inline SVG and JS, nothing fetched) that plays the
        steps: play/pause and speed, buttons, a slider, arrow keys, zoom and fit, values and
        gradients on the nodes, the current event's text. Returns the path."""
        from .html import write_html
        return write_html(self, path, view=view or self.default_view, title=title)

    @property
    def default_view(self):
        """``"ops"`` at op granularity (``"cells"`` when the ops view would be too large for
        dot), ``"cells"`` at step granularity."""
        from ..draw.api import MAX_OPS_NODES
        if self.granularity == "step" or len(self.order) > MAX_OPS_NODES:
            return "cells"
        return "ops"

    def widget(self):
        """An ipywidgets box: the frame, a slider and step/back/continue buttons (needs
        ``ipywidgets``; a notebook shows it when it displays the Stepper)."""
        from .widget import stepper_widget
        return stepper_widget(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .widget import mimebundle
        return mimebundle(self, include, exclude)


def _group_by_step(ops):
    """``[(first, last)]`` op-event index spans: consecutive events of one phase and one step
    scope (two chains' t=1, a BiRNN's directions, are two steps)."""
    def key(e):
        i = step_index(e.node.scope)
        return e.phase, (id(e.node.scope[i]) if i >= 0 else None)

    spans, start = [], 0
    for i in range(1, len(ops) + 1):
        if i == len(ops) or key(ops[i]) != key(ops[start]):
            spans.append((start, i - 1))
            start = i
    return spans
