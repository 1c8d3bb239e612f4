"""The cells view's collapse of the recorded graph: which display node stands for which nodes.

Each cell application (a unit of a cell chain) becomes one box; x_t, per-step layers (output,
loss) and free ops become boxes of their own; y_t boxes are added where a cell's output leaves
the recurrence. ``CellsPicture`` also works out the display edges once, for the cells view and
the rolled view alike.
"""
from . import style as st
from .layout import Columns, ParamNames, param_users


class CellsPicture:
    """Collapse the recorded graph: each node -> the display node that stands for it.

    After construction: ``order`` (display ids in first-use order), ``kind[did]`` ("cell",
    "init", "x", "unit", "op"), ``col_of[did]``, ``members[did]`` (node numbers), ``cell_id``
    (cell unit -> display id), ``merged_y`` (ids drawn as y_t: a declared output such as a
    BiRNN's [y^f ; y^b]), ``edges`` [(tail, head, attrs)], ``ys`` {y id: (node, cell id)} of the
    y_t boxes, and ``rows`` (display ids that share a row: one per chain of cells)."""

    def __init__(self, g, show):
        self.g, self.show = g, show
        self.cols = Columns(g)
        self.names = ParamNames(g)
        self.cells = [c for c in g.chains if c.is_cell]
        self.disp = [None] * len(g.nodes)
        self.kind = {}
        self.order = []
        self.col_of = {}
        self.members = {}
        self.cell_id = {}
        self._collapse()
        self.merged_y = {self.disp[n] for n in g.outputs
                         if self.disp[n] is not None and self.kind[self.disp[n]] in ("unit", "op")}
        self.edges, self.ys = [], {}
        self._seen, self._y_for = set(), {}
        self._connect()
        self.rows = self._rows()

    def _new(self, did, kind, col, nodes):
        self.kind[did] = kind
        self.col_of[did] = col
        self.members[did] = nodes
        self.order.append(did)
        for n in nodes:
            self.disp[n] = did

    def _collapse(self):
        g, cols = self.g, self.cols
        for chain in self.cells:
            if chain.init:
                self._new(f"init{chain.number}", "init", None, list(chain.init))
            for unit in chain.units:
                col = cols.col[unit.nodes[0]]
                inner = [n for n in unit.nodes if not g.is_input[n] and self.disp[n] is None]
                self.cell_id[unit] = f"c{chain.number}_{col}"
                self._new(self.cell_id[unit], "cell", col, inner or list(unit.nodes))
        x_units = {g.unit_of[n] for n in range(len(g.nodes)) if g.is_input[n]}
        count, groups = 0, {}      # per-step layers, and scoped free ops, one box per scope
        for i in range(len(g.nodes)):
            if self.disp[i] is not None or g.is_param[i]:
                continue
            key, kind = self._group(i, x_units)
            if kind is None:
                continue
            did = groups.get(key) if key is not None else None
            if did is None:
                did = f"{'x' if kind == 'x' else 'n'}{count}"
                count += 1
                self._new(did, kind, cols.col[i], [])
                if key is not None:
                    groups[key] = did
            self.members[did].append(i)
            self.disp[i] = did

    def _group(self, i, x_units):
        """``(key, kind)`` of the box node ``i`` goes into (nodes of one key share a box)."""
        g, node = self.g, self.g.nodes[i]
        unit = g.unit_of[i]
        if unit is not None and unit in x_units and not unit.chain.is_cell:
            return unit, "x"       # an input layer's step, e.g. the embedding of word t
        if g.is_input[i]:
            return ("x", i), "x"
        if unit is not None and node.function is not None:
            return unit, "unit"
        if node.function is not None and node.scope:
            return (node.scope[-1], self.cols.col[i]), "unit"
        if node.function is not None:
            return None, "op"
        return None, None          # a leaf that is no input: a constant, drawn nowhere

    # ---- edges between display nodes ---------------------------------------------------
    def _add(self, a, b, **attrs):
        if (a, b) not in self._seen and a != b:
            self._seen.add((a, b))
            self.edges.append((a, b, attrs))

    def _y_box(self, j, a):
        """The y_t box above cell ``a`` for its node ``j`` (made once)."""
        y = self._y_for.get(j)
        if y is None:
            y = self._y_for[j] = f"y{len(self.ys)}_{a}"
            self.ys[y] = (j, a)
            self.col_of[y] = self.col_of[a]
            self._add(a, y)
        return y

    def _connect(self):
        g, disp, kind = self.g, self.disp, self.kind
        for n in range(len(g.nodes)):
            b = disp[n]
            if b is None:
                continue
            for j in g.input_numbers(n):
                a = disp[j]
                if a is None or a == b:
                    continue
                ka, kb = kind[a], kind[b]
                if ka in ("cell", "init") and kb in ("cell", "init"):
                    self._between_cells(a, b, j, n)
                elif ka == "cell" and b not in self.merged_y and self._is_output(j):
                    self._add(self._y_box(j, a), b)
                elif kb == "cell":
                    params = param_users(g, g.unit_of[n], set(self.members[a]) | {j})
                    self._add(a, b, **self._param_label(params))
                else:
                    self._add(a, b)
        for n in sorted(g.root_numbers):   # outputs with no consumer: y_t on top of their cell
            a = disp[n]
            if a is not None and kind[a] == "cell" and self._is_output(n):
                self._y_box(n, a)
        self._order_rows()

    def _is_output(self, j):
        """A cell's node drawn through a y_t box: its declared y_t (any node of an undeclared
        loop); a state handed on elsewhere (an encoder's summary) leaves the box directly."""
        unit = self.g.unit_of[j]
        return unit is None or j in unit.y or not unit.y

    def _between_cells(self, a, b, j, n):
        """An edge between two cells that is not a chain's own recurrence (drawn by the view):
        layer k-1 -> layer k in one column, an encoder's last state -> the decoder."""
        g = self.g
        ua, ub = g.unit_of[j], g.unit_of[n]
        if self.kind[a] == "init" or (ua is not None and ub is not None and ua.chain is ub.chain):
            return
        attrs = self._param_label(param_users(g, ub, {j}) if ub is not None else [])
        if self.col_of[a] != self.col_of[b] and not self._same_group(ua, ub):
            attrs.update(color=st.S_EDGE, penwidth=1.6, weight=10)
        self._add(a, b, **attrs)

    def _param_label(self, params):
        return {"xlabel": "<" + self.names.of(params) + ">"} if params else {}

    def _same_group(self, ua, ub):
        if ua is None or ub is None:
            return False
        return self.cols.group_of.get(ua.chain) is self.cols.group_of.get(ub.chain)

    def _order_rows(self):
        """A BiRNN: the forward row above the backward row (an invisible edge in every column)."""
        fwd = [c for c in self.cells if not c.backward]
        group_of = self.cols.group_of
        for b in (c for c in self.cells if c.backward):
            partner = next((f for f in fwd if group_of[f] is group_of[b]
                            and f.prefix[:-2] == b.prefix[:-2]), None)
            if partner is None:
                continue
            at = {u.pos: u for u in partner.units}
            for u in b.units:
                if u.pos in at:
                    self._add(self.cell_id[u], self.cell_id[at[u.pos]], style="invis")

    def _rows(self):
        """One row per chain; chains joined by a flat state edge (encoder -> decoder) share it."""
        rows, where = [], {}
        for chain in self.cells:
            row = ([f"init{chain.number}"] if chain.init else []) + \
                [self.cell_id[u] for u in chain.units]
            for did in row:
                where[did] = len(rows)
            rows.append(row)
        for a, b, attrs in self.edges:
            if attrs.get("weight") == 10 and a in where and b in where and where[a] != where[b]:
                ka, kb = where[a], where[b]
                rows[ka].extend(rows[kb])
                for did in rows[kb]:
                    where[did] = ka
                rows[kb] = []
        return [r for r in rows if r]
