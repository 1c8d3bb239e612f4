"""The gates view: each step's gates and the cell state's path, left to right across the steps.

As the best-known LSTM explainers draw it, the "conveyor belt": the memory runs straight
through every step on one row, c_0 -> (⊙ f_1) -> (+ i_1 ⊙ g_1) -> c_1 -> (⊙ f_2) -> ..., the
gates below it, h_t = o_t ⊙ tanh(c_t) branching off below the belt and handed to the next
step's gates, y_t on top. A GRU's belt is h_{t-1} -> (⊙ z_t) -> (+ (1 - z_t) ⊙ n_t) -> h_t.
A cell without such a path (the Elman cell) is drawn the same way, x_t -> its affine map ->
s_t -> the next step, with no belt. What is a belt, a gate or a box is read from the recorded
graph and the declared roles (``belt.py``); the matmuls, splits and pre-activation sums of a
step are collapsed into boxes naming their parameters.

Rows (``rankdir=BT``, bottom to top): x_t, then each node as high as the longest path from
x_t below it, the branch hanging below the belt, the belt above everything it reads, y_t on
top. An edge that goes down (the branch, h_t into the next step's gates) is written upwards
with ``dir=back``, so ``dot`` keeps the rows. Each step's stretch of the belt is one node, a
row of cells (one per op; the edges from the gates end at their cell), and the first step's
starts with s_0: drawn as separate nodes, ``dot`` 2.43 drew an edge between two steps that
leaves a node entered by another flat edge as two curves (a lens), turned a step's belt right
to left, or put s_0 right of the first step. ``Dot.in_order`` keeps the columns in time order.
With ``show="grad"`` each node of a recorded tensor gets its |grad| on the heat scale: the belt
shows how dL/dc_t fares over time.

One chain of cells per column: a BiRNN's two directions or a stacked RNN's layers share their
columns and are refused with a message saying what to draw instead.
"""
from . import style as st
from .belt import StepPicture
from .gates_text import Text
from .layout import Columns, ParamNames

LOWER = ("box", "gate", "mix", "state")       # drawn below the belt, rows from x_t up


def draw_gates(g, show, rankdir, title, max_nodes=None):
    from .api import GraphTooLarge
    from .dotfile import Dot
    chains = [c for c in g.chains if c.is_cell and c.units]
    if not chains:
        raise ValueError(
            "draw: view='gates' draws the steps of a recurrent cell (the state s_{t-1} -> s_t "
            "and the gates between); this graph has none: run the cell with tr.rnn.unroll, or "
            "declare 'state_in' and 'state' on your step scopes (docs/roles.md), or use "
            "view='ops'")
    cols = Columns(g)
    shared = {}
    for chain in chains:
        shared.setdefault(cols.group_of[chain], []).append(chain)
    for group in shared.values():
        if len(group) > 1:
            raise ValueError(
                "draw: view='gates' draws one chain of cells per column, but "
                f"{len(group)} chains share these columns ({_which(group)}), as a BiRNN's "
                "two directions or a stacked RNN's layers do: draw the states of one of them "
                "(a BiRNN returns (ys, (forward_states, backward_states)), a stacked RNN "
                "(ys, states per layer)), or use view='cells' or view='ops'")
    pic = _Picture(g, chains, cols, show)
    if max_nodes is not None and len(pic.shown) > max_nodes:
        raise GraphTooLarge(
            f"draw: the gates view of {len(pic.shown)} nodes is too large for dot to lay out in "
            f"reasonable time (limit {max_nodes}); use view='cells' (one box per step), draw "
            "fewer steps, or pass max_nodes= to force it")
    dot = Dot("rnn_gates", rankdir=rankdir, title=title, nodesep=0.3, ranksep=0.35,
              hooks=g.hooks)
    pic.declare(dot)
    pic.connect(dot)
    pic.legends(dot)
    return dot.digraph()


def _which(chains):
    names = []
    for chain in chains:
        marks = [f"{k} {s.attrs[k]}" for s in chain.prefix for k in ("direction", "layer")
                 if k in s.attrs]
        names.append(" ".join(marks) or chain.name)
    return ", ".join(names)


def node_id(n):
    return f"n{n}"


