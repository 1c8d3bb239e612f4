"""``Stepper``: replay a recorded graph, forward node by node (or step by step), then backward.

    import tinygrad_rnn as tr
    st = tr.debug.Stepper(loss)          # starts at event 0
    st.step(); print(st.event)           # the next op, its inputs and value
    st.break_at("nan"); st.cont()        # run to the first NaN/Inf, forward or backward
    st.where()                           # its scope (which time step) and creation site
    st.frame()                           # graphviz.Digraph: what has run, the current node

The backward pass is the library's own (``autograd.backpropagate``), recorded through a hook
that writes no ``.grad`` (see ``events.py``): the tensors' ``.grad`` never change, and the
gradients are those ``loss.backward()`` gives. A graph whose values were changed after its
forward pass (an optimizer step) is refused with ``StaleValueError``.
"""
from ..rnn.expand import expanded
from ..tensor import Tensor
from .breakpoints import Breakpoint
from .events import forward_order, record
from . import text

GRANULARITIES = ("op", "step")


class StepEvent:
    """Step granularity: the consecutive op events of one phase and one time step.

    ``events`` are the op-level events; ``node``, ``value``, ``grad``, ``origin`` are those of
    the group's last event; ``op`` is ``"step"``.
    """
    op = "step"

    def __init__(self, events, index):
        self.events, self.index = events, index
        last = events[-1]
        self.phase, self.t, self.label = last.phase, last.t, last.label
        self.node, self.name = last.node, last.name

    inputs = property(lambda self: self.events[-1].inputs)
    value = property(lambda self: self.events[-1].value)
    grad = property(lambda self: self.events[-1].grad)
    origin = property(lambda self: self.events[-1].origin)
    scope = property(lambda self: self.node.scope)

    def is_finite(self):
        return all(e.is_finite() for e in self.events)

    def __repr__(self):
        return f"<{self.phase} #{self.index} {text.step_text(self.t, self.label) or 'no step'}: " \
               f"{len(self.events)} node(s)>"


