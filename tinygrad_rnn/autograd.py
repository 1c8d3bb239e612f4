"""The backward pass: one loop, which tools watch through hooks.

``backpropagate(root, grad)`` is reverse-mode differentiation, the textbook way:

1. order the nodes so that each comes after all of its inputs (``topological_order``);
2. walk that order backwards, starting from dL/dL = ``grad`` at the root. When a node's turn
   comes, every node that used it has already sent its share, so dL/d(node) is complete;
3. the node's op turns dL/d(node) into one partial gradient per input (its vector-Jacobian
   product, ``Function.backward``); partial gradients reaching one tensor from several uses
   (a weight shared by every time step) are summed: dL/dW = sum_t dL/dW|_t.

Hooks (``BackwardHook``) watch the loop without changing it: the step debugger records every
gradient through them. The loop refuses to go on when a tensor that the forward pass used has
been changed since (``check_unchanged``). Tricks that save time but not arithmetic are kept
apart, at the end of this file ("The fast path").
"""
import contextlib
import gc

from .errors import ShapeError, StaleValueError, describe
from .function import sum_to_shape
from .origin import describe as describe_origin
from .state import HOOKS, STATE


def backpropagate(root, grad, retain_grads=True, write_grads=True, hooks=(), order=None,
                  who="backward"):
    """dL/d(node) for every node of ``root``'s graph that requires grad; ``grad`` is dL/d(root).

    ``write_grads``: add each leaf's gradient to its ``.grad`` (every node's with
    ``retain_grads``); False writes no ``.grad`` at all: only the hooks see the gradients.
    ``hooks``: ``BackwardHook`` objects, besides those of an enclosing ``with hook:``.
    ``order``: a topological order (inputs first) to walk backwards; default
    ``topological_order(root)``. ``who`` names the caller in error messages.
    """
    hooks = tuple(hooks) + HOOKS.get()
    order = topological_order(root) if order is None else order
    sums = Sums() if hooks else FastSums()  # how partial gradients are added up (see below)
    grads = sums.grads                      # node -> dL/d(node) so far
    grads[root] = grad
    generation, several = STATE.generation, None
    for node in reversed(order):  # step 2: every node that used this one has sent its share
        g = grads.pop(node, None)   # dL/d(node), complete (None: no path from the root)
        ctx = node._ctx
        if g is not None:
            if hooks:
                for hook in hooks:
                    hook.grad_ready(node, g)
            if write_grads and (ctx is None or retain_grads):
                if node.grad is not None:  # gradients accumulate over backward calls
                    node.grad = node.grad + g
                else:  # a leaf (a parameter) gets an array of its own
                    node.grad = g if ctx is not None else sums.own(node, g)
        if ctx is None:
            continue
        if ctx.out_specs is None:
            if g is None:
                continue
            douts = None  # (one output: backward(g))
        else:  # one of several outputs: the op runs once, when the last of them has its turn
            several = several or SeveralOutputs(order)
            node, douts = several.arrived(ctx, node, g)
            if douts is None:
                continue
        if ctx.generation != generation:  # some tensor was assigned since this op ran
            check_unchanged(node, who)
        if ctx.backward_into is not None and not hooks:
            sums.add_into(ctx, g)  # the fast path for getitem (below)
            continue
        send_partials(node, g, douts, sums, hooks)  # step 3: to the inputs


