"""The events of a recorded graph: the forward pass node by node, then the backward pass.

``record(root)`` replays what already happened. The forward events carry the values the real
computation produced (``node.data``); the backward events are computed here, on our own dict of
gradients, by calling each node's ``function.backward(g)`` exactly as ``Tensor.backward`` does,
so no tensor's ``.grad`` changes. A node used more than once (a shared weight W^s, used at every
step) receives one partial gradient per use; each backward event lists what it sends to its
inputs and the running sum it adds to, so the accumulation dL/dW = sum_t dL/dW|_t is visible.
"""
import heapq
import math

from ..function import sum_to_shape
from ..tensor import topological_order


def step_of(node):
    """``(t, label)`` of the innermost scope with a ``t`` attribute (``unroll``'s step), or
    ``(None, None)``."""
    for s in reversed(node.scope):
        if "t" in s.attrs:
            return s.attrs["t"], s.attrs.get("label")
    return None, None


def forward_order(root):
    """Every node the root depends on (leaves, constants, ops not requiring grad), inputs first.

    A topological order that replays the computation step by step: among the nodes whose inputs
    are ready, the one of the earliest time step goes first, ties in depth-first order; leaves
    come first of all. (Plain depth-first order would compute x_6 W^x before s_1.)
    """
    post = topological_order(root, requires_grad_only=False)
    position = {node: i for i, node in enumerate(post)}
    waiting, consumers = {}, {}
    for node in post:
        parents = {id(p): p for p in node.inputs}
        waiting[node] = len(parents)
        for p in parents.values():
            consumers.setdefault(p, []).append(node)

    def key(node):  # leaves first (they are given, not computed), then by time step
        if node.function is None:
            return (-math.inf, position[node])
        t = step_of(node)[0]
        return (t if isinstance(t, (int, float)) else math.inf, position[node])

    ready = [key(n) for n in post if waiting[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        node = post[heapq.heappop(ready)[1]]
        order.append(node)
        for c in consumers.get(node, ()):
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, key(c))
    return order


class Send:
    """One partial gradient a backward event passes to an input: ``partial`` is added to
    ``before`` (what that input had received so far, None if nothing), giving ``total``."""
    __slots__ = ("input", "partial", "before", "total")

    def __init__(self, input, partial, before, total):
        self.input, self.partial, self.before, self.total = input, partial, before, total


class Event:
    """What happens at one point of the replay.

    ``phase`` is ``"forward"`` or ``"backward"``; ``node`` the tensor, ``op`` its primitive (None
    for a leaf), ``inputs`` its input tensors; ``value`` is ``node.data`` (the value the real
    forward pass produced); ``grad`` is dL/d(node) in the backward phase (None in the forward);
    ``contributions`` the partial gradients that were summed into it, as
    ``(consumer node or None for the root's seed, array)`` in arrival order; ``sends`` what it
    passes on to its inputs. ``t`` and ``label`` come from ``unroll``'s step scope; ``origin``
    is where the user's code made the node (see ``origin.describe``); ``name`` is the readable
    name the debugger uses (``s_3``, ``W_x``, ``tanh@t=3#1``).
    """
    __slots__ = ("index", "phase", "node", "name", "grad", "contributions", "sends", "t", "label")

    def __init__(self, phase, node, name, grad=None, contributions=(), sends=()):
        self.index = None
        self.phase, self.node, self.name = phase, node, name
        self.grad, self.contributions, self.sends = grad, list(contributions), list(sends)
        self.t, self.label = step_of(node)

    op = property(lambda self: self.node.op)
    inputs = property(lambda self: self.node.inputs)
    value = property(lambda self: self.node.data)
    origin = property(lambda self: self.node.origin)
    scope = property(lambda self: self.node.scope)
    events = property(lambda self: [self])

    def array(self):
        """The array this event is about: the value going forward, the gradient going back."""
        return self.value if self.phase == "forward" else self.grad

    def is_finite(self):
        """False when the value (forward) or gradient (backward) holds a NaN or an Inf."""
        a = self.array()
        if a is None or a.dtype.kind not in "fc":
            return True
        return bool(self.node._xp.isfinite(a).all())

    def __repr__(self):
        what = self.op or "leaf"
        step = f" t={self.t}" if self.t is not None else ""
        return f"<{self.phase} #{self.index} {self.name} ({what}){step}>"


def record(root, names, grad=None):
    """All events of ``root``'s graph: forward (one per op node), then backward (one per node
    that requires grad and receives a gradient, in reverse order, as ``Tensor.backward``).

    ``names`` maps node -> readable name; ``grad`` seeds dL/d(root) (ones for a scalar root).
    """
    order = forward_order(root)
    events = [Event("forward", n, names[n]) for n in order if n.function is not None]
    if root.requires_grad:
        events += backward_events(root, order, names, grad)
    for i, e in enumerate(events):
        e.index = i
    return events


def backward_events(root, order, names, grad=None):
    """Reverse-mode accumulation on a private dict: node -> running sum of partial gradients."""
    xp = root._xp
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"Stepper: the root {names[root]} has shape {tuple(root.shape)}; a "
                             "non-scalar root needs grad= of the same shape (or use .sum())")
        seed = xp.ones_like(root.data)
    else:
        seed = xp.asarray(getattr(grad, "data", grad), dtype=root.data.dtype)
        if seed.shape != root.shape:
            raise ValueError(f"Stepper: grad has shape {tuple(seed.shape)} but the root "
                             f"{names[root]} has shape {tuple(root.shape)}")
    totals, received = {root: seed}, {root: [(None, seed)]}
    events = []
    for node in reversed(order):
        if not node.requires_grad or node not in totals:
            continue
        g = totals.pop(node)
        event = Event("backward", node, names[node], grad=g, contributions=received.pop(node))
        ctx = node.function
        if ctx is not None:
            for inp, g_in in zip(ctx.inputs, ctx.backward(g)):
                if g_in is None or not inp.requires_grad:
                    continue
                g_in = sum_to_shape(ctx.xp, g_in, inp.data.shape)
                if g_in.dtype != inp.data.dtype:  # a float32 input of a float64 op
                    g_in = g_in.astype(inp.data.dtype)
                before = totals.get(inp)
                total = g_in if before is None else before + g_in
                totals[inp] = total
                received.setdefault(inp, []).append((node, g_in))
                event.sends.append(Send(inp, g_in, before, total))
        events.append(event)
    return events
