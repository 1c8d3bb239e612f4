"""tr.draw's per-node options: grads=, highlight=, node_style=, node_text=, edge_style=, and the
tensor -> DOT id mapping (node_ids / node_tensors) of the returned Digraph."""
import re
import shutil
import subprocess

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.draw.hooks import HIGHLIGHT_FILL


def elman(T=3, seed=0):
    tr.manual_seed(seed)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.5 * t) for t in range(1, T + 1)]
    ys, states = tr.rnn.unroll(cell, xs, labels=["John", "lives", "here", "now"][:T])
    return tr.stack(ys).sum(), ys, states


def line_of(graph, nid):
    return next(s for s in graph.body if s.strip().startswith(nid + " ["))


@pytest.mark.parametrize("view", ["cells", "ops", "rolled"])
def test_no_options_change_nothing(view):
    loss, _, _ = elman()
    plain = tr.draw(loss, view=view).source
    same = tr.draw(loss, view=view, grads=None, highlight={}, node_style=None, node_text=None,
                   edge_style=None).source
    assert plain == same


@pytest.mark.parametrize("view", ["cells", "ops", "rolled"])
def test_node_ids_map_tensors_to_their_nodes(view):
    loss, ys, states = elman()
    g = tr.draw(loss, view=view)
    nodes = tr.topological_order(loss)
    for t, nid in g.node_ids.items():
        assert t in g.node_tensors[nid]
        assert line_of(g, nid)                         # the id is a declared node
    params = [t for t in nodes if t.function is None and t.requires_grad]
    assert {g.node_ids[p] for p in params} == {"params"}
    loss2 = elman()[0]                                 # the same program: the same ids
    again = tr.draw(loss2, view=view)
    assert [g.node_ids.get(t) for t in nodes] == \
        [again.node_ids.get(t) for t in tr.topological_order(loss2)]
    s = states[1:]
    if view == "ops":                                  # one node per op
        assert len({g.node_ids[t] for t in s}) == 3
        assert all("<B>tanh</B>" in line_of(g, g.node_ids[t]) for t in s)
    elif view == "cells":                              # every op of one step in one box
        for t, state in enumerate(s):
            step_ops = [n for n in nodes if n.scope and n.scope[-1].name == f"t={t + 1}"
                        and n.function is not None]
            assert {g.node_ids[n] for n in step_ops} == {g.node_ids[state]}
        assert len({g.node_ids[t] for t in s}) == 3
    else:                                              # rolled: all steps fold into one cell
        assert len({g.node_ids[t] for t in s}) == 1


def test_grads_mapping_replaces_dot_grad():
    loss, _, states = elman()
    loss.backward()
    nodes = tr.topological_order(loss)
    by_grad = tr.draw(loss, view="ops", show="grad").source
    same = tr.draw(loss, view="ops", show="grad", grads={t: t.grad for t in nodes}).source
    assert by_grad == same
    scaled = tr.draw(loss, view="ops", show="grad", grads={t: 10 * t.grad for t in nodes
                                                           if t.grad is not None})
    s2 = states[2]
    norm = 10 * float(np.sqrt((s2.grad ** 2).sum()))   # NumPy, not our norm
    assert f"|grad| {norm:.1e}" in line_of(scaled, scaled.node_ids[s2])
    missing = tr.draw(loss, view="ops", show="grad", grads={})
    assert "no grad" in line_of(missing, missing.node_ids[s2])


def test_grads_without_backward():
    loss, _, states = elman()
    assert states[1].grad is None
    fake = {states[1]: np.full((1, 3), 2.0)}          # |g| = sqrt(3 * 4)
    g = tr.draw(loss, view="cells", show="grad", grads=fake)
    assert f"|grad| {np.sqrt(12):.1e}" in line_of(g, g.node_ids[states[1]])


@pytest.mark.parametrize("view", ["cells", "ops"])
def test_highlight_marks_the_node_with_its_message(view):
    loss, _, states = elman()
    g = tr.draw(loss, view=view, highlight={states[2]: "look <here>\nsecond line"})
    marked = [s for s in g.body if HIGHLIGHT_FILL in s]
    assert len(marked) == 1 and marked[0].strip().startswith(g.node_ids[states[2]] + " [")
    assert "look &lt;here&gt;" in marked[0] and "second line" in marked[0]


def test_node_style_and_text_get_the_tensors_of_each_node():
    loss, _, states = elman()
    seen = []

    def style(tensors):
        seen.append(tensors)
        return {"color": "blue", "style": "dashed"} if states[2] in tensors else {}

    g = tr.draw(loss, view="cells", node_style=style,
                node_text=lambda ts: [f"{len(ts)} tensor(s) <&>"])
    assert all(isinstance(ts, tuple) for ts in seen)
    assert set(g.node_tensors.values()) == set(seen)
    line = line_of(g, g.node_ids[states[2]])
    assert "color=blue" in line and 'style="rounded,filled,dashed"' in line
    assert "tensor(s) &lt;&amp;&gt;" in line
    ops = tr.draw(loss, view="ops", node_style=lambda ts: {})
    assert "shape=box" in line_of(ops, ops.node_ids[states[1]])   # a framed table


