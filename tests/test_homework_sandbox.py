"""Where a submission runs: as root, a user of its own with no way back to the grader's files,
network or processes; limits on memory, processes and file size; and after each test (and
after SIGTERM) nothing of it is left running and no temporary folder is left behind."""
import json
import os
import pwd
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from homework_support import (REPO, adopting_orphans, descendants, grade_dirs, grader_user_processes,
                              private_folder, scratch, tiny)
from tinygrad_rnn.homework import HomeworkError, grade

ROOT = os.geteuid() == 0
as_root = pytest.mark.skipif(not ROOT, reason="the user separation needs root (as on Gradescope)")

REPORTER = '''
import json, os
def f(x):
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[name] = os.readlink("/proc/self/fd/" + name)
        except OSError:
            pass
    with open("/proc/self/cmdline", "rb") as handle:
        cmdline = handle.read().decode()
    print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
                      "groups": os.getgroups(), "session": os.getsid(0) == os.getpid(),
                      "env": dict(os.environ), "fds": fds, "cmdline": cmdline,
                      "cwd": os.getcwd()}))
    return 2 * x
'''
ONE_TEST = "from tinygrad_rnn.homework import observe\nimport mod\n\n\ndef test_f():\n    observe('f', mod.f(2))\n"


def _printed(results):
    output = results["tests"][0]["output"]
    return json.loads(output.split("--- printed output ---\n", 1)[1].splitlines()[0])


@as_root
def test_the_test_process_is_a_stranger(tmp_path):
    root = tiny(tmp_path, REPORTER, tests=ONE_TEST)
    seen = _printed(grade(root / "sub", root / "tests", solution=root / "solution", timeout=30))
    assert seen["uid"] == seen["euid"] == seen["gid"] >= 2_000_000_000
    with pytest.raises(KeyError):
        pwd.getpwuid(seen["uid"])  # no account uses it
    assert seen["groups"] == [] and seen["session"]
    # stdin (/dev/null), output and report pipes; no socket (the fork server's), no file
    targets = [t for fd, t in seen["fds"].items() if not t.startswith("/proc/")]
    assert sorted(seen["fds"])[:4] == ["0", "1", "2", "3"] and targets[0] == "/dev/null"
    assert all(t == "/dev/null" or t.startswith("pipe:") for t in targets), seen["fds"]
    everything = json.dumps(seen)
    for secret in (str(tmp_path), "tests", "solution", "--tests", "pytest"):
        assert secret not in everything.replace(seen["cwd"], ""), secret


@as_root
def test_no_network(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    body = (f"import socket\ndef f(x):\n    try:\n        socket.create_connection(('127.0.0.1', "
            f"{port}), timeout=2).sendall(b'hidden tests')\n        print('connected')\n"
            "    except OSError as exc:\n        print('no network:', exc)\n    return 2 * x\n")
    root = tiny(tmp_path, body, tests=ONE_TEST)
    from tinygrad_rnn.homework.sandbox import Sandbox
    with Sandbox() as sandbox:
        if not sandbox.network:
            pytest.skip("no network namespace can be made here")
        output = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30,
                       sandbox=sandbox)["tests"][0]["output"]
    assert "no network:" in output and "connected" not in output.replace("no network", "")
    with pytest.raises(socket.timeout):
        listener.accept()


def test_memory_is_limited(tmp_path):
    body = "def f(x):\n    hog = bytearray(2 << 30)\n    return 2 * x\n"
    root = tiny(tmp_path, body, tests=ONE_TEST)
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30,
                    memory=1 << 30)
    assert results["score"] == 0 and "MemoryError" in results["tests"][0]["output"]


ESCAPES = '''
import os, time
MARK = {mark!r}
def _daemon():
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    time.sleep(3)          # until the test (and the grader) are done
    open(MARK, "w").write("still alive")
    os._exit(0)
_daemon()
children = 0
for _ in range(300):       # a fork bomb, bounded only by the process limit
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
    except OSError:
        break
open("/tmp/tinygrad-rnn-test-left-behind-" + str(os.getuid()), "w").write("x")
print("forked", children)
def f(x):
    return 2 * x
'''


