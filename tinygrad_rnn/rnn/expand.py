"""A fused step, explained: its ops again, with their values and gradients.

In training mode (``fused.py``) a step of a built-in cell is one node, ``lstm_step`` say. Nothing
a student can see is lost: ``expand`` runs the cell's own R (the code teaching mode runs) again
on the step's inputs, recording the ops as teaching mode would, in the step's scope:

    ex = tr.rnn.expand(states[3])          # the LSTM's (c_3, h_3): one fused step
    [t.op for t in ex.nodes]               # matmul, matmul, add, add, getitem, ..., mul
    ex.grads[ex.nodes[-1]]                 # dL/dh_3 (given the outputs' .grad)

``expanded(roots)`` shows a whole graph op by op: inside the block, every fused step behind
``roots`` reads as the ops it stands for (the drawings and the step debugger use it), and on
leaving it everything is as before.
"""
import types
import weakref

from ..autograd import BackwardHook, backpropagate, check_unchanged, topological_order
from ..state import GRAD_MODE, SCOPE_PATH
from .. import origin as origins



def is_fused_step(ctx):
    """Whether ``ctx`` (a tensor's op, a Function or None) is a fused step of a built-in cell."""
    return ctx is not None and getattr(type(ctx), "cell_R", None) is not None


class Expansion:
    """The op graph of one fused step (what ``expand`` returns).

    - ``step``: the fused op (``tensor.function`` of its outputs), ``cell_R`` its cell's R;
    - ``inputs``: the step's input tensors (x_t, the parts of s_{t-1}, the parameters), the
      same objects the fused step read: the expansion hangs from them;
    - ``outputs``: one entry per output of the step (c_t and h_t of an LSTM): the graph's own
      tensor where it was given or declared as a role of the step, else None;
    - ``replicas``: per output, the tensor that R made again (same value, same name);
    - ``nodes``: every tensor R made, inputs first (op nodes and any constants), ending with
      the replicas' graphs: what the ops view draws inside the step's cluster;
    - ``grads``: ``{tensor: dL/dtensor}`` for the nodes (empty without output gradients); each
      node's ``.grad`` holds the same array (they are new tensors, the graph's are untouched).
    """

    def __init__(self, step, outputs, replicas, nodes, grads):
        self.step, self.outputs, self.replicas = step, outputs, replicas
        self.inputs, self.nodes, self.grads = step.inputs, nodes, grads
        self._swap = None

    def __repr__(self):
        return f"<Expansion of {self.step.name}: {len(self.nodes)} nodes>"


def expand(node, grads=None):
    """The ops of the fused step that made ``node``, run again: an ``Expansion``.

    ``node``: an output of a fused step (``lstm_step``, ...), or a tuple of its outputs (an
    LSTM state ``(c_t, h_t)``). The cell's R is run on the step's input tensors, in the step's
    scope, so each new tensor has the name, scope and "made at" (the user's line that ran the
    step, R's line inside the cell) that teaching mode gives it, and the values the step
    computed (to rounding). The step's inputs must be unchanged since (else
    ``StaleValueError``, as ``backward``).

    ``grads``: dL/d(output) per output of the step, for the inner gradients (None entries:
    zeros); default the outputs' ``.grad`` (an LSTM's sibling output is found through the
    step's declared roles); ``False`` computes none. Inner gradients come from the library's
    backward loop over the new nodes only (no ``.grad`` of the graph changes).
    """
    given = list(node) if isinstance(node, (tuple, list)) else [node]
    ctx = getattr(given[0], "_ctx", None) if given else None
    if not is_fused_step(ctx):
        what = getattr(given[0], "op", None) if given else None
        raise ValueError(f"expand: expected an output of a fused step (elman_step, lstm_step, "
                         f"gru_step), got a tensor made by {what or 'no op (a leaf)'}")
    if any(getattr(t, "_ctx", None) is not ctx for t in given):
        raise ValueError("expand: the tensors given are outputs of different ops")
    check_unchanged(given[0], "expand")
    outputs = _outputs(ctx, given)
    replicas, nodes = _rerun(ctx, given[0])
    found = _inner_grads(replicas, nodes, _douts(ctx, outputs, grads)) if grads is not False \
        else {}
    return Expansion(ctx, outputs, replicas, nodes, found)


def _outputs(ctx, given):
    """Per output of ``ctx``: the tensor given, or one the step declared (a role), or None."""
    n = 1 if ctx.out_specs is None else len(ctx.out_specs)
    outputs = [None] * n
    candidates = list(given)
    scope = given[0].scope
    if scope:
        candidates += [t for refs in scope[-1].roles.values() for t in (r() for r in refs)
                       if t is not None]
    for t in candidates:
        if t._ctx is ctx:
            outputs[t._index if n > 1 else 0] = t
    return tuple(outputs)


def _rerun(ctx, like):
    """Run the cell's R on ``ctx``'s inputs in ``like``'s scope; returns (replicas, nodes)."""
    cls = type(ctx)
    k = cls.state_inputs
    x, parts, weights = ctx.inputs[0], ctx.inputs[1:1 + k], ctx.inputs[1 + k:]
    cell = types.SimpleNamespace(**dict(zip(cls.parameters, weights)), **ctx.params)
    saved = SCOPE_PATH.get(), GRAD_MODE.get()
    SCOPE_PATH.set(like.scope)
    GRAD_MODE.set(True)
    try:
        result = cls.cell_R(cell, parts if k > 1 else parts[0], x)
    finally:
        SCOPE_PATH.set(saved[0])
        GRAD_MODE.set(saved[1])
    replicas = tuple(result) if isinstance(result, tuple) else (result,)
    nodes = _inner_order(replicas, ctx.inputs)
    for t in nodes:   # made at: the user's line that ran the step, R's line in the cell
        t.origin = origins.rebase(t.origin, like.origin)
    return replicas, nodes


