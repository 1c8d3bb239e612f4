"""What a hand-written loop did not declare, found from the graph alone (never from names).

``unroll`` declares each step's x_t, s_{t-1} and s_t (``Scope.role``). A chain whose steps
declare no state (scopes opened by hand with ``tr.scope("t=3", t=3)``) is still drawn as a cell
chain when some step reads a node of the step before: those nodes are that step's state s_t.
The rest is found by position, since every step runs the same code: the last step's state sits
where the step before had its state, and the initial state s_0 is what the first step reads in
the op slot where the second step reads s_1.
"""


def infer_chain(g, chain, zero):
    """Fill ``chain`` (its units' state, state_in, x; its init) from the recorded graph."""
    units = chain.units
    for a, b in zip(units, units[1:]):
        mine = set(a.nodes)
        passed = sorted({j for n in b.nodes for j in g.input_numbers(n) if j in mine})
        if passed:
            a.state, b.state_in = passed, list(passed)
            chain.recurrent = True
    if not chain.recurrent:
        return
    chain.is_cell = True
    chain.backward = units[0].pos > units[-1].pos
    prev, last = units[-2], units[-1]
    if prev.state and not last.state:
        same_code = len(prev.nodes) == len(last.nodes)
        last.state = [last.nodes[prev.nodes.index(n)] for n in prev.state] if same_code \
            else last.nodes[-1:]
    chain.init = _initial_state(g, units[0], units[1], zero)
    units[0].state_in = list(chain.init)
    for unit in units:
        unit.x = _inputs(g, unit)


def _initial_state(g, first, second, zero):
    """What ``first`` reads where ``second`` reads its s_{t-1}, part by part."""
    slots = {}
    for k, n in enumerate(second.nodes):
        for i, j in enumerate(g.input_numbers(n)):
            if j in second.state_in:
                slots.setdefault(j, (k, i))
    made_at_zero = set(zero.nodes) if zero is not None else set()
    init = []
    for part in second.state_in:
        k, i = slots[part]
        if k >= len(first.nodes):
            continue
        inputs = g.input_numbers(first.nodes[k])
        j = inputs[i] if i < len(inputs) else None
        if j is not None and j not in init and g.unit_of[j] is None and (
                j in made_at_zero or g.nodes[j].function is None):
            init.append(j)
    return init


def _inputs(g, unit):
    """x_t: leaves of the step (no parameters, no small constants) and what it reads from
    outside every step that is a leaf or an op on leaves only (an embedding lookup)."""
    def plain(n):
        return not g.is_param[n] and not g.is_constant(n)

    known = set(unit.state_in)
    found = [n for n in unit.nodes if g.nodes[n].function is None and plain(n) and n not in known]
    for n in unit.nodes:
        for j in g.input_numbers(n):
            node = g.nodes[j]
            if g.unit_of[j] is None and j not in known and j not in found and plain(j) and (
                    node.function is None or all(t.function is None for t in node.inputs)):
                found.append(j)
    return found
