"""Red team of the grader: attacks that got through before, each as a submission of a tiny
homework. Hidden tests reach no output students see (not through files they leave, nor
through what the grader says about them), test users cannot read each other's copies or
other students' results, and what the submission sends cannot blow up the grader or reach
the instructor's terminal."""
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from homework_support import private_folder
from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import grade, grade_all

ROOT = os.geteuid() == 0
as_root = pytest.mark.skipif(not ROOT, reason="the user separation needs root (as on Gradescope)")
SOLUTION = "def f(x):\n    return 2 * x\n"
HEADER = "import numpy\nfrom tinygrad_rnn.homework import observe\nimport mod\n\n\n"


def homework(root, tests, solution=SOLUTION, **subs):
    """``root/tests/<name>.py`` for each of ``tests``, ``root/solution/mod.py`` and
    ``root/subs/<name>/mod.py`` for each submission; returns root."""
    for name, text in tests.items():
        (root / "tests").mkdir(parents=True, exist_ok=True)
        (root / "tests" / f"{name}.py").write_text(HEADER + text)
    for folder, text in [("solution", solution)] + [(f"subs/{n}", t) for n, t in subs.items()]:
        (root / folder).mkdir(parents=True)
        (root / folder / "mod.py").write_text(text)
    return root


def _outputs(results, public=None):
    return {t["name"].split("::")[1]: t["output"] for t in results["tests"]
            if public is None or (t["visibility"] == "visible") == public}


@pytest.fixture
def drop():
    """A world-writable folder, two levels below /var/tmp, that no cleaning reaches."""
    base = Path(tempfile.mkdtemp(prefix="tinygrad-rnn-test-drop-", dir="/var/tmp"))
    base.chmod(0o711)
    (base / "drop").mkdir()
    (base / "drop").chmod(0o1777)
    yield base / "drop"
    shutil.rmtree(base, ignore_errors=True)


LEAKER = '''import os, sys
DROP = {drop!r}
def f(x):
    frame = sys._getframe(1)
    path = os.path.join(DROP, "leak")
    if frame.f_code.co_name.startswith("test_hidden"):
        with open(path, "w") as handle:
            handle.write(repr(frame.f_code.co_consts))
        os.chmod(path, 0o666)
    elif os.path.exists(path):
        print("FOUND", open(path).read())
    return 2 * x
'''


def test_what_a_hidden_test_leaves_reaches_no_test_students_see(tmp_path, drop):
    """A hidden test's process stores what it sees of the test where no cleaning reaches; the
    tests students see all ran before it, so none of them prints it."""
    tests = {"test_a": "def test_first():\n    observe('f(1)', mod.f(1))\n\n\n# BEGIN HIDDEN "
                       "TESTS\ndef test_hidden():\n    observe('f(7731)', mod.f(7731))\n"
                       "# END HIDDEN TESTS\n",
             "test_b": "def test_later():\n    observe('f(2)', mod.f(2))\n"}
    root = homework(tmp_path, tests, leaker=LEAKER.format(drop=str(drop)))
    results = grade(root / "subs" / "leaker", root / "tests", solution=root / "solution",
                    timeout=30, jobs=2)
    assert results["score"] == 3, results  # every test ran and passed
    assert "7731" in (drop / "leak").read_text()  # the hidden test did leave its secret
    for name, output in _outputs(results, public=True).items():
        assert "FOUND" not in output and "7731" not in output, (name, output)


CHANNELS = '''import numpy, os, sys
def f(x):
    return 2 * x
def shape():
    return numpy.zeros((4217, 1))
def count():
    return [0.0] * 4217
def index():
    wrong = numpy.zeros(5000)
    wrong[4217] = 1.0
    return wrong
def leave():
    sys.stdout.flush()
    os._exit(199)
def chatty():
    print("PRINTED_4217")
    raise ValueError("RAISED_4217")
'''
CHANNEL_SOLUTION = '''import numpy
def f(x):
    return 2 * x
def shape():
    return 1.0
def count():
    return [1.0, 2.0]
def index():
    return numpy.zeros(5000)
def leave():
    return 1.0
def chatty():
    return 1.0
'''
CHANNEL_TESTS = '''def test_public():
    observe("f(2)", mod.f(2))


# BEGIN HIDDEN TESTS
def test_hidden_shape():
    observe("shape", mod.shape())


def test_hidden_count():
    observe("count", mod.count())


def test_hidden_index():
    observe("index", mod.index())


def test_hidden_exit():
    observe("exit", mod.leave())


# visibility: visible
def test_hidden_shown_at_once():
    observe("chatty", mod.chatty())
# END HIDDEN TESTS
'''


