"""How the debugger writes things down: readable node names, short arrays, event summaries."""
import numpy

from .. import backend
from ..draw.graph import ROLE_SYMBOLS, RecordedGraph
from ..origin import describe as describe_origin
from ..state import step_of

PARTS = ("direction", "layer", "part")   # scope attributes that name a part of a model


def name_nodes(order):
    """``{node: readable name}``. A named tensor inside a time step gets the step as a
    subscript (``s`` at t=3 -> ``s_3``), a parameter keeps its name (``W^x``); an unnamed
    tensor that its step declared (``Scope.role``) is named by its role, as in the drawings
    (the state of a student's cell ``s_3``, its parts ``s_3[0]``, ``s_3[1]``; ``x_3``, ``y_3``);
    any other unnamed op gets ``op@t=3#k`` (the k-th such op of step 3), an unnamed leaf
    ``const#k``. Nodes inside a scope that names a part of the model (attributes ``direction``,
    ``layer``, ``part``: a BiRNN direction, a Stacked layer, an encoder or decoder) are
    prefixed with it (``backward/s_3``, ``layer=2/s_3``, ``decoder/s_3``).
    Names never repeat: a second tensor called ``x`` becomes ``x#2``."""
    roles = _role_names(order)
    names, counts, taken = {}, {}, set()
    for node in order:
        t = step_of(node)[0]
        prefix = "".join(s.name + "/" for s in node.scope if any(k in s.attrs for k in PARTS))
        if node.name or node in roles:
            base, numbered = str(node.name) if node.name else roles[node][0], False
            t = t if node.name else roles[node][1]
            if t is not None and base.endswith("_t"):
                base = f"{base[:-1]}{t}"  # L_t at step 3 -> L_3
            elif t is not None and not base.endswith(f"_{t}"):
                base = f"{base}_{t}"
            base += roles[node][2] if not node.name and node in roles else ""
        else:
            base = (node.op or "const") + (f"@t={t}" if t is not None else "")
            numbered = True
        base = prefix + base
        k = counts.get(base, 0) + 1
        name = f"{base}#{k}" if numbered or k > 1 else base
        while name in taken:
            k += 1
            name = f"{base}#{k}"
        counts[base] = k
        taken.add(name)
        names[node] = name
    return names


def _role_names(order):
    """``{node: (symbol, t, part suffix)}`` of the unnamed nodes a scope declared: the same
    reading of the roles as the drawings' (``RecordedGraph``)."""
    if not order:
        return {}
    g = RecordedGraph(list(order))
    out = {}
    for n, (role, k, unit) in g.role_of.items():
        node = g.nodes[n]
        if not node.name:
            parts = len(unit.step.roles.get(role, ()))
            t = unit.pos if role == "x" else unit.t      # x_t: the word it is, in any direction
            out[node] = (ROLE_SYMBOLS[role], t, f"[{k}]" if parts > 1 else "")
    for n in g.losses:
        node = g.nodes[n]
        if not node.name and node not in out:
            out[node] = ("L", step_of(node)[0], "")
    return out


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


def step_text(t, label):
    if t is None:
        return ""
    return f"t={t}" + (f" {label!r}" if label is not None else "")


def where(event, names):
    """Scope path and creation site: ``in elman > t=3 'Salt'; made at model.py:12 in forward``."""
    path = " > ".join(s.name + (f" {s.attrs['label']!r}" if "label" in s.attrs else "")
                      for s in event.node.scope)
    return f"in {path or '(no scope)'}; made at {site(event.origin)}"


def site(origin):
    """``model.py:12 in forward``; a graph built by tinygrad_rnn itself (the command line's
    model) has no frame of user code, and says so."""
    if origin is not None and origin[0].startswith("<"):
        return f"{describe_origin(origin)} (no user code: the model was built by tinygrad_rnn)"
    return describe_origin(origin)


def formula(node, names):
    """``s_3 = tanh(add@t=3#2)``, or ``W^x (leaf)``; ``node`` may be an event (its op and
    inputs as recorded)."""
    event, node = node, getattr(node, "node", node)
    if event.op is None:
        return f"{names[node]} (leaf)"
    return f"{names[node]} = {event.op}({', '.join(names[i] for i in event.inputs)})"


def describe(event, names, position=None, total=None):
    """A few lines about one op-level event: what ran, the numbers, where it was made."""
    head = f"[{position}/{total}] " if position is not None else ""
    step = step_text(event.t, event.label)
    lines = [f"{head}{event.phase:<8} {formula(event, names)}"
             + (f"   {step}" if step else "")]
    if event.phase == "forward":
        lines.append(f"  value {short(event.value)}")
    else:
        lines.append(f"  dL/d{names[event.node]} {short(event.grad)}")
        parts = event.contributions
        if len(parts) > 1:
            lines.append(f"  = sum of {len(parts)} partial gradients, from "
                         + ", ".join(names[c] if c is not None else "seed" for c, _ in parts))
        for s in event.sends:
            added = "" if s.before is None else f" (added to {short(s.before, 30)})"
            lines.append(f"  -> d{names[s.input]} += {short(s.partial, 40)}{added}")
    if not event.is_finite():
        lines.append("  !! not finite (NaN or Inf)")
    lines.append("  " + where(event, names))
    return "\n".join(lines)


def describe_group(group, names, position=None, total=None):
    """A step-granularity event: a header and one line per op of the step."""
    head = f"[{position}/{total}] " if position is not None else ""
    step = step_text(group.t, group.label) or "(outside the time steps)"
    lines = [f"{head}{group.phase:<8} {step}: {len(group.events)} node(s)"]
    for e in group.events:
        what = short(e.value if e.phase == "forward" else e.grad, 40)
        mark = "  !! not finite" if not e.is_finite() else ""
        lines.append(f"  {formula(e, names)}  {what}{mark}")
    return "\n".join(lines)
