"""The cells view: the lecture's unrolled picture, one box per cell application.

Columns are the words, left to right (one rounded cluster per word, the word as its title);
x_t at the bottom, the cells' states s_t in one row per chain (a BiRNN's forward row above its
backward row, a stacked RNN's layers upwards), y_t on top, then whatever the usage pattern
attached (output layers, losses). The state flows along flat edges of weight 10 from the dashed
s_0 ("initial state"); the backward half of a BiRNN is written left to right with ``dir=back``.
Shared parameters appear as small labels on each step's edges plus one legend table, never as
one node with an edge into every step (that makes ``dot`` take minutes).

Every step here costs the same, whatever T: the view of 50,000 steps is built in seconds.
"""
from . import style as st
from .collapse import CellsPicture
from .layout import first_touch, param_users, state_norm, unit_params


def draw_cells(g, show, rankdir, title):
    from .dotfile import Dot
    pic = CellsPicture(g, show)
    heat = st.Heat([g.grad_norm(t) for t in g.nodes], g.grad_norm) if "grad" in show else None
    dot = Dot("rnn_cells", rankdir=rankdir, title=title, nodesep=0.8, hooks=g.hooks)
    unit_of_did = {pic.cell_id[u]: u for chain in pic.cells for u in chain.units}
    labels = {}
    for did in pic.order + list(pic.ys):
        label, attrs = _label(pic, did, unit_of_did, heat)
        stands = [pic.ys[did][0]] if did in pic.ys else pic.members[did]
        labels[did] = label, [g.nodes[n] for n in stands], attrs
    by_col = {}
    for did in pic.order + list(pic.ys):
        by_col.setdefault(pic.col_of.get(did), []).append(did)
    x_row, y_row = _declare(dot, pic, labels, by_col)
    for a, b, attrs in pic.edges:
        dot.edge(a, b, **attrs)
    _chains(dot, pic, unit_of_did)
    dot.same_rank(x_row)
    for row in pic.rows:
        dot.same_rank(row)
    dot.same_rank(y_row)
    _legends(dot, pic, heat, _highest(pic, by_col))
    return dot.digraph()


def _declare(dot, pic, labels, by_col):
    """Nodes in column order, each column a cluster titled with its word; returns the x and y
    rows. Nodes outside the columns (a total loss) come just before the first column they
    touch (``first_touch``); s_0 of a forward chain left of everything, of a backward chain
    right of everything."""
    def node(did):
        label, tensors, attrs = labels[did]
        dot.node(did, label, tensors, **attrs)

    free = [d for d in by_col.get(None, []) if pic.kind.get(d) != "init"]
    near = {}
    for a, b, _ in pic.edges:
        near.setdefault(a, []).append(b)
        near.setdefault(b, []).append(a)
    outside = {}
    place = first_touch(free, lambda d: near.get(d, ()), pic.col_of.get,
                        0 if pic.cols.titles else None)
    for did in free:
        outside.setdefault(place[did], []).append(did)
    for chain in pic.cells:
        if chain.init and not chain.backward:
            _init_node(dot, chain, node)
    x_row, y_row = [], []
    for c, word in enumerate(pic.cols.titles):
        for did in outside.get(c, []):
            node(did)
        head = st.quote_word(word) if word is not None else st.dot_string(f"t={pic.cols.steps[c]}")
        dot.open(f"cluster_{c}", f"label={head};", st.CLUSTER)
        for did in by_col.get(c, []):
            node(did)
            if pic.kind.get(did) == "x":
                x_row.append(did)
            elif did in pic.ys:
                y_row.append(did)
        dot.close()
    for chain in pic.cells:
        if chain.init and chain.backward:
            _init_node(dot, chain, node)
    for did in outside.get(None, []):
        node(did)
    return x_row, y_row


def _init_node(dot, chain, node):
    dot.open(f"cluster_init{chain.number}", "style=invis;")
    node(f"init{chain.number}")
    dot.close()


def _highest(pic, by_col):
    """The node the legends go above: the last node outside the columns, else the last node of
    the last column that feeds nothing else in it."""
    top = [d for d in by_col.get(None, []) if pic.kind.get(d) != "init"]
    if top:
        return top[-1]
    last = by_col.get(len(pic.cols.titles) - 1, [])
    mine = set(last)
    feeds = {a for a, b, _ in pic.edges if a in mine and b in mine}
    sinks = [d for d in last if d not in feeds]
    return sinks[-1] if sinks else None


