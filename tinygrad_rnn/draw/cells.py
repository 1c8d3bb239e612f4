"""The cells view: the lecture's unrolled picture, one box per cell application.

Columns are the words, left to right (one rounded cluster per word, the word as its title);
x_t at the bottom, the cells' states s_t in one row per chain (a BiRNN's forward row above its
backward row, a stacked RNN's layers upwards), y_t on top, then whatever the usage pattern
attached (output layers, losses). The state flows along flat edges of weight 10 from the dashed
s_0 ("initial state"); the backward half of a BiRNN is written left to right with ``dir=back``.
Shared parameters appear as small labels on each step's edges plus one legend table, never as
one node with an edge into every step (that makes ``dot`` take minutes).
"""
from . import style as st
from .collapse import CellsPicture, _edges
from .graph import is_parameter
from .layout import is_input, param_users, state_norm, unit_params


def draw_cells(g, show, rankdir, title):
    from .dotfile import Dot
    pic = CellsPicture(g, show)
    cols = pic.cols
    heat = st.Heat([g.grad_norm(t) for t in g.nodes], g.grad_norm) if "grad" in show else None
    dot = Dot("rnn_cells", rankdir=rankdir, title=title, nodesep=0.5, hooks=g.hooks)
    edges, ys, rows = _edges(pic)
    x_row, y_row = [], []
    unit_of_did = {}
    for chain in pic.cells:
        for unit in chain.units:
            unit_of_did[pic.cell_id[unit]] = unit
    labels = {}
    stands = {y: [n] for y, n, _ in ys}
    for did in pic.order + [y for y, _, _ in ys]:
        label, attrs = _label(pic, did, unit_of_did, heat, ys)
        labels[did] = label, [g.nodes[n] for n in stands.get(did) or pic.members[did]], attrs
    by_col = {}
    for did in pic.order + [y for y, _, _ in ys]:
        by_col.setdefault(pic.col_of.get(did), []).append(did)
    # Nodes outside the columns (a total loss) are declared just before the first column they
    # touch: declared after the clusters, their fan-in edges make dot 2.43 rotate the columns.
    outside = _outside_places(pic, edges, by_col.get(None, []))
    for chain in pic.cells:            # s_0 of forward chains: left of the first column
        if chain.init and not chain.backward:
            _init_node(dot, pic, chain, labels)
    for c, word in enumerate(cols.titles):
        title_text = st.quote_word(word) if word is not None else st.dot_string(f"t={cols.steps[c]}")
        for did in outside.get(c, []):
            dot.node(did, labels[did][0], labels[did][1], **labels[did][2])
        dot.open(f"cluster_{c}", f"label={title_text};", st.CLUSTER)
        for did in by_col.get(c, []):
            dot.node(did, labels[did][0], labels[did][1], **labels[did][2])
            if pic.kind.get(did) == "x":
                x_row.append(did)
            elif did in {y for y, _, _ in ys}:
                y_row.append(did)
        dot.close()
    for chain in pic.cells:
        if chain.init and chain.backward:
            _init_node(dot, pic, chain, labels)
    for did in outside.get(None, []):
        dot.node(did, labels[did][0], labels[did][1], **labels[did][2])
    for a, b, attrs in edges:
        dot.edge(a, b, **attrs)
    _chains(dot, pic, unit_of_did)
    dot.same_rank(x_row)
    for row in rows:
        dot.same_rank(row)
    dot.same_rank(y_row)
    top = [d for d in by_col.get(None, []) if pic.kind.get(d) != "init"]
    last = by_col.get(len(cols.titles) - 1, [])
    feeds = {a for a, b, _ in edges if a in last and b in last}
    sinks = [d for d in last if d not in feeds]
    highest = top[-1] if top else (sinks[-1] if sinks else None)
    _legends(dot, pic, heat, highest)
    return dot.digraph()


