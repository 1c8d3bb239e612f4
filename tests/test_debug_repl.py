"""The prompt's commands mean what they mean in pdb: the documented rules of n, r, u/d and bt,
p/pp over expressions, display, !, list, breakpoints by number (clear asks), and the old
surprises (b moving back, n 0 claiming the first event) gone."""
import inspect
import io
import os
import re

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper
from tinygrad_rnn.debug.repl import HELP, Repl

WORDS = ["John", "lives", "in"]


def elman(T=3):
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.5 * t) for t in range(1, T + 1)]
    line = inspect.currentframe().f_lineno + 1
    ys, states = tr.rnn.unroll(cell, xs, labels=WORDS[:T])
    return tr.stack(ys).sum(), states, cell, line


def numbers(text):
    return np.array([float(v) for v in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?", text)])


def run(stepper, *commands):
    out = io.StringIO()
    code = Repl(stepper, out=out).script(list(commands))
    return code, out.getvalue()


def test_next_steps_over_a_whole_time_step_at_a_state():
    loss, states, _, _ = elman()
    st = Stepper(loss)
    assert st.event.t == 1 and st.level() == 1          # an op inside step 1
    assert st.next().name == "matmul@t=1#2"             # the next op of the same step
    st.run_to("name=s_1")
    assert st.level() == 0                               # a step's result: the top level
    assert st.next().name == "s_2" and st.next().name == "s_3"   # over all ops of a step
    assert st.next().op == "stack"                       # outside the steps: the top level too
    st.run_to("phase=backward name=s_3")
    assert st.next().name == "s_2" and st.event.phase == "backward"
    st.goto(0)
    assert st.finish().name == "s_1"                     # r: to the end of the time step
    assert st.finish().name == "s_2"                     # from its end: to the next one's
    st.break_at("name=add@t=2#1")
    assert st.goto(5) and st.finish().name == "add@t=2#1"   # a breakpoint on the way stops it
    assert st.last_hits and st.last_hits[0].number == 1


def test_backtrace_is_the_shortest_path_of_consumers_from_the_loss():
    loss, states, _, _ = elman()
    st = Stepper(loss)
    st.run_to("name=s_1")
    path = st.backtrace()
    assert path[0] is loss and path[-1] is states[1]
    assert all(any(i is b for i in a.inputs) for a, b in zip(path, path[1:]))
    assert [st.names[n] for n in path] == ["sum#1", "stack#1", "s_1"]   # y_1 = s_1, stacked


def test_pdb_commands(tmp_path):
    loss, states, cell, line = elman()
    st = Stepper(loss)
    code, out = run(st, "s", "n", "b op=tanh", "c", "p s_1", "p s_1.T * 2", "pp W_s",
                    "w", "bt", "l", "u", "w", "d", "d", "display s_1.sum()", "n", "n",
                    "!a = s_2 + 1", "p a - s_2", "a.shape", "q", "s")
    assert code == 1                                     # the second d failed (bottom of bt)
    assert "[2/" in out and "[3/" in out                 # s then n
    assert "Breakpoint 1: op=tanh (matches 6 events)" in out
    assert re.search(r"Breakpoint 1: op=tanh\n\[5/\d+\] forward  s_1 = tanh", out)
    value = re.search(r"p s_1\ns_1 = tanh\(add@t=1#2\)   shape \(1, 3\)\n  value: (.*)\n",
                      out).group(1)
    assert np.allclose(numbers(value), states[1].data.ravel(), atol=1e-4)
    twice = re.search(r"p s_1\.T \* 2\n(\[\[.*?\]\])\n\(tr-debug\)", out, re.S).group(1)
    assert twice.count("\n") == 2                       # a column, as NumPy prints it
    assert np.allclose(numbers(twice), 2 * states[1].data.ravel(), atol=1e-3)
    assert "W^s (leaf)   shape (3, 3)" in out            # pp W_s: W_s finds W^s
    assert f"in elman > t=1 'John'; made at {os.path.basename(__file__)}:{line}" in out
    assert "> s_1 = tanh(add@t=1#2)   t=1 'John'\n" in out   # bt's last line, marked
    assert "(up 1 from the current node)\nstack#1:" in out
    assert "*** Newest frame" in out
    assert f"{line:4d} ->     ys, states = tr.rnn.unroll(cell, xs, labels=WORDS[:T])" in out
    assert "display s_1.sum(): " in out and "[old: " not in out   # s_1 never changes again
    assert "(tr-debug) p a - s_2\n[[1. 1. 1.]]" in out and "(1, 3)" in out
    assert out.rstrip().endswith("(tr-debug) q")         # q left: the last s never ran


def test_display_shows_a_change_and_undisplay_stops_it():
    loss, _, _, _ = elman()
    st = Stepper(loss)
    code, out = run(st, "display grad('W_s')", "b phase=backward name=W_s", "c", "undisplay",
                    "back 3", "display", "q")
    assert code == 0
    assert "display grad('W_s'): None" in out
    assert re.search(r"display grad\('W_s'\): \[\[.*\[old: None\]", out, re.S)
    shown = [line for line in out.splitlines() if line.startswith("display grad")]
    assert len(shown) == 2 and "no displays" in out     # none after undisplay (back 3)


def test_breakpoint_commands_by_number():
    loss, _, _, _ = elman()
    st = Stepper(loss)
    code, out = run(st, "b op=tanh", "b op=tanh", "tbreak t=2", "b t=3", "disable 1", "b",
                    "c", "c", "enable 1", "condition 1 s_1.sum() > 100", "b", "clear 3",
                    "clear", "n", "b", "clear 9", "q")
    assert code == 1                                     # clear 9: no such breakpoint
    assert "(breakpoint 1 is already op=tanh)" in out
    assert "Temporary breakpoint 2: t=2 (matches 10 events)" in out
    assert re.search(r"1   breakpoint  keep no    op=tanh\n2   tbreak      del  yes   t=2", out)
    assert "Breakpoint 2: t=2 (temporary: now removed)\n[6/" in out
    assert "Breakpoint 3: t=3\n[11/" in out
    assert "New condition set for breakpoint 1: s_1.sum() > 100" in out
    assert "\tstop only if s_1.sum() > 100" in out
    assert "Deleted breakpoint 3: t=3" in out
    assert "Clear all breaks? n" in out                  # the script's next line answers
    assert "no breakpoints" not in out.split("Clear all breaks? n")[1].split("clear 9")[0]
    assert "*** no breakpoint number 9 (breakpoints: 1)" in out


def test_the_old_surprises_are_gone():
    loss, _, _, _ = elman()
    st = Stepper(loss)
    code, out = run(st, "s 3", "b -2", "b 2", "n 0", "s -1", "back 2", "rs", "back 5", "q")
    assert code == 1
    assert "*** b is break, as in pdb" in out and "type back 2 (or rs)" in out
    assert st.index == 0 and "[4/" in out               # b -2 and b 2 did not move
    assert "*** the number of events must be 1 or more, got 0" in out
    assert "(already at the first event)" in out.split("back 5")[1]   # only where it is true
    assert out.count("(already at the first event)") == 1


def test_help_documents_the_rules():
    _, out = run(Stepper(elman()[0]), "h", "h n", "h u", "h nosuch")
    for text in ("n, next [k]", "over all the ops of a step", "u, up [k]", "toward the loss",
                 "bt, backtrace", "back, rs [k]", "b is break, as in pdb", "tbreak SPEC",
                 "condition N [EXPR]", "display [EXPR]", "! STMT", "pp EXPR"):
        assert text in " ".join(HELP.split()) and text in " ".join(out.split())
    assert "*** no command 'nosuch'" in out


def test_ctrl_c_at_the_prompt_cancels_the_line(monkeypatch):
    loss, _, _, _ = elman()
    lines = iter(["s", KeyboardInterrupt, "s", "q"])

    def fake_input(prompt):
        line = next(lines)
        if line is KeyboardInterrupt:
            raise KeyboardInterrupt
        return line

    monkeypatch.setattr("builtins.input", fake_input)
    out = io.StringIO()
    assert Repl(Stepper(loss), out=out).interact() == 0
    assert "[3/" in out.getvalue()                       # both s ran: the session went on
    from tinygrad_rnn.cli import Terminated
    lines = iter([Terminated(15)])
    monkeypatch.setattr("builtins.input", lambda prompt: (_ for _ in ()).throw(next(lines)))
    with pytest.raises(Terminated):                       # SIGTERM still ends it
        Repl(Stepper(loss), out=io.StringIO()).interact()
