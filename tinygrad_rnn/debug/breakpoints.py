"""Breakpoints: stop at the next event of an op, a time step, a node, or where a NaN/Inf is made.

``Breakpoint.parse("op=tanh t=3")`` (conditions joined by spaces or commas all have to hold),
``"name=s_3"``, ``"nan"`` (an event that produces a NaN or an Inf: see ``nan.py``),
``"phase=backward"``. A Stepper checks each breakpoint against its graph before keeping it
(``check``): an op, a name or a step that does not exist, or a combination no event has, is
refused at once with suggestions, so a breakpoint can never silently miss. As in pdb, each
kept breakpoint has a number, can be temporary (``tbreak``: removed when it fires), disabled,
and carry a condition (a Python expression over the node names, see ``evaluate.py``).
"""
import difflib
import numbers

KEYS = ("op", "t", "name", "phase")
PHASES = ("forward", "backward")


class Breakpoint:
    """A condition on an event; every given field has to match."""

    def __init__(self, op=None, t=None, name=None, nan=False, phase=None):
        if phase not in (None, *PHASES):
            raise ValueError(f"breakpoint: phase must be 'forward' or 'backward', got {phase!r}")
        if t is not None and (isinstance(t, bool) or not isinstance(t, numbers.Integral)):
            raise ValueError(f"breakpoint: t must be a whole number (a time step such as t=3), "
                             f"got {t!r} (a {type(t).__name__})")
        for key, value in (("op", op), ("name", name)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"breakpoint: {key} must be a non-empty string, got {value!r}")
        if op is None and t is None and name is None and not nan and phase is None:
            raise ValueError("breakpoint: give at least one of op=, t=, name=, nan, phase=")
        self.op, self.name, self.nan, self.phase = op, name, bool(nan), phase
        self.t = None if t is None else int(t)
        self.node = None          # the node ``name`` stands for, once a Stepper resolved it
        self.number, self.enabled, self.temporary = None, True, False
        self.condition, self.hits = None, 0

    @classmethod
    def parse(cls, text):
        """``"op=tanh t=3"`` -> Breakpoint(op="tanh", t=3); ``"nan"`` -> Breakpoint(nan=True)."""
        if not isinstance(text, str):
            raise ValueError(f"breakpoint: expected text such as 'op=tanh t=3', got "
                             f"{type(text).__name__}")
        fields = {}
        for token in text.replace(",", " ").split():
            if token.lower() in ("nan", "inf"):
                fields["nan"] = True
                continue
            key, sep, value = token.partition("=")
            if not sep or key not in KEYS or not value:
                close = difflib.get_close_matches(key, KEYS, n=1)
                hint = f" (did you mean {close[0]}=?)" if close and sep else ""
                raise ValueError(f"breakpoint: cannot read {token!r}{hint}; use op=NAME, "
                                 "t=STEP, name=NODE, phase=forward|backward or nan")
            if key in fields:
                raise ValueError(f"breakpoint: {key}= is given twice")
            if key == "t":
                try:
                    value = int(value)
                except ValueError:
                    raise ValueError(f"breakpoint: t must be a whole number, got {value!r}") \
                        from None
            fields[key] = value
        return cls(**fields)

    def matches(self, event):
        """True when one op-level event (or any event of a step group) satisfies every field
        (the condition is the Stepper's to evaluate)."""
        return any(self._matches_one(e) for e in event.events)

    def _matches_one(self, e):
        if self.phase is not None and e.phase != self.phase:
            return False
        if self.op is not None and e.op != self.op:
            return False
        if self.t is not None and e.t != self.t:
            return False
        if self.name is not None:
            if self.node is not None:
                if e.node is not self.node:
                    return False
            elif e.name != self.name and e.node.name != self.name:
                return False
        return not self.nan or e.culprit is not None

    def check(self, stepper):
        """Resolve ``name`` and refuse what cannot fire in ``stepper``'s graph (ValueError)."""
        ops = sorted({e.op for e in stepper.ops if e.op is not None})
        if self.op is not None and self.op not in ops:
            close = difflib.get_close_matches(self.op, ops, n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ValueError(f"breakpoint: no op {self.op!r} in this graph; {hint}"
                             f"its ops are {', '.join(ops)}")
        steps = sorted({e.t for e in stepper.ops if isinstance(e.t, numbers.Integral)})
        if self.t is not None and self.t not in steps:
            known = f"t={steps[0]}..{steps[-1]}" if steps else "none (it has no time steps)"
            raise ValueError(f"breakpoint: t={self.t} is not a time step of this graph; its "
                             f"steps are {known}")
        if self.name is not None:
            try:
                self.node = stepper.node(self.name)
            except KeyError as exc:
                raise ValueError(f"breakpoint: {exc.args[0]}") from None
            if self.node not in stepper.forward_at and self.node not in stepper.backward_at:
                raise ValueError(f"breakpoint: {self.name} is a leaf that needs no gradient: no "
                                 "event is about it (break at an op that reads it instead)")
        plain = Breakpoint(self.op, self.t, self.name, False, self.phase) \
            if (self.op, self.t, self.name, self.phase) != (None,) * 4 else None
        if plain is not None:
            plain.node = self.node
            if not any(plain._matches_one(e) for e in stepper.ops):
                raise ValueError(f"breakpoint: no event of this graph has {plain} (each "
                                 "condition alone is fine, but never all of them together)")
        return self

    def key(self):
        """What makes two breakpoints the same one (no duplicates are kept)."""
        return (self.op, self.t, self.node if self.node is not None else self.name, self.nan,
                self.phase, self.condition)

    def __str__(self):
        parts = [f"{k}={getattr(self, k)}" for k in KEYS if getattr(self, k) is not None]
        return " ".join(parts + (["nan"] if self.nan else []))

    def __repr__(self):
        return f"Breakpoint({str(self)!r})"