def _outside_places(pic, edges, ids):
    """{column: [ids to declare just before it]} for the nodes that belong to no column."""
    ids = [d for d in ids if pic.kind.get(d) != "init"]
    near = {d: [] for d in ids}
    for a, b, _ in edges:
        if a in near:
            near[a].append(b)
        if b in near:
            near[b].append(a)
    place = {}
    for _ in range(len(ids) + 1):
        for d in ids:
            cols = [pic.col_of.get(n) for n in near[d] if pic.col_of.get(n) is not None]
            cols += [place[n] for n in near[d] if n in place]
            if cols:
                place[d] = min(cols)
    out = {}
    for d in ids:
        out.setdefault(place.get(d, 0 if pic.cols.titles else None), []).append(d)
    return out


def _init_node(dot, pic, chain, labels):
    dot.open(f"cluster_init{chain.number}", "style=invis;")
    label, tensors, attrs = labels[f"init{chain.number}"]
    dot.node(f"init{chain.number}", label, tensors, **attrs)
    dot.close()


def _chains(dot, pic, unit_of_did):
    """The recurrence: flat edges s_0 -> s_1 -> ... in column order, weight 10 (a flat edge's
    tail goes left of its head; the backward chain is written left to right with dir=back)."""
    g = pic.g
    for chain in pic.cells:
        units = sorted(chain.units, key=lambda u: u.pos)
        ids = [pic.cell_id[u] for u in units]
        color = st.B_EDGE if chain.backward else st.S_EDGE
        init = f"init{chain.number}" if chain.init else None
        if chain.backward:
            ids = ids + ([init] if init else [])
        else:
            ids = ([init] if init else []) + ids
        for a, b in zip(ids, ids[1:]):
            head = unit_of_did.get(a if chain.backward else b)
            tail = unit_of_did.get(b if chain.backward else a)
            readers = set(tail.state) if tail is not None else set(chain.init)
            params = param_users(g, head, readers) if head is not None else []
            attrs = {"color": color, "penwidth": 1.6, "weight": 10}
            if params:
                attrs["xlabel"] = "<" + pic.names.of(params) + ">"
            if chain.backward:
                attrs["dir"] = "back"
            dot.edge(a, b, **attrs)


def _label(pic, did, unit_of_did, heat, ys):
    g, show = pic.g, pic.show
    kind = pic.kind.get(did)
    col = pic.col_of.get(did)
    t = pic.cols.steps[col] if col is not None else None
    if kind is None:                               # a y_t node
        y, n, cell = next(item for item in ys if item[0] == did)
        unit = unit_of_did[cell]
        return _box(g, "y", unit.pos, [n], show, heat, st.Y_FILL, arrow=_arrow(unit.chain, pic))
    if kind == "cell":
        unit = unit_of_did[did]
        chain = unit.chain
        used = set()
        for n in unit.nodes:                       # parameters drawn on the incoming edges
            for j in g.input_numbers(n):
                if g.unit_of[j] is not unit and not is_parameter(g.nodes[j]):
                    used |= set(param_users(g, unit, {j}))
        used |= set(param_users(g, unit, {n for n in unit.nodes if is_input(g, n)}))
        rest = [p for p in unit_params(g, unit) if p not in used]
        fill = st.B_FILL if chain.backward else st.S_FILL
        state = g.state_nodes(unit)
        caption = chain.prefix[-1].name if chain.prefix else "cell"
        layers = [s.attrs["layer"] for s in chain.prefix if "layer" in s.attrs]
        if layers:
            caption = f"layer {layers[-1]}: {caption}"
        if len(state) > 1:
            caption += " (" + ", ".join(st.pretty_name(g.nodes[n].name or "?", unit.pos)
                                        for n in state) + ")"
        if rest:
            caption += " + " + pic.names.of(rest)
        return _box(g, "s", unit.pos, state, show, heat, fill, arrow=_arrow(chain, pic),
                    caption=caption, rounded=True)
    if kind == "init":
        chain = next(c for c in pic.cells if f"init{c.number}" == did)
        nodes = chain.init
        zero = all(not g.nodes[n].data.any() for n in nodes)
        first = min(chain.units, key=lambda u: u.t) if chain.units else None
        t0 = first.pos + (1 if chain.backward else -1) if first is not None else 0
        return _box(g, "s", t0, nodes, show, heat, "white", arrow=_arrow(chain, pic),
                    caption="initial state", suffix=" = 0" if zero else "", dashed=True)
    nodes = pic.members[did]
    last = g.nodes[nodes[-1]]
    unit = g.unit_of[nodes[-1]]
    if kind == "x":
        name = "x" if unit is not None or last.function is not None else (last.name or "x")
        cap = unit.chain.name if unit is not None and not unit.chain.is_cell else last.op
        return _box(g, name, t, nodes[-1:], show, heat, st.X_FILL, caption=cap)
    if did in pic.merged_y:
        return _box(g, "y", t, nodes[-1:], show, heat, st.Y_FILL, caption=last.op)
    if unit is not None:                           # a per-step layer: output/t=3, loss/t=3
        head = unit.chain.name
    elif kind == "unit":
        head = last.scope[-1].name
    else:
        head = last.op
    ops = []
    for n in nodes:
        if g.nodes[n].op not in ops:
            ops.append(g.nodes[n].op)
    is_loss = any(op in st.LOSS_OPS for op in ops) or (last.name or "").startswith("L")
    caption = ", ".join(ops) if head not in ops or len(ops) > 1 else None
    fill = st.LOSS_FILL if is_loss else st.OP_FILL
    return _box(g, last.name, t if unit is not None else None, nodes[-1:], show, heat, fill,
                header=head, caption=caption)


