"""The gates view's reading of one cell step: the state's path, the gates, what feeds them.

Found in the recorded graph and the roles a step declares (``state_in`` s_{t-1}, ``state`` s_t,
``x``, ``y``), never from tensor names; op names say only what kind of op a node is.

- The *belt* of a state part k: the ops of the step on a path from s_{t-1}[k] to s_t[k] made
  of elementwise products and sums only (``CARRY``): the LSTM's c_{t-1} -> f_t ⊙ c_{t-1} ->
  + i_t ⊙ g_t -> c_t, the GRU's h_{t-1} -> h_t. A part whose every path passes a matmul or an
  activation (the Elman's s_t = tanh(...), the LSTM's h_t) has none.
- The *branch*: elementwise ops from the belt to another state part or to y_t (the LSTM's
  h_t = o_t ⊙ tanh(c_t)).
- What the belt and branch ops read besides each other: products and sums of them (``mix``,
  such as i_t ⊙ g_t), down to the nodes that are no such op (``gate``: f_t, i_t, g_t, o_t, or
  any activation); every sigmoid of the step is a gate too (the GRU's r_t).
- Everything else of the step (the matmuls, splits, pre-activation sums) collapses into one
  ``box`` per set of sources (x_t, h_{t-1}, another gate) that feeds the same gates.

The interpolation a + q ⊙ (b - a) on a belt (the GRU computes h_t = n + z ⊙ (h_{t-1} - n)) is
drawn as what it equals, q ⊙ b + (1 - q) ⊙ a (PyTorch's h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}), so
that z_t ⊙ h_{t-1} is visible; its two new nodes stand for no recorded tensor (dashed).
"""
CARRY = ("add", "sub", "mul", "div", "neg")
ELEMENTWISE = CARRY + ("tanh", "sigmoid", "relu", "exp", "log", "pow")


class Shown:
    """One node of a step's picture: ``kind`` is "belt", "branch", "mix", "gate", "state" (a
    state part on no belt) or "box"; ``node`` the recorded node it draws (None for a box and
    the rewritten interpolation's nodes); ``ins`` the display ids it reads, in argument order
    (x_t, s_{t-1} and nodes of other steps keep their own ids); ``consts`` small constants it
    reads (printed in its label); ``params`` the parameters it reads; ``members`` the nodes a
    box stands for; ``part`` a belt node's state part; ``note`` "new" for a node standing for
    no recorded tensor, ``(a, q, b)`` on the sum a rewritten interpolation ends in; ``symbol``
    the op drawn."""
    __slots__ = ("id", "kind", "node", "ins", "consts", "params", "members", "unit", "part",
                 "note", "symbol")

    def __init__(self, did, kind, node=None, unit=None):
        self.id, self.kind, self.node, self.unit = did, kind, node, unit
        self.ins, self.consts, self.params, self.members = [], [], [], []
        self.part, self.note, self.symbol = None, None, None


def _reach(start, step, keep):
    """Nodes reachable from ``start`` (not included) through ``step(n)`` where ``keep(n)``."""
    seen, todo = set(), list(start)
    while todo:
        for m in step(todo.pop()):
            if m not in seen and keep(m):
                seen.add(m)
                todo.append(m)
    return seen


