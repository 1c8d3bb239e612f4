"""``homework grade``: full marks for the solution, zero for the student version, and a score
and a message for submissions that loop, do not compile, exit, crash or print without end."""
import json
from pathlib import Path

import pytest

from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, SCHEMA, discover, grade, validate

HOMEWORK = Path(__file__).resolve().parent.parent / "tutorials" / "homework"

TEST_F = '''
import os
import mod


# points: 3
def test_f():
    """f doubles."""
    assert mod.f(2) == 4, f"f(2) = {mod.f(2)}"
'''

TESTS = TEST_F + '''

def test_leaves_a_file():
    open("left_behind.txt", "w").write("x")
    with open(mod.__file__, "w") as handle:   # the submission's own copy, not the original
        handle.write("broken(")


def test_sees_a_fresh_copy():
    assert not os.path.exists("left_behind.txt")


# BEGIN HIDDEN TESTS
def test_hidden_cannot_be_found():
    # SECRET_HIDDEN_TOKEN: the text a submission would look for in the files it can read
    secret = "SECRET" + "_HIDDEN_" + "TOKEN"
    assert mod.search(secret) == [], mod.search(secret)
# END HIDDEN TESTS
'''

GOOD = '''
import os, sys


def f(x):
    return 2 * x


def search(token):
    """Every readable file below the working directory or on sys.path holding ``token``."""
    found = []
    roots = [os.getcwd()] + [p for p in sys.path if p and "site-packages" not in p
                             and "python3" not in p]
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                try:
                    if token in open(os.path.join(folder, name), errors="ignore").read():
                        found.append(os.path.join(folder, name))
                except OSError:
                    pass
    return found
'''


