"""The ops view: every primitive op and leaf, one cluster per time step labelled with its word.

As in the reference picture (``elman_ops_grad.dot``): HTML-table nodes (op, name_t with its
shape, values, |grad| on the heat scale); shared parameters as small per-step labels with a
dashed edge plus one legend table; the state passed from step t-1 to step t (what the step
declares as s_{t-1}) routed through a small junction point in column t (an edge straight into
the next step's matmul flips the columns); corresponding ops of every step on one row.

The state edge is one forward path: s_{t-1} leaves its node sideways, passes the junction just
inside column t and ends, with the only arrowhead, at the op of step t that reads it. The
junction is ranked between the two (no rank of its own): put on the state's row, ``dot`` 2.43
draws the flat edge into it as a lens (two curves) that looks like a loop. Columns keep their
time order through one invisible node whose edges to each column are laid out in declaration
order (``ordering=out``).
"""
from . import style as st
from .graph import is_parameter
from .layout import Columns, ParamNames, first_touch

ACTIVATIONS = ("tanh", "sigmoid", "relu")


def draw_ops(g, show, rankdir, title):
    from .dotfile import Dot
    cols = Columns(g)
    names = ParamNames(g)
    heat = st.Heat([g.grad_norm(t) for t in g.nodes], g.grad_norm) if "grad" in show else None
    dot = Dot("rnn_ops", rankdir=rankdir, title=title, nodesep=0.25, ranksep=0.3,
              hooks=g.hooks)
    drawn = [not (g.is_param[i] or g.is_constant(i)) for i in range(len(g.nodes))]
    nid = [f"v{i}" for i in range(len(g.nodes))]
    state_in = _state_edges(g)
    lines_for = _param_lines(g, drawn, names)
    label = _Labels(g, show, heat, cols)
    junctions, outside = _declare(dot, g, cols, drawn, nid, label, lines_for, state_in)
    _edges(dot, g, drawn, nid, lines_for, state_in)
    _rows(dot, g, drawn, nid, junctions)
    _column_order(dot, g, cols, drawn, nid, outside)
    legends = []
    if names.params:
        dot.node("params", st.param_legend(names.params, heat,
                                           [names.long[p] for p in names.params],
                                           shared=bool(cols.titles)), names.params)
        legends.append("params")
    if heat is not None and heat.legend():
        dot.node("heat", heat.legend())
        legends.append("heat")
    highest = _highest(g, cols, drawn, outside)
    for legend in legends:           # top right, one rank above the last step's output
        if highest is not None:
            dot.edge(nid[highest], legend, style="invis")
    dot.same_rank(legends)
    return dot.digraph()


def _param_lines(g, drawn, names):
    """{consumer: [(id, text)]}: the per-consumer labels of parameters and constants."""
    lines_for = {}
    for i in range(len(g.nodes)):
        if not drawn[i]:
            continue
        for k, t in enumerate(g.nodes[i].inputs):
            if drawn[g.number[t]]:
                continue
            text = f"<I>{names.label[t]}</I>" if is_parameter(t) else st.esc(st.values_text(t.data))
            lines_for.setdefault(i, []).append((f"p{i}_{k}", text))
    return lines_for


def _declare(dot, g, cols, drawn, nid, label, lines_for, state_in):
    """Every drawn node, column by column (one cluster each, a nested one per chain when a
    column holds several); returns the state junctions and the nodes outside the columns."""
    initial = {n for chain in g.chains for n in chain.init}
    by_col, outside = {}, []
    for i in range(len(g.nodes)):
        if drawn[i]:
            c = None if i in initial else cols.col[i]
            if c is None:
                outside.append(i)
            else:
                by_col.setdefault(c, {}).setdefault(g.unit_of[i], []).append(i)
    ops = [i for i in outside if g.nodes[i].function is not None]
    place = first_touch(ops, lambda i: g.input_numbers(i) + g.consumers[i], cols.col.__getitem__)
    at = {}
    for i in outside:                # s_0 and free ops touching no column: before everything
        at.setdefault(place.get(i), []).append(i)
    for i in at.get(None, []):
        dot.node(nid[i], label(i), (g.nodes[i],))
    junctions = {}
    for c, word in enumerate(cols.titles):
        for i in at.get(c, []):
            dot.node(nid[i], label(i), (g.nodes[i],))
        head = f"t={cols.steps[c]}" + (f'  "{word}"' if word is not None else "")
        dot.open(f"cluster_{c}", f"label={st.dot_string(head)};", st.CLUSTER)
        groups = by_col.get(c, {})
        nested = sum(1 for u in groups if u is not None) > 1
        for unit, members in groups.items():
            if nested and unit is not None:
                dot.open(f"cluster_{c}_{unit.number}",
                         f"label={st.dot_string(unit.chain.name)};",
                         'style="rounded,filled"; fillcolor=white; color=gray80;')
            for i in members:
                dot.node(nid[i], label(i), (g.nodes[i],))
                for pid, text in lines_for.get(i, []):
                    dot.node(pid, f"<{text}>", shape="plaintext", fontcolor="gray40", fontsize=10,
                             height=0.2, margin=0)
            for i in members:
                for src in state_in.get(i, []):
                    junction = f"j{src}_{unit.number}"
                    if junction not in junctions:
                        junctions[junction] = (src, unit)
                        dot.node(junction, '""', shape="point", width=0.07, color=st.S_EDGE)
            if nested and unit is not None:
                dot.close()
        dot.close()
    return junctions, outside