def send_partials(node, g, douts, sums, hooks=()):
    """Step 3 for one node: its op's vector-Jacobian product turns dL/d(node) = ``g`` (or
    ``douts``, one per output of an op with several) into one partial gradient per input, and
    each is added to what that input has received so far (``sums.grads``)."""
    ctx, grads = node._ctx, sums.grads
    inputs = ctx.inputs
    partials = ctx.backward(g) if douts is None else ctx.backward(*douts)
    if type(partials) is not tuple or len(partials) != len(inputs):
        partials = ctx.as_partials(partials, len(inputs))  # a list, a bare array: checked
    if hooks:
        for hook in hooks:
            hook.backward_called(node, douts or (g,), partials)
    for inp, partial in zip(inputs, partials):
        if partial is None or not inp.requires_grad:
            continue
        data = inp._data
        if partial.shape != data.shape or partial.dtype is not data.dtype:
            partial = _fit(ctx, partial, inp)
        before = grads.get(inp)
        grads[inp] = total = partial if before is None else sums.add(inp, before, partial)
        if hooks:
            for hook in hooks:
                hook.partial_sent(node, inp, partial, before, total)


class SeveralOutputs:
    """The outputs of ops with several outputs: their gradients are collected until the last
    output (in the walk) has had its turn; outputs that received none get zeros, so that a
    backward's formulas just work."""

    def __init__(self, order):
        self.left, self.douts, self.last = {}, {}, {}
        for node in order:  # how many of each such op's outputs the walk will visit
            ctx = node._ctx
            if ctx is not None and ctx.out_specs is not None:
                self.left[ctx] = self.left.get(ctx, 0) + 1

    def arrived(self, ctx, node, g):
        """Record dL/d(node), one of ``ctx``'s outputs. Returns ``(output, douts)``: when none
        is left to come, the last output that received a gradient and the tuple of all of them;
        else (or when no output received any) ``(node, None)``."""
        douts = self.douts.setdefault(ctx, [None] * len(ctx.out_specs))
        douts[node._index] = g
        if g is not None:
            self.last[ctx] = node
        self.left[ctx] -= 1
        if self.left[ctx]:
            return node, None
        del self.douts[ctx]
        last = self.last.pop(ctx, None)
        if last is None:
            return node, None
        return last, tuple(ctx.xp.zeros(shape, dtype=dtype) if d is None else d
                           for d, (shape, dtype) in zip(douts, ctx.out_specs))


def _fit(ctx, partial, inp):
    """A partial gradient in its input's shape (summed over broadcast axes) and dtype."""
    data = inp._data
    if partial.shape != data.shape:
        try:
            partial = sum_to_shape(ctx.xp, partial, data.shape)
        except (ValueError, IndexError):
            pass
        if partial.shape != data.shape:
            k = next(i for i, t in enumerate(ctx.inputs) if t is inp)
            raise ShapeError(f"{ctx.name}.backward returned a gradient of shape "
                             f"{tuple(partial.shape)} for input {k} of shape {tuple(data.shape)}")
    if partial.dtype != data.dtype:  # a float32 input of a float64 op gets a float32 gradient
        partial = partial.astype(data.dtype)
    return partial


def topological_order(roots, requires_grad_only=True):
    """The nodes of the graph behind ``roots`` (a tensor or a list of them), each after all of
    its inputs: those that require grad (what ``backward`` visits), or with
    ``requires_grad_only=False`` every node (leaves and constants too: what drawings show).

    Iterative depth-first search with an explicit stack (no recursion limit): a node is appended
    once all of its inputs have been appended.
    """
    if not isinstance(roots, (list, tuple)):
        roots = (roots,)
    order, visited = [], set()
    stack = [(root, False) for root in reversed(roots)]
    pop, push = stack.pop, stack.append
    while stack:
        node, expanded = pop()
        if expanded:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            ctx = node._ctx
            if ctx is None:  # a leaf: nothing to wait for
                order.append(node)
                continue
            push((node, True))
            for inp in reversed(ctx.inputs):
                if inp not in visited and (inp.requires_grad or not requires_grad_only):
                    push((inp, False))
    return order


