"""The rolled view: "a neural network with a loop", derived from the same recorded graph.

The scopes tell which step boxes are copies of one cell: every step of a chain folds into one
cell node with a recurrent edge (labelled with the parameters that read s_{t-1}); x_t, y_t and
the per-step layers (output, loss) fold likewise. The caption says how many copies there were.
"""
from . import style as st
from .collapse import CellsPicture, _edges
from .layout import param_users


def draw_rolled(g, show, rankdir, title):
    from .dotfile import Dot
    pic = CellsPicture(g, show)
    edges, ys, _ = _edges(pic)
    y_cell = {y: a for y, _, a in ys}
    unit_of_cell = {pic.cell_id[u]: u for c in pic.cells for u in c.units}
    key = {}
    for did in pic.order + list(y_cell):
        kind = pic.kind.get(did)
        if kind == "cell":
            key[did] = ("cell", unit_of_cell[did].chain.number)
        elif kind == "init":
            key[did] = None                      # s_0 is what the loop starts from: implicit
        elif did in y_cell:
            key[did] = ("y", unit_of_cell[y_cell[did]].chain.number)
        else:
            unit = g.unit_of[pic.members[did][-1]] if pic.members.get(did) else None
            if kind == "x":
                readers = sorted({key.get(b) or b for a, b, _ in edges if a == did}, key=str)
                key[did] = ("x", unit.chain.number if unit is not None and not unit.chain.is_cell
                            else tuple(map(str, readers)))
            elif unit is not None:
                key[did] = ("unit", unit.chain.number)
            else:
                key[did] = ("free", did)
    # x nodes were keyed before their cells in some orders: key again with cells known
    for did in pic.order:
        if pic.kind.get(did) == "x" and key[did][1] and isinstance(key[did][1], tuple):
            readers = sorted({str(key.get(b)) for a, b, _ in edges if a == did})
            key[did] = ("x", tuple(readers))
    dot = Dot("rnn_rolled", rankdir=rankdir, title=title, nodesep=0.5, ranksep=0.5,
              hooks=g.hooks)
    ids, first, stands = {}, {}, {}
    y_node = {y: n for y, n, _ in ys}
    for did in pic.order + list(y_cell):
        k = key[did]
        if k is not None and k not in ids:
            ids[k] = f"r{len(ids)}"
            first[k] = did
        if k is not None:          # the tensors of every step that folds into this node
            stands.setdefault(k, []).extend(pic.members.get(did) or [y_node[did]])
    for k, rid in ids.items():
        label, attrs = _label(pic, first[k], k, unit_of_cell, y_cell)
        dot.node(rid, label, [g.nodes[n] for n in stands[k]], **attrs)
    done = set()
    for a, b, attrs in edges:
        ka, kb = key.get(a), key.get(b)
        if ka is None or kb is None or ka == kb or (ka, kb) in done or attrs.get("style") == "invis":
            continue
        done.add((ka, kb))
        keep = {k: v for k, v in attrs.items() if k in ("xlabel", "color", "penwidth")}
        if "xlabel" in keep:
            keep["label"] = keep.pop("xlabel")
        dot.edge(ids[ka], ids[kb], **keep)
    for chain in pic.cells:                      # the loop: s_{t-1} -> s_t
        if not chain.recurrent or len(chain.units) < 2:
            continue
        unit = chain.units[1]
        params = param_users(g, unit, set(chain.units[0].state))
        label = pic.names.of(params) if params else ""
        color = st.B_EDGE if chain.backward else st.S_EDGE
        prev = "t+1" if chain.backward else "t-1"
        dot.edge(ids[("cell", chain.number)], ids[("cell", chain.number)],
                 label=f"<{label}  <FONT POINT-SIZE=\"9\">s<SUB>{prev}</SUB> &#8594; s<SUB>t</SUB>"
                       "</FONT>>", color=color, penwidth=1.8, headport="e", tailport="e")
    params = pic.names.params
    if params:
        dot.node("params", st.param_legend(params, None, [pic.names.long[p] for p in params],
                                                   shared=bool(pic.cells)), params)
    return dot.digraph()


def _label(pic, did, k, unit_of_cell, y_cell):
    g = pic.g
    kind = k[0]
    if kind == "cell":
        unit = unit_of_cell[did]
        chain = unit.chain
        words = [u.label for u in sorted(chain.units, key=lambda u: u.pos) if u.label is not None]
        steps = f"{len(chain.units)} steps"
        if words:
            shown = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
            steps += f": {st.esc(shown)}"
        arrow = "&#8592;" if chain.backward else ("&#8594;" if any(c.backward for c in pic.cells)
                                                 else "")
        rows = [st.row("s<SUB>t</SUB>" + (f"<SUP>{arrow}</SUP>" if arrow else "")
                       + " = R(s<SUB>t-1</SUB>, x<SUB>t</SUB>)"),
                st.row(st.small(f"{st.esc(chain.name)}, unrolled over {steps}", "gray30"))]
        fill = st.B_FILL if chain.backward else st.S_FILL
        return (st.table(rows).replace('BORDER="0" CELLBORDER="1"', 'BORDER="0" CELLBORDER="0"'),
                {"shape": "box", "style": "rounded,filled", "fillcolor": fill, "margin": "0.1"})
    if kind == "y":
        return "<y<SUB>t</SUB> = O(s<SUB>t</SUB>)>", {"shape": "box", "style": "filled",
                                                      "fillcolor": st.Y_FILL}
    if kind == "x":
        return "<x<SUB>t</SUB>>", {"shape": "box", "style": "filled", "fillcolor": st.X_FILL}
    nodes = pic.members[did]
    last = g.nodes[nodes[-1]]
    unit = g.unit_of[nodes[-1]]
    head = unit.chain.name if unit is not None else (
        last.scope[-1].name if last.scope and pic.kind.get(did) == "unit" else last.op)
    name = st.pretty_name(last.name) if last.name else ""
    loss = any(g.nodes[n].op in st.LOSS_OPS for n in nodes) or (last.name or "").startswith("L")
    if did in pic.merged_y:
        head, name = last.op, "y<SUB>t</SUB>"
    fill = st.LOSS_FILL if loss else st.OP_FILL
    text = f"<B>{st.esc(head)}</B>" + (f"<BR/>{name}" if name else "")
    return f"<{text}>", {"shape": "box", "style": "filled", "fillcolor": fill}

