"""How the gates view's nodes look: op symbols, gate colours, boxes, and the key.

A node of the cell state's path shows its op as a symbol (⊙ for an elementwise product, +,
σ for a sigmoid) above the name of the tensor it makes (its own name, else its declared role:
c_t, s_t[0]); a product or sum that only mixes gates is a small circle; the collapsed rest of
a step is a rounded grey box naming its parameters. The key says, in the lecture's notation
with step t, what is drawn and what a rewritten interpolation was recorded as.
"""
import numbers

from . import style as st

SYMBOLS = {"mul": "&#8857;", "add": "+", "sub": "&#8722;", "div": "&#247;", "neg": "&#8722;",
           "sigmoid": "&#963;"}
GATE_FILL = "#fff2b2"       # sigmoid gates: a number in (0, 1) per unit
BELT = "&#9473;&#9473;"     # a thick line, as the belt is drawn


class Text:
    """Labels of one picture: ``g`` the recorded graph, ``show`` what rows to print, ``heat``
    the |grad| scale (or None), ``names`` the parameters' names, ``pos`` the position the name
    of a node outside every step shows (s_0)."""

    def __init__(self, g, show, heat, names, pos, parts):
        self.g, self.show, self.heat, self.names, self.pos = g, show, heat, names, pos
        self.parts = parts          # state node -> (k, number of parts), s_0 included

    def name(self, n, t=None):
        """The name node ``n`` shows, at its step (or at step ``t``, such as "t-1"): its own,
        its declared role's, or for a part of a state found in a hand-written loop s_t."""
        if t is None:
            unit = self.g.step_unit(n)
            t = self.pos.get(n, unit.pos if unit is not None else None)
        name = st.node_name(self.g, n, t)
        if not name and n in self.parts:
            k, count = self.parts[n]
            name = st.pretty_name("s", t) + (f"[{k}]" if count > 1 else "")
        return name

    def _shape(self, n):
        if "shape" not in self.show:
            return ""
        return " " + st.small(st.shape_text(self.g.nodes[n].shape))

    def _rows(self, n):
        """Values and |grad| rows of recorded node ``n``, as ``show`` asks."""
        node, rows = self.g.nodes[n], []
        if "value" in self.show:
            rows.append(st.row(st.mono(st.values_text(node.data))))
        if self.heat is not None and node.requires_grad:
            rows.append(f"<TR>{self.heat.cell(self.g.grad_norm(node))}</TR>")
        return rows

    def node(self, s):
        """``(label, attrs)`` of a Shown node of a step."""
        if s.kind == "box":
            return self._box(s)
        symbol = SYMBOLS.get(s.symbol, st.esc(s.symbol or ""))
        consts = " ".join(f"{c:g}" for c in s.consts if isinstance(c, numbers.Real))
        if s.node is None or s.kind == "mix":
            text = f"{consts} {symbol}" if consts else symbol
            fill = self._fill(s) if s.kind == "belt" else "white"
            return f"<<B>{text}</B>>", {
                "shape": "ellipse" if consts else "circle", "width": 0.3, "height": 0.3,
                "margin": 0.02, "fontsize": 12, "fillcolor": fill,
                "style": ("dashed" if s.note == "new" else "solid") + ",filled"}
        n = s.node
        head = (f"<B>{symbol}</B>" if symbol else "") + (f" {consts}" if consts else "")
        rows = [st.row(head.strip(), self._fill(s))] if head.strip() else []
        name = self.name(n)
        if name or "shape" in self.show or not rows:
            fill = st.X_FILL if self.g.nodes[n].function is None else None   # a leaf: a mask
            rows.append(st.row(name + self._shape(n) or "&#183;", fill))
        return st.table(rows + self._rows(n)), {}

    def belt(self, members, backward=False, start=None):
        """One step's stretch of the belt as one node: its ops left to right in the order
        the state passes them (right to left for a backward chain), each a cell that edges
        from the gates end at (``PORT`` = its display id); the first step's starts with s_0
        (``start``)."""
        arrow = "&#10229;" if backward else "&#10230;"
        color = st.B_EDGE if backward else st.S_EDGE
        cells = []
        if start is not None:
            cells.append(f'<TD PORT="n{start}">' + self.initial(start)[0][1:-1].replace(
                'BORDER="0"', 'BORDER="1" STYLE="rounded,dashed"', 1) + "</TD>")
        for s in members:
            cells.append(f'<TD PORT="{s.id}">{self._cell(s)}</TD>')
        if backward:
            cells.reverse()
        glue = f'<TD><FONT COLOR="{color}" POINT-SIZE="14"><B>{arrow}</B></FONT></TD>'
        return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
                + glue.join(cells) + "</TR></TABLE>>"), {}

    def _cell(self, s):
        """One op of the belt: its symbol over its name, shape and |grad| (a dashed box for
        a node standing for no recorded tensor)."""
        symbol = SYMBOLS.get(s.symbol, st.esc(s.symbol or ""))
        consts = " ".join(f"{c:g}" for c in s.consts if isinstance(c, numbers.Real))
        head = f"<B>{symbol}</B>" + (f" {consts}" if consts else "")
        if s.node is None:
            return ('<TABLE BORDER="1" STYLE="dashed" CELLBORDER="0" CELLPADDING="3" '
                    f'BGCOLOR="{self._fill(s)}"><TR><TD>{head}</TD></TR></TABLE>')
        rows = [st.row(head, self._fill(s))]
        name = self.name(s.node)
        if name or "shape" in self.show:
            rows.append(st.row(name + self._shape(s.node)))
        return st.table(rows + self._rows(s.node))[1:-1]

    def _fill(self, s):
        if s.kind in ("belt", "state") or (s.node is not None and s.node in s.unit.state):
            return st.B_FILL if s.unit.chain.backward else st.S_FILL
        if s.symbol == "sigmoid":
            return GATE_FILL
        return st.ACT_FILL if s.symbol in ("tanh", "relu") else st.OP_FILL

    def _box(self, s):
        """The collapsed rest of a step: its parameters, and the ops it stands for."""
        g = self.g
        params = [g.nodes[p] for p in sorted(s.params)]
        ops = list(dict.fromkeys(g.nodes[m].op for m in s.members))
        rows = [st.row("<I>" + self.names.of(params) + "</I>" if params else "&#183;"),
                st.row(st.small(st.esc(", ".join(ops)), "gray30", 8))]
        return _plain(rows), {"shape": "box", "style": "rounded,filled",
                              "fillcolor": st.OP_FILL, "margin": "0.06,0.02"}

    def box(self, n, fill, name=None, t=None):
        """x_t or y_t: a filled box with the name, shape, values and |grad|."""
        title = st.pretty_name(name, t) if name else self.name(n)
        return _plain([st.row(title + self._shape(n))] + self._rows(n)), {
            "shape": "box", "style": "filled", "fillcolor": fill, "margin": "0.04,0.02"}

    def initial(self, n):
        """s_0 (every part): dashed, "= 0" when it is zero."""
        zero = " = 0" if not self.g.nodes[n].data.any() else ""
        return _plain([st.row(self.name(n) + zero + self._shape(n))] + self._rows(n)), {
            "shape": "box", "style": "rounded,dashed"}

    def key(self, chains, steps):
        """Lines saying what the picture shows, in the lecture's notation with step t."""
        lines = []

        def name(n, t):
            return self.name(n, t) or "?"

        for chain in chains:        # the step with the most belts (and all its parts drawn)
            step = max((steps[u] for u in chain.units), key=lambda s: (
                len(s.belts), None not in s.state, s.unit.t))
            before = "t+1" if chain.backward else "t-1"
            color = st.B_EDGE if chain.backward else st.S_EDGE
            for k in sorted(step.belts):
                end = step.state[k] if step.state[k] is not None else step.belts[k][-1]
                lines.append(f'<FONT COLOR="{color}"><B>{BELT}</B></FONT> '
                             f"{name(step.state_in[k], before)} &#8594; "
                             f"{name(end, 't')}: only elementwise &#8857; and +, "
                             "no weight matrix, no squashing")
            if not step.belts:
                parts = ", ".join(name(n, "t") for n in step.state if n is not None)
                lines.append(f"{parts}: every path from the step before passes a weight matrix "
                             "or an activation (no elementwise path)")
            for s in step.shown.values():
                if isinstance(s.note, tuple):
                    a, q, b = name(s.note[0], "t"), name(s.note[1], "t"), name(s.note[2], before)
                    h = name(s.node, "t")
                    lines.append(f"dashed: {h} = {q} &#8857; {b} + (1 &#8722; {q}) &#8857; {a}, "
                                 f"recorded as {a} + {q} &#8857; ({b} &#8722; {a})")
        return list(dict.fromkeys(lines))


def _plain(rows):
    """An HTML table without cell borders (the node's own box frames it)."""
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")