class BackwardHook:
    """Watches every step of the backward loop; subclass it and override what you need.

    Pass hooks to ``tensor.backward(hooks=[h])`` (or ``backpropagate``), or activate one for
    every backward pass inside a block: ``with h: loss.backward()``. Hooks must not change the
    arrays they are shown; they see them in this order for each node:
    """

    def grad_ready(self, node, grad):
        """dL/d(node) is complete (every use of ``node`` has sent its share)."""

    def backward_called(self, node, douts, partials):
        """``node``'s op ran its backward: ``douts`` (a tuple, one gradient per output) in,
        ``partials`` (one per input, None where there is none) out. For an op with several
        outputs, ``node`` is the last of them that the loop visited with a gradient."""

    def partial_sent(self, node, input, partial, before, total):
        """``partial``, dL/d(input) through ``node``, was added to ``before`` (what ``input``
        had received so far, None if nothing), giving ``total``."""

    def __enter__(self):
        HOOKS.set(HOOKS.get() + (self,))
        return self

    def __exit__(self, *exc):
        HOOKS.set(tuple(h for h in HOOKS.get() if h is not self))


def check_unchanged(node, who="backward"):
    """Raise ``StaleValueError`` if an input of ``node``'s op was assigned new values after the
    op ran (an optimizer step, ``assign``, ``.data = ...`` between forward and backward)."""
    ctx = node._ctx
    for inp in ctx.inputs:
        change = inp._changes
        if change is not None and change[1] > ctx.generation:
            version, _, where = change
            step = "/".join(s.name for s in node.scope)
            raise StaleValueError(
                f"{who}: the tensor {describe(inp)} was changed after "
                f"the forward pass used it: the {ctx.name} op{' at ' + step if step else ''} "
                f"(made at {describe_origin(node.origin)}) used its old values, and it is now "
                f"at version {version}, last changed at {describe_origin(where)}. The gradient "
                "would mix old and new values. Run backward() before changing parameters "
                "(forward, backward, then opt.step()), or run the forward pass again; to "
                "change a tensor on purpose between passes, see docs/autodiff.md.")


# ---- The fast path -----------------------------------------------------------------------
# Everything below saves time without changing a single number; the loop above reads the same
# without it. ``backpropagate`` uses it whenever no hook watches (hooks are shown every sum,
# so there each sum must be a new array).

class Sums:
    """How partial gradients reaching one node are added up: ``total = before + partial``."""

    def __init__(self):
        self.grads = {}  # node -> dL/d(node) so far

    def add(self, node, before, partial):
        return before + partial

    def own(self, node, g):
        """The array to keep as a leaf's ``.grad``: its own, never an array that an op handed
        out, which may be another node's gradient too (``a + b`` gives both the same)."""
        return node._xp.array(g)


class FastSums(Sums):
    """The same sums, added in place into arrays this pass allocated itself (``owned``): a
    weight used at T steps costs one array, not T. Never into an array an op returned, which
    may be another node's gradient or a view of it. And ``getitem`` adds its slice straight
    into its input's array (``backward_into``), so the T slices of a [T, B, I] input fill one
    array instead of T arrays of that size."""

    def __init__(self):
        super().__init__()
        self.owned = set()

    def add(self, node, before, partial):
        if node in self.owned:
            before += partial
            return before
        total = before + partial
        if total.ndim:  # (NumPy's 0-d sums are scalars, which do not add in place)
            self.owned.add(node)
        return total

    def own(self, node, g):
        return g if node in self.owned else node._xp.array(g)

    def add_into(self, ctx, g):
        inp = ctx.inputs[0]
        if not inp.requires_grad:
            return
        buffer = self.grads.get(inp)
        if buffer is None:
            buffer = ctx.xp.zeros(inp._data.shape, dtype=inp._data.dtype)
        elif inp not in self.owned:
            buffer = ctx.xp.array(buffer)
        ctx.backward_into(g, buffer)
        self.grads[inp] = buffer
        self.owned.add(inp)


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cycle collector while a graph is built or swept. The graph has no
    reference cycles (output -> op -> inputs), so reference counting frees it; the collector
    would only walk its many new objects again and again (measured: it doubled the forward of a
    2000-step LSTM). The previous setting is restored, even after an error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
