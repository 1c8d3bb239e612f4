"""The debugger's names for the nodes of a graph, and the one way a typed name finds its node.

``name_nodes(order)`` gives every node a readable name (``s_3``, ``W^x``, ``tanh@t=3#1``,
``backward/s_3``); ``Names`` resolves what a user types (in ``p``, in a breakpoint, in an
expression) to a node, the same way everywhere:

1. the name exactly as the debugger prints it (``W^x``, ``tanh@t=3#1``, ``layer=2/s_3``);
2. its Python spelling: every run of characters that cannot be in a Python name becomes one
   ``_`` (``W_x`` for ``W^x``, ``tanh_t_3_1``, ``layer_2_s_3``, ``backward_W_s``). A spelling
   that two nodes would share is given to neither (type the exact name).

A name that finds nothing is refused with the closest names as suggestions.
"""
import difflib
import keyword
import re

from ..draw.graph import ROLE_SYMBOLS, RecordedGraph
from ..state import step_of

PARTS = ("direction", "layer", "part")   # scope attributes that name a part of a model
_NOT_IN_NAMES = re.compile(r"[^0-9A-Za-z_]+")
_PART_OF = re.compile(r"^(.*)\[(\d+)\]$")  # s_3[0]: part 0 of the composite state s_3


def name_nodes(order):
    """``{node: readable name}``. A named tensor inside a time step gets the step as a
    subscript (``s`` at t=3 -> ``s_3``), a parameter keeps its name (``W^x``); an unnamed
    tensor that its step declared (``Scope.role``) is named by its role, as in the drawings
    (the state of a student's cell ``s_3``, its parts ``s_3[0]``, ``s_3[1]``; ``x_3``, ``y_3``);
    any other unnamed op gets ``op@t=3#k`` (the k-th such op of step 3), an unnamed leaf
    ``const#k``. Nodes inside a scope that names a part of the model (attributes ``direction``,
    ``layer``, ``part``: a BiRNN direction, a Stacked layer, an encoder or decoder) are
    prefixed with it (``backward/s_3``, ``layer=2/s_3``, ``decoder/s_3``); so is a parameter
    whose every user is inside one part (``backward/W^x``, ``layer=2/W^s``: the drawing's
    W^x with its direction arrow or layer number). Names never repeat: a second tensor called
    ``x`` becomes ``x#2``."""
    roles = _role_names(order)
    owners = _parameter_parts(order)
    names, counts, taken = {}, {}, set()
    for node in order:
        t = step_of(node)[0]
        prefix = owners.get(node) or _part_prefix(node.scope)
        if node.name or node in roles:
            base, numbered = str(node.name) if node.name else roles[node][0], False
            t = t if node.name else roles[node][1]
            if t is not None and base.endswith("_t"):
                base = f"{base[:-1]}{t}"  # L_t at step 3 -> L_3
            elif t is not None and not base.endswith(f"_{t}"):
                base = f"{base}_{t}"
            base += roles[node][2] if not node.name and node in roles else ""
        else:
            base = (node.op or "const") + (f"@t={t}" if t is not None else "")
            numbered = True
        base = prefix + base
        k = counts.get(base, 0) + 1
        name = f"{base}#{k}" if numbered or k > 1 else base
        while name in taken:
            k += 1
            name = f"{base}#{k}"
        counts[base] = k
        taken.add(name)
        names[node] = name
    return names


def _part_prefix(path):
    return "".join(s.name + "/" for s in path if any(k in s.attrs for k in PARTS))


def _parameter_parts(order):
    """``{parameter: prefix}`` for the learned leaves whose users are all inside one part."""
    parts = {}
    for node in order:
        for inp in node.inputs:
            if inp.function is None and inp.requires_grad:
                parts.setdefault(inp, set()).add(_part_prefix(node.scope))
    return {p: next(iter(found)) for p, found in parts.items() if len(found) == 1}


def _role_names(order):
    """``{node: (symbol, t, part suffix)}`` of the unnamed nodes a scope declared: the same
    reading of the roles as the drawings' (``RecordedGraph``)."""
    if not order:
        return {}
    g = RecordedGraph(list(order))
    out = {}
    for n, (role, k, unit) in g.role_of.items():
        node = g.nodes[n]
        if not node.name:
            parts = len(unit.step.roles.get(role, ()))
            t = unit.pos if role == "x" else unit.t      # x_t: the word it is, in any direction
            out[node] = (ROLE_SYMBOLS[role], t, f"[{k}]" if parts > 1 else "")
    for n in g.losses:
        node = g.nodes[n]
        if not node.name and node not in out:
            out[node] = ("L", step_of(node)[0], "")
    return out


def identifier(name):
    """The Python spelling of a debugger name (``W^x`` -> ``W_x``), or None when there is none
    (a name that would start with a digit or be a keyword)."""
    text = _NOT_IN_NAMES.sub("_", name).strip("_")
    if not text.isidentifier() or keyword.iskeyword(text):
        return None
    return text


class Names:
    """Readable names of a graph's nodes (``names[node]``) and the way back (``find``)."""

    def __init__(self, order):
        self.of = name_nodes(order)
        self._identifiers = None
        self.exact = {name: node for node, name in self.of.items()}
        spelled = {}
        for node, name in self.of.items():
            ident = identifier(name)
            if ident is not None and ident not in self.exact:
                spelled.setdefault(ident, []).append(node)
        self.spelled = {k: v[0] for k, v in spelled.items() if len(v) == 1}
        # composite states: s_3 stands for its parts (s_3[0], s_3[1]) in expressions
        groups = {}
        for node, name in self.of.items():
            match = _PART_OF.match(name)
            if match:
                groups.setdefault(match.group(1), {})[int(match.group(2))] = node
        self.composite = {}
        for base, parts in groups.items():
            ident = identifier(base)
            if ident and ident not in self.exact and ident not in self.spelled:
                self.composite[ident] = tuple(parts[k] for k in sorted(parts))

    def __getitem__(self, node):
        return self.of[node]

    def get(self, node, default=None):
        return self.of.get(node, default)

    def find(self, name, what="node"):
        """The node called ``name`` (either spelling); KeyError with suggestions otherwise."""
        node = self.lookup(name)
        if node is None:
            raise KeyError(f"no {what} called {name!r}{self.suggest(name)}")
        return node

    def lookup(self, name):
        if not isinstance(name, str):
            return None
        node = self.exact.get(name)
        return node if node is not None else self.spelled.get(name)

    def suggest(self, name):
        """``"; did you mean s_2, s_3?"``, or ``""``."""
        close = difflib.get_close_matches(str(name), list(self.exact) + list(self.spelled),
                                          n=3, cutoff=0.5)
        return f"; did you mean {', '.join(close)}?" if close else ""

    def identifiers(self):
        """``{python spelling: node}`` of every node that has one (do not change it)."""
        if self._identifiers is None:
            out = dict(self.spelled)
            for name, node in self.exact.items():
                if name.isidentifier() and not keyword.iskeyword(name):
                    out[name] = node
            self._identifiers = out
        return self._identifiers