def _inner_order(replicas, inputs):
    """The tensors between ``inputs`` and ``replicas``, inputs first (the inputs excluded)."""
    stop = {id(t) for t in inputs}
    order, seen, stack = [], set(), [(t, False) for t in reversed(replicas)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
        elif id(t) not in seen and id(t) not in stop:
            seen.add(id(t))
            stack.append((t, True))
            stack.extend((i, False) for i in reversed(t.inputs) if id(i) not in seen)
    return order


def _douts(ctx, outputs, grads):
    """dL/d(output) per output: ``grads`` as given, or the outputs' ``.grad``; None if none."""
    if grads is None:
        grads = tuple(None if t is None else t.grad for t in outputs)
    elif not isinstance(grads, (tuple, list)):
        grads = (grads,)
    if len(grads) != len(outputs):
        raise ValueError(f"expand: grads has {len(grads)} entries, the step has "
                         f"{len(outputs)} outputs")
    return None if all(g is None for g in grads) else tuple(grads)


class _Collect(BackwardHook):
    def __init__(self, found):
        self.found = found

    def grad_ready(self, node, grad):
        before = self.found.get(node)
        self.found[node] = grad if before is None else before + grad


def _inner_grads(replicas, nodes, douts):
    """dL/d(node) for the new nodes, output by output (the sum over outputs: linearity)."""
    found = {}
    if douts is None:
        return found
    order = [t for t in nodes if t.requires_grad]
    hook = _Collect(found)
    for replica, dout in zip(replicas, douts):
        if dout is not None and replica.requires_grad:
            dout = replica._xp.asarray(dout, dtype=replica.dtype)
            backpropagate(replica, dout, write_grads=False, hooks=[hook], order=order,
                          who="expand")
    for t, g in found.items():
        t.grad = g
    return found


# ---- a whole graph, op by op ----------------------------------------------------------------
class expanded:
    """``with expanded(roots):`` every fused step behind ``roots`` (a tensor or a list) reads
    as its ops: each output of the step is, inside the block, the last op of its expansion
    (``.op``, ``.inputs`` and ``.function`` are those teaching mode records), and the step's
    other ops are new tensors. The graph's tensors keep their identity, values and ``.grad``;
    leaving the block restores everything. Re-entering the same object shows the same new
    tensors (the step debugger draws its frames this way); a graph without fused steps is
    left alone. ``grads=True`` fills the new tensors' ``.grad`` from the outputs' ``.grad``.
    """

    def __init__(self, roots, grads=False):
        from ..draw.graph import flatten_roots
        self.roots, self.grads = flatten_roots(roots), grads
        self.expansions = None
        self._depth = 0

    def __enter__(self):
        if self.expansions is None:
            self.expansions = self._expand_all()
        if self._depth == 0:
            for e in self.expansions:
                _swap_in(e)
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth == 0:
            for e in reversed(self.expansions):
                _swap_out(e)

    def _expand_all(self):
        by_step = {}
        for t in topological_order(self.roots, requires_grad_only=False):
            if is_fused_step(t._ctx):
                by_step.setdefault(t._ctx, []).append(t)
        return [expand(ts, None if self.grads else False) for ts in by_step.values()]


def _swap_in(e):
    """Make the graph's outputs of ``e.step`` stand for the replicas (see ``expanded``)."""
    stands = {id(r): o for r, o in zip(e.replicas, e.outputs) if o is not None}
    rewired = []
    for t in e.nodes:
        ctx = t._ctx
        if ctx is not None and any(id(i) in stands for i in ctx.inputs):
            rewired.append((ctx, ctx.inputs))
            ctx.inputs = tuple(stands.get(id(i), i) for i in ctx.inputs)
    taken = []
    for r, o in zip(e.replicas, e.outputs):
        if o is not None:
            taken.append((o, o._ctx, o.grad, o.origin))
            o._ctx, o.origin = r._ctx, r.origin
            if r in e.grads:  # dL/dc_t of teaching mode: also through h_t = o * tanh(c_t)
                o.grad = e.grads[r]
    roles = _declare_replicas(e)
    e._swap = rewired, taken, roles


def _swap_out(e):
    rewired, taken, roles = e._swap
    for ctx, inputs in rewired:
        ctx.inputs = inputs
    for o, ctx, grad, origin in taken:
        o._ctx, o.grad, o.origin = ctx, grad, origin
    for scope, role, refs in roles:
        scope.roles[role] = refs
    e._swap = None


def _declare_replicas(e):
    """A step output that no longer exists (an LSTM's last c_T, which teaching mode keeps alive
    through tanh(c_T)) is declared by its replica while the block lasts, so the step's roles
    read as in teaching mode. Returns what to restore."""
    if all(o is not None for o in e.outputs) or not e.replicas[0].scope:
        return []
    step = e.replicas[0].scope[-1]
    refs = step.roles.get("state")
    # unroll declares R's outputs as the state of an unmasked step (a masked step's state is
    # the carried one: then the outputs are not declared, and nothing is to be done)
    if refs is None or "mask" in step.roles or len(refs) != len(e.replicas) or any(
            r() is not None and r() is not o for r, o in zip(refs, e.outputs)):
        return []
    step.roles["state"] = tuple(weakref.ref(e.replicas[k]) if r() is None else r
                                for k, r in enumerate(refs))
    return [(step, "state", refs)]


__all__ = ["expand", "expanded", "Expansion", "is_fused_step"]
