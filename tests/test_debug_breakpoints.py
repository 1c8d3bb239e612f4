"""Breakpoints (op, time step, node name, first NaN/Inf) and creation sites; frames and the
notebook display."""
import inspect
import os

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Breakpoint, Stepper

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(-1), 0 ** -0.5


def unrolled(T=4, nan_at=None):
    tr.manual_seed(1)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.1 * t) for t in range(1, T + 1)]
    if nan_at is not None:
        xs[nan_at - 1][0, 0] = np.nan
    line = inspect.currentframe().f_lineno + 1
    ys, states = tr.rnn.unroll(cell, xs, labels=[f"w{t}" for t in range(1, T + 1)])
    return tr.stack(ys).sum(), states, line


def test_break_on_op_step_and_name():
    loss, states, _ = unrolled()
    st = Stepper(loss)
    st.break_at("op=tanh")
    hits = []
    while (e := st.cont()) is not None:
        hits.append((e.phase, e.t))
    assert hits == [("forward", t) for t in (1, 2, 3, 4)] + [("backward", t) for t in (4, 3, 2, 1)]
    assert st.index == len(st) - 1                     # no more hits: parked at the end
    st.goto(0)
    st.clear_breakpoints()
    st.break_at(t=3)
    assert st.cont().t == 3 and st.event.phase == "forward"
    assert all(e.t != 3 for e in st.events[:st.index])
    st.goto(0)
    e = st.run_to("name=s_2")
    assert e.node is states[2] and e.phase == "forward"
    assert st.run_to("name=s_2").phase == "backward"
    assert st.run_to("name=s_2") is None


def test_breakpoint_parsing():
    bp = Breakpoint.parse("op=tanh, t=3 phase=backward")
    assert (bp.op, bp.t, bp.phase, bp.nan) == ("tanh", 3, "backward", False)
    assert Breakpoint.parse("nan").nan and str(Breakpoint.parse("t=2 nan")) == "t=2 nan"
    for bad in ("op", "t=three", "color=red", "", "phase=sideways"):
        with pytest.raises(ValueError, match="breakpoint"):
            Breakpoint.parse(bad)


def make_nan_at_step_3():
    """A hand-written recurrence whose third step takes log of a negative number."""
    s = tr.Tensor([[0.5, 2.0]], requires_grad=True, name="s_0")
    line = None
    for t in range(1, 5):
        with tr.scope(f"t={t}", t=t, label=f"w{t}"):
            shift = 5.0 if t == 3 else 0.0
            line = inspect.currentframe().f_lineno + 1 if t == 3 else line
            s = (s * 0.9 + 1.0 - shift).log() + 1.5
    return s.sum(), line


def test_break_on_nan_forward_names_step_and_creation_site():
    loss, line = make_nan_at_step_3()
    st = Stepper(loss)
    st.break_at("nan")
    e = st.cont()
    assert e is not None and e.phase == "forward" and e.op == "log" and e.t == 3
    assert not np.isfinite(e.value).all()
    assert e.origin[0] == __file__ and e.origin[1] == line
    assert e.origin[2] == "make_nan_at_step_3"
    where = st.where()
    assert f"{os.path.basename(__file__)}:{line} in make_nan_at_step_3" in where
    assert "t=3 'w3'" in where
    assert st.first_nonfinite() is e


def test_nan_inside_unroll_points_at_the_step_and_the_unroll_call():
    loss, states, line = unrolled(nan_at=3)
    st = Stepper(loss)
    e = st.run_to(nan=True)
    assert e.t == 3 and e.label == "w3" and e.op == "matmul"
    assert e.origin[0] == __file__ and e.origin[1] == line  # the user's unroll call


def test_nan_only_in_the_backward_pass():
    x = tr.Tensor([[0.0, 4.0]], requires_grad=True, name="x")
    loss = (x ** 0.5).sum()                            # d sqrt(x)/dx = inf at x = 0
    st = Stepper(loss)
    e = st.run_to("nan")
    assert e.phase == "backward" and e.node is x and np.isinf(e.grad).any()
    assert all(ev.is_finite() for ev in st.events if ev.phase == "forward")


def test_frame_shows_progress_and_current_node():
    graphviz = pytest.importorskip("graphviz")
    loss, states, _ = unrolled(T=3)
    st = Stepper(loss)
    st.run_to(name="s_2")
    g = st.frame()
    assert isinstance(g, graphviz.Digraph)
    ids = g.node_ids                                   # tr.draw's ids: the same in every frame
    lines = {n: next(s for s in g.body if s.strip().startswith(ids[n] + " ["))
             for n in states[1:]}
    assert "penwidth=3" in lines[states[2]]            # current: highlighted
    assert "v=" in lines[states[1]] and "dashed" not in lines[states[1]]
    assert "dashed" in lines[states[3]] and "v=" not in lines[states[3]]
    assert "penwidth=3" not in lines[states[1]] + lines[states[3]]
    st.goto(len(st) - 1)
    end = st.frame()
    assert end.node_ids == ids
    assert end.source.count("g=") >= 3
    assert not any("gray75" in s for s in end.body)     # no node is left greyed out
    cells = st.frame(view="cells")
    assert r'label="\"w2\""' in cells.source and "shared parameters" in cells.source
    assert cells.node_ids[states[2]] != cells.node_ids[states[3]]   # one box per step
    with pytest.raises(ValueError, match="view"):
        st.frame(view="pixels")
    steps = Stepper(loss, granularity="step")
    steps.step()                                        # forward, step 2: its cell box current
    g = steps.frame()
    box = g.node_ids[states[2]]
    current = [s for s in g.body if "penwidth=3" in s]
    assert any(s.strip().startswith(box + " [") and "s_2: v=" in s for s in current)
    # the current ones: step 2's cell and the y_2 it outputs, nothing else
    assert all(set(g.node_tensors[s.split()[0]]) <= set(st.by_name[n] for n in st.by_name
                                                          if "@t=2" in n or n == "s_2")
               for s in current)


def test_notebook_display():
    loss, _, _ = unrolled(T=2)
    st = Stepper(loss)
    bundle = st._repr_mimebundle_()
    assert "forward" in bundle["text/plain"]
    if "image/svg+xml" in bundle:                      # needs Graphviz's dot
        assert bundle["image/svg+xml"].startswith("<svg")
        assert "<svg" in bundle["text/html"] and "forward" in bundle["text/html"]
