"""The events of a recorded graph: the forward pass node by node, then the backward pass.

``record(root)`` replays what already happened. The forward events carry the values the real
computation produced (``node.data``, kept as they were then); the backward events come from the
library's one backward loop (``autograd.backpropagate``), watched through a hook and told to
write no ``.grad``: so no tensor's ``.grad`` changes, and the gradients are by construction
those of ``root.backward()``. A node used more than once (a shared weight W^s, used at every
step) receives one partial gradient per use; each backward event lists what it sends to its
inputs and the running sum it adds to, so the accumulation dL/dW = sum_t dL/dW|_t is visible.

A graph whose values changed after its forward pass (an optimizer step, ``assign``) is refused
with ``StaleValueError``: the replay would show values the forward pass never used.
"""
import heapq
import math

from ..autograd import BackwardHook, backpropagate, check_unchanged, topological_order
from ..state import step_of
from .nan import finite, mark_culprits


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
    for a leaf), ``inputs`` its input tensors; ``value`` is ``node.data`` as the real forward
    pass produced it (kept when the event is made); ``grad`` is dL/d(node) in the backward
    phase (None in the forward);
    ``contributions`` the partial gradients that were summed into it, as
    ``(consumer node or None for the root's seed, array)`` in arrival order; ``sends`` what it
    passes on to its inputs; ``culprit`` says what non-finite value (NaN, Inf) this event
    produced itself, not just passed on (``"the backward of pow at t=3 ('in') produced inf"``),
    else None. ``t`` and ``label`` come from ``unroll``'s step scope; ``origin``
    is where the user's code made the node (see ``origin.describe``); ``name`` is the readable
    name the debugger uses (``s_3``, ``W_x``, ``tanh@t=3#1``).
    """
    __slots__ = ("index", "phase", "node", "name", "value", "grad", "contributions", "sends",
                 "t", "label", "douts", "culprit", "op", "inputs", "origin")

    def __init__(self, phase, node, name, grad=None, contributions=(), sends=()):
        self.index = None
        self.phase, self.node, self.name, self.value = phase, node, name, node.data
        self.grad, self.contributions, self.sends = grad, list(contributions), list(sends)
        self.t, self.label = step_of(node)
        self.douts = None     # backward: the gradients of every output the op's backward got
        self.culprit = None   # what non-finite value this event produced (see nan.py)
        # as recorded (a fused step's output reads as its last op while the Stepper expands it)
        self.op, self.inputs, self.origin = node.op, node.inputs, node.origin

    scope = property(lambda self: self.node.scope)
    events = property(lambda self: [self])

    def array(self):
        """The array this event is about: the value going forward, the gradient going back."""
        return self.value if self.phase == "forward" else self.grad

    def is_finite(self):
        """False when the value (forward) or gradient (backward) holds a NaN or an Inf."""
        return finite(self.array())

    def __repr__(self):
        what = self.op or "leaf"
        step = f" t={self.t}" if self.t is not None else ""
        culprit = f": {self.culprit}" if self.culprit else ""
        return f"<{self.phase} #{self.index} {self.name} ({what}){step}{culprit}>"


def record(root, names, grad=None, order=None):
    """All events of ``root``'s graph: forward (one per op node), then backward (one per node
    that requires grad and receives a gradient, in reverse order, as ``Tensor.backward``).

    ``names`` maps node -> readable name; ``grad`` seeds dL/d(root) (ones for a scalar root).
    ``order`` is ``forward_order(root)`` if the caller has it. Raises ``StaleValueError`` if any
    value of the graph changed after its forward pass.
    """
    order = forward_order(root) if order is None else order
    for node in order:
        if node.function is not None:
            check_unchanged(node, "Stepper")
    events = [Event("forward", n, names[n]) for n in order if n.function is not None]
    if root.requires_grad:
        recorder = _Recorder(names, root, _seed(root, names, grad))
        backpropagate(root, recorder.seed, write_grads=False, hooks=[recorder], order=order,
                      who="Stepper")
        events += recorder.events
    for i, e in enumerate(events):
        e.index = i
    mark_culprits(events, names, root)
    return events


def _seed(root, names, grad):
    xp = root._xp
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"Stepper: the root {names[root]} has shape {tuple(root.shape)}; a "
                             "non-scalar root needs grad= of the same shape (or use .sum())")
        return xp.ones_like(root.data)
    seed = xp.array(getattr(grad, "data", grad), dtype=root.data.dtype)
    if seed.shape != root.shape:
        raise ValueError(f"Stepper: grad has shape {tuple(seed.shape)} but the root "
                         f"{names[root]} has shape {tuple(root.shape)}")
    return seed


class _Recorder(BackwardHook):
    """Turns what the backward loop shows into backward events: one per node whose gradient
    is complete, with the partial gradients it received and those it sends."""

    def __init__(self, names, root, seed):
        self.names, self.seed = names, seed
        self.events, self.event_of = [], {}
        self.received = {root: [(None, seed)]}  # node -> [(sender or None for the seed, array)]

    def grad_ready(self, node, grad):
        event = Event("backward", node, self.names[node], grad=grad,
                      contributions=self.received.pop(node, ()))
        self.events.append(event)
        self.event_of[node] = event

    def backward_called(self, node, douts, partials):
        self.event_of[node].douts = douts

    def partial_sent(self, node, input, partial, before, total):
        self.event_of[node].sends.append(Send(input, partial, before, total))
        self.received.setdefault(input, []).append((node, partial))