def test_nothing_a_hidden_test_process_chose_is_in_its_messages(tmp_path):
    """A shape, a count, the index of a wrong value or an exit status could each spell out a
    hidden test's source; a hidden test whose result is shown at once shows no printed output
    or exception message either. The messages say what is wrong in the grader's words only."""
    root = homework(tmp_path, {"test_c": CHANNEL_TESTS}, CHANNEL_SOLUTION, sly=CHANNELS)
    results = grade(root / "subs" / "sly", root / "tests", solution=root / "solution",
                    timeout=30)
    outputs = _outputs(results)
    assert results["score"] == 1 and "PASS" not in outputs["test_hidden_shape"]
    assert "visible" == next(t["visibility"] for t in results["tests"]
                             if t["name"].endswith("shown_at_once"))
    for name, output in outputs.items():
        if name != "test_public":
            assert output.startswith(("FAIL", "CRASH", "ERROR")), (name, output)
            for chosen in ("4217", "199", "PRINTED", "RAISED"):
                assert chosen not in output, (name, chosen, output)
    assert "shape: another shape than the reference solution's" in outputs["test_hidden_shape"]


@as_root
def test_a_copy_cannot_be_read_by_the_submission_graded_beside_it(tmp_path, monkeypatch):
    """grade-all --jobs 2: bob's test looks for alice's copy of the submission (or a solution
    being run by a grader started next to it) in the grader's temporary folder, as in /tmp."""
    grading_tmp = private_folder("tinygrad-rnn-test-tmp-")
    grading_tmp.chmod(0o1777)  # listable, like /tmp
    monkeypatch.setattr(tempfile, "tempdir", str(grading_tmp))
    thief = f'''import glob, os, time
def _steal():
    for _ in range(25):
        for path in glob.glob({str(grading_tmp)!r} + "/tinygrad-rnn-grade-*/submission/mod.py"):
            if not path.startswith(os.getcwd() + os.sep):
                try:
                    return open(path).read()
                except OSError as exc:
                    print("cannot read the other copy:", type(exc).__name__)
                    return None
        time.sleep(0.1)
    print("saw no other copy")
SOURCE = _steal()
if SOURCE:
    exec(SOURCE)
else:
    def f(x):
        return 0
'''
    tests = {"test_f": "def test_f():\n    observe('f(2)', mod.f(2))\n"}
    root = homework(tmp_path, tests, alice="import time\ndef f(x):\n    time.sleep(3)\n"
                                           "    return 2 * x\n", bob=thief)
    rows = grade_all(root / "subs", root / "tests", root / "grades.csv", jobs=2, timeout=30,
                     solution=root / "solution", progress=False)
    assert [(r["submission"], r["score"]) for r in rows] == [("alice", 1.0), ("bob", 0)]
    bob = _outputs(json.loads((root / "grades-results" / "bob" / "results.json").read_text()))
    assert "saw no other copy" in bob["test_f"] or "PermissionError" in bob["test_f"], bob


@as_root
def test_later_submissions_read_no_results_of_earlier_ones(tmp_path):
    """grade-all in a folder others may enter: bob, graded after alice, looks for her
    results.json and for the gradebook of an earlier run."""
    course = Path(tempfile.mkdtemp(prefix="tinygrad-rnn-test-course-"))
    course.chmod(0o755)
    try:
        (course / "grades.csv").write_text("submission,score\nOLD_GRADES,1\n")
        (course / "grades.csv").chmod(0o644)
        peek = f'''import glob
for path in glob.glob({str(course)!r} + "/*/*/results.json") + [{str(course)!r} + "/grades.csv"]:
    try:
        print("READ", open(path).read()[:60])
    except OSError:
        pass
def f(x):
    return 0
'''
        tests = {"test_f": "def test_f():\n    observe('f(2)', mod.f(2))\n"}
        homework(course, tests, alice=SOLUTION, bob=peek)
        for part in ("tests", "solution", "subs"):
            (course / part).chmod(0o700)
        grade_all(course / "subs", course / "tests", course / "grades.csv", timeout=30,
                  solution=course / "solution", progress=False)
        bob = json.loads((course / "grades-results" / "bob" / "results.json").read_text())
        assert "READ" not in _outputs(bob)["test_f"], _outputs(bob)["test_f"]
    finally:
        shutil.rmtree(course, ignore_errors=True)


