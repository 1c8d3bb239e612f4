"""``tinygrad-rnn render`` through a subprocess: success, and every bad input, write error or
signal gives one error line, a non-zero exit, no traceback, no file, and no ``dot`` left."""
import os
import shutil
import signal
import xml.etree.ElementTree as ET

import pytest

from cli_support import (SIGNALS, device_link, one_error_line, run_cli, signal_while_dot_runs,
                         wait_gone)

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz dot not installed")
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")


def render(*args, cwd, **kw):
    return run_cli("render", *args, cwd=cwd, **kw)


def test_default_renders_the_lecture_sentence_and_nothing_else(tmp_path):
    out = tmp_path / ("john.svg" if HAVE_DOT else "john.dot")
    done = render("-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    for word in "John lives in Salt Lake City".split():
        assert word in text
    if HAVE_DOT:
        ET.fromstring(text)
    assert os.listdir(tmp_path) == [out.name]          # exactly the file asked for


@needs_dot
def test_keep_dot_writes_the_source_beside_the_image(tmp_path):
    done = render("-o", "john.svg", "--keep-dot", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"john.dot" in done.stdout
    assert sorted(os.listdir(tmp_path)) == ["john.dot", "john.svg"]
    assert (tmp_path / "john.dot").read_text().startswith("digraph")


@needs_dot
def test_an_image_never_clobbers_a_dot_file_of_the_same_name(tmp_path):
    (tmp_path / "x.dot").write_text("my notes")
    done = render("-o", "x.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x.dot").read_text() == "my notes"


@needs_dot
def test_a_folder_named_like_the_dot_file_is_left_alone(tmp_path):
    """Once an IsADirectoryError traceback: render wrote x.dot beside x.svg even unasked."""
    (tmp_path / "x.dot").mkdir()
    (tmp_path / "x.dot" / "notes.txt").write_text("mine")
    done = render("-o", "x.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ET.fromstring((tmp_path / "x.svg").read_text())
    assert sorted(os.listdir(tmp_path)) == ["x.dot", "x.svg"]
    assert os.listdir(tmp_path / "x.dot") == ["notes.txt"]


@pytest.mark.parametrize("args", [
    ["--cell", "lstm", "--view", "ops", "--show", "grad"],
    ["--cell", "gru", "--bidirectional", "--layers", "2", "--pattern", "transducer"],
    ["--pattern", "encoder-decoder", "--view", "rolled", "--show", "value"],
    ["--pattern", "acceptor", "--sentence", "a b c", "--hidden", "5", "--seed", "3"],
])
def test_options_render_a_dot_file(tmp_path, args):
    done = render(*args, "-o", "g.dot", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


@pytest.mark.parametrize("args, message", [
    (["--cell", "transformer"], "invalid choice"),
    (["--pattern", "seq2seq"], "invalid choice"),
    (["--sentence", "   "], "sentence is empty"),
    (["--layers", "0"], "--layers"),
    (["--layers", "100000"], "--layers must be between 1 and"),
    (["--hidden", "-2"], "--hidden"),
    (["--hidden", "100000"], "--hidden 100000 is too large: it needs about 149 GiB"),
    (["-o", "out.jpg"], "suffix"),
    (["-o", "missing/out.dot"], "does not exist"),
    (["-o", "folder.dot"], "folder"),
    (["--timeout", "nan", "-o", "out.svg"], "--timeout must be a number of seconds > 0"),
    (["--timeout", "inf", "-o", "out.svg"], "--timeout must be"),
    (["--timeout", "0", "-o", "out.svg"], "--timeout must be"),
    (["--timeout", "-1", "-o", "out.svg"], "--timeout must be"),
    (["--keep-dot", "-o", "x.svg"], "cannot write 'x.dot': it is a folder"),
    (["-o", "link.svg"], "it is {what} ('link.svg' links to '{target}')"),
])
def test_bad_input_one_line_no_traceback_no_file(tmp_path, args, message):
    (tmp_path / "folder.dot").mkdir()
    (tmp_path / "x.dot").mkdir()
    target, what = device_link(str(tmp_path), "link.svg")     # as a link to /dev/full
    before = sorted(os.listdir(tmp_path))
    if "-o" not in args:
        args = args + ["-o", "out.dot"]
    done = render(*args, cwd=tmp_path)
    line = one_error_line(done, "render")
    assert message.format(what=what, target=target) in done.stderr.decode(), line
    assert sorted(os.listdir(tmp_path)) == before
    assert os.readlink(tmp_path / "link.svg") == target      # the link is kept


def test_sentence_that_is_not_utf8(tmp_path):
    done = run_cli(b"render", b"--sentence", b"John \xff\xfe lives", b"-o", b"x.dot",
                   cwd=tmp_path)
    line = one_error_line(done, "render")
    assert "--sentence is not valid UTF-8" in line and r"b'\xff\xfe'" in line
    assert os.listdir(tmp_path) == []


@needs_dot
def test_a_symlink_is_written_through(tmp_path):
    (tmp_path / "real.svg").write_text("old")
    os.symlink("real.svg", tmp_path / "link.svg")
    done = render("-o", "link.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert os.readlink(tmp_path / "link.svg") == "real.svg"
    ET.fromstring((tmp_path / "real.svg").read_text())
    assert sorted(os.listdir(tmp_path)) == ["link.svg", "real.svg"]


@needs_dot
@pytest.mark.parametrize("name", ["a.svg", "a.dot"])
def test_write_error_keeps_the_old_file(tmp_path, name):
    (tmp_path / name).write_text("old")
    done = render("--sentence", " ".join(map(str, range(40))), "-o", name, cwd=tmp_path,
                  file_limit=4096)                 # ulimit -f: the file would be larger
    line = one_error_line(done, "render")
    assert f"cannot write '{name}': File too large" in line
    assert (tmp_path / name).read_text() == "old"
    assert os.listdir(tmp_path) == [name]           # no temporary file left


@needs_dot
@pytest.mark.parametrize("view, advice", [("cells", False), ("ops", True)])
def test_timeout_message_speaks_cli(tmp_path, view, advice):
    done = render("--view", view, "--timeout", "0.0001", "-o", "x.svg", cwd=tmp_path)
    line = one_error_line(done, "render")
    assert "dot took longer than 0.0001 s (--timeout)" in line
    assert ("--view cells" in line) == advice and "view=" not in line
    assert os.listdir(tmp_path) == []


def test_too_large_ops_view_speaks_cli(tmp_path):
    done = render("--cell", "lstm", "--view", "ops", "--sentence",
                  " ".join(map(str, range(300))), "-o", "x.dot", cwd=tmp_path)
    line = one_error_line(done, "render")
    assert "--view cells" in line and "max_nodes" not in line and "view=" not in line
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_unwritable_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        done = render("-o", str(locked / "out.dot"), cwd=tmp_path)
    finally:
        locked.chmod(0o700)
    assert "permission denied" in one_error_line(done, "render")
    assert os.listdir(locked) == []


@needs_dot
@needs_proc
@pytest.mark.parametrize("signum, status", SIGNALS)
def test_signal_while_dot_runs_kills_dot_and_leaves_nothing(tmp_path, signum, status):
    (tmp_path / "big.svg").write_text("old picture")
    words = " ".join(map(str, range(160)))       # an LSTM ops view dot needs seconds for
    done, dot = signal_while_dot_runs(["render", "--cell", "lstm", "--view", "ops",
                                       "--sentence", words, "-o", "big.svg", "--keep-dot"],
                                      tmp_path, signum)
    assert done.returncode == status
    line = one_error_line(done, "render")
    assert signal.Signals(signum).name in line or "interrupted" in line
    assert wait_gone(dot), "dot survived"
    assert os.listdir(tmp_path) == ["big.svg"]       # no .dot, no temporary file
    assert (tmp_path / "big.svg").read_text() == "old picture"
