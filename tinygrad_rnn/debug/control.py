"""Running the replay: breakpoints (as in pdb), ``cont``, ``run_to``, and pdb's ``next`` and
``return`` (here ``finish``), for ``Stepper``.

Levels, for ``next``. An op inside a time step is one level below the step: the step's results
(the state s_t it declares, every part of it, its output y_t, its loss) and everything outside
the time steps (the loss, the parameters) are at the top level (0); the other ops of a step at
level 1, deeper inside a scope that the step opens, 2, 3, ... ``next`` goes to the next event
at the current level or above: from an op, the next op of the same step (or the step's result);
from s_t, s_{t+1} (over all the ops of step t+1). ``finish`` goes to the last event of the
current time step (from its last event, or from outside the steps, to the end of the next
step). Like ``cont``, both stop earlier at an enabled breakpoint on the way.

A breakpoint's condition is evaluated at each event the breakpoint matches; where it reads a
node the replay has not computed yet it is false; where it fails otherwise the breakpoint
fires and ``condition_errors`` says why (as pdb does).
"""
from ..state import step_index
from .breakpoints import Breakpoint
from .evaluate import NotYet, evaluate


class Control:
    """The running part of a Stepper (which sets ``breakpoints``, ``_events``, ``index``)."""

    def __init__(self):
        self.last_hits = []            # the breakpoints the last run stopped at
        self.condition_errors = {}     # breakpoint number -> why its condition failed
        self._numbered = 0
        self._levels = self._runs = None

    # ---- breakpoints -------------------------------------------------------------------
    def break_at(self, spec=None, *, temporary=False, condition=None, **fields):
        """Add a breakpoint: ``break_at("op=tanh")``, ``break_at(t=3)``, ``break_at("nan")``.

        Refused (ValueError, with suggestions) when it names an op, a node or a step this graph
        does not have, or combines conditions no event meets. An equal breakpoint that exists
        already is returned instead of a duplicate. ``temporary``: removed when it fires
        (pdb's ``tbreak``); ``condition``: a Python expression (see ``evaluate.py``) that must be
        true at the event."""
        bp = self._breakpoint(spec, fields)
        bp.temporary, bp.condition = bool(temporary), self._condition(condition)
        for old in self.breakpoints:
            if old.key() == bp.key():
                return old
        self._numbered += 1
        bp.number = self._numbered
        self.breakpoints.append(bp)
        return bp

    def _breakpoint(self, spec, fields):
        if spec is not None and fields:
            raise ValueError("breakpoint: give a spec string or keywords, not both")
        bp = Breakpoint.parse(spec) if spec is not None else Breakpoint(**fields)
        return bp.check(self)

    def _condition(self, condition):
        if condition is None or condition == "":
            return None
        if not isinstance(condition, str):
            raise ValueError(f"breakpoint: a condition is a Python expression as text, got "
                             f"{type(condition).__name__}")
        compile(condition, "<condition>", "eval")    # a SyntaxError now, not when it runs
        return condition

    def breakpoint(self, number):
        """The breakpoint numbered ``number`` (ValueError if there is none)."""
        for bp in self.breakpoints:
            if bp.number == number:
                return bp
        known = ", ".join(str(bp.number) for bp in self.breakpoints) or "none"
        raise ValueError(f"no breakpoint number {number} (breakpoints: {known})")

    def clear_breakpoints(self, *numbers):
        """Remove the breakpoints numbered ``numbers`` (all of them when none is given);
        returns the removed ones."""
        gone = [self.breakpoint(n) for n in numbers] if numbers else list(self.breakpoints)
        self.breakpoints[:] = [bp for bp in self.breakpoints if bp not in gone]
        return gone

    def set_condition(self, number, condition=None):
        """Give breakpoint ``number`` a condition (None removes it)."""
        bp = self.breakpoint(number)
        bp.condition = self._condition(condition)
        return bp

    # ---- running -------------------------------------------------------------------------
    def cont(self):
        """Run to the next event where an enabled breakpoint fires; returns it, or None (and
        stays on the last event) when no later event does."""
        return self._run(lambda i: False)

    def run_to(self, spec=None, **fields):
        """Run to the next event matching one condition, without keeping it as a breakpoint
        (checked like a breakpoint: a condition that cannot match is refused)."""
        bp = self._breakpoint(spec, fields)
        return self._run(lambda i: bp.matches(self._events[i]), breakpoints=False)

    def next(self, n=1):
        """pdb's ``next``, ``n`` times: the next event at the current level or above (see the
        module's docstring). Returns the event, or None at the end."""
        return self._repeat(n, lambda start: (lambda i: self.level(i) <= self.level(start)))

    def finish(self, n=1):
        """pdb's ``return``: to the last event of the current time step (from there, or from
        outside the steps, to the end of the next step). Returns the event, or None."""
        def stop_for(start):
            runs = self._step_runs()
            end = runs[start]
            if end is None or end == start:
                after = next((j for j in range(start + 1, len(self._events))
                              if runs[j] is not None), None)
                end = runs[after] if after is not None else len(self._events) - 1
            return lambda i: i == end
        return self._repeat(n, stop_for)

    def _repeat(self, n, stop_for):
        event = None
        for _ in range(n):
            event = self._run(stop_for(self.index))
            if event is None or self.last_hits:
                break
        return event

    def _run(self, stop, breakpoints=True):
        self.last_hits, self.condition_errors = [], {}
        for i in range(self.index + 1, len(self._events)):
            hits = self._hits(i) if breakpoints else []
            if hits or stop(i):
                self.index, self.last_hits = i, hits
                for bp in hits:
                    bp.hits += 1
                self.breakpoints[:] = [bp for bp in self.breakpoints
                                       if not (bp.temporary and bp in hits)]
                return self.event
        self.index = len(self._events) - 1
        return None

    def _hits(self, i):
        event, hits = self._events[i], []
        for bp in self.breakpoints:
            if not bp.enabled or not bp.matches(event):
                continue
            if bp.condition is not None:
                try:
                    if not evaluate(self, bp.condition, self._spans[i][1]):
                        continue
                except NotYet:            # a node the condition reads does not exist yet
                    continue
                except Exception as exc:  # pdb stops at a condition that fails, and says why
                    self.condition_errors[bp.number] = f"{type(exc).__name__}: {exc}"
            hits.append(bp)
        return hits

    def first_nonfinite(self):
        """The first op-level event that produced a NaN or an Inf (``event.culprit`` says
        which op's forward or backward did), or None."""
        return next((e for e in self.ops if e.culprit is not None), None)

    # ---- levels and steps ----------------------------------------------------------------
    def level(self, i=None):
        """The level of event ``i`` (default: the current one) for ``next``."""
        if self._levels is None:
            self._levels = [0 if self.granularity == "step" else _level(e.node)
                            for e in self._events]
        return self._levels[self.index if i is None else i]

    def _step_runs(self):
        """For each event, the index of the last event of its run of consecutive events of
        one phase and one time step (None outside the time steps)."""
        if self._runs is None:
            keys = [_step_key(e) for e in self._events]
            runs, end = [None] * len(keys), None
            for i in range(len(keys) - 1, -1, -1):
                if keys[i][1] is None:
                    end = None
                elif end is None or keys[i] != keys[end]:
                    end = i
                runs[i] = end
            self._runs = runs
        return self._runs


def _step_key(event):
    path = event.node.scope
    i = step_index(path)
    return event.phase, (id(path[i]) if i >= 0 else None)


def _level(node):
    path = node.scope
    i = step_index(path)
    if i < 0:
        return 0
    step = path[i]
    if any(t is node for role in ("state", "y", "loss") for t in step.role(role)):
        return 0
    return len(path) - i
