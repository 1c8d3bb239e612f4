"""The recorded graph as the drawings see it: nodes, their consumers, time steps and roles.

``RecordedGraph(roots)`` walks from the roots through ``.inputs`` (iteratively: an unroll over
thousands of steps has no recursion limit) and numbers the nodes in topological order, inputs
before consumers. Numbers are counters, never ``id()``, so the same program gives the same
numbers and byte-identical DOT. Everything here is linear in the number of nodes.

Grouping by scopes. A *step scope* is any scope with a ``t`` attribute (``state.step_index``);
everything recorded inside one ``with tr.scope("t=3")`` block is one *unit* (a cell
application, or a per-step output layer or loss). Units opened inside the same enclosing scope
(the same ``Scope`` object: one ``with`` block) form a *chain*, ordered by ``t``.

Structure is read, not guessed: ``unroll`` declares on each step scope which tensors are x_t,
s_{t-1}, s_t and y_t (``Scope.role``); a chain whose steps declare a state is a cell chain, and
its recurrence is s_{t-1} -> s_t, whatever the tensors are called. Hand-written loops that
declare nothing are still grouped: a chain whose step t feeds step t+1 is a cell chain, its
state the nodes that step t passes on (``infer.py``).
"""
import math

from ..state import step_index
from ..tensor import topological_order
from .hooks import Hooks
from .infer import infer_chain

STEP_ROLES = ("state", "y", "mask", "x")    # a node declared twice is named by the first
ROLE_SYMBOLS = {"state": "s", "x": "x", "y": "y", "mask": "m"}   # an unnamed node's name
LOSS = "loss"


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


def array_norm(g):
    """||g||_2 as a float, None for None."""
    if g is None:
        return None
    return float(math.sqrt(float((g * g).sum())))


class Unit:
    """The nodes recorded inside one step scope: a cell application or a per-step layer.

    ``state``/``state_in``/``x``/``y``/``mask``: node numbers of what the step declares (or,
    in a hand-written loop, what ``infer.py`` found), each in declaration order."""
    __slots__ = ("number", "step", "t", "pos", "label", "nodes", "state", "state_in", "x", "y",
                 "mask", "chain")

    def __init__(self, number, path):
        self.number = number
        self.step = path[-1]        # path: scope objects, outermost first, to the step scope
        self.t = path[-1].attrs["t"]
        self.pos = path[-1].attrs.get("position", self.t)   # the word it reads: its column
        self.label = path[-1].attrs.get("label")
        self.nodes = []             # node numbers recorded inside the scope, in order
        self.state, self.state_in, self.x, self.y, self.mask = [], [], [], [], []
        self.chain = None


class Chain:
    """Units that share the enclosing scope path, e.g. the six steps of one ``unroll``."""
    __slots__ = ("number", "prefix", "units", "recurrent", "backward", "init", "is_cell")

    def __init__(self, number, prefix):
        self.number = number
        self.prefix = prefix        # scope objects above the step scopes
        self.units = []             # in time order (by t)
        self.recurrent = False      # some step reads the state of the step before
        self.backward = False       # state flows from t+1 to t (the backward half of a BiRNN)
        self.init = []              # node numbers of the initial state s_0, part by part
        self.is_cell = False        # a recurrent chain: one box per step in the cells view

    @property
    def name(self):
        return self.prefix[-1].name if self.prefix else "steps"


