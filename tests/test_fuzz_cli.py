"""Fuzzing every ``tinygrad-rnn`` subcommand's arguments (hypothesis, derandomised).

The promise checked for every generated command line, run in-process through ``cli.main``:

- exit 0 with a valid result (the file asked for exists and is well formed), or
- a non-zero exit whose stderr is one error line (after argparse's usage block, if any), with
  no traceback, and not a single file created, changed or removed.

Each example runs in a fresh folder holding the traps a careless or hostile user could point
at: a folder named like an output, a symbolic link to a device (like ``/dev/full``, but a node
of the sandbox's own), a FIFO, an existing file; nothing in it points outside it. Values mix
valid ones with odd numbers (nan, inf, huge, negative), hostile words (``<!--<script>``,
quotes, braces, bytes that are not UTF-8) and odd paths. A command that runs longer than
LIMIT seconds fails the test (nothing may hang).
"""
import contextlib
import hashlib
import io
import os
import re
import shutil
import signal
import stat
import tempfile
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_rnn import cli

from cli_support import device_link

HAVE_DOT = shutil.which("dot") is not None
FUZZ = settings(derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SOLUTION = '''def f(x):
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
'''
TESTS = '''import hw


# points: 2
def test_f():
    assert hw.f(2) == 4
'''


# ---- the folder every example runs in ------------------------------------------------------
def make_traps(root):
    os.mkdir(os.path.join(root, "folder.dot"))
    os.mkdir(os.path.join(root, "sub"))
    with open(os.path.join(root, "existing.svg"), "w") as f:
        f.write("old")
    # links to a device, like ``ln -s /dev/full link.svg``; the device node is the sandbox's own
    # (so a command that replaced a link's target, as root, harms nothing outside it), two
    # levels up (so that no command copies or reads it by taking the whole folder)
    sandbox = os.path.dirname(os.path.dirname(root))
    target, _ = device_link(root, "link.svg", device_folder=sandbox)
    os.symlink(target, os.path.join(root, "link.html"))
    os.symlink("existing.svg", os.path.join(root, "tolink.svg"))
    os.mkfifo(os.path.join(root, "fifo.svg"))
    with open(os.path.join(root, "hw.py"), "w") as f:
        f.write(SOLUTION)
    os.mkdir(os.path.join(root, "tests"))
    with open(os.path.join(root, "tests", "test_hw.py"), "w") as f:
        f.write(TESTS)


def snapshot(root):
    """Every entry below ``root``: its kind and content (file hash, link target)."""
    seen = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(mode):
                seen[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(mode):
                with open(path, "rb") as f:
                    seen[rel] = ("file", hashlib.sha1(f.read()).hexdigest())
            else:
                seen[rel] = ("dir" if stat.S_ISDIR(mode) else "other", None)
    return seen


LIMIT = 30   # seconds any one command may take: nothing may hang (a FIFO opened, a worker)


class Hung(BaseException):
    """The command did not finish within LIMIT seconds."""


def _hung(signum, frame):
    raise Hung("the command did not finish in time")


def run_in_fresh_folder(argv, limit=LIMIT):
    """``cli.main(argv)`` in a new folder of traps: ``(code, stdout, stderr, before, after,
    root)``; the caller removes ``root``. The command runs two levels below ``root`` (in
    ``root/a/work``), so that even a ``..`` in a generated path stays inside ``root``."""
    root = tempfile.mkdtemp(prefix="fuzz-cli-")
    work = os.path.join(root, "a", "work")
    os.makedirs(work)
    make_traps(work)
    before = snapshot(root)
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(work)
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:            # argparse's own usage errors
                code = exc.code
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
    return code, out.getvalue(), err.getvalue(), before, snapshot(root), root


USAGE_LINE = re.compile(r"^(usage: |\s)")


def check_failure(code, err, before, after, argv):
    assert code != 0
    assert "Traceback" not in err, (argv, err)
    lines = err.rstrip("\n").splitlines()
    assert lines, (argv, "no error message")
    assert lines[-1].startswith("tinygrad-rnn") and ": " in lines[-1], (argv, err)
    assert all(USAGE_LINE.match(line) for line in lines[:-1]), (argv, err)
    assert after == before, (argv, "files changed on failure", _diff(before, after))


def _diff(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def check_output(path, suffix):
    """The file written is complete and of the format its suffix says."""
    if os.path.isdir(path):
        return
    with open(path, "rb") as f:
        data = f.read()
    suffix = suffix.lower()
    if suffix in (".dot", ".gv"):
        assert data.startswith(b"digraph")
    elif suffix == ".svg":
        ET.fromstring(data)
    elif suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif suffix == ".pdf":
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    elif suffix in (".html", ".htm"):
        assert data.startswith(b"<!DOCTYPE html>") and data.rstrip().endswith(b"</html>")


def check(argv, outputs, tree=None, script=False, keep=(), limit=LIMIT):
    """Run ``argv``; on success the files in ``outputs`` (paths relative to the folder; also
    anything below the folder ``tree``) must be the only ones changed, each well formed, and
    the inputs ``keep`` untouched; on failure nothing may change. ``script``: the debugger ran
    ``--commands``, which reports a failed command on stdout with exit status 1 (and must
    change no file either)."""
    code, out, err, before, after, root = run_in_fresh_folder(argv, limit)
    try:
        for path in keep:
            rel = os.path.join("a", "work", path)
            assert after.get(rel) == before.get(rel), (argv, "an input changed", path)
        if code == 0:
            assert "Traceback" not in err, (argv, err)
            expected = set()
            work = os.path.join(root, "a", "work")
            for path in outputs:
                full = os.path.join(work, path)
                expected |= {os.path.relpath(os.path.normpath(full), root),
                             os.path.relpath(os.path.realpath(full), root)}
                check_output(full, os.path.splitext(path)[1])
            top = os.path.relpath(os.path.normpath(os.path.join(work, tree)), root) \
                if tree else None
            # a folder tree (and the missing folders above it) may be created
            changed = {c for c in _diff(before, after)
                       if not (top and ((c + os.sep).startswith(top + os.sep) or
                                        (top.startswith(c + os.sep) and c not in before)))}
            assert changed <= expected, (argv, changed)
        elif script and code == 1 and err == "":
            assert "Traceback" not in out and after == before, (argv, out)
        else:
            check_failure(code, err, before, after, argv)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return code


# ---- values -------------------------------------------------------------------------------
INTS = st.one_of(st.integers(-3, 9).map(str),
                 st.sampled_from(["0", "-0", "10000000", "99999999999999999999", "1.5", "x", "",
                                  "nan", "0x10", "1e3"]))
FLOATS = st.one_of(st.floats(-5, 200, allow_nan=False).map(repr),
                   st.sampled_from(["nan", "inf", "-inf", "0", "-1", "1e-300", "1e300", "abc",
                                    "", "0.0001", "-0.0"]))
WORD = st.one_of(
    st.sampled_from(["John", "<!--<script>", "</script>", '"', "\\", "{", "}", "[label=x]",
                     "&amp;", "->", "–", "日本", "\U0001F600", "\udcff\udcfe", "a\tb", "x" * 40]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6))
SENTENCE = st.lists(WORD, min_size=0, max_size=6).map(" ".join)
NAMES = st.sampled_from(["out", "folder", "existing", "link", "tolink", "fifo", "sub/out",
                         "missing/out", "", ".", "..", "sub", "o ut", "ö", "\udcff", "x" * 300,
                         "-o"])


def path_with(suffixes):
    """A relative path (never absolute: the sandbox must hold whatever a command does)."""
    return st.builds(lambda name, suffix: (name + suffix).lstrip("/") or ".", NAMES,
                     st.sampled_from(suffixes))


def options(pairs, flags=()):
    """A command line of some of the ``--option value`` pairs (in any order) and flags."""
    items = [st.tuples(st.just(name), value).map(list) for name, value in pairs] + \
        [st.just([flag]) for flag in flags]
    return st.lists(st.one_of(items), max_size=len(items)).map(lambda parts: sum(parts, []))


MODEL = [("--cell", st.sampled_from(["elman", "lstm", "gru", "rnn", "LSTM", ""])),
         ("--pattern", st.sampled_from(["none", "acceptor", "transducer", "encoder-decoder",
                                        "x"])),
         ("--layers", st.sampled_from(["1", "2", "0", "-1", "65", "1000000000", "a"])),
         ("--hidden", st.sampled_from(["1", "3", "7", "0", "-2", "100000", "1e3"])),
         ("--seed", INTS),
         ("--sentence", SENTENCE)]
IMAGES = HAVE_DOT


def output_of(argv, option, default):
    """The output a successful run must have written (the last ``option`` given wins)."""
    value = default
    for i, a in enumerate(argv[:-1]):
        if a == option:
            value = argv[i + 1]
    return value


# ---- the subcommands -------------------------------------------------------------------------
@settings(FUZZ, max_examples=60)
@given(args=options(MODEL + [("--view", st.sampled_from(["cells", "ops", "rolled", "loop"])),
                             ("--show", st.sampled_from(["shape", "value", "grad", "all"])),
                             ("--timeout", FLOATS)],
                    flags=["--bidirectional", "--keep-dot"]),
       out=path_with([".dot", ".gv", ".DOT", "", ".jpg", ".svg", ".png", ".pdf", ".dot.svg"]))
def test_render(args, out):
    if not IMAGES and not out.lower().endswith((".dot", ".gv")):
        out += ".dot"
    argv = ["render", *args, "-o", out]
    outputs = [out]
    if "--keep-dot" in args and not out.lower().endswith((".dot", ".gv")):
        outputs.append(os.path.splitext(out)[0] + ".dot")
    check(argv, outputs)


@settings(FUZZ, max_examples=30)
@given(args=options([("--cell", st.sampled_from(["elman", "lstm", "gru", "elman,lstm", "lstm,",
                                                 ",", "ELMAN", "tree"])),
                     ("--steps", st.sampled_from(["1", "4", "0", "-3", "2001", "x"])),
                     ("--hidden", st.sampled_from(["2", "5", "0", "200000", "-1"])),
                     ("--input", st.sampled_from(["1", "3", "0", "100000000"])),
                     ("--seed", INTS),
                     ("--gate-bias", FLOATS)]),
       out=path_with([".png", ".svg", ".pdf", ".PNG", "", ".jpg", ".dot"]))
def test_gradflow(args, out):
    pytest.importorskip("matplotlib")
    if not any(a == "--steps" for a in args):
        args = args + ["--steps", "3"]            # keep it quick
    if not any(a == "--hidden" for a in args):
        args = args + ["--hidden", "4"]
    check(["gradflow", *args, "-o", out], [out])


SCRIPTS = st.sampled_from(["q", "n;n;p s_1;q", "c", "w;bt;l;q", "break op=tanh;c;q",
                           "n 3;b 2;q", "p", ";;;"])


@settings(FUZZ, max_examples=40)
@given(args=options(MODEL + [("--granularity", st.sampled_from(["op", "step", "time"])),
                             ("--view", st.sampled_from(["ops", "cells", "rolled"])),
                             ("--break", st.sampled_from(["op=tanh", "t=1", "nan", "t=x",
                                                          "color=red", "phase=backward"]))],
                    flags=["--bidirectional"]),
       html=st.one_of(st.none(), path_with([".html", ".htm", ".HTML", "", ".svg"])),
       script=SCRIPTS)
def test_debug(args, html, script):
    if not HAVE_DOT and html is not None:
        html = None
    tail = ["--html", html] if html is not None else ["--commands", script]
    check(["debug", *args, *tail], [html] if html is not None else [], script=html is None)


@settings(FUZZ, max_examples=10)
@given(seed=INTS, extra=st.sampled_from([[], ["--seed"], ["--nope"], ["x"]]))
def test_demo(seed, extra):
    check(["demo", "--seed", seed, *extra], [])


HOMEWORK_NAMES = st.sampled_from(["out", "folder", "existing", "link", "sub", "sub/out",
                                  "missing/out", "", ".", "..", "o ut", "\udcff", "-x"])


@settings(FUZZ, max_examples=25)
# Never a device as SRC or SUBMISSION: a command reading it to the end would fill the disk.
@given(src=st.sampled_from(["hw.py", "tests", "missing.py", "folder.dot", "", "existing.svg",
                            "fifo.svg"]),
       dest=st.builds(lambda name, suffix: (name + suffix).lstrip("/") or ".", HOMEWORK_NAMES,
                      st.sampled_from(["", ".py", "/"])),
       force=st.booleans())
def test_homework_make(src, dest, force):
    argv = ["homework", "make", src, dest] + (["--force"] if force else [])
    check(argv, [], tree=dest, keep=[src, "tests/test_hw.py"])


@settings(FUZZ, max_examples=12)
@given(submission=st.sampled_from(["hw.py", "missing", "folder.dot"]),
       tests=st.sampled_from(["tests", "tests/test_hw.py", "missing", "hw.py"]),
       args=options([("--timeout", st.sampled_from(["5", "0", "-1", "nan", "x"])),
                     ("--jobs", st.sampled_from(["1", "2", "0", "-1"])),
                     ("--output-limit", st.sampled_from(["100", "50", "x"])),
                     ("--json", st.builds(lambda name, suffix: name + suffix, HOMEWORK_NAMES,
                                          st.sampled_from([".json", ""])))],
                    flags=["--quiet"]))
def test_homework_grade(submission, tests, args):
    argv = ["homework", "grade", submission, "--tests", tests, *args]
    check(argv, [output_of(argv, "--json", None)] if "--json" in args else [],
          keep=["hw.py", "tests/test_hw.py"])


# Cases the fuzz once found in the homework commands, kept as regression cases.
LONG = "x" * 300
HOMEWORK_TRAPS = [
    (["make", "hw.py", LONG], "OSError traceback: File name too long"),
    (["make", "hw.py", "..", "--force"], "deleted the folder holding SRC (and the cwd)"),
    (["make", "hw.py", ".", "--force"], "replaced the current folder, SRC with it"),
    (["grade", ".", "--tests", "tests"], "a FIFO in the submission: shutil.Error traceback"),
    (["grade", "hw.py", "--tests", "tests", "--json", "fifo.svg"], "--json a FIFO: blocked"),
    (["grade", "hw.py", "--tests", "tests", "--json", LONG + ".json"],
     "OSError traceback after grading: File name too long"),
]


@pytest.mark.parametrize("argv", [pytest.param(argv, id=reason)
                                  for argv, reason in HOMEWORK_TRAPS])
def test_homework_traps(argv):
    check(["homework", *argv], [], tree=argv[2] if argv[0] == "make" else None,
          keep=["hw.py", "tests/test_hw.py"], limit=5)
