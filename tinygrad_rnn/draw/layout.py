"""Columns (one per word) and the collapsed picture shared by the cells and rolled views.

Cell chains that read the same positions and exchange nothing across positions (the two halves
of a BiRNN, the layers of a stacked RNN) share columns; a chain that reads another chain's last
step (a decoder reading the encoder's final state) gets columns of its own, to the right.
"""
from ..state import is_step


class Columns:
    """``col[n]``: the column index of node ``n`` (or None); ``titles``: each column's word."""

    def __init__(self, g):
        self.g = g
        cells = [c for c in g.chains if c.is_cell]
        parent = {c: c for c in cells}

        def find(c):
            while parent[c] is not c:
                c = parent[c]
            return c

        for i, a in enumerate(cells):
            for b in cells[i + 1:]:
                if {u.pos for u in a.units} == {u.pos for u in b.units} and \
                        not self._crosses(a, b) and find(a) is not find(b):
                    parent[find(b)] = find(a)
        roots = []
        for c in cells:
            r = find(c)
            if r not in roots:
                roots.append(r)
        roots = self._in_flow_order(roots, find)
        self.groups = roots
        self.group_of = {c: find(c) for c in cells}
        self.index, self.titles, self.steps = {}, [], []
        for r in roots:
            labels = {}                  # position -> the first label given to it
            for c in cells:
                if self.group_of[c] is r:
                    for u in c.units:
                        if labels.get(u.pos) is None:
                            labels[u.pos] = u.label
            for p in sorted(labels):
                self.index[(r.number, p)] = len(self.titles)
                self.titles.append(labels[p])
                self.steps.append(p)
        self.col = [None] * len(g.nodes)
        self._assign()

    def _in_flow_order(self, roots, find):
        """Groups sorted so that one feeding another (encoder -> decoder) comes first."""
        if len(roots) < 2:
            return roots
        g = self.g
        after = {r: set() for r in roots}
        deps = [None] * len(g.nodes)
        for i in range(len(g.nodes)):
            mine = set()
            for j in g.input_numbers(i):
                if deps[j]:
                    mine |= deps[j]
            unit = g.unit_of[i]
            if unit is not None and unit.chain.is_cell:
                r = find(unit.chain)
                after[r] |= mine - {r}
                mine = mine | {r}
            deps[i] = frozenset(mine) if mine else None
        ordered, left = [], list(roots)
        while left:
            ready = next((r for r in left if not (after[r] & set(left))), left[0])
            ordered.append(ready)
            left.remove(ready)
        return ordered

    def _crosses(self, a, b):
        """True if some node of ``a`` feeds ``b`` (or back) at a different position."""
        g = self.g
        for x, y in ((a, b), (b, a)):
            for u in x.units:
                for n in u.nodes:
                    for c in g.consumers[n]:
                        v = g.unit_of[c]
                        if v is not None and v.chain is y and v.pos != u.pos:
                            return True
        return False

    def _assign(self):
        g = self.g
        for i, node in enumerate(g.nodes):
            unit = g.unit_of[i]
            if unit is not None and unit.chain.is_cell:
                self.col[i] = self.index[(self.group_of[unit.chain].number, unit.pos)]
                continue
            if g.is_param[i] or node.function is None:
                continue
            cols = {self.col[j] for j in g.input_numbers(i) if self.col[j] is not None}
            if unit is not None and not cols:
                continue           # an input layer (embed/t=3): its consumers' column, below
            if unit is not None:   # a per-step layer: its own position, in its inputs' group
                groups = [r for r in self.groups if (r.number, unit.pos) in self.index]
                pick = [self.index[(r.number, unit.pos)] for r in groups
                        if self.index[(r.number, unit.pos)] in cols] or \
                       [self.index[(r.number, unit.pos)] for r in groups]
                self.col[i] = pick[0] if pick else (cols.pop() if len(cols) == 1 else None)
            elif len(cols) == 1:
                self.col[i] = cols.pop()
        for i in range(len(g.nodes) - 1, -1, -1):   # inputs take their consumers' column
            node = g.nodes[i]
            if self.col[i] is None and not g.is_param[i]:
                cols = {self.col[c] for c in g.consumers[i]}
                if len(cols) == 1:
                    self.col[i] = cols.pop()


