"""``tinygrad-rnn render`` through a subprocess: success, and every bad input gives one error
line, a non-zero exit, no traceback and no file."""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

HAVE_DOT = shutil.which("dot") is not None


def render(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tinygrad_rnn", "render", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_default_renders_the_lecture_sentence(tmp_path):
    out = tmp_path / ("john.svg" if HAVE_DOT else "john.dot")
    done = render("-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    for word in "John lives in Salt Lake City".split():
        assert word in text
    if HAVE_DOT:
        ET.fromstring(text)
        assert (tmp_path / "john.dot").exists()     # the source is written first


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
    (["--hidden", "-2"], "--hidden"),
    (["-o", "out.jpg"], "suffix"),
    (["-o", "missing/out.dot"], "does not exist"),
    (["-o", "folder.dot"], "folder"),
])
def test_bad_input_one_line_no_traceback_no_file(tmp_path, args, message):
    (tmp_path / "folder.dot").mkdir()
    if "-o" not in args:
        args = args + ["-o", "out.dot"]
    done = render(*args, cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and message in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(("tinygrad-rnn render: error:",
                                                            "tinygrad-rnn: error:"))
    assert sorted(os.listdir(tmp_path)) == ["folder.dot"]


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
    assert done.returncode != 0 and "permission denied" in done.stderr
    assert "Traceback" not in done.stderr and os.listdir(locked) == []