def test_edge_style_sees_the_tensors_at_both_ends():
    loss, _, states = elman()
    calls = []

    def edge(tail, head):
        calls.append((tail, head))
        return {"color": "red"} if states[3] in head else {}

    g = tr.draw(loss, view="cells", edge_style=edge)
    assert calls and all(isinstance(a, tuple) and isinstance(b, tuple) for a, b in calls)
    into = [s for s in g.body if f"-> {g.node_ids[states[3]]}" in s]
    assert into and all("color=red" in s for s in into)
    assert all("color=red" not in s for s in g.body if "style=invis" in s)


def test_bad_options_are_named():
    loss, _, _ = elman(T=2)
    with pytest.raises(TypeError, match="grads="):
        tr.draw(loss, grads=[1, 2])
    with pytest.raises(TypeError, match="highlight="):
        tr.draw(loss, highlight="s_1")
    with pytest.raises(TypeError, match="node_style="):
        tr.draw(loss, node_style={"color": "red"})


@pytest.mark.parametrize("view", ["cells", "ops", "rolled"])
def test_hooks_that_return_the_wrong_thing_are_named(view):
    loss, _, states = elman(T=2)
    with pytest.raises(TypeError, match=r"edge_style must return a dict of DOT attributes .*list"):
        tr.draw(loss, view=view, edge_style=lambda a, b: ["x"])
    with pytest.raises(TypeError, match=r"node_style must return a dict .*str"):
        tr.draw(loss, view=view, node_style=lambda ts: "red")
    with pytest.raises(TypeError, match=r"node_text must return lines of text .*int"):
        tr.draw(loss, view=view, node_text=lambda ts: 5)
    with pytest.raises(TypeError, match=r"node_style returned color=\[1\]; a value must be a "
                                        r"string or a number"):
        tr.draw(loss, view=view, node_style=lambda ts: {"color": [1]})
    with pytest.raises(TypeError, match=r"grads= maps the tensor 's' to a str; each value must "
                                        r"be an array of numbers"):
        tr.draw(loss, view=view, show="grad", grads={states[1]: "abc"})
    text = tr.draw(loss, view=view, node_text=lambda ts: "one line").source
    assert text.count("one line") >= 3


@pytest.mark.parametrize("view", ["cells", "ops", "rolled"])
def test_no_hook_can_inject_dot(view):
    loss, _, _ = elman(T=2)
    with pytest.raises(ValueError, match=r"attribute name 'color=\"red\"\];evil\['"):
        tr.draw(loss, view=view, node_style=lambda ts: {'color="red"];evil[': "x"})
    with pytest.raises(ValueError, match="attribute name"):
        tr.draw(loss, view=view, edge_style=lambda a, b: {"a -> b [x": 1})
    evil = 'red"]; injected [label="x"]; q ["'
    html = "<<B>bold</B>>"
    g = tr.draw(loss, view=view, node_style=lambda ts: {"color": evil, "label": html},
                edge_style=lambda a, b: {"color": evil})
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', g.source)
    assert "injected" in g.source and "injected" not in outside_strings
    assert "label=<<B>bold</B>>" not in g.source             # a hook's value is never HTML
    plain = tr.draw(loss, view=view)
    assert sum(1 for s in g.body if "->" in s) == sum(1 for s in plain.body if "->" in s)
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tplain"], input=g.source.encode(), capture_output=True)
        assert done.returncode == 0, done.stderr
        laid = [line.split()[1] for line in done.stdout.decode().splitlines()
                if line.startswith("node ")]
        expected = [line.split()[1] for line in subprocess.run(
            ["dot", "-Tplain"], input=plain.source.encode(), capture_output=True,
            check=True).stdout.decode().splitlines() if line.startswith("node ")]
        assert laid == expected and "injected" not in laid


def test_text_longer_than_graphviz_allows_is_shortened_with_an_ellipsis():
    """dot refuses a string over 16,384 characters ("syntax error ... String starting:")."""
    words = [f"word{i}" for i in range(3500)]
    tr.manual_seed(0)
    ys, _ = tr.rnn.unroll(tr.rnn.ElmanCell(2, 2), np.zeros((2, 1, 2)),
                          labels=["w" * 20000, 'q"' * 9000])
    long_title = " ".join(words)
    assert len(long_title) > 16384
    for view in ("cells", "ops", "rolled"):
        g = tr.draw(ys, view=view, title=long_title, node_text=lambda ts: ["z" * 3000],
                    highlight={ys[0]: "m" * 3000})
        assert "\u2026" in g.source
        assert "word3499" not in g.source and "word100 " in g.source
        if shutil.which("dot"):
            done = subprocess.run(["dot", "-Tsvg"], input=g.source.encode(), capture_output=True)
            assert done.returncode == 0, done.stderr[-300:]
