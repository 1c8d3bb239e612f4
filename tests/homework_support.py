"""Shared by the homework tests: a private copy of the example homework with its reference
observations (computed once per test session: every test of the solution, in test
processes), and helpers to run the command line and to look at processes."""
import atexit
import contextlib
import ctypes
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOMEWORK = REPO / "tutorials" / "homework"
FIRST_TEST_UID = 2_000_000_000  # sandbox.py's test users start here


def private_folder(prefix="tinygrad-rnn-test-"):
    """A new folder only its owner can enter (as the instructor's files must be), removed at
    exit. (pytest's tmp_path is private too; this one outlives a single test.)"""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@functools.lru_cache(maxsize=None)
def example():
    """``root`` with ``solution/``, ``student/``, ``tests/`` and ``reference.json`` (the
    observations of every test on the solution)."""
    from tinygrad_rnn.homework import discover
    from tinygrad_rnn.homework.grade import load_reference
    from tinygrad_rnn.homework.reference import document
    from tinygrad_rnn.homework.sandbox import Sandbox
    import json
    root = private_folder("tinygrad-rnn-test-example-")
    for part in ("solution", "student", "tests"):
        shutil.copytree(HOMEWORK / part, root / part)
    cases = discover(root / "tests")
    with Sandbox() as sandbox:
        expected = load_reference(cases, root / "solution", None, sandbox, 60, 2)
    (root / "reference.json").write_text(json.dumps(document(cases, expected)))
    return root


def cli(*args, env=None, timeout=600, **kwargs):
    """``python -m tinygrad_rnn ARGS`` in a new process (its own command line, as users run
    it); returns the CompletedProcess with text output."""
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "tinygrad_rnn", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=environment,
                          cwd=kwargs.pop("cwd", REPO), **kwargs)


_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37


def _prctl(option, value):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4   # value may be a pointer
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl")


def _adopting():
    found = ctypes.c_int(0)
    _prctl(_PR_GET_CHILD_SUBREAPER, ctypes.addressof(found))
    return bool(found.value)


def _processes():
    """``{pid: (parent pid, state letter, uids)}`` of every process, from /proc."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            found[int(name)] = (int(fields["PPid"]), fields["State"].strip()[:1],
                                {int(u) for u in fields["Uid"].split()})
        except (OSError, KeyError, ValueError):
            continue
    return found


def _ours(pid, processes):
    """Whether ``pid`` descends from this process."""
    seen = set()
    while pid > 1 and pid not in seen:
        if pid == os.getpid():
            return True
        seen.add(pid)
        pid = processes.get(pid, (0,))[0]
    return False


@contextlib.contextmanager
def adopting_orphans():
    """Within the block this process is a "child subreaper": a process that a test (or a
    submission) detaches from its parent (``setsid`` and a double fork, or a grader killed
    outright) is re-parented to it, not to init. So every process of the grading runs started
    in the block descends from this process, and ``grader_user_processes`` finds them all, and
    never the test processes of a grader that another program runs at the same time. Adopted
    processes that have died are reaped at the end (a ``Popen`` started in the block must be
    waited for before it ends)."""
    before = {pid for pid, (parent, _, _) in _processes().items() if parent == os.getpid()}
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    try:
        yield
    finally:
        _prctl(_PR_SET_CHILD_SUBREAPER, 0)
        for pid, (parent, state, _) in _processes().items():
            if parent == os.getpid() and state == "Z" and pid not in before:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)


def descendants(predicate=lambda pid, uids: True):
    """``[(pid, command line)]`` of the live processes that descend from this process and
    satisfy ``predicate(pid, uids)`` (inside ``adopting_orphans``: see there)."""
    if not _adopting():
        raise AssertionError("look for processes inside adopting_orphans(): a detached "
                             "process would not be found otherwise")
    processes, found = _processes(), []
    for pid, (_, state, uids) in sorted(processes.items()):
        if state != "Z" and _ours(pid, processes) and predicate(pid, uids):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            found.append((pid, cmd.decode(errors="replace")))
    return found


def grader_user_processes():
    """``[(pid, command line)]`` of the live processes running as a grader test user that the
    grading runs of this test started (see ``adopting_orphans``)."""
    return descendants(lambda pid, uids: any(u >= FIRST_TEST_UID for u in uids))


def scratch():
    """A new temporary folder for one grading run's own temporary folders (its TMPDIR), so
    that a test sees what that run leaves, whatever other programs do in /tmp. Test users must
    pass through it to their working folders: mode 0711."""
    folder = Path(tempfile.mkdtemp(prefix="tinygrad-rnn-test-tmp-"))
    folder.chmod(0o711)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def grade_dirs(folder):
    """The grader's temporary folders in ``folder``."""
    return sorted(p.name for p in Path(folder).glob("tinygrad-rnn-grade-*"))


def snapshot(*folders):
    """``{path: bytes}`` of every file below ``folders`` (to show they did not change)."""
    return {str(p): p.read_bytes() for folder in folders for p in sorted(Path(folder).rglob("*"))
            if p.is_file()}


TINY_TESTS = '''
import os

from tinygrad_rnn.homework import observe
import mod


# points: 3
def test_f():
    """f doubles."""
    observe("f(2)", mod.f(2))


def test_leaves_a_file():
    open("left_behind.txt", "w").write("x")
    with open(mod.__file__, "w") as handle:   # the submission's own copy, not the original
        handle.write("broken(")
    observe("f(1)", mod.f(1))


def test_sees_a_fresh_copy():
    assert not os.path.exists("left_behind.txt"), "a file from an earlier test is still there"
    observe("f(3)", mod.f(3))


# BEGIN HIDDEN TESTS
def test_hidden_f_of_ten():
    # HIDDEN_SOURCE_TOKEN: a submission must never see this line
    observe("f(10)", mod.f(10))
# END HIDDEN TESTS
'''

TINY_SOLUTION = "def f(x):\n    return 2 * x\n"


def tiny(root, submission=TINY_SOLUTION, tests=TINY_TESTS):
    """``root/solution/mod.py``, ``root/tests/test_mod.py``, ``root/sub/mod.py``; returns root."""
    for folder, name, text in (("solution", "mod.py", TINY_SOLUTION), ("tests", "test_mod.py", tests),
                               ("sub", "mod.py", submission)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text)
    return root
