"""The cells view's collapse of the recorded graph: which display node stands for which nodes.

Each cell application (a unit of a cell chain) becomes one box; x_t, per-step layers (output,
loss) and free ops become boxes of their own; y_t boxes are added where a cell's output leaves
the recurrence. Shared by the cells view and the rolled view.
"""
from . import style as st
from .graph import is_parameter
from .layout import Columns, ParamNames, is_input, param_users


class CellsPicture:
    """Collapse the recorded graph: each node -> the display node that stands for it."""

    def __init__(self, g, show):
        self.g, self.show = g, show
        self.cols = Columns(g)
        self.names = ParamNames(g)
        self.cells = [c for c in g.chains if c.is_cell]
        self.disp = [None] * len(g.nodes)
        self.kind = {}
        self.order = []            # display ids in first-use order
        self.col_of = {}
        self.members = {}          # display id -> node numbers it stands for
        self.cell_id = {}          # cell unit -> its display id
        self._collapse()

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
                inner = [n for n in unit.nodes
                         if not (g.nodes[n].function is None and is_input(g, n))]
                self.cell_id[unit] = f"c{chain.number}_{col}"
                self._new(self.cell_id[unit], "cell", col, inner or list(unit.nodes))
        count = 0
        groups = {}                # per-step layers, and scoped free ops, one box per scope
        for i, node in enumerate(g.nodes):
            if self.disp[i] is not None or is_parameter(node):
                continue
            unit = g.unit_of[i]
            if unit is not None and unit.chain.kind == "embed":
                key, kind = unit, "x"
            elif unit is not None and node.function is not None:
                key, kind = unit, "unit"
            elif node.function is not None and node.scope:
                key, kind = (node.scope[-1], cols.col[i]), "unit"
            elif is_input(g, i) and any(self.disp[c] is not None and self.kind[self.disp[c]] == "cell"
                                        for c in g.consumers[i]):
                # the same x_t given to both halves of a BiRNN: one node, as in the lecture
                key, kind = ("x", cols.col[i], node.name, _digest(node)), "x"
            elif node.function is not None:
                key, kind = None, "op"
            else:
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


def _digest(node):
    data = node.data.get() if hasattr(node.data, "get") else node.data
    return (tuple(node.shape), data.tobytes()) if node.function is None else id(node)


def _edges(pic):
    """Display edges (deduplicated, first-seen order), y_t nodes, and the rows of each chain."""
    g, disp, kind = pic.g, pic.disp, pic.kind
    edges, seen, ys = [], set(), []
    y_for = {}
    merged_y = set()
    for did in pic.order:          # a concat of several cells in one column is itself y_t
        if kind[did] in ("unit", "op"):
            srcs = {disp[j] for n in pic.members[did] for j in g.input_numbers(n)
                    if disp[j] is not None and kind[disp[j]] == "cell"}
            if len(srcs) > 1 and pic.col_of[did] is not None:
                merged_y.add(did)
    pic.merged_y = merged_y

    def add(a, b, **attrs):
        if (a, b) not in seen and a != b:
            seen.add((a, b))
            edges.append((a, b, attrs))

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
                ua, ub = g.unit_of[j], g.unit_of[n]
                if ka == "init" or (ua is not None and ub is not None and ua.chain is ub.chain):
                    continue               # the recurrence, drawn by _chains
                params = param_users(g, ub, {j}) if ub is not None else []
                attrs = {"xlabel": "<" + pic.names.of(params) + ">"} if params else {}
                if pic.col_of[a] != pic.col_of[b] and not _same_group(pic, ua, ub):
                    attrs.update(color=st.S_EDGE, penwidth=1.6, weight=10)
                add(a, b, **attrs)
            elif ka == "cell" and b not in merged_y:
                y = y_for.get(j)
                if y is None:
                    y = y_for[j] = f"y{len(ys)}_{a}"
                    ys.append((y, j, a))
                    pic.col_of[y] = pic.col_of[a]
                    add(a, y)
                add(y, b)
            elif kb == "cell":
                params = param_users(g, g.unit_of[n], set(pic.members[a]) | {j})
                attrs = {"xlabel": "<" + pic.names.of(params) + ">"} if params else {}
                add(a, b, **attrs)
            else:
                add(a, b)
    for n in g.root_numbers:       # drawn outputs with no consumer: y_t on top of their cell
        a = disp[n]
        if a is not None and kind[a] == "cell" and n not in y_for:
            y = y_for[n] = f"y{len(ys)}_{a}"
            ys.append((y, n, a))
            pic.col_of[y] = pic.col_of[a]
            add(a, y)
    rows = []
    for chain in pic.cells:
        row = [f"init{chain.number}"] if chain.init else []
        rows.append(row + [pic.cell_id[u] for u in chain.units])
    _order_rows(pic, add)
    return edges, ys, _merge_rows(pic, rows, edges)


def _same_group(pic, ua, ub):
    if ua is None or ub is None:
        return False
    return pic.cols.group_of.get(ua.chain) is pic.cols.group_of.get(ub.chain)


def _order_rows(pic, add):
    """A BiRNN: the forward row above the backward row (an invisible edge in every column)."""
    fwd = [c for c in pic.cells if not c.backward]
    for b in (c for c in pic.cells if c.backward):
        partner = next((f for f in fwd if pic.cols.group_of[f] is pic.cols.group_of[b]
                        and f.prefix[:-2] == b.prefix[:-2]), None)
        if partner is None:
            continue
        at = {u.pos: u for u in partner.units}
        for u in b.units:
            if u.pos in at:
                add(pic.cell_id[u], pic.cell_id[at[u.pos]], style="invis")


def _merge_rows(pic, rows, edges):
    """Chains joined by a flat state edge (encoder -> decoder) share one row."""
    where = {}
    for k, row in enumerate(rows):
        for did in row:
            where[did] = k
    for a, b, attrs in edges:
        if attrs.get("weight") == 10 and a in where and b in where and where[a] != where[b]:
            ka, kb = where[a], where[b]
            rows[ka].extend(rows[kb])
            for did in rows[kb]:
                where[did] = ka
            rows[kb] = []
    return [r for r in rows if r]
