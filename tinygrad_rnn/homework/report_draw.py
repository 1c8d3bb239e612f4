"""Draw a ``tr.testing.GradientReport``: the checked graph, one box per time step, the ops
whose backward is wrong filled red and the edge of each wrong input gradient labelled with
expected vs got. Returns a ``graphviz.Digraph`` (``.source`` is DOT; Jupyter displays it).

Node ids are counters in graph order, so the same program gives the same DOT.
"""


def _fmt(x):
    return f"{x:.4g}"


def draw_report(report):
    import graphviz

    wrong = {}
    for p in report.problems:
        wrong.setdefault(p.node, []).append(p)
    ids = {}
    leaves = []
    for node in report.nodes:
        for inp in node.inputs:
            if inp not in ids and inp.function is None and inp not in leaves:
                leaves.append(inp)
        ids[node] = None
    for i, t in enumerate(leaves + list(report.nodes)):
        ids[t] = f"n{i}"
    dot = graphviz.Digraph("gradient_report", graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
                           node_attr={"fontname": "Helvetica", "fontsize": "10"})
    clusters = {}
    for t in leaves + list(report.nodes):
        path = tuple(s.name for s in t.scope)
        clusters.setdefault(path, []).append(t)
    for c, (path, members) in enumerate(clusters.items()):
        target = dot
        sub = graphviz.Digraph(name=f"cluster_{c}", graph_attr={"label": "/".join(path),
                                                                 "style": "rounded"}) if path else None
        target = sub if sub is not None else dot
        for t in members:
            shape = (tuple(t.shape))
            if t.function is None:
                target.node(ids[t], f"{t.name or 'const'}\n{shape}", shape="ellipse")
            elif t in wrong:
                lines = [f"{t.op}  {shape}", "WRONG backward:"]
                lines += [f"input {p.input_index}: " + (p.message[:60] if p.message else
                          f"expected {_fmt(p.expected)}, got {_fmt(p.got)}") for p in wrong[t]]
                target.node(ids[t], "\n".join(lines), shape="box", style="filled",
                            fillcolor="#f4cccc", color="#cc0000", penwidth="2")
            else:
                target.node(ids[t], f"{t.op}  {shape}", shape="box")
        if sub is not None:
            dot.subgraph(sub)
    for node in report.nodes:
        bad = {p.input_index for p in wrong.get(node, [])}
        for k, inp in enumerate(node.inputs):
            if inp not in ids or ids[inp] is None:
                continue
            if k in bad:
                dot.edge(ids[inp], ids[node], color="#cc0000", penwidth="2",
                         label=f"dL/d input {k} wrong", fontcolor="#cc0000", fontsize="9")
            else:
                dot.edge(ids[inp], ids[node])
    return dot