class StepPicture:
    """The display nodes of one cell step (``shown``: id -> Shown, in declaration order)."""

    def __init__(self, g, unit, id_of):
        self.g, self.unit = g, unit
        self.id_of = id_of            # recorded node -> its display id (shared by all steps)
        self.inside = set(unit.nodes)
        self.shown = {}
        # the parts of s_{t-1} and s_t, None where one is not in the drawn graph (the state a
        # padded batch carries past the last y_t it was drawn from)
        self.state_in, self.state = self._parts("state_in"), self._parts("state")
        self.belts = self._belts()
        on_belt = set().union(*self.belts.values()) if self.belts else set()
        self.branch = self._branch(on_belt)
        self.hidden, self.fixed = set(), set()
        self.stops = set(unit.x) | set(unit.state_in)     # sources, even if made in the step
        for k, belt in self.belts.items():
            for n in belt:
                self._add(n, "belt").part = k
        for n in sorted(self.branch):
            self._add(n, "branch")
        self._rewrite_interpolations()
        for n in sorted(on_belt | self.branch):
            if n not in self.hidden and self.id_of(n) not in self.fixed:
                self._read_inputs(n)
        for n in unit.nodes:             # every sigmoid is a gate; every state part is shown
            if self.g.nodes[n].op == "sigmoid" and self.id_of(n) not in self.shown:
                self._add(n, "gate")
        for n in unit.state:
            if n in self.inside and self.id_of(n) not in self.shown:
                self._add(n, "state")
        self._collapse()

    # ---- the state's path ---------------------------------------------------------------
    def _parts(self, role):
        declared = self.unit.step.role(role)
        if not declared:                # a hand-written loop: what infer.py found
            return list(getattr(self.unit, role))
        return [self.g.number.get(t) if t is not None else None for t in declared]

    def _belts(self):
        """{part k: the ops of its elementwise path from s_{t-1}[k] to s_t[k]} (to wherever
        it goes, when s_t[k] is not drawn)."""
        g, inside = self.g, self.inside
        carry = lambda n: n in inside and g.nodes[n].op in CARRY      # noqa: E731
        belts = {}
        for k, (src, dst) in enumerate(zip(self.state_in, self.state)):
            if src is None:
                continue
            ahead = _reach([src], lambda n: g.consumers[n], carry)
            if dst is None and ahead:
                belts[k] = sorted(ahead)
            elif dst in ahead:
                behind = _reach([dst], lambda n: g.input_numbers(n), carry) | {dst}
                belts[k] = sorted(ahead & behind)
        return belts

    def _branch(self, on_belt):
        g, inside = self.g, self.inside
        targets = [n for n in list(self.unit.state) + list(self.unit.y)
                   if n in inside and n not in on_belt]
        if not on_belt or not targets:
            return set()
        elementwise = lambda n: n in inside and g.nodes[n].op in ELEMENTWISE   # noqa: E731
        ahead = _reach(on_belt, lambda n: g.consumers[n], elementwise) - on_belt
        behind = _reach(targets, lambda n: g.input_numbers(n), elementwise)
        return ahead & (behind | {t for t in targets if elementwise(t)})

    def _rewrite_interpolations(self):
        """a + q ⊙ (b - a) on a belt -> q ⊙ b + (1 - q) ⊙ a (see the module docstring)."""
        g = self.g
        for k, belt in self.belts.items():
            ok = set(belt) | set(self.unit.state_in)
            for s in belt:
                node = g.nodes[s]
                ins = g.input_numbers(s)
                if node.op != "sub" or len(ins) != 2 or ins[0] not in ok or ins[1] in ok:
                    continue
                before, a = ins
                m = g.consumers[s][0] if len(g.consumers[s]) == 1 else None
                if m is None or g.nodes[m].op != "mul" or m not in belt or \
                        len(g.consumers[m]) != 1 or len(set(g.input_numbers(m))) != 2:
                    continue
                q = next(j for j in g.input_numbers(m) if j != s)
                d = g.consumers[m][0]
                if g.nodes[d].op != "add" or d not in belt or sorted(g.input_numbers(d)) != \
                        sorted([a, m]):
                    continue
                self._interpolation(k, before, a, s, m, q, d)

    def _interpolation(self, k, before, a, s, m, q, d):
        self.hidden.update((s, m))
        order = list(self.shown)
        del self.shown[self.id_of(s)], self.shown[self.id_of(m)]
        kept = self._new(f"k{m}", "belt", symbol="mul")   # q ⊙ b, where q ⊙ (b - a) was
        kept.part, kept.note = k, "new"
        kept.ins = [self.id_of(before), self._side(q)]
        one_minus = self._new(f"o{m}", "mix", symbol="sub")
        one_minus.consts, one_minus.ins, one_minus.note = [1], [self._side(q)], "new"
        rest = self._new(f"r{m}", "mix", symbol="mul")
        rest.ins, rest.note = [one_minus.id, self._side(a)], "new"
        out = self.shown[self.id_of(d)]
        out.ins = [kept.id, rest.id]
        out.note = (a, q, before)                 # "computed as a + q ⊙ (b - a)"
        self.fixed.add(out.id)
        # declared where the product was (the order dot starts from)
        ids = [kept.id if i == self.id_of(m) else i for i in order if i != self.id_of(s)]
        self.shown = {i: self.shown[i] for i in ids + [i for i in self.shown if i not in ids]}

    # ---- what the path reads ------------------------------------------------------------
    def _add(self, n, kind):
        return self._new(self.id_of(n), kind, node=n)

    def _new(self, did, kind, node=None, symbol=None):
        shown = Shown(did, kind, node, self.unit)
        shown.symbol = symbol if symbol is not None else (
            self.g.nodes[node].op if node is not None else None)
        self.shown[did] = shown
        return shown

    def _side(self, n):
        """A node the path reads: a product or sum of such nodes becomes a mix node, anything
        else of the step a gate; a node of another step keeps its own display id."""
        g = self.g
        did = self.id_of(n)
        if did in self.shown or n not in self.inside or n in self.stops:
            return did
        self._add(n, "mix" if g.nodes[n].op in CARRY else "gate")
        if g.nodes[n].op in CARRY:
            self._read_inputs(n)
        return did

    def _constant(self, n):
        """A small unnamed leaf printed in its reader's label; never s_{t-1} or x_t (the
        zeros a hand-written loop starts from look like one)."""
        return self.g.is_constant(n) and n not in self.stops

    def _read_inputs(self, n):
        g, me = self.g, self.shown[self.id_of(n)]
        me.ins = []
        for j in g.input_numbers(n):
            if g.is_param[j]:
                me.params.append(j)
            elif self._constant(j):
                me.consts.append(float(g.nodes[j].data.ravel()[0]) if g.nodes[j].data.size == 1
                                 else g.nodes[j])
            else:
                me.ins.append(self._side(j))

    # ---- the rest of the step, collapsed ------------------------------------------------
    def _collapse(self):
        """Each shown node that reads ops not shown gets them as a box; nodes with the same
        sources (the shown nodes, x_t and s_{t-1} the hidden ops read) share one box."""
        g = self.g
        shown_nodes = {s.node for s in self.shown.values() if s.node is not None} | self.stops
        boxes = {}
        for shown in list(self.shown.values()):
            n = shown.node
            if n is None or shown.kind in ("belt", "branch", "mix") or n in self.hidden:
                continue
            ins = []
            for j in g.input_numbers(n):
                if g.is_param[j]:
                    shown.params.append(j)
                elif (j in shown_nodes or j not in self.inside) and not self._constant(j):
                    ins.append(self.id_of(j))
            members, sources, params = self._behind(n, shown_nodes)
            if members:
                key = tuple(sources)
                box = boxes.get(key)
                if box is None:
                    box = boxes[key] = Shown(f"b{self.unit.number}_{len(boxes)}", "box",
                                             unit=self.unit)
                    box.ins = [self.id_of(i) for i in sources]
                box.members = sorted(set(box.members) | members)
                box.params = sorted(set(box.params) | params)
                ins.append(box.id)
            shown.ins = ins
        for box in boxes.values():
            self.shown[box.id] = box

    def _behind(self, n, shown_nodes):
        """``(members, sources, params)``: the ops of the step that ``n`` reads through ops
        not shown, the shown nodes and inputs those read, and their parameters."""
        g = self.g
        members, sources, params = set(), set(), set()
        todo = [j for j in g.input_numbers(n) if j in self.inside and j not in shown_nodes]
        while todo:
            j = todo.pop()
            if j in members:
                continue
            members.add(j)
            for i in g.input_numbers(j):
                if g.is_param[i]:
                    params.add(i)
                elif self._constant(i):
                    continue
                elif i in shown_nodes or i not in self.inside:
                    sources.add(i)
                else:
                    todo.append(i)
        return members, sorted(sources), params