class Stepper:
    """The events of ``root``'s graph, and a cursor on them (``index``, starting at 0).

    ``granularity="op"``: one event per op (forward) and per node that receives a gradient
    (backward); ``"step"``: one event per time step and phase (a ``StepEvent``). ``grad`` seeds
    dL/d(root) for a non-scalar root (a scalar root gets 1). Attributes: ``order`` (every node,
    inputs first), ``names`` (node -> readable name), ``ops`` (the op-level events).
    """

    def __init__(self, root, granularity="op", grad=None):
        if not isinstance(root, Tensor):
            raise TypeError(f"Stepper: root must be a Tensor, got {type(root).__name__}")
        if granularity not in GRANULARITIES:
            raise ValueError(f"Stepper: granularity must be 'op' or 'step', got {granularity!r}")
        self.root, self.granularity = root, granularity
        # steps recorded in training mode (fused=True) are shown as their ops (tr.rnn.expand)
        self.expanded = expanded(root)
        with self.expanded:
            self.order = forward_order(root)
            self.names = text.name_nodes(self.order)
            self.ops = record(root, self.names, grad)  # op-level events, forward then backward
        self.by_name = {name: node for node, name in self.names.items()}
        if not self.ops:
            raise ValueError(f"Stepper: {self.names[root]} is a leaf with no recorded ops and no "
                             "gradient to replay")
        if granularity == "op":
            self._spans = [(i, i) for i in range(len(self.ops))]
        else:
            self._spans = _group_by_step(self.ops)
        self._events = [self.ops[a] if granularity == "op" else StepEvent(self.ops[a:b + 1], k)
                        for k, (a, b) in enumerate(self._spans)]
        self.values = {node: node.data for node in self.order}  # as the forward pass left them
        self.forward_at = {e.node: e.index for e in self.ops if e.phase == "forward"}
        self.backward_at = {e.node: e.index for e in self.ops if e.phase == "backward"}
        self.breakpoints = []
        self.index = 0

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

    # ---- breakpoints -------------------------------------------------------------------
    def break_at(self, spec=None, **fields):
        """Add a breakpoint: ``break_at("op=tanh")``, ``break_at(t=3)``, ``break_at(nan=True)``."""
        bp = Breakpoint.parse(spec) if isinstance(spec, str) else Breakpoint(**fields)
        self.breakpoints.append(bp)
        return bp

    def clear_breakpoints(self):
        self.breakpoints.clear()

    def cont(self):
        """Run to the next event that hits a breakpoint; returns it, or None (and stays on the
        last event) when no later event does."""
        return self._run(self.breakpoints)

    def run_to(self, spec=None, **fields):
        """Run to the next event matching one condition, without keeping it as a breakpoint."""
        bp = Breakpoint.parse(spec) if isinstance(spec, str) else Breakpoint(**fields)
        return self._run([bp])

    def _run(self, breakpoints):
        for i in range(self.index + 1, len(self._events)):
            if any(bp.matches(self._events[i]) for bp in breakpoints):
                self.index = i
                return self.event
        self.index = len(self._events) - 1
        return None

    def first_nonfinite(self):
        """The first op-level event whose value or gradient holds a NaN/Inf, or None."""
        return next((e for e in self.ops if not e.is_finite()), None)

    # ---- what is known now ---------------------------------------------------------------
    def node(self, name):
        """The tensor called ``name`` (a debugger name such as ``s_3`` or ``tanh@t=3#1``)."""
        if isinstance(name, Tensor):
            return name
        if name not in self.by_name and name.replace("_", "^", 1) in self.by_name:
            name = name.replace("_", "^", 1)  # W_x for the parameter called W^x
        if name not in self.by_name:
            import difflib
            close = difflib.get_close_matches(name, list(self.by_name), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"no node called {name!r}{hint}")
        return self.by_name[name]

    def value_of(self, name):
        """The node's value if the forward replay has computed it (leaves: always), else None."""
        node = self.node(name)
        at = self.forward_at.get(node)
        return self.values.get(node) if at is None or at <= self.progress else None

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

    def where(self):
        """Scope path (which cell, which time step) and creation site of the current node(s)."""
        return "\n".join(f"{e.name}: {text.where(e, self.names)}" for e in self.event.events)

    def summary(self):
        """The current event as a few lines of text."""
        if self.granularity == "op":
            return text.describe(self.event, self.names, self.index + 1, len(self))
        return text.describe_group(self.event, self.names, self.index + 1, len(self))

    def __repr__(self):
        return f"<Stepper {self.index + 1}/{len(self)} {self.event!r}>"

    # ---- pictures ----------------------------------------------------------------------
    def frame(self, view=None, values=True):
        """``graphviz.Digraph``: what has run filled in with its value (forward) or gradient
        (backward), what has not run greyed out, the current node highlighted. ``view``:
        ``"ops"`` (every node; the default at op granularity) or ``"cells"`` (one box per cell
        application; the default at step granularity)."""
        from .frame import frame
        return frame(self, view=view or self.default_view, values=values)

    def to_html(self, path, view=None, title=None):
        """Write one self-contained page (inline SVG and JS, nothing fetched) that plays the
        steps: buttons, a slider, arrow keys, the current event's text. Returns the path."""
        from .html import write_html
        return write_html(self, path, view=view or self.default_view, title=title)

    @property
    def default_view(self):
        return "ops" if self.granularity == "op" else "cells"

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .frame import mimebundle
        return mimebundle(self)


def _group_by_step(ops):
    """``[(first, last)]`` op-event index spans: consecutive events of one phase and one step."""
    spans, start = [], 0
    for i in range(1, len(ops) + 1):
        if i == len(ops) or (ops[i].phase, ops[i].t) != (ops[start].phase, ops[start].t):
            spans.append((start, i - 1))
            start = i
    return spans