def test_an_infinite_reference_value_is_matched_only_by_itself(tmp_path):
    """log(0) = -inf in the reference: a tolerance of rtol * inf once let any number pass."""
    solution = "import math\ndef f(x):\n    return -math.inf if x == 0 else math.log(x)\n"
    tests = {"test_log": "def test_log_of_zero():\n    observe('f(0)', mod.f(0))\n"}
    root = homework(tmp_path, tests, solution, finite="def f(x):\n    return 0.0\n",
                    same=solution)
    for name, score in (("finite", 0), ("same", 1)):
        results = grade(root / "subs" / name, root / "tests", solution=root / "solution",
                        timeout=30)
        assert results["score"] == score, (name, results["tests"][0]["output"])


def test_a_report_of_a_million_empty_lists_is_not_parsed(tmp_path):
    """Parsing JSON lists costs ~20 times their bytes: 64 MiB of "[]," took 1.7 GB."""
    flood = ("import os\ndef f(x):\n    data = b'{\"status\": \"passed\", \"observations\": ['"
             " + b'[],' * 1100000"
             " + b'[]]}'\n    view = memoryview(data)\n    while view:\n"
             "        view = view[os.write(3, view):]\n    os._exit(0)\n")
    tests = {"test_f": "def test_f():\n    observe('f(2)', mod.f(2))\n"}
    root = homework(tmp_path, tests, flood=flood)
    results = grade(root / "subs" / "flood", root / "tests", solution=root / "solution",
                    timeout=30)
    assert results["score"] == 0
    assert "the test process sent a report too large to read" in results["tests"][0]["output"]


def test_what_a_submission_raises_is_quoted_as_plain_text(tmp_path, capsys):
    """On the instructor's terminal escaped, so that it cannot retitle the window or erase and
    rewrite lines of the summary; in results.json as text, never rendered as HTML or
    Markdown in the page of whoever reads the results."""
    sly = "def f(x):\n    raise RuntimeError('\\x1b]0;owned\\x07\\x1b[2K\\u202e<img src=x>')\n"
    tests = {"test_f": "def test_f():\n    observe('f(2)', mod.f(2))\n"}
    root = homework(tmp_path, tests, sly=sly)
    assert main(["homework", "grade", str(root / "subs" / "sly"), "--tests", str(root / "tests"),
                 "--solution", str(root / "solution"), "--timeout", "30",
                 "--json", str(root / "results.json")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "RuntimeError: \\x1b]0;owned\\x07\\x1b[2K\\u202e<img src=x>" in out
    results = json.loads((root / "results.json").read_text())
    assert (results["output_format"], results["test_output_format"]) == ("text", "text")
    assert "<img src=x>" in results["tests"][0]["output"]  # shown as these characters


@as_root
def test_a_kernel_key_left_by_one_test_is_not_found_by_the_next(tmp_path):
    """A key in the test user's keyring outlives its processes; the filter refuses keys."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip("the key system calls are looked up for x86_64 and aarch64 only")
    keys = '''import ctypes, platform, sys
NUMBERS = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
def f(x):
    add_key, keyctl = NUMBERS
    if sys._getframe(1).f_code.co_name == "test_first":
        data = b"left by the first test"
        stored = libc.syscall(add_key, b"user", b"left", data, len(data), -4)
        print("stored" if stored > 0 else f"add_key refused: errno {ctypes.get_errno()}")
    else:
        found = libc.syscall(keyctl, 10, -4, b"user", b"left", 0)
        print("FOUND the key" if found > 0 else "no key")
    return 2 * x
'''
    tests = {"test_k": "def test_first():\n    observe('f(1)', mod.f(1))\n\n\n"
                       "def test_second():\n    observe('f(2)', mod.f(2))\n"}
    root = homework(tmp_path, tests, keys=keys)
    results = grade(root / "subs" / "keys", root / "tests", solution=root / "solution",
                    timeout=30)
    outputs = _outputs(results)
    assert "add_key refused: errno 1" in outputs["test_first"], outputs
    assert "no key" in outputs["test_second"] and "FOUND" not in outputs["test_second"]
