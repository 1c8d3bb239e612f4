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
    for bad in ("op", "t=three", "color=red", "", "phase=sideways", "t=1 t=2"):
        with pytest.raises(ValueError, match="breakpoint"):
            Breakpoint.parse(bad)
    with pytest.raises(ValueError, match="did you mean op="):
        Breakpoint.parse("opp=tanh")


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


def test_nan_only_in_the_backward_pass_stops_at_the_op_that_made_it():
    x = tr.Tensor([[0.0, 4.0]], requires_grad=True, name="x")
    root = x ** 0.5
    loss = root.sum()                                  # d sqrt(x)/dx = inf at x = 0
    st = Stepper(loss)
    e = st.run_to("nan")
    assert e.phase == "backward" and e.node is root and e.op == "pow"   # not x, its victim
    assert np.isfinite(e.grad).all() and np.isinf(e.sends[0].partial).any()
    assert e.culprit == "the backward of pow produced inf (in dL/dx)"
    assert all(ev.is_finite() for ev in st.events if ev.phase == "forward")
    assert st.run_to("nan") is None                    # x's gradient only passes it on


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


# ---- breakpoints that cannot silently miss ------------------------------------------------------
@pytest.mark.parametrize("spec, message", [
    ("name=nosuch", r"no node called 'nosuch'"),
    ("name=s_9", r"no node called 's_9'; did you mean s_4, s_3, s_2\?"),
    ("op=tanhh", r"no op 'tanhh' in this graph; did you mean tanh\? its ops are add, matmul, "),
    ("t=-1", r"t=-1 is not a time step of this graph; its steps are t=1..4"),
    ("t=999", r"t=999 is not a time step"),
    ("t=0", r"t=0 is not a time step"),
    ("name=s_2 t=3", r"no event of this graph has t=3 name=s_2"),
    ("op=matmul name=s_2", r"no event of this graph has op=matmul name=s_2"),
])
def test_impossible_breakpoints_are_refused_at_once(spec, message):
    loss, _, _ = unrolled()
    st = Stepper(loss)
    with pytest.raises(ValueError, match=message):
        st.break_at(spec)
    with pytest.raises(ValueError, match=message):
        st.run_to(spec)
    assert st.breakpoints == [] and st.index == 0


def test_a_step_that_is_not_a_whole_number_is_refused():
    loss, _, _ = unrolled()
    st = Stepper(loss)
    for t in ("3", 3.0, True):
        with pytest.raises(ValueError, match="t must be a whole number"):
            st.break_at(t=t)
    assert st.break_at(t=np.int64(3)).t == 3


def test_names_resolve_as_p_resolves_them():
    loss, states, _ = unrolled()
    st = Stepper(loss)
    cell_wx = st.node("W^x")
    assert st.node("W_x") is cell_wx                    # the finding: W_x never fired
    st.break_at("name=W_x")
    e = st.cont()
    assert e is not None and e.node is cell_wx and e.phase == "backward"
    st.goto(0)
    assert st.run_to("name=matmul_t_2_1").name == "matmul@t=2#1"   # the Python spelling
    with pytest.raises(ValueError, match="leaf that needs no gradient"):
        st.break_at("name=x_1")                         # an input: no event is about it


def test_no_duplicate_breakpoints_and_pdb_numbering():
    loss, _, _ = unrolled()
    st = Stepper(loss)
    one = st.break_at("op=tanh")
    assert st.break_at("op=tanh") is one and st.break_at(op="tanh") is one
    assert st.break_at("name=W_x") is st.break_at("name=W^x")    # the same node
    two = st.break_at("t=2")
    assert [bp.number for bp in st.breakpoints] == [1, 2, 3]
    st.clear_breakpoints(1)                             # one breakpoint, not all
    assert [bp.number for bp in st.breakpoints] == [2, 3]
    assert st.break_at("op=tanh").number == 4           # numbers are never reused
    with pytest.raises(ValueError, match="no breakpoint number 1"):
        st.clear_breakpoints(1)
    assert two.number == 3


def test_temporary_disabled_and_conditional_breakpoints():
    loss, states, _ = unrolled()
    st = Stepper(loss)
    tmp = st.break_at("op=tanh", temporary=True)
    assert st.cont().name == "s_1" and tmp not in st.breakpoints   # fired once, removed
    bp = st.break_at("op=tanh")
    bp.enabled = False
    assert st.cont() is None                            # disabled: runs to the end
    st.goto(0)
    bp.enabled = True
    st.set_condition(bp.number, "s_3.sum() > -100 if t_ready else False")
    st.variables["t_ready"] = False
    assert st.cont() is None                            # never true
    st.goto(0)
    st.variables["t_ready"] = True
    e = st.cont()                                       # s_3 is computed at the third tanh
    assert e.name == "s_3" and e.phase == "forward" and bp.hits == 1
    st.goto(0)
    st.set_condition(bp.number, "undefined_name > 0")   # a failing condition stops, as pdb
    assert st.cont().name == "s_1" and "NameError" in st.condition_errors[bp.number]
    with pytest.raises(SyntaxError):
        st.set_condition(bp.number, "s_1 >")
