"""Breakpoints: stop at the next event of an op, a time step, a node, or the first NaN/Inf.

``Breakpoint.parse("op=tanh t=3")`` (conditions joined by spaces or commas all have to hold),
``"name=s_3"``, ``"nan"`` (a value going forward or a gradient going back that holds a NaN or
an Inf), ``"phase=backward"``.
"""

KEYS = ("op", "t", "name", "phase")


class Breakpoint:
    """A condition on an event; every given field has to match."""

    def __init__(self, op=None, t=None, name=None, nan=False, phase=None):
        if phase not in (None, "forward", "backward"):
            raise ValueError(f"breakpoint: phase must be 'forward' or 'backward', got {phase!r}")
        if op is None and t is None and name is None and not nan and phase is None:
            raise ValueError("breakpoint: give at least one of op=, t=, name=, nan, phase=")
        self.op, self.t, self.name, self.nan, self.phase = op, t, name, bool(nan), phase

    @classmethod
    def parse(cls, text):
        """``"op=tanh t=3"`` -> Breakpoint(op="tanh", t=3); ``"nan"`` -> Breakpoint(nan=True)."""
        fields = {}
        for token in text.replace(",", " ").split():
            if token.lower() in ("nan", "inf"):
                fields["nan"] = True
                continue
            key, sep, value = token.partition("=")
            if not sep or key not in KEYS or not value:
                raise ValueError(f"breakpoint: cannot read {token!r}; use op=NAME, t=STEP, "
                                 "name=NODE, phase=forward|backward or nan")
            if key == "t":
                try:
                    value = int(value)
                except ValueError:
                    raise ValueError(f"breakpoint: t must be a whole number, got {value!r}") \
                        from None
            fields[key] = value
        return cls(**fields)

    def matches(self, event):
        """True when one op-level event (or any event of a step group) satisfies every field."""
        return any(self._matches_one(e) for e in event.events)

    def _matches_one(self, e):
        if self.phase is not None and e.phase != self.phase:
            return False
        if self.op is not None and e.op != self.op:
            return False
        if self.t is not None and e.t != self.t:
            return False
        if self.name is not None and e.name != self.name and e.node.name != self.name:
            return False
        return not self.nan or not e.is_finite()

    def __str__(self):
        parts = [f"{k}={getattr(self, k)}" for k in KEYS if getattr(self, k) is not None]
        return " ".join(parts + (["nan"] if self.nan else []))

    def __repr__(self):
        return f"Breakpoint({str(self)!r})"
