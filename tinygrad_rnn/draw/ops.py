"""The ops view: every primitive op and leaf, one cluster per time step labelled with its word.

As in the reference picture (``elman_ops_grad.dot``): HTML-table nodes (op, name_t with its
shape, values, |grad| on the heat scale); shared parameters as small per-step labels with a
dashed edge plus one legend table; the state passed from step t-1 to step t routed through a
small junction point in column t (an edge straight into the next step's matmul flips the
columns); corresponding ops of every step on one row.
"""
from . import style as st
from .graph import is_constant, is_parameter
from .layout import Columns, ParamNames

ACTIVATIONS = ("tanh", "sigmoid", "relu")


def draw_ops(g, show, rankdir, title):
    from .dotfile import Dot
    cols = Columns(g)
    names = ParamNames(g)
    heat = st.Heat([g.grad_norm(t) for t in g.nodes], g.grad_norm) if "grad" in show else None
    dot = Dot("rnn_ops", rankdir=rankdir, title=title, nodesep=0.25, ranksep=0.3,
              hooks=g.hooks)
    drawn = [not (is_parameter(t) or is_constant(t)) for t in g.nodes]
    nid = [f"v{i}" for i in range(len(g.nodes))]
    state_in = _state_edges(g)
    by_col, outside, extra = {}, [], {}
    initial = {n for chain in g.chains for n in chain.init}
    for i in range(len(g.nodes)):
        if not drawn[i]:
            continue
        c = None if i in initial else cols.col[i]
        unit = g.unit_of[i]
        if c is None:
            outside.append(i)
        else:
            by_col.setdefault(c, {}).setdefault(unit, []).append(i)
    lines_for = {}
    for i in range(len(g.nodes)):          # per-consumer labels of parameters and constants
        if not drawn[i]:
            continue
        for k, t in enumerate(g.nodes[i].inputs):
            j = g.number[t]
            if drawn[j]:
                continue
            text = f"<I>{names.label[t]}</I>" if is_parameter(t) else st.esc(st.values_text(t.data))
            lines_for.setdefault(i, []).append((f"p{i}_{k}", text))
    outside_at = _first_touch(g, cols, outside)
    for i in outside_at.get(None, []):
        dot.node(nid[i], _label(g, i, show, heat, cols), (g.nodes[i],))
    for c, word in enumerate(cols.titles):
        for i in outside_at.get(c, []):
            dot.node(nid[i], _label(g, i, show, heat, cols), (g.nodes[i],))
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
                dot.node(nid[i], _label(g, i, show, heat, cols), (g.nodes[i],))
                for pid, text in lines_for.get(i, []):
                    dot.node(pid, f"<{text}>", shape="plaintext", fontcolor="gray40", fontsize=10,
                             height=0.2, margin=0)
            for i in members:
                for src, j in state_in.get(i, []):
                    junction = f"j{src}_{unit.number}"
                    if junction not in extra:
                        extra[junction] = (src, unit)
                        dot.node(junction, '""', shape="point", width=0.07, color=st.S_EDGE)
            if nested and unit is not None:
                dot.close()
        dot.close()
    for i in outside_at.get(-1, []):
        dot.node(nid[i], _label(g, i, show, heat, cols), (g.nodes[i],))
    _edges(dot, g, drawn, nid, lines_for, state_in)
    _rows(dot, g, cols, drawn, nid, extra)
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


def _highest(g, cols, drawn, outside):
    """The node the legends go above: the last drawn node outside the columns, else the last
    node of the last column that feeds nothing else in that column."""
    if outside:
        return outside[-1]
    last = len(cols.titles) - 1
    mine = [i for i in range(len(g.nodes)) if drawn[i] and cols.col[i] == last]
    sinks = [i for i in mine if not any(cols.col[c] == last for c in g.consumers[i])]
    return sinks[-1] if sinks else None


def _first_touch(g, cols, outside):
    """Declare a node outside the columns just before the first column it touches, through
    other outside nodes too (a total loss fed by per-step losses); s_0 before everything.
    Declared after the clusters, fan-in edges make dot 2.43 rotate the columns."""
    place = {}
    ops = [i for i in outside if g.nodes[i].function is not None]
    for _ in range(len(ops) + 1):
        changed = False
        for i in ops:
            near = [cols.col[j] for j in g.input_numbers(i) + g.consumers[i]
                    if cols.col[j] is not None]
            near += [place[j] for j in g.input_numbers(i) + g.consumers[i] if j in place]
            if near and place.get(i) != min(near):
                place[i] = min(near)
                changed = True
        if not changed:
            break
    out = {}
    for i in outside:
        out.setdefault(place.get(i), []).append(i)
    return out


