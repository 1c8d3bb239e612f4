"""How the debugger writes things down: short arrays, event summaries, creation sites.

Every line is bounded: arrays are summarised (NumPy's print options: a few numbers, then
``...``), lists of names are cut after a few (``... and 1994 more``), so an event of a
2000-step graph is a few short lines, never one 33 KB line.
"""
import os

import numpy

from .. import backend
from ..origin import describe as describe_origin
from .names import PARTS, name_nodes  # noqa: F401  (the names used to live here)

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_NAMES = 4          # names listed in one line (inputs, senders) before "... and k more"
MAX_GROUP = 40         # op lines listed for one event at step granularity


def short(array, width=60):
    """An array on one line, a few numbers at most: ``(1, 4) [[0.12 -0.5 ... 0.9]]``."""
    if array is None:
        return "-"
    a = backend.to_numpy(array)
    text = numpy.array2string(a, precision=4, threshold=6, edgeitems=2, suppress_small=True,
                              max_line_width=10_000)
    text = " ".join(text.split())
    if len(text) > width:
        text = text[:width - 3] + "..."
    return f"{tuple(a.shape)} {text}" if a.ndim else text


def compact(array, numbers=3):
    """A few numbers for a node's label, without the shape it already shows:
    ``[-0.206 0.313 0.0124]``, ``[0.12 -0.5 ... 0.9]`` (first two and last), ``0.1196``."""
    a = backend.to_numpy(array)
    if a.ndim == 0 or a.size == 1:
        return f"{a.item():.4g}" if a.dtype.kind == "f" else str(a.item())
    flat = a.ravel()
    fmt = "{:.3g}".format if a.dtype.kind == "f" else str
    if flat.size <= numbers:
        return "[" + " ".join(fmt(v) for v in flat) + "]"
    head = " ".join(fmt(v) for v in flat[:numbers - 1])
    return f"[{head} ... {fmt(flat[-1])}]"


def full(array, precision=4, threshold=64, indent=True):
    """An array as NumPy prints it, summarised past ``threshold`` numbers (several lines,
    indented below the line that introduces it unless ``indent=False``)."""
    a = backend.to_numpy(array)
    text = numpy.array2string(a, precision=precision, threshold=threshold, edgeitems=3,
                              suppress_small=True, max_line_width=96)
    if "\n" not in text or not indent:
        return text
    return "\n    " + text.replace("\n", "\n    ")


def listing(items, limit=MAX_NAMES):
    """``a, b, c, d, ... and 7 more``."""
    items = list(items)
    if len(items) <= limit + 1:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... and {len(items) - limit} more"


def step_text(t, label):
    if t is None:
        return ""
    return f"t={t}" + (f" {label!r}" if label is not None else "")


def scope_path(node):
    """``elman > t=3 'Salt'``."""
    return " > ".join(s.name + (f" {s.attrs['label']!r}" if s.attrs.get("label") is not None
                                else "") for s in node.scope)


def where(node, user_code=True):
    """Scope path and creation site: ``in elman > t=3 'Salt'; made at model.py:12 in forward``;
    ``node`` may be an event (the creation site as recorded)."""
    event, node = node, getattr(node, "node", node)
    return f"{in_scope(node)}; {site(event.origin, user_code)}"


def in_scope(node):
    return f"in {scope_path(node) or '(no scope)'}"


def site(origin, user_code=True):
    """``made at model.py:12 in forward``; a graph built by tinygrad_rnn itself (the command
    line's model: ``user_code=False``) has no line of user code, and says so."""
    if origin is not None and (not user_code or origin[0].startswith("<")):
        library = f" at {library_site(origin)}" if len(origin) > 3 else ""
        return f"no user code: made by tinygrad_rnn{library}"
    return f"made at {describe_origin(origin)}"


def library_site(origin):
    """``tinygrad_rnn/rnn/elman.py:41 in R``: the library's line in a 6-item origin."""
    filename, lineno, function = origin[3:6]
    return f"{os.path.relpath(filename, _ROOT)}:{lineno} in {function}"


def formula(node, names):
    """``s_3 = tanh(add@t=3#2)``, or ``W^x (leaf)``; ``node`` may be an event (its op and
    inputs as recorded)."""
    event, node = node, getattr(node, "node", node)
    if event.op is None:
        return f"{names[node]} (leaf)"
    return f"{names[node]} = {event.op}({listing(names[i] for i in event.inputs)})"


def describe(event, names, position=None, total=None, user_code=True):
    """A few lines about one op-level event: what ran, the numbers, where it was made."""
    head = f"[{position}/{total}] " if position is not None else ""
    lines = [head + event_line(event, names)]
    lines += detail_lines(event, names, user_code)
    return "\n".join(lines)


def event_line(event, names):
    """``forward  s_3 = tanh(add@t=3#2)   t=3 'in'``: the first line of an event."""
    return "".join(event_parts(event, names))


def event_parts(event, names):
    """The first line in three pieces: the phase, the formula, the time step."""
    step = step_text(event.t, event.label)
    return f"{event.phase:<8} ", formula(event, names), f"   {step}" if step else ""


def detail_lines(event, names, user_code=True, where_line=True):
    """The lines under the first: value, or gradient, partial sums and what is sent on, and
    (``where_line``) where the node was made."""
    lines = []
    if event.phase == "forward":
        lines.append(f"  value {short(event.value)}")
    else:
        lines.append(f"  dL/d{names[event.node]} {short(event.grad)}")
        parts = event.contributions
        if len(parts) > 1:
            lines.append(f"  = sum of {len(parts)} partial gradients, from "
                         + listing(names[c] if c is not None else "seed" for c, _ in parts))
        for s in event.sends[:MAX_NAMES]:
            added = "" if s.before is None else f" (added to {short(s.before, 30)})"
            lines.append(f"  -> d{names[s.input]} += {short(s.partial, 40)}{added}")
        if len(event.sends) > MAX_NAMES:
            lines.append(f"  -> ... and {len(event.sends) - MAX_NAMES} more inputs")
    if event.culprit:
        lines.append(f"  !! {event.culprit}")
    elif not event.is_finite():
        lines.append("  !! not finite (NaN or Inf), passed on from an earlier event")
    if where_line:
        lines.append("  " + where(event, user_code))
    return lines


def describe_group(group, names, position=None, total=None):
    """A step-granularity event: a header naming the step's state, one line per op."""
    head = f"[{position}/{total}] " if position is not None else ""
    step = step_text(group.t, group.label) or "(outside the time steps)"
    lines = [f"{head}{group.phase:<8} {step}: {group.name}, "
             f"{len(group.events)} node(s)"]
    for e in group.events[:MAX_GROUP]:
        what = short(e.value if e.phase == "forward" else e.grad, 40)
        mark = "  !! not finite" if not e.is_finite() else ""
        lines.append(f"  {formula(e, names)}  {what}{mark}")
    if len(group.events) > MAX_GROUP:
        lines.append(f"  ... and {len(group.events) - MAX_GROUP} more nodes")
    if group.culprit:
        lines.append(f"  !! {group.culprit}")
    return "\n".join(lines)