def _chains(dot, pic, unit_of_did):
    """The recurrence: flat edges s_0 -> s_1 -> ... in column order, weight 10 (a flat edge's
    tail goes left of its head; the backward chain is written left to right with dir=back)."""
    g = pic.g
    for chain in pic.cells:
        units = sorted(chain.units, key=lambda u: u.pos)
        ids = [pic.cell_id[u] for u in units]
        color = st.B_EDGE if chain.backward else st.S_EDGE
        init = [f"init{chain.number}"] if chain.init else []
        ids = ids + init if chain.backward else init + ids
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


def _label(pic, did, unit_of_did, heat):
    """``(label, attrs)`` of one display node."""
    kind = pic.kind.get(did)
    if did in pic.ys:
        n, cell = pic.ys[did]
        unit = unit_of_did[cell]
        return _box(pic.g, "y", unit.pos, [n], pic.show, heat, st.Y_FILL,
                    arrow=_arrow(unit.chain, pic))
    if kind == "cell":
        return _cell_label(pic, unit_of_did[did], heat)
    if kind == "init":
        return _init_label(pic, did, heat)
    return _other_label(pic, did, heat)


def _cell_label(pic, unit, heat):
    """A cell application: s_t (its parts), the chain's name, parameters not drawn on an edge."""
    g, chain = pic.g, unit.chain
    outer = {j for n in unit.nodes for j in g.input_numbers(n)   # parameters drawn on the
             if g.unit_of[j] is not unit and not g.is_param[j]}   # incoming edges
    outer |= {n for n in unit.nodes if g.is_input[n]}
    used = set(param_users(g, unit, outer))
    rest = [p for p in unit_params(g, unit) if p not in used]
    state = g.state_nodes(unit)
    caption = chain.prefix[-1].name if chain.prefix else "cell"
    layers = [s.attrs["layer"] for s in chain.prefix if "layer" in s.attrs]
    if layers:
        caption = f"layer {layers[-1]}: {caption}"
    if len(state) > 1:
        caption += " (" + ", ".join(st.node_name(g, n, unit.pos) for n in state) + ")"
    if rest:
        caption += " + " + pic.names.of(rest)
    fill = st.B_FILL if chain.backward else st.S_FILL
    return _box(g, "s", unit.pos, state, pic.show, heat, fill, arrow=_arrow(chain, pic),
                caption=caption, rounded=True)


def _init_label(pic, did, heat):
    g = pic.g
    chain = next(c for c in pic.cells if f"init{c.number}" == did)
    zero = all(not g.nodes[n].data.any() for n in chain.init)
    first = min(chain.units, key=lambda u: u.t) if chain.units else None
    t0 = first.pos + (1 if chain.backward else -1) if first is not None else 0
    return _box(g, "s", t0, chain.init, pic.show, heat, "white", arrow=_arrow(chain, pic),
                caption="initial state", suffix=" = 0" if zero else "", dashed=True)


def _other_label(pic, did, heat):
    """x_t, a per-step layer (output/t=3, loss/t=3), a scope's ops, or a free op."""
    g, show = pic.g, pic.show
    kind, nodes = pic.kind.get(did), pic.members[did]
    col = pic.col_of.get(did)
    t = pic.cols.steps[col] if col is not None else None
    last = g.nodes[nodes[-1]]
    unit = g.unit_of[nodes[-1]]
    if kind == "x":
        cap = unit.chain.name if unit is not None and not unit.chain.is_cell else last.op
        return _box(g, "x", t, nodes[-1:], show, heat, st.X_FILL, caption=cap)
    if did in pic.merged_y:
        return _box(g, "y", t, nodes[-1:], show, heat, st.Y_FILL, caption=last.op)
    if unit is not None:
        head = unit.chain.name
    elif kind == "unit":
        head = last.scope[-1].name
    else:
        head = last.op
    ops = list(dict.fromkeys(g.nodes[n].op for n in nodes))
    loss = any(op in st.LOSS_OPS for op in ops) or any(n in g.losses for n in nodes)
    caption = ", ".join(ops) if head not in ops or len(ops) > 1 else None
    return _box(g, last.name, t if unit is not None else None, nodes[-1:], show, heat,
                st.LOSS_FILL if loss else st.OP_FILL, header=head, caption=caption)


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