class RecordedGraph:
    """Nodes reachable from ``roots`` through ``.inputs``, numbered inputs-first."""

    def __init__(self, roots, hooks=None):
        self.hooks = hooks if hooks is not None else Hooks()   # tr.draw's per-node options
        self.roots = flatten_roots(roots)
        self.nodes = topological_order(self.roots, requires_grad_only=False)
        self.number = number = {node: i for i, node in enumerate(self.nodes)}
        self.inputs = [[number[t] for t in node.inputs] for node in self.nodes]
        self.is_param = [is_parameter(node) for node in self.nodes]
        self.consumers = [[] for _ in self.nodes]
        for i, inputs in enumerate(self.inputs):
            for j in inputs:
                if not self.consumers[j] or self.consumers[j][-1] != i:
                    self.consumers[j].append(i)
        self.root_numbers = {self.number[r] for r in self.roots}
        self.role_of = {}           # node -> (role, part index, unit that declared it)
        self.declared = set()       # every node some step declared (s_{t-1} included)
        self.losses = set()         # nodes a scope declared as a loss
        self.outputs = set()        # y_t declared by a step that is no cell (BiRNN's concat)
        self._group_units()
        self.is_input = self._inputs()

    def grad_norm(self, t):
        """||dL/dt||_2 as the picture shows it (``grads=`` of tr.draw, else ``t.grad``)."""
        return array_norm(self.hooks.grad(t))

    def input_numbers(self, i):
        """The numbers of node ``i``'s inputs, in argument order (do not change the list)."""
        return self.inputs[i]

    def is_constant(self, n):
        """A leaf drawn inline, as its value, not as a node: a Python number or an unnamed
        array small enough to print, never a tensor a step declared (x_t, s_0, a mask)."""
        node = self.nodes[n]
        return node.function is None and not node.requires_grad and node.name is None and \
            node.data.size <= 4 and n not in self.declared

    def state_nodes(self, unit):
        """The nodes of a unit that carry its state s_t (or its last node)."""
        return unit.state or unit.nodes[-1:]

    def step_unit(self, n):
        """The unit a node belongs to, or failing that the unit that declared it (an x_t made
        outside the step), or None."""
        unit = self.unit_of[n]
        return unit if unit is not None else self.role_of.get(n, (None, None, None))[2]

    # ---- units, chains, roles -----------------------------------------------------------
    def _group_units(self):
        self.units, self.chains = [], []
        self.unit_of = [None] * len(self.nodes)
        by_step, by_prefix, paths = {}, {}, {}
        for i, node in enumerate(self.nodes):
            path = node.scope
            pos = paths.get(id(path))
            if pos is None:         # tensors made in one ``with`` block share their path tuple
                pos = paths[id(path)] = step_index(path)
                self._read_losses(path)
            if pos < 0 or self.is_param[i]:
                continue
            step = path[pos]
            unit = by_step.get(step)
            if unit is None:
                unit = by_step[step] = Unit(len(self.units), path[:pos + 1])
                self.units.append(unit)
                key = path[pos - 1] if pos else None
                chain = by_prefix.get(key)
                if chain is None:
                    chain = by_prefix[key] = Chain(len(self.chains), path[:pos])
                    self.chains.append(chain)
                unit.chain = chain
                chain.units.append(unit)
            unit.nodes.append(i)
            self.unit_of[i] = unit
        for unit in self.units:
            self._read_roles(unit)
        for chain in self.chains:
            chain.units.sort(key=lambda u: (u.t, u.number))
            self._structure(chain)

    def _read_losses(self, path):
        for s in path:
            if LOSS in s.roles:
                self.losses.update(self.number[t] for t in s.role(LOSS) if t in self.number)

    def _read_roles(self, unit):
        """The unit's declared roles as node numbers; ``role_of`` for naming (a node declared
        twice, such as an Elman s_t that is also y_t, keeps the role listed first)."""
        for role in ("state", "state_in", "x", "y", "mask"):
            numbers = [self.number.get(t) if t is not None else None
                       for t in unit.step.role(role)]
            setattr(unit, role, [n for n in numbers if n is not None])
            self.declared.update(getattr(unit, role))
            if role not in STEP_ROLES:
                continue
            rank = STEP_ROLES.index(role)
            for k, n in enumerate(numbers):
                known = self.role_of.get(n)
                if n is not None and (known is None or STEP_ROLES.index(known[0]) > rank):
                    self.role_of[n] = (role, k, unit)

    def _structure(self, chain):
        """s_0, the state nodes and the direction of a chain, from its declared roles."""
        units = chain.units
        zero = units.pop(0) if units and units[0].t == 0 else None
        if zero is not None:             # s_0 is drawn before the first column, not as one
            for n in zero.nodes:
                self.unit_of[n] = None
        if not any(u.state for u in units):
            infer_chain(self, chain, zero)
            return
        chain.is_cell = True
        made_at_zero = set(zero.nodes) if zero is not None else set()
        if units:
            chain.init = [n for n in units[0].state_in if self.unit_of[n] is None and (
                n in made_at_zero or self.nodes[n].function is None)]
        chain.recurrent = any(set(b.state_in) & set(a.state) for a, b in zip(units, units[1:]))
        chain.backward = len(units) > 1 and units[0].pos > units[-1].pos

    def _inputs(self):
        """``is_input[n]``: n is x_t of a cell step, drawn as an input box (not a node of
        another cell: layer k's x_t is layer k-1's y_t)."""
        flags = [False] * len(self.nodes)
        for unit in self.units:
            if not unit.chain.is_cell:
                self.outputs.update(unit.y)
                continue
            for n in unit.x:
                owner = self.unit_of[n]
                if owner is None or owner is unit or not owner.chain.is_cell:
                    flags[n] = True
        return flags