def _arrow(chain, pic):
    if any(c.backward for c in pic.cells if pic.cols.group_of[c] is pic.cols.group_of[chain]):
        return "&#8592;" if chain.backward else "&#8594;"
    return ""


def _box(g, name, t, nodes, show, heat, fill, arrow="", caption=None, suffix="", header=None,
         rounded=False, dashed=False):
    """A box node: [header] name_t (shape), [caption], [values], [|grad| on its heat colour]."""
    title = (st.pretty_name(name, t) if name else "") + (f"<SUP>{arrow}</SUP>" if arrow else "")
    title += suffix
    shapes = [tuple(g.nodes[n].shape) for n in nodes]
    rows = []
    if header:
        rows.append(st.row(f"<B>{st.esc(header)}</B>"))
    text = title
    if "shape" in show and shapes:
        same = len(set(shapes)) == 1 and len(shapes) > 1
        text += " " + st.small(f"{len(shapes)}&#215;{st.shape_text(shapes[0])}" if same else
                               " ".join(st.shape_text(s) for s in shapes))
    if text:
        rows.append(st.row(text))
    if caption:
        rows.append(st.row(st.small(caption if "<" in caption else st.esc(caption), "gray30", 9)))
    if "value" in show and nodes:
        rows.append(st.row(st.mono(st.values_text(g.nodes[nodes[-1]].data))))
    if heat is not None and nodes and all(g.nodes[n].requires_grad for n in nodes):
        rows.append(f"<TR>{heat.cell(state_norm(g, nodes))}</TR>")
    label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
             + "".join(rows) + "</TABLE>>")
    style = "rounded,dashed" if dashed else ("rounded,filled" if rounded else "filled")
    return label, {"shape": "box", "style": style, "fillcolor": fill, "margin": "0.08,0.04"}


def _legends(dot, pic, heat, highest):
    """The shared-parameter table (and the heat scale) one rank above the ``highest`` node."""
    ids = []
    params = pic.names.params
    if params:
        dot.node("params", st.param_legend(params, heat, [pic.names.long[p] for p in params],
                                                   shared=bool(pic.cells)), params)
        ids.append("params")
    if heat is not None:
        legend = heat.legend()
        if legend:
            dot.node("heat", legend)
            ids.append("heat")
    if highest is not None:
        for legend in ids:
            dot.edge(highest, legend, style="invis")
    dot.same_rank(ids)
