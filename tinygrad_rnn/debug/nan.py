"""The NaN hunt: which event *produced* a non-finite value (NaN, Inf), not merely passed it on.

Once a NaN appears, every value computed from it is NaN too; what a student needs is the first
op that made one, as PyTorch's anomaly mode names ``PowBackward0``. An event is the culprit
(``event.culprit`` says so in words) when:

- forward: its value is not finite while every input that an op computed is finite: the op's
  forward produced it (``log`` of a negative number); or a leaf it reads holds one and no
  earlier op read that leaf (a NaN in the data enters the graph here);
- backward: a partial gradient it sends is not finite while the gradients its op received
  (dL/d of every output) are finite: the op's backward produced it (``pow``'s backward at 0
  gives inf); or the seed dL/dL holds one; or summing finite partial gradients overflowed.
"""
import math

import numpy

from .. import backend


def finite(array):
    """True when ``array`` (None, ints, bools included) holds no NaN and no Inf."""
    if array is None or array.dtype.kind not in "fc":
        return True
    if math.isfinite(float(array.sum())):   # a NaN or Inf anywhere makes the sum non-finite
        return True
    return bool(numpy.isfinite(_host(array)).all())   # or the sum overflowed


def _host(array):
    return array if isinstance(array, numpy.ndarray) else backend.to_numpy(array)


def kind(array):
    """``"nan"``, ``"inf"`` or ``"nan and inf"``: what a non-finite array holds."""
    array = _host(array)
    has_nan, has_inf = bool(numpy.isnan(array).any()), bool(numpy.isinf(array).any())
    return "nan and inf" if has_nan and has_inf else "nan" if has_nan else "inf"


def where_text(event):
    """`` at t=3 ('in')`` (or ``""`` outside the time steps)."""
    if event.t is None:
        return ""
    return f" at t={event.t}" + (f" ({event.label!r})" if event.label is not None else "")


def mark_culprits(events, names, root):
    """Set ``event.culprit`` on the events that produce a non-finite value."""
    read = set()                  # leaves some earlier forward event read
    with numpy.errstate(all="ignore"):    # a sum that overflows is checked again, quietly
        for e in events:
            e.culprit = forward_culprit(e, names, read) if e.phase == "forward" else \
                backward_culprit(e, names, root)


def forward_culprit(e, names, read):
    node = e.node
    fresh = [i for i in node.inputs if i.function is None and i not in read]
    read.update(fresh)
    if finite(e.value):
        return None
    bad = [i for i in node.inputs if not finite(i._data)]
    if not bad:
        return f"the forward of {e.op}{where_text(e)} produced {kind(e.value)}"
    if any(i.function is not None for i in bad):
        return None                             # passed on from an earlier op
    new = [i for i in bad if i in fresh]
    if not new:
        return None
    leaf = new[0]
    what = "a parameter" if leaf.requires_grad else "an input"
    return (f"{names[leaf]} ({what}, a leaf) holds {kind(leaf._data)}; the {e.op}"
            f"{where_text(e)} is the first op to read it")


def backward_culprit(e, names, root):
    found = []
    seed = [g for sender, g in e.contributions if sender is None]
    if e.node is root and seed and not finite(seed[0]):
        found.append(f"the seed gradient dL/d{names[root]} holds {kind(seed[0])}")
    elif len(e.contributions) > 1 and not finite(e.grad) and \
            all(finite(g) for _, g in e.contributions):
        found.append(f"adding the {len(e.contributions)} partial gradients of "
                     f"dL/d{names[e.node]} overflowed to {kind(e.grad)}")
    received = e.douts if e.douts is not None else (e.grad,)
    if all(finite(g) for g in received):
        bad = [s for s in e.sends if not finite(s.partial)]
        if bad:
            into = ", ".join(f"dL/d{names[s.input]}" for s in bad[:3])
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            text = f"the backward of {e.op}{where_text(e)} produced {kind(bad[0].partial)} " \
                   f"(in {into}{more})"
            if not (finite(e.value) and all(finite(i._data) for i in e.node.inputs)):
                text += ", from forward values that were not finite"
            found.append(text)
    return "; ".join(found) or None