@as_root
def test_detached_processes_fork_bombs_and_files_are_gone_after_each_test(tmp_path, monkeypatch):
    tmp = scratch()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    mark = Path(os.environ.get("TMPDIR", "/tmp")) / f"tinygrad-rnn-test-escape-{os.getpid()}"
    root = tiny(tmp_path, ESCAPES.format(mark=str(mark)), tests=ONE_TEST)
    with adopting_orphans():
        results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
        alive = grader_user_processes()
    forked = int(results["tests"][0]["output"].split("forked ")[1].split()[0])
    assert 0 < forked < 100  # the process limit stopped the bomb
    assert results["score"] == 1
    assert alive == [] and grade_dirs(tmp) == []
    assert not list(Path("/tmp").glob("tinygrad-rnn-test-left-behind-*"))
    time.sleep(4)
    assert not mark.exists(), "a detached process outlived its test"


def _forkservers():
    """The fork servers this test's grading runs started and that are still alive."""
    return {pid for pid, cmd in descendants() if "forkserver.py" in cmd}


def test_sigterm_stops_the_tests_and_cleans_up(tmp_path):
    root = tiny(tmp_path, "def f(x):\n    while True:\n        pass\n", tests=ONE_TEST)
    out = tmp_path / "results.json"
    tmp = scratch()
    command = [sys.executable, "-m", "tinygrad_rnn", "homework", "grade", str(root / "sub"),
               "--tests", str(root / "tests"), "--solution", str(root / "solution"),
               "--json", str(out), "--timeout", "60"]
    with adopting_orphans():
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1",
                                                    TMPDIR=str(tmp)))
        deadline = time.monotonic() + 60
        while not grade_dirs(tmp) and time.monotonic() < deadline:
            time.sleep(0.1)  # until the endless test runs
        time.sleep(0.5)
        assert _forkservers()  # (so that the check below can fail)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode not in (0, None) and "Traceback" not in err, err
        assert not out.exists() and grade_dirs(tmp) == []
        assert grader_user_processes() == []
        time.sleep(0.5)
        assert _forkservers() == set()


def test_not_as_root_the_missing_protections_are_said_once():
    tmp_path = private_folder()
    shared = tmp_path / "shared"
    root = tiny(shared, tests=ONE_TEST)
    for path in [tmp_path, *shared.rglob("*"), shared]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if ROOT else []
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", HOME=str(shared))
    result = subprocess.run(prefix + [sys.executable, "-m", "tinygrad_rnn", "homework", "grade",
                                      str(root / "sub"), "--tests", str(root / "tests"),
                                      "--solution", str(root / "solution")],
                            capture_output=True, text=True, cwd=shared, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("not protected here: user separation") == 1, result.stderr
    assert "detached processes" in result.stderr and "score: 1/1 points" in result.stdout


@as_root
def test_instructor_files_must_be_out_of_reach():
    tmp_path = private_folder()
    open_folder = tmp_path / "course"
    root = tiny(open_folder)
    open_folder.chmod(0o755)
    tmp_path.chmod(0o755)
    try:
        with pytest.raises(HomeworkError, match=r"could reach .*course/tests.*--protect"):
            grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
        writable = tmp_path / "drop"
        writable.mkdir(mode=0o777)
        writable.chmod(0o777)
        (root / "tests").chmod(0o700)
        (root / "solution").chmod(0o700)
        with pytest.raises(HomeworkError, match=r"could reach .*drop/results.json"):
            grade(root / "sub", root / "tests", solution=root / "solution", timeout=30,
                  results_path=writable / "results.json")
        (root / "tests").chmod(0o755)
        results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30,
                        results_path=writable / "results.json", protect=True)
        assert results["score"] == 6
        assert (root / "tests").stat().st_mode & 0o077 == 0 and writable.stat().st_mode & 0o022 == 0
    finally:
        tmp_path.chmod(0o700)