def first_touch(ids, neighbours, column, default=None):
    """``{id: column}``: where to declare nodes that belong to no column, just before the
    first (leftmost) column that they touch, directly or through other such nodes (a total
    loss fed by per-step losses); ``default`` for those that touch none. Declared after the
    clusters, their fan-in edges would make dot 2.43 rotate the columns. One pass per group of
    connected ids: linear in the edges."""
    mine, place = set(ids), {}
    for start in ids:
        if start in place:
            continue
        group, todo, cols = [start], [start], []
        place[start] = default
        while todo:
            for other in neighbours(todo.pop()):
                if other in mine:
                    if other not in place:
                        place[other] = default
                        group.append(other)
                        todo.append(other)
                elif column(other) is not None:
                    cols.append(column(other))
        for d in group:
            place[d] = min(cols) if cols else default
    return place


def state_norm(g, nodes):
    """||(dL/ds_t parts)||_2 over the nodes that carry a state, None before backward."""
    norms = [g.grad_norm(g.nodes[n]) for n in nodes]
    if any(v is None for v in norms):
        return None
    return sum(v * v for v in norms) ** 0.5


def param_users(g, unit, readers):
    """The parameters used by the ops of ``unit`` that read any node in ``readers``."""
    found = []
    for n in unit.nodes:
        ins = g.inputs[n]
        if any(j in readers for j in ins):
            found += [j for j in ins if g.is_param[j] and j not in found]
    return [g.nodes[j] for j in found]


def unit_params(g, unit):
    """Every parameter the ops of ``unit`` use, in first-use order."""
    found = []
    for n in unit.nodes:
        found += [j for j in g.inputs[n] if g.is_param[j] and j not in found]
    return [g.nodes[j] for j in found]


class ParamNames:
    """Display names of parameters; two different tensors with one name get their chain's name."""

    def __init__(self, g):
        from .style import pretty_name
        first = {}                 # parameter -> the first node that reads it
        for i, inputs in enumerate(g.inputs):
            for j in inputs:
                if g.is_param[j] and j not in first:
                    first[j] = i
        owner = {g.nodes[j]: g.nodes[i].scope for j, i in first.items()}
        seen = list(owner)
        for j, node in enumerate(g.nodes):
            if g.is_param[j] and node not in owner:
                owner[node] = None
                seen.append(node)
        count = {}
        for t in seen:
            count[t.name] = count.get(t.name, 0) + 1
        self.params = seen
        self.label, self.long = {}, {}
        for k, t in enumerate(seen):
            text = pretty_name(t.name or f"θ{k}")
            self.label[t] = self.long[t] = text
            if count[t.name] > 1:
                self.label[t] = text + _qualifier(owner[t], k, short=True)
                self.long[t] = text + _qualifier(owner[t], k)

    def of(self, tensors):
        return " ".join(self.label[t] for t in tensors)


def _qualifier(scope, k, short=False):
    """A short mark telling apart parameters of one name: the direction arrow of a BiRNN half,
    the layer number of a stacked RNN, else the name of the scope that uses it."""
    marks = []
    for s in scope or ():
        if s.attrs.get("direction") == "forward":
            marks.append("&#8594;")
        elif s.attrs.get("direction") == "backward":
            marks.append("&#8592;")
        elif "layer" in s.attrs:
            marks.append(f"({s.attrs['layer']})")
    if not marks:
        names = [s.name for s in scope or () if not is_step(s)]
        marks = [names[0] if names else f"#{k}"]
        if short and len(marks[0]) > 4:
            marks = [marks[0][:3] + "."]
    return f'<FONT POINT-SIZE="8"> {" ".join(marks)}</FONT>'

