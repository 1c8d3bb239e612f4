"""The rolled view: "a neural network with a loop", derived from the same recorded graph.

The scopes tell which step boxes are copies of one cell: every step of a chain folds into one
cell node with a recurrent edge (labelled with the parameters that read s_{t-1}); x_t, y_t and
the per-step layers (output, loss) fold likewise. The caption says how many copies there were.
"""
from . import style as st
from .collapse import CellsPicture
from .layout import param_users


def draw_rolled(g, show, rankdir, title):
    from .dotfile import Dot
    pic = CellsPicture(g, show)
    unit_of_cell = {pic.cell_id[u]: u for c in pic.cells for u in c.units}
    key = _fold(pic, unit_of_cell)
    dot = Dot("rnn_rolled", rankdir=rankdir, title=title, nodesep=0.5, ranksep=0.5,
              hooks=g.hooks)
    ids, first, stands = {}, {}, {}
    for did in pic.order + list(pic.ys):
        k = key[did]
        if k is None:
            continue
        if k not in ids:
            ids[k] = f"r{len(ids)}"
            first[k] = did
        # the tensors of every step that folds into this node
        stands.setdefault(k, []).extend([pic.ys[did][0]] if did in pic.ys else pic.members[did])
    for k, rid in ids.items():
        label, attrs = _label(pic, first[k], k, unit_of_cell)
        dot.node(rid, label, [g.nodes[n] for n in stands[k]], **attrs)
    done = set()
    for a, b, attrs in pic.edges:
        ka, kb = key.get(a), key.get(b)
        if ka is None or kb is None or ka == kb or (ka, kb) in done or attrs.get("style") == "invis":
            continue
        done.add((ka, kb))
        keep = {k: v for k, v in attrs.items() if k in ("xlabel", "color", "penwidth")}
        if "xlabel" in keep:
            keep["label"] = keep.pop("xlabel")
        dot.edge(ids[ka], ids[kb], **keep)
    _loops(dot, pic, ids)
    params = pic.names.params
    if params:
        dot.node("params", st.param_legend(params, None, [pic.names.long[p] for p in params],
                                           shared=bool(pic.cells)), params)
    return dot.digraph()


def _fold(pic, unit_of_cell):
    """{display id: the key of the rolled node it folds into} (None: not drawn, s_0)."""
    g, key = pic.g, {}
    readers = {}
    for a, b, _ in pic.edges:
        readers.setdefault(a, []).append(b)
    for did in pic.order + list(pic.ys):
        kind = pic.kind.get(did)
        if kind == "cell":
            key[did] = ("cell", unit_of_cell[did].chain.number)
        elif kind == "init":
            key[did] = None                      # s_0 is what the loop starts from: implicit
        elif did in pic.ys:
            key[did] = ("y", unit_of_cell[pic.ys[did][1]].chain.number)
        else:
            unit = g.unit_of[pic.members[did][-1]] if pic.members.get(did) else None
            if kind == "x":
                key[did] = ("x", unit.chain.number) if unit is not None and \
                    not unit.chain.is_cell else None
            elif unit is not None:
                key[did] = ("unit", unit.chain.number)
            else:
                key[did] = ("free", did)
    for did in pic.order:    # an x_t of no input layer: one node per set of cells it feeds
        if pic.kind.get(did) == "x" and key[did] is None:
            key[did] = ("x", tuple(sorted({str(key.get(b)) for b in readers.get(did, ())})))
    return key


def _loops(dot, pic, ids):
    """The recurrence of each chain: s_{t-1} -> s_t as an edge from its cell to itself."""
    g = pic.g
    for chain in pic.cells:
        if not chain.recurrent or len(chain.units) < 2:
            continue
        params = param_users(g, chain.units[1], set(chain.units[0].state))
        label = pic.names.of(params) if params else ""
        color = st.B_EDGE if chain.backward else st.S_EDGE
        prev = "t+1" if chain.backward else "t-1"
        dot.edge(ids[("cell", chain.number)], ids[("cell", chain.number)],
                 label=f"<{label}  <FONT POINT-SIZE=\"9\">s<SUB>{prev}</SUB> &#8594; s<SUB>t</SUB>"
                       "</FONT>>", color=color, penwidth=1.8, headport="e", tailport="e")


def _label(pic, did, k, unit_of_cell):
    g = pic.g
    kind = k[0]
    if kind == "cell":
        return _cell_label(pic, unit_of_cell[did].chain)
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
    loss = any(g.nodes[n].op in st.LOSS_OPS or n in g.losses for n in nodes)
    if did in pic.merged_y:
        head, name = last.op, "y<SUB>t</SUB>"
    fill = st.LOSS_FILL if loss else st.OP_FILL
    text = f"<B>{st.esc(head)}</B>" + (f"<BR/>{name}" if name else "")
    return f"<{text}>", {"shape": "box", "style": "filled", "fillcolor": fill}


def _cell_label(pic, chain):
    words = [u.label for u in sorted(chain.units, key=lambda u: u.pos) if u.label is not None]
    steps = f"{len(chain.units)} steps"
    if words:
        shown = " ".join(str(w) for w in words[:8]) + (" ..." if len(words) > 8 else "")
        steps += f": {st.esc(shown)}"
    arrow = "&#8592;" if chain.backward else ("&#8594;" if any(c.backward for c in pic.cells)
                                             else "")
    rows = [st.row("s<SUB>t</SUB>" + (f"<SUP>{arrow}</SUP>" if arrow else "")
                   + " = R(s<SUB>t-1</SUB>, x<SUB>t</SUB>)"),
            st.row(st.small(f"{st.esc(chain.name)}, unrolled over {steps}", "gray30"))]
    fill = st.B_FILL if chain.backward else st.S_FILL
    return (st.table(rows).replace('BORDER="0" CELLBORDER="1"', 'BORDER="0" CELLBORDER="0"'),
            {"shape": "box", "style": "rounded,filled", "fillcolor": fill, "margin": "0.1"})