@pytest.mark.parametrize("option, value, words", [
    ("--timeout", "nan", "--timeout must be a number of seconds > 0 and at most 86400"),
    ("--timeout", "inf", "--timeout must be a number of seconds > 0"),
    ("--timeout", "1e300", "--timeout must be a number of seconds > 0"),
    ("--timeout", "0", "--timeout must be a number of seconds > 0"),
    ("--timeout", "-1", "--timeout must be a number of seconds > 0"),
    ("--timeout", "soon", "--timeout must be a number of seconds > 0"),
    ("--memory", "1K", "--memory 1K: must be between 256M and 1P"),
    ("--memory", "lots", "give a size such as 4G"),
    ("--jobs", "0", "--jobs must be a whole number from 1 to 64"),
    ("--output-limit", "5", "--output-limit must be at least 100"),
])
def test_bad_limits_are_one_line_errors(tmp_path, capsys, option, value, words):
    from tinygrad_rnn.cli import main
    root = tiny(tmp_path)
    assert main(["homework", "grade", str(root / "sub"), "--tests", str(root / "tests"),
                 option, value]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1, err


def _limited_cli(limit, *args, tmp=None):
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([sys.executable, "-m", "tinygrad_rnn", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, preexec_fn=preexec,
                          env=dict(os.environ, OPENBLAS_NUM_THREADS="1",
                                   TMPDIR=str(tmp or tempfile.gettempdir())))


def test_results_json_is_written_whole_or_not_at_all(tmp_path):
    """ulimit -f 4: the results do not fit; the old file stays, whole, and nothing else is left."""
    root = tiny(tmp_path, "def f(x):\n    print('x' * 3000)\n    return 2 * x\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text('{"score": 1}')
    result = _limited_cli(4096, "homework", "grade", root / "sub", "--tests", root / "tests",
                          "--solution", root / "solution", "--json", out / "results.json")
    assert result.returncode == 2 and "--json" in result.stderr and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in out.iterdir()] == ["results.json"]
    assert (out / "results.json").read_text() == '{"score": 1}'


def test_a_submission_that_cannot_be_copied_is_one_error(tmp_path):
    """ulimit -f 1: copying the submission fails; a named error, no traceback, nothing left."""
    root = tiny(tmp_path, "def f(x):\n    return 2 * x\n" + "# padding\n" * 300)
    tmp = scratch()
    result = _limited_cli(1024, "homework", "grade", root / "sub", "--tests", root / "tests",
                          tmp=tmp)
    assert result.returncode == 2 and "cannot copy the submission" in result.stderr
    assert "Traceback" not in result.stderr and grade_dirs(tmp) == []


@as_root
def test_sigkill_of_the_grader_still_stops_the_submission(tmp_path):
    """Even a grader killed outright (no clean-up of its own) leaves nothing of the submission
    running: its fork server sees it go and kills every process of the test users."""
    body = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(300)\n"
            "def f(x):\n    while True:\n        pass\n")
    root = tiny(tmp_path, body, tests=ONE_TEST)
    with adopting_orphans():  # the detached child is found even once its parent is killed
        proc = subprocess.Popen([sys.executable, "-m", "tinygrad_rnn", "homework", "grade",
                                 str(root / "sub"), "--tests", str(root / "tests"), "--solution",
                                 str(root / "solution"), "--timeout", "60"], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, TMPDIR=str(scratch())))
        deadline = time.monotonic() + 60
        while len(grader_user_processes()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # the endless test and its detached child run
        assert len(grader_user_processes()) >= 2
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while grader_user_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert grader_user_processes() == []  # (its folder in TMPDIR is removed at exit)


def test_an_output_path_that_is_not_a_file_is_refused_before_grading(tmp_path, capsys):
    """A FIFO (would block), a link to a device (would swallow the results), a folder, or a
    name too long: one error, before any test runs, and nothing changed."""
    from tinygrad_rnn.cli import main
    root = tiny(tmp_path)
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "null.json").symlink_to("/dev/null")
    for target, words in [("fifo.json", "is not a regular file"), ("null.json", "is not a regular file"),
                          (".", "is a folder"), ("x" * 300 + ".json", "File name too long")]:
        assert main(["homework", "grade", str(root / "sub"), "--tests", str(root / "tests"),
                     "--json", str(tmp_path / target)]) == 2
        err = capsys.readouterr()
        assert words in err.err and "Traceback" not in err.err and "grading" not in err.out
    assert (tmp_path / "fifo.json").is_fifo() and os.readlink(tmp_path / "null.json") == "/dev/null"