def _state_edges(g):
    """{consumer: [(source, source number)]} for the state passed into a cell step."""
    out = {}
    for chain in g.chains:
        if not chain.is_cell:
            continue
        for k, unit in enumerate(chain.units):
            prev = set(chain.units[k - 1].nodes) if k > 0 else set(chain.init)
            for n in unit.nodes:
                for j in g.input_numbers(n):
                    other = g.unit_of[j]       # a decoder's s_0: the encoder's last state
                    handed = k == 0 and other is not None and other.chain.is_cell and \
                        other.chain is not chain and other.pos != unit.pos
                    if (j in prev or handed) and (j, j) not in out.get(n, []):
                        out.setdefault(n, []).append((j, j))
    return out


def _edges(dot, g, drawn, nid, lines_for, state_in):
    feeding = set()                   # junctions already fed by their state (one edge each)
    for i in range(len(g.nodes)):
        if not drawn[i]:
            continue
        for pid, _ in lines_for.get(i, []):
            dot.edge(pid, nid[i], style="dashed", color="gray60")
        through = {j for j, _ in state_in.get(i, [])}
        unit = g.unit_of[i]
        seen = set()
        for j in g.input_numbers(i):
            if not drawn[j] or j in seen:
                continue
            seen.add(j)
            if j in through:
                junction = f"j{j}_{unit.number}"
                back = unit.chain.backward
                color = st.B_EDGE if back else st.S_EDGE
                if junction not in feeding:
                    feeding.add(junction)
                    if back:
                        dot.edge(junction, nid[j], color=color, penwidth=2, dir="back",
                                 arrowtail="none")
                    else:
                        dot.edge(nid[j], junction, color=color, penwidth=2, arrowhead="none")
                dot.edge(nid[i], junction, color=color, penwidth=2, dir="back")
            else:
                dot.edge(nid[j], nid[i])


def _rows(dot, g, cols, drawn, nid, extra):
    """Corresponding nodes of every step of a chain on one row; junctions beside the state."""
    slot_rank = {}
    for chain in g.chains:
        units = [u for u in chain.units if any(drawn[n] for n in u.nodes)]
        if len(units) < 2:
            continue
        sizes = {len(u.nodes) for u in units}
        if len(sizes) != 1:
            continue
        for k in range(sizes.pop()):
            row = [units_k for units_k in (u.nodes[k] for u in units) if drawn[units_k]]
            for n in row:
                slot_rank[n] = (chain.number, k)
    rows = {}
    for n, key in slot_rank.items():
        rows.setdefault(key, []).append(nid[n])
    for junction, (src, unit) in extra.items():
        key = slot_rank.get(src)
        if key is None:        # s_0: on the row of the state part of the same name
            same = [n for n in unit.state if g.nodes[n].name == g.nodes[src].name]
            key = slot_rank.get(same[0]) if same else None
            if key is not None:
                rows[key].append(nid[src])
        if key is not None:
            rows[key].append(junction)
            mine = next((n for n in unit.nodes if slot_rank.get(n) == key), None)
            if mine is not None:
                dot.edge(junction, nid[mine], style="invis")
    for key in sorted(rows, key=lambda k: (k[0], k[1])):
        dot.same_rank(rows[key])


def _label(g, i, show, heat, cols):
    node = g.nodes[i]
    unit = g.unit_of[i]
    t = unit.pos if unit is not None else None
    if t is None and cols.col[i] is not None and node.name and "_" not in node.name:
        t = cols.steps[cols.col[i]]           # x_t made outside the step's scope
    for chain in g.chains:           # s_0 (s_{T+1} for a backward chain)
        if i in chain.init and chain.units:
            t = chain.units[0].pos + (1 if chain.backward else -1)
    rows = []
    if node.function is not None:
        fill = st.ACT_FILL if node.op in ACTIVATIONS and node.name else \
            (st.LOSS_FILL if node.op in st.LOSS_OPS else st.OP_FILL)
        if unit is not None and i in unit.state:
            fill = st.B_FILL if unit.chain.backward else st.S_FILL
        rows.append(st.row(f"<B>{st.esc(node.op)}</B>", fill))
    name = st.pretty_name(node.name, t) if node.name else ""
    shape = st.small(st.shape_text(node.shape)) if "shape" in show else ""
    if name or shape or node.function is None:
        text = (name or ("leaf" if node.function is None else "")) + (" " + shape if shape else "")
        rows.append(st.row(text, st.X_FILL if node.function is None else None))
    if "value" in show or (node.function is None and node.data.size <= 4):
        rows.append(st.row(st.mono(st.values_text(node.data))))
    if heat is not None and node.requires_grad:
        rows.append(f"<TR>{heat.cell(g.grad_norm(node))}</TR>")
    return st.table(rows)