@pytest.fixture
def homework(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_mod.py").write_text(TESTS)
    (tmp_path / "only_f").mkdir()
    (tmp_path / "only_f" / "test_mod.py").write_text(TEST_F)
    sub = tmp_path / "good"
    sub.mkdir()
    (sub / "mod.py").write_text(GOOD)
    return tmp_path


def _scores(results):
    return {t["name"].split("::")[1]: (t["score"], t["max_score"]) for t in results["tests"]}


def test_discovery_points_and_hidden(homework):
    cases = {c.function: c for c in discover(homework / "tests")}
    assert list(cases) == ["test_f", "test_leaves_a_file", "test_sees_a_fresh_copy",
                           "test_hidden_cannot_be_found"]
    assert cases["test_f"].points == 3 and cases["test_leaves_a_file"].points == 1
    assert cases["test_hidden_cannot_be_found"].hidden and not cases["test_f"].hidden


def test_good_submission_isolated_and_cannot_touch_tests(homework):
    before = (homework / "tests" / "test_mod.py").read_text()
    results = grade(homework / "good", homework / "tests", timeout=20)
    assert results["score"] == 6 and not validate(results), results
    hidden = [t for t in results["tests"] if t.get("tags") == ["hidden"]]
    assert [t["name"] for t in hidden] == ["test_mod.py::test_hidden_cannot_be_found"]
    assert (homework / "tests" / "test_mod.py").read_text() == before
    assert "broken(" not in (homework / "good" / "mod.py").read_text()
    assert not (homework / "good" / "left_behind.txt").exists()


def test_search_would_find_a_readable_hidden_test(homework):
    """The hidden-test check can fail: a copy of the tests inside the submission is found."""
    (homework / "good" / "copied_tests.py").write_text(TESTS)
    results = grade(homework / "good", homework / "tests", timeout=20)
    assert _scores(results)["test_hidden_cannot_be_found"] == (0, 1)
    assert "copied_tests.py" in results["tests"][-1]["output"]


@pytest.mark.parametrize("body, status, words", [
    ("def f(x):\n    while True:\n        pass\n", "TIMEOUT", "timed out after 1.5 s"),
    ("def f(x)\n    return 2 * x\n", "ERROR", "SyntaxError"),
    ("import sys\ndef f(x):\n    sys.exit(3)\n", "ERROR", "sys.exit(3)"),
    ("import sys\nsys.exit(0)\n", "ERROR", "sys.exit(0)"),
    ("import os\ndef f(x):\n    os._exit(0)\n", "CRASH", "exit status 0"),
    ("import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSEGV)\n", "CRASH", "SIGSEGV"),
    ("def f(x):\n    print('spam ' * 1000000)\n    return 2 * x\n", None, "more bytes of output cut"),
])
def test_broken_submissions_get_a_score_and_a_message(homework, body, status, words):
    sub = homework / "broken"
    sub.mkdir()
    (sub / "mod.py").write_text(body + "\ndef search(token):\n    return []\n")
    results = grade(sub, homework / "only_f", timeout=1.5, output_limit=2000)
    assert not validate(results) and len(results["tests"]) == 1
    test_f = results["tests"][0]
    assert test_f["name"] == "test_mod.py::test_f"
    assert words in test_f["output"], test_f["output"]
    if status is None:  # huge output: the test still passes, the output is cut
        assert test_f["score"] == 3 and len(test_f["output"]) < 3000
    else:
        assert test_f["score"] == 0 and test_f["output"].startswith(status), test_f["output"]
    assert results["score"] == test_f["score"]


def _check_schema(data):
    problems = validate(data)
    assert not problems, problems
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.validate(data, SCHEMA)


def test_solution_full_marks_student_zero(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["homework", "grade", str(HOMEWORK / "solution"), "--tests",
                 str(HOMEWORK / "tests"), "--json", str(out), "--jobs", "2"]) == 0
    printed = capsys.readouterr().out
    solution = json.loads(out.read_text())
    _check_schema(solution)
    total = solution["extra_data"]["max_score"]
    assert total > 10 and solution["score"] == total, printed
    assert all(t["score"] == t["max_score"] for t in solution["tests"])
    assert sum(t["max_score"] for t in solution["tests"]) == total
    assert "(hidden)" in printed and f"score: {total:g}/{total:g} points" in printed
    assert main(["homework", "grade", str(HOMEWORK / "student"), "--tests",
                 str(HOMEWORK / "tests"), "--json", str(out), "--quiet", "--jobs", "2"]) == 0
    student = json.loads(out.read_text())
    _check_schema(student)
    assert student["score"] == 0 and len(student["tests"]) == len(solution["tests"])
    assert all("NotImplementedError" in t["output"] for t in student["tests"])
    assert "/tmp" not in student["tests"][0]["output"]  # paths shown relative to the submission


def test_validator_rejects_bad_results():
    assert validate({"tests": []}) == ["results: missing 'score'"]
    bad = {"score": 1, "tests": [{"name": "a", "score": "1", "max_score": 1, "output": "",
                                  "extra": 1}]}
    problems = validate(bad)
    assert any("tests[0].score: expected number" in p for p in problems)
    assert any("unexpected key 'extra'" in p for p in problems)


def test_bad_arguments(homework, capsys):
    assert main(["homework", "grade", str(homework / "good"), "--tests", str(homework / "nope")]) == 2
    assert "no such test folder" in capsys.readouterr().err
    assert main(["homework", "grade", str(homework / "good"), "--tests", str(homework / "tests"),
                 "--timeout", "0"]) == 2
    (homework / "tests" / "test_args.py").write_text("def test_x(tmp_path):\n    pass\n")
    with pytest.raises(HomeworkError, match=r"test_args.py:1: test_x takes arguments"):
        discover(homework / "tests")


def test_submission_shadowing_stdlib_modules_still_gets_a_report(homework):
    sub = homework / "shadow"
    sub.mkdir()
    (sub / "mod.py").write_text("def f(x):\n    raise ValueError('f is not written yet')\n"
                                "def search(token):\n    return []\n")
    for name in ("traceback", "types", "linecache", "json"):
        (sub / f"{name}.py").write_text("raise ImportError('shadowed')\n")
    results = grade(sub, homework / "only_f", timeout=20)
    output = results["tests"][0]["output"]
    assert output.startswith("ERROR: ValueError: f is not written yet"), output
    assert 'mod.py", line 2, in f' in output
