"""Frames are tr.draw's pictures: the same node ids, the Stepper's own gradients on the heat
scale (equal to what loss.backward() gives, while no tensor's .grad changes), partial sums."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper

pytest.importorskip("graphviz")


def elman(T=3):
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.5 * t) for t in range(1, T + 1)]
    ys, states = tr.rnn.unroll(cell, xs, labels=["John", "lives", "here"][:T])
    return tr.stack(ys).sum(), states, cell


def line_of(graph, nid):
    return next(s for s in graph.body if s.strip().startswith(nid + " ["))


@pytest.mark.parametrize("view", ["ops", "cells"])
def test_frame_ids_are_tr_draw_ids(view):
    loss, _, _ = elman()
    st = Stepper(loss)
    assert st.frame(view=view).node_ids == tr.draw(loss, view=view).node_ids


def test_gradients_at_the_end_are_those_of_backward():
    loss, states, cell = elman()
    st = Stepper(loss)
    st.goto(len(st) - 1)
    g = st.frame(view="cells")
    assert all(t.grad is None for t in tr.topological_order(loss))   # the Stepper's own sums
    loss.backward()
    for s in states[1:]:
        norm = float(np.sqrt((s.grad ** 2).sum()))
        assert f"|grad| {norm:.1e}" in line_of(g, g.node_ids[s])
    legend = line_of(g, "params")
    norm = float(np.sqrt((cell.W_s.grad ** 2).sum()))
    assert f"|grad| {norm:.1e}" in legend and "g=" in legend


def test_partial_gradient_of_a_shared_weight():
    loss, states, cell = elman()
    st = Stepper(loss)
    e = st.run_to(phase="backward", name="s_2")        # W^s has heard from step 3 only
    assert e is not None
    legend = line_of(st.frame(view="cells"), "params")
    assert "W^s: g(1 so far)=" in legend
    forward = st.goto(3)
    assert forward.phase == "forward"
    g = st.frame(view="cells")
    assert "|grad|" not in g.source                     # no heat scale before backward


def test_a_current_parameter_marks_its_own_line_not_the_whole_table():
    loss, states, cell = elman()
    st = Stepper(loss)
    st.goto(st.backward_at[cell.W_s])
    g = st.frame(view="cells")
    legend = line_of(g, "params")
    assert "penwidth=3" not in legend and "#ffd92f" not in legend     # the table is not lit
    assert "\u25b6 W^s: g=" in legend and "\u25b6 W^x" not in legend and "\u25b6 b" not in legend
    st.goto(st.backward_at[states[2]])                  # a state: its own box is lit
    g = st.frame(view="cells")
    assert "penwidth=3" in line_of(g, g.node_ids[states[2]])
    assert "\u25b6" not in line_of(g, "params")
