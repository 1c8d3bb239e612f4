"""``tinygrad-rnn debug``: scripted with --commands, and driven through a real pseudo-terminal."""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tinygrad_rnn import cli
from tinygrad_rnn.commands.debug import build_graph
from tinygrad_rnn.debug import Stepper

from cli_support import SIGNALS, device_link, one_error_line, signal_while_dot_runs, wait_gone
from cli_support import run_cli as run_subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = ["--cell", "elman", "--pattern", "none", "--sentence", "John lives here", "--hidden", "3"]


def numbers(text):
    return np.array([float(v) for v in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?", text)])


def run_cli(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_commands_script(capsys, tmp_path):
    svg = tmp_path / "now.svg"
    code, out, err = run_cli(["debug", *MODEL, "--commands",
                              f"n;n;p s_1;break op=tanh;c;w;c;p s_1;frame {svg};q;n"], capsys)
    assert code == 0 and err == ""
    assert "(tr-debug) n\n[2/" in out and "[3/" in out
    assert "s_1 = tanh(" in out and "not computed yet" in out
    assert "Breakpoint 1: op=tanh (matches 6 events)" in out and "Breakpoint 1: op=tanh\n" in out
    assert "in elman > t=1 'John'" in out
    assert out.count("(tr-debug) ") == 10                # stopped at q: the last n never ran
    # the value printed by p is the one the model really computed
    args = cli.build_parser().parse_args(["debug", *MODEL])
    st = Stepper(build_graph(args))                    # render's model: x_t ~ N(0, 1), seed 0
    x_1 = np.random.default_rng(0).standard_normal((1, 4))
    s_1 = np.tanh(x_1 @ st.node("W^x").data + st.node("b").data)   # s_0 = 0
    value_line = [l for l in out.splitlines() if l.strip().startswith("value:")][-1]
    assert np.allclose(numbers(value_line), s_1.ravel(), atol=1e-4)
    if shutil.which("dot"):
        assert "<svg" in svg.read_text()


def test_commands_errors_and_help(capsys, tmp_path):
    code, out, _ = run_cli(["debug", *MODEL, "--commands",
                            "bogus;p nosuchnode;break color=red;frame x.txt;h"], capsys)
    assert code == 1                                   # a scripted command failed
    assert re.search(r"unknown command 'bogus'; type h for help", out)
    assert "name 'nosuchnode' is not defined" in out and "breakpoint: cannot read" in out
    assert "unknown output suffix" in out and not os.path.exists("x.txt")
    assert "b, break [SPEC]" in out                     # h
    code, out, _ = run_cli(["debug", *MODEL, "--granularity", "step", "--commands",
                            "s 100;s;back 100;back"], capsys)
    assert code == 0 and "(already at the last event)" in out
    assert "(already at the first event)" in out and "node(s)" in out


@pytest.mark.parametrize("spec, message", [
    ("name=nosuch", "no node called 'nosuch'"),
    ("name=s_99", "no node called 's_99'; did you mean "),
    ("op=tanhh", "no op 'tanhh' in this graph; did you mean tanh?"),
    ("t=-1", "t=-1 is not a time step of this graph; its steps are t=1..3"),
    ("t=999", "t=999 is not a time step"),
])
def test_a_breakpoint_that_cannot_fire_is_refused(spec, message, capsys):
    """The finding: these were accepted and c ran to the end with exit status 0."""
    code, out, err = run_cli(["debug", *MODEL, "--break", spec, "--commands", "c;q"], capsys)
    assert code == 2 and message in err and out == "" and len(err.strip().splitlines()) == 1
    code, out, err = run_cli(["debug", *MODEL, "--commands", f"b {spec};c;q"], capsys)
    assert code == 1 and f"*** breakpoint: {message}" in out
    assert "(no breakpoints: running to the end)" in out   # nothing was kept


def test_the_console_script_says_there_is_no_user_code(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "tinygrad-rnn")
    if not os.path.exists(script):
        pytest.skip("the tinygrad-rnn console script is not installed")
    done = subprocess.run([script, "debug", *MODEL, "--commands", "w;l;p s_1;q"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "tinygrad-rnn:" not in done.stdout           # the finding: the wrapper, line 6
    assert "no user code: made by tinygrad_rnn at tinygrad_rnn/rnn/elman.py:" in done.stdout
    assert "no user code: the model was built by tinygrad_rnn; the library's line is " \
           "tinygrad_rnn/rnn/elman.py:" in done.stdout  # l lists the library's source
    assert re.search(r"^\s*\d+ ->.*@", done.stdout, re.M)   # the line with the matmul


@pytest.mark.parametrize("argv, message", [
    (["--sentence", "  "], "--sentence is empty"),
    (["--layers", "0"], "--layers"),
    (["--hidden", "0"], "--hidden"),
    (["--break", "t=x"], "breakpoint"),
    (["--html", "/no/such/folder/p.html"], "does not exist"),
    (["--html", "page.txt"], ".html"),
])
def test_bad_options(argv, message, capsys):
    code, out, err = run_cli(["debug", *argv, "--commands", "q"], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_cell_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["debug", "--cell", "transformer"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_models_of_render(capsys):
    for extra in (["--cell", "lstm", "--bidirectional"], ["--cell", "gru", "--layers", "2"],
                  ["--pattern", "acceptor"], ["--pattern", "transducer"],
                  ["--pattern", "encoder-decoder"]):
        code, out, err = run_cli(["debug", "--sentence", "a b", *extra, "--commands",
                                  "break phase=backward;c;c"], capsys)
        assert code == 0 and "backward" in out, extra


def test_help_subprocess():
    done = subprocess.run([sys.executable, "-m", "tinygrad_rnn", "debug", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--commands" in done.stdout and "--html" in done.stdout


def test_pseudo_terminal_with_pdb_habits_only():
    """b, c, s, n, p expr, l, w, bt, q: what someone who knows pdb types first."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "tinygrad_rnn", "debug", *MODEL], cwd=ROOT,
                          encoding="utf-8", timeout=30, env={**os.environ, "TERM": "dumb"})
    try:
        child.expect_exact("(tr-debug) ")
        assert "[1/" in child.before
        child.sendline("s")
        child.expect(r"\[2/\d+\] forward")
        child.expect_exact("(tr-debug) ")
        child.sendline("")                             # empty line repeats s
        child.expect(r"\[3/\d+\] forward")
        child.sendline("b name=s_2")
        child.expect_exact("Breakpoint 1: name=s_2 (matches 2 events)")
        child.sendline("c")
        child.expect(r"forward  s_2 = tanh")
        child.sendline("p s_2.T")                      # an expression, not just a name
        child.expect(r"\[\[ ?-?\d\.\d+\]\r?\n \[ ?-?\d\.\d+\]")   # a column
        child.sendline("w")
        child.expect_exact("in elman > t=2 'lives'")
        child.sendline("bt")
        child.expect(r"stack#1 = stack\(sum#1, sum#2, sum#3\)\s+sum#2 = sum\(s_2\)\s+> s_2")
        child.sendline("l")
        child.expect(r"\d+ ->.*tanh")                   # the library's line that made s_2
        child.sendline("n")                            # s_2 -> s_3: over step 3's ops
        child.expect(r"forward  s_3 = tanh")
        child.expect_exact("(tr-debug) ")              # waiting for a line: now Ctrl-C it
        child.sendintr()                               # Ctrl-C at the prompt: a new prompt
        child.expect_exact("(tr-debug) ")              # (the fresh one: the old is consumed)
        child.sendline("p 1 + 1")
        child.expect(r"\r\n2\r\n")
        child.sendline("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0 and child.signalstatus is None


def test_pseudo_terminal_ctrl_d():
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "tinygrad_rnn", "debug", *MODEL], cwd=ROOT,
                          encoding="utf-8", timeout=30, env={**os.environ, "TERM": "dumb"})
    child.expect_exact("(tr-debug) ")
    child.sendline("b 2")                              # the old "back": a hint, no move
    child.expect_exact("to go 2 events back, type back 2")
    child.expect_exact("(tr-debug) ")
    child.sendeof()                                    # Ctrl-D quits cleanly
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_pseudo_terminal_quit():
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "tinygrad_rnn", "debug", *MODEL], cwd=ROOT,
                          encoding="utf-8", timeout=30)
    child.expect_exact("(tr-debug) ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# ---- the page's file: checked first, written atomically, nothing left on failure ------------
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


@needs_dot
def test_html_write_error_keeps_the_old_page(tmp_path):
    (tmp_path / "p.html").write_text("old page")
    done = run_subprocess("debug", "--sentence", " ".join(map(str, range(20))), "--html",
                          "p.html", cwd=tmp_path, file_limit=16 * 1024)
    assert "cannot write 'p.html': File too large" in one_error_line(done, "debug")
    assert os.listdir(tmp_path) == ["p.html"]
    assert (tmp_path / "p.html").read_text() == "old page"


@pytest.mark.parametrize("setup, argv, message", [
    ("link", ["--html", "link.html"], "it is {what} ('link.html' links to '{target}')"),
    ("dir", ["--html", "d.html"], "it is a folder"),
    (None, ["--view", "ops", "--cell", "lstm", "--sentence", " ".join(map(str, range(300))),
            "--html", "p.html"], "use --view cells"),
])
def test_html_bad_paths_and_graphs(tmp_path, monkeypatch, capsys, setup, argv, message):
    monkeypatch.chdir(tmp_path)
    if setup == "link":                                   # as a link to /dev/full
        message = message.format_map(dict(zip(("target", "what"),
                                              device_link(str(tmp_path), "link.html"))))
    elif setup == "dir":
        os.mkdir("d.html")
    before = sorted(os.listdir(tmp_path))
    code, out, err = run_cli(["debug", *argv], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "max_nodes" not in err
    assert sorted(os.listdir(tmp_path)) == before


def test_sentence_that_is_not_utf8(tmp_path):
    done = run_subprocess(b"debug", b"--sentence", b"a \xff", b"--commands", b"q", cwd=tmp_path)
    assert "--sentence is not valid UTF-8" in one_error_line(done, "debug")


@needs_dot
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
@pytest.mark.parametrize("signum, status", SIGNALS)
def test_signal_while_the_page_is_drawn(tmp_path, signum, status):
    words = " ".join(map(str, range(140)))
    done, dot = signal_while_dot_runs(["debug", "--cell", "lstm", "--view", "ops",
                                       "--sentence", words, "--html", "p.html"],
                                      tmp_path, signum)
    assert done.returncode == status
    one_error_line(done, "debug")
    assert wait_gone(dot), "dot survived"
    assert os.listdir(tmp_path) == []
