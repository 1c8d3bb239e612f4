"""Draw a ``tr.testing.GradientReport`` (``report.draw()``): ``tr.draw`` of the checked graph
(the ops view, one cluster per time step; the cells view when the graph is too large for it),
each op whose backward is wrong filled red with its scope path and, per wrong input, expected vs
got. Returns a ``graphviz.Digraph`` (``.source`` is DOT; Jupyter displays it).
"""


def _fmt(x):
    return f"{x:.4g}"


def messages(report):
    """``{op node: message}``: ``WRONG backward at elman/t=3`` and a line per wrong input."""
    wrong = {}
    for p in report.problems:
        wrong.setdefault(p.node, [f"WRONG backward at {p.scope or '(no scope)'}"]).append(
            f"input {p.input_index} ({p.input_label}): " + (
                p.message[:60] if p.message else
                f"expected {_fmt(p.expected)}, got {_fmt(p.got)} at {p.index}"))
    return {node: "\n".join(lines) for node, lines in wrong.items()}


def draw_report(report, view=None, **options):
    """``view``: ``"ops"`` (default while the graph is small enough for it) or ``"cells"``;
    ``options`` go to ``tr.draw`` (``show=``, ``title=``)."""
    from .api import GraphTooLarge, draw
    if not report.nodes:
        raise ValueError("draw: the report checked no op, there is no graph to draw")
    used = {id(inp) for node in report.nodes for inp in node.inputs}
    roots = [node for node in report.nodes if id(node) not in used]
    highlight = messages(report)
    if view is None:
        try:
            return draw(roots, view="ops", highlight=highlight, **options)
        except GraphTooLarge:
            view = "cells"
    return draw(roots, view=view, highlight=highlight, **options)