def _highest(g, cols, drawn, outside):
    """The node the legends go above: the last op outside the columns (a total loss), else the
    last node of the last column that feeds nothing else in that column (never s_0, which
    would pull the legends to the far left)."""
    ops = [i for i in outside if g.nodes[i].function is not None]
    if ops:
        return ops[-1]
    last = len(cols.titles) - 1
    mine = [i for i in range(len(g.nodes)) if drawn[i] and cols.col[i] == last]
    sinks = [i for i in mine if not any(cols.col[c] == last for c in g.consumers[i])]
    return sinks[-1] if sinks else None


def _state_edges(g):
    """{consumer: [sources]}: the inputs of a cell step's ops that are its declared s_{t-1}."""
    out = {}
    for chain in g.chains:
        if not chain.is_cell:
            continue
        for unit in chain.units:
            given = set(unit.state_in)
            for n in unit.nodes:
                for j in g.input_numbers(n):
                    if j in given and j not in out.get(n, ()):
                        out.setdefault(n, []).append(j)
    return out


def _edges(dot, g, drawn, nid, lines_for, state_in):
    feeding = set()                   # junctions already fed by their state (one edge each)
    for i in range(len(g.nodes)):
        if not drawn[i]:
            continue
        for pid, _ in lines_for.get(i, []):
            dot.edge(pid, nid[i], style="dashed", color="gray60")
        through = set(state_in.get(i, ()))
        unit = g.unit_of[i]
        seen = set()
        for j in g.input_numbers(i):
            if not drawn[j] or j in seen:
                continue
            seen.add(j)
            if j not in through:
                dot.edge(nid[j], nid[i])
                continue
            junction = f"j{j}_{unit.number}"
            color = st.B_EDGE if unit.chain.backward else st.S_EDGE
            if junction not in feeding:      # written upwards (BT), drawn without arrowheads
                feeding.add(junction)
                dot.edge(junction, nid[j], color=color, penwidth=2, dir="none")
            dot.edge(nid[i], junction, color=color, penwidth=2, dir="back")


def _rows(dot, g, drawn, nid, junctions):
    """Corresponding nodes of every step of a chain on one row; s_0 on the row of s_1."""
    slot_rank = {}
    for chain in g.chains:
        units = [u for u in chain.units if any(drawn[n] for n in u.nodes)]
        sizes = {len(u.nodes) for u in units}
        if len(units) < 2 or len(sizes) != 1:
            continue
        for k in range(sizes.pop()):
            for n in (u.nodes[k] for u in units):
                if drawn[n]:
                    slot_rank[n] = (chain.number, k)
    rows = {}
    for n, key in slot_rank.items():
        rows.setdefault(key, []).append(nid[n])
    for junction, (src, unit) in junctions.items():
        key = slot_rank.get(src)
        if key is None:        # s_0: on the row of the part it becomes
            part = unit.state_in.index(src)
            key = slot_rank.get(unit.state[part]) if part < len(unit.state) else None
            if key is not None:
                rows[key].append(nid[src])
    for key in sorted(rows):
        dot.same_rank(rows[key])


def _column_order(dot, g, cols, drawn, nid, outside):
    """The columns in time order, left to right (and in a column, the chains in the order they
    are declared): ``Dot.in_order`` of the first node of each. Without it, the state edges that
    run down into the next column can mirror the picture."""
    first = {}                      # column -> {unit: its first node}, in declaration order
    initial = set(outside)
    for i in range(len(g.nodes)):
        c = cols.col[i]
        if drawn[i] and c is not None and i not in initial:
            first.setdefault(c, {}).setdefault(g.unit_of[i], i)
    heads = []
    for c in sorted(first):         # a node of no step (an x_t made outside) only if alone
        units = first[c]
        heads += [i for u, i in units.items() if u is not None] or list(units.values())
    dot.in_order([nid[i] for i in heads])


class _Labels:
    """``label(i)``: the HTML table of node ``i`` (op, name_t and shape, values, |grad|)."""

    def __init__(self, g, show, heat, cols):
        self.g, self.show, self.heat, self.cols = g, show, heat, cols
        self.init_t = {}                # s_0 is s_{t-1} of the first step (s_{T+1} backwards)
        for chain in g.chains:
            if chain.units:
                for n in chain.init:
                    self.init_t[n] = chain.units[0].pos + (1 if chain.backward else -1)

    def __call__(self, i):
        g, node, show = self.g, self.g.nodes[i], self.show
        unit = g.step_unit(i)
        t = self.init_t.get(i, unit.pos if unit is not None else None)
        rows = []
        if node.function is not None:
            fill = st.ACT_FILL if node.op in ACTIVATIONS and node.name else \
                (st.LOSS_FILL if node.op in st.LOSS_OPS or i in g.losses else st.OP_FILL)
            own = g.unit_of[i]
            if own is not None and i in own.state:
                fill = st.B_FILL if own.chain.backward else st.S_FILL
            rows.append(st.row(f"<B>{st.esc(node.op)}</B>", fill))
        name = st.node_name(g, i, t)
        shape = st.small(st.shape_text(node.shape)) if "shape" in show else ""
        if name or shape or node.function is None:
            text = (name or ("leaf" if node.function is None else "")) + (" " + shape if shape else "")
            rows.append(st.row(text, st.X_FILL if node.function is None else None))
        if "value" in show or (node.function is None and node.data.size <= 4):
            rows.append(st.row(st.mono(st.values_text(node.data))))
        if self.heat is not None and node.requires_grad:
            rows.append(f"<TR>{self.heat.cell(g.grad_norm(node))}</TR>")
        return st.table(rows)