class _Picture:
    def __init__(self, g, chains, cols, show):
        self.g, self.chains, self.cols = g, chains, cols
        self.names = ParamNames(g)
        heat = st.Heat([g.grad_norm(t) for t in g.nodes], g.grad_norm) if "grad" in show \
            else None
        self.heat = heat
        self.steps = {u: StepPicture(g, u, node_id) for c in chains for u in c.units}
        self.shown = {}                     # display id -> Shown, every step
        for step in self.steps.values():
            self.shown.update(step.shown)
        self.inits = {node_id(n): chain for chain in chains for n in chain.init}
        pos = {n: chain.units[0].pos + (1 if chain.backward else -1)
               for chain in chains for n in chain.init}
        parts = {}
        for step in self.steps.values():
            for k, n in [*enumerate(step.state_in), *enumerate(step.state)]:
                if n is not None:
                    parts.setdefault(n, (k, len(step.state)))
        self.text = Text(g, show, heat, self.names, pos, parts)
        self.level = {}
        self._levels()

    # ---- rows -----------------------------------------------------------------------------
    def _levels(self):
        level = self.level
        for step in self.steps.values():
            for x in step.unit.x:
                level.setdefault(node_id(x), 0)
            lower = [s for s in step.shown.values() if s.kind in LOWER]
            for s in _topological(lower):          # above what it reads from below
                level[s.id] = 1 + max([level[i] for i in s.ins if i in level and (
                    step.shown.get(i) is not None and step.shown[i].kind in LOWER or
                    self._kind(i) == "x")] or [0])
            branch = [s for s in step.shown.values() if s.kind == "branch"]
            for s in reversed(_topological(branch)):   # above what it feeds in the branch
                below = [level[i] + 1 for i in s.ins
                         if step.shown.get(i) is not None and step.shown[i].kind in LOWER]
                below += [level[b.id] + 1 for b in branch if s.id in b.ins and b.id in level]
                level[s.id] = max(below or [1])
        top = 1 + max([v for did, v in level.items() if did in self.shown] or [0])
        parts = 0                    # the belts of all chains share rows: encoder -> decoder
        for chain in self.chains:
            units = [self.steps[u] for u in chain.units]
            mine = sorted({s.part for st_ in units for s in st_.shown.values()
                           if s.kind == "belt"})
            parts = max(parts, len(mine))
            for st_ in units:
                for s in st_.shown.values():
                    if s.kind == "belt":
                        level[s.id] = top + mine.index(s.part)
            first = units[0]
            for n in chain.init:
                part = first.state_in.index(n) if n in first.state_in else None
                if part in mine:
                    level[node_id(n)] = top + mine.index(part)
                elif part is not None and first.state[part] is not None:
                    level[node_id(n)] = level.get(node_id(first.state[part]), 1)
        self.y_row = top + parts

    def _kind(self, did):
        s = self.shown.get(did)
        if s is not None:
            return s.kind
        return "init" if did in self.inits else ("x" if self.level.get(did) == 0 else None)

    # ---- nodes ------------------------------------------------------------------------------
    def declare(self, dot):
        self.declared, self.heads, self.ys, self.merged = set(), [], {}, {}
        by_col = {self.cols.col[u.nodes[0]]: u for c in self.chains for u in c.units}
        for c in sorted(k for k in by_col if k is not None):
            word = self.cols.titles[c]
            head = st.quote_word(word) if word is not None else \
                st.dot_string(f"t={self.cols.steps[c]}")
            dot.open(f"cluster_{c}", f"label={head};", st.CLUSTER)
            self._unit(dot, by_col[c])
            dot.close()
        rows = {}
        for did, level in self.level.items():
            if did in self.declared:
                rows.setdefault(level, []).append(did)
        for level in sorted(rows):
            dot.same_rank(rows[level])

    def _put(self, dot, did, label_attrs, tensors):
        label, attrs = label_attrs
        self.declared.add(did)
        dot.node(did, label, tensors, **attrs)

    def _unit(self, dot, unit):
        """One step's nodes. s_0 is drawn in the first step's box: the parts on a belt as the
        belt's first cell, the others as nodes of their own (outside every box, or in an
        invisible one, dot 2.43 often puts s_0 on the wrong side of the first step)."""
        g, step, first, belts = self.g, self.steps[unit], None, {}
        inits = unit.chain.init if unit is unit.chain.units[0] else []
        for s in step.shown.values():
            if s.kind == "belt":
                belts.setdefault(s.part, []).append(s)
        starts = {k: step.state_in[k] for k in belts if step.state_in[k] in inits}
        for n in inits:
            if n not in starts.values() and node_id(n) not in self.declared:
                self._put(dot, node_id(n), self.text.initial(n), [g.nodes[n]])
                first = first or node_id(n)
        for x in unit.x:
            if node_id(x) not in self.declared:
                self._put(dot, node_id(x), self.text.box(x, st.X_FILL), [g.nodes[x]])
                first = first or node_id(x)
        for s in step.shown.values():
            if s.kind != "belt":
                tensors = [g.nodes[n] for n in ([s.node] if s.node is not None else s.members)]
                self._put(dot, s.id, self.text.node(s), tensors)
                first = first or s.id
        for k, members in sorted(belts.items()):
            bid = f"belt{unit.number}_{k}"
            for s in members:
                self.merged[s.id] = bid
            start = starts.get(k)
            if start is not None:
                self.merged[node_id(start)] = bid
            self.level[bid] = self.level[members[0].id]
            tensors = [g.nodes[start]] if start is not None else []
            self._put(dot, bid, self.text.belt(members, unit.chain.backward, start),
                      tensors + [g.nodes[s.node] for s in members if s.node is not None])
            self.heads.append(bid)
        for y in unit.y:
            if node_id(y) in self.shown and y not in self.ys:
                self.ys[y] = yid = f"y{y}"
                self.level[yid] = self.y_row
                self._put(dot, yid, self.text.box(y, st.Y_FILL, name="y", t=unit.pos),
                          [g.nodes[y]])
                for k in sorted(belts):          # y_t above the belt (an edge across it)
                    dot.edge(f"belt{unit.number}_{k}", yid, style="invis")
        if not belts:
            self.heads.append(first)

    # ---- edges ----------------------------------------------------------------------------
    def connect(self, dot):
        for s in list(self.shown.values()):
            for i in s.ins:
                if i not in self.declared and i not in self.merged and i[1:].isdigit():
                    n = int(i[1:])           # read from outside the steps and no x_t
                    self.level.setdefault(i, 0)
                    self._put(dot, i, self.text.box(n, st.X_FILL), [self.g.nodes[n]])
                self._edge(dot, i, s)
        for y, yid in self.ys.items():
            self._write(dot, node_id(y), yid, {})

    def _edge(self, dot, a, s):
        """The edge a -> s: the belt thick, the state handed on in the state's colour."""
        b, kinds = s.id, (self._kind(a), s.kind)
        color = st.B_EDGE if s.unit.chain.backward else st.S_EDGE
        attrs = {}
        if kinds[1] == "belt" and kinds[0] in ("belt", "init"):
            attrs = {"color": color, "penwidth": 3, "weight": 10}
        elif self._is_state(a) or kinds[0] == "belt" or kinds == ("branch", "branch"):
            attrs = {"color": color, "penwidth": 1.6}
        if self.merged.get(a, a) == self.merged.get(b):
            return                       # inside one step's belt: drawn in its label
        la, lb = self.level.get(a, 0), self.level[b]
        if la < lb or (la == lb and not s.unit.chain.backward):
            self._write(dot, a, b, attrs)
        else:        # going down, or the backward belt: written upwards, left to right
            self._write(dot, b, a, dict(attrs, dir="back"))

    def _write(self, dot, a, b, attrs):
        """An edge between display ids; one that ends in a belt ends at its node's cell (a
        port), unless it runs along the belt (flat: from side to side)."""
        ta, tb = self.merged.get(a), self.merged.get(b)
        flat = self.level.get(a, 0) == self.level.get(b, 0)
        if ta is not None and not flat:
            attrs["tailport"] = a
        if tb is not None and not flat:
            attrs["headport"] = b
        dot.edge(ta or a, tb or b, **attrs)

    def _is_state(self, did):
        s = self.shown.get(did)
        if s is None:
            return did in self.inits
        return s.node is not None and s.node in s.unit.state

    # ---- legends --------------------------------------------------------------------------
    def legends(self, dot):
        """The key, the shared parameters and the heat scale, above the last step, right of
        every column."""
        ids = []
        key = self.text.key(self.chains, self.steps)
        if key:
            dot.node("key", st.table([st.row(line, align="LEFT") for line in key]))
            ids.append("key")
        if self.names.params:
            dot.node("params", st.param_legend(
                self.names.params, self.heat, [self.names.long[p] for p in self.names.params]),
                self.names.params)
            ids.append("params")
        if self.heat is not None and self.heat.legend():
            dot.node("heat", self.heat.legend())
            ids.append("heat")
        top = list(self.ys.values())[-1:] or self.heads[-1:]
        for legend in ids:
            for t in top:
                dot.edge(t, legend, style="invis")
        dot.same_rank(ids)
        dot.in_order(self.heads + ids)


def _topological(nodes):
    """``nodes`` (Shown of one step) ordered so that each comes after those of them it reads
    (Kahn's algorithm; what is left of a cycle, which a recorded graph never has, at the end)."""
    mine = {s.id: s for s in nodes}
    waiting = {s.id: len({i for i in s.ins if i in mine}) for s in nodes}
    readers = {}
    for s in nodes:
        for i in {i for i in s.ins if i in mine}:
            readers.setdefault(i, []).append(s)
    ready = [s for s in nodes if waiting[s.id] == 0]
    out = []
    while ready:
        s = ready.pop(0)
        out.append(s)
        for r in readers.get(s.id, ()):
            waiting[r.id] -= 1
            if waiting[r.id] == 0:
                ready.append(r)
    return out + [s for s in nodes if s not in out]
