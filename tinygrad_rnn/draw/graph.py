"""The recorded graph as the drawings see it: nodes, their consumers, and the time steps.

``RecordedGraph(roots)`` walks from the roots through ``.inputs`` (iteratively: an unroll over
thousands of steps has no recursion limit) and numbers the nodes in topological order, inputs
before consumers. Numbers are counters, never ``id()``, so the same program gives the same
numbers and byte-identical DOT.

Grouping by scopes. ``unroll`` opens the cell's scope (``elman``) and inside it one scope per
step (``t=3`` with attrs ``t=3, label="Salt"``). A *step scope* is any scope with a ``t``
attribute; everything recorded inside one ``with tr.scope("t=3")`` block is one *unit* (a cell
application, or a per-step output layer or loss). Units opened inside the same enclosing scope
(the same ``Scope`` object: one ``with`` block) form a *chain*, ordered by ``t``. A chain is
*recurrent* when some unit feeds the unit of the next (or previous: a backward RNN) step.
"""
import math

from ..tensor import topological_order
from .hooks import Hooks

CELL_KINDS = ("elman", "lstm", "gru", "cell")   # scope kinds that unroll opens around its steps


def flatten_roots(root):
    """A tensor, or nested lists/tuples/dicts of tensors (``ys``, ``(ys, states)``) -> list."""
    from ..tensor import Tensor
    out, stack = [], [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif item is not None:
            raise TypeError(f"draw: expected a Tensor or a list of Tensors, got {type(item).__name__}")
    if not out:
        raise ValueError("draw: nothing to draw (no tensor given)")
    return out


def is_parameter(t):
    """A learned leaf: drawn as a per-step label plus one legend row, never as a shared node."""
    return t.function is None and t.requires_grad


def is_constant(t):
    """A leaf made from a Python number or an unnamed array small enough to print."""
    return t.function is None and not t.requires_grad and t.name is None and t.data.size <= 4


def step_position(scope):
    """Index of the innermost scope with a ``t`` attribute in a scope path, or -1."""
    for i in range(len(scope) - 1, -1, -1):
        if "t" in scope[i].attrs:
            return i
    return -1


def grad_norm(t):
    """||dL/dt||_2 as a float, or None before backward."""
    return array_norm(t.grad)


def array_norm(g):
    """||g||_2 as a float, None for None."""
    if g is None:
        return None
    return float(math.sqrt(float((g * g).sum())))


class Unit:
    """The nodes recorded inside one step scope: a cell application or a per-step layer."""
    __slots__ = ("number", "path", "step", "t", "pos", "label", "nodes", "state", "chain")

    def __init__(self, number, path):
        self.number = number
        self.path = path            # scope objects, outermost first, ending with the step scope
        self.step = path[-1]
        self.t = path[-1].attrs["t"]
        self.pos = path[-1].attrs.get("position", self.t)   # the word it reads: its column
        self.label = path[-1].attrs.get("label")
        self.nodes = []             # node numbers recorded inside the scope, in order
        self.state = []             # the nodes that carry s_t to the next step
        self.chain = None


class Chain:
    """Units that share the enclosing scope path, e.g. the six steps of one ``unroll``."""
    __slots__ = ("number", "prefix", "units", "recurrent", "backward", "init", "is_cell", "kind")

    def __init__(self, number, prefix):
        self.number = number
        self.prefix = prefix        # scope objects above the step scopes
        self.units = []             # in time order (by t)
        self.recurrent = False
        self.backward = False       # state flows from t+1 to t (the backward half of a BiRNN)
        self.init = []              # node numbers of the initial state s_0 (scope "t=0")
        self.kind = prefix[-1].attrs.get("kind") if prefix else None
        self.is_cell = self.kind in CELL_KINDS

    @property
    def name(self):
        return self.prefix[-1].name if self.prefix else "steps"

    def names(self):
        return [s.name for s in self.prefix]


class RecordedGraph:
    """Nodes reachable from ``roots`` through ``.inputs``, numbered inputs-first."""

    def __init__(self, roots, hooks=None):
        self.hooks = hooks if hooks is not None else Hooks()   # tr.draw's per-node options
        self.roots = flatten_roots(roots)
        self.nodes = topological_order(self.roots, requires_grad_only=False)
        self.number = {node: i for i, node in enumerate(self.nodes)}
        self.consumers = [[] for _ in self.nodes]
        for i, node in enumerate(self.nodes):
            for j in self.input_numbers(i):
                if not self.consumers[j] or self.consumers[j][-1] != i:
                    self.consumers[j].append(i)
        self.root_numbers = {self.number[r] for r in self.roots}
        self._group_units()

    def grad_norm(self, t):
        """||dL/dt||_2 as the picture shows it (``grads=`` of tr.draw, else ``t.grad``)."""
        return array_norm(self.hooks.grad(t))

    def input_numbers(self, i):
        return [self.number[t] for t in self.nodes[i].inputs]

    # ---- units, chains, columns ---------------------------------------------------------
    def _group_units(self):
        self.units, self.chains = [], []
        self.unit_of = [None] * len(self.nodes)
        by_step, by_prefix = {}, {}
        for i, node in enumerate(self.nodes):
            pos = step_position(node.scope)
            if pos < 0 or is_parameter(node):
                continue
            step = node.scope[pos]
            unit = by_step.get(step)
            if unit is None:
                unit = by_step[step] = Unit(len(self.units), node.scope[:pos + 1])
                self.units.append(unit)
                prefix = node.scope[:pos]
                key = prefix[-1] if prefix else None
                chain = by_prefix.get(key)
                if chain is None:
                    chain = by_prefix[key] = Chain(len(self.chains), prefix)
                    self.chains.append(chain)
                unit.chain = chain
                chain.units.append(unit)
            unit.nodes.append(i)
            self.unit_of[i] = unit
        for chain in self.chains:
            chain.units.sort(key=lambda u: (u.t, u.number))
            self._find_recurrence(chain)

    def _find_recurrence(self, chain):
        """Which steps feed which; s_0 (the leaves of scope t=0); the nodes that carry s_t."""
        units = chain.units
        if units and units[0].t == 0 and all(self.nodes[n].function is None for n in units[0].nodes):
            chain.init = list(units[0].nodes)
            for n in chain.init:
                self.unit_of[n] = None
            units.pop(0)
        first_reads = self._reads_from_previous(chain)
        if not chain.recurrent and not chain.is_cell:
            return
        chain.is_cell = True
        if len(units) > 1:
            chain.backward = units[0].pos > units[-1].pos
        names = [self.nodes[n].name for n in (units[0].state if units else [])] or \
            [self.nodes[n].name for n in chain.init]
        if chain.init and all(self.nodes[n].name in names for n in chain.init):
            chain.init.sort(key=lambda n: names.index(self.nodes[n].name))
        for unit in units:
            by_name = {}
            for n in unit.nodes:
                if self.nodes[n].name in names:
                    by_name[self.nodes[n].name] = n
            named = [by_name[name] for name in names if name in by_name]
            if len(named) == len(names) and names:
                unit.state = named
            elif not unit.state:
                unit.state = unit.nodes[-1:]
        if not chain.init and units:
            state_names = {self.nodes[n].name for n in units[0].state}
            chain.init = [j for j in first_reads
                          if self.unit_of[j] is None and self.nodes[j].name in state_names]

    def _reads_from_previous(self, chain):
        """Mark the nodes each step passes to the next; return what the first step reads."""
        units = chain.units
        for a, b in zip(units, units[1:]):
            mine = set(a.nodes)
            for n in b.nodes:
                for j in self.input_numbers(n):
                    if j in mine and j not in a.state:
                        a.state.append(j)
                        chain.recurrent = True
        for u in units:
            u.state.sort()
        if not units:
            return []
        reads = []
        for n in units[0].nodes:
            for j in self.input_numbers(n):
                if self.unit_of[j] is not units[0] and not is_parameter(self.nodes[j]) \
                        and j not in reads:
                    reads.append(j)
        return reads

    def state_nodes(self, unit):
        """The nodes of a unit that carry its state s_t (or its last node)."""
        return unit.state or unit.nodes[-1:]
