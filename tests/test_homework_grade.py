"""``homework grade``: the verdict is the grader's (observations compared with the reference
solution's), every test runs on a fresh copy, a broken submission costs only its own tests
with a message saying why, and hidden tests show neither source nor expected values."""
import json

import pytest

from homework_support import tiny
from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, SCHEMA, discover, grade, run_test, validate


def _tests(results):
    return {t["name"].split("::")[1]: t for t in results["tests"]}


def _check_schema(data):
    assert not validate(data), validate(data)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(data, SCHEMA)


def test_solution_full_marks_fresh_copies_and_untouched_tests(tmp_path):
    root = tiny(tmp_path)
    before = (root / "tests" / "test_mod.py").read_bytes()
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
    _check_schema(results)
    assert results["score"] == 6 and results["extra_data"]["reference"], results
    tests = _tests(results)
    assert tests["test_sees_a_fresh_copy"]["status"] == "passed"  # not the earlier test's copy
    hidden = tests["test_hidden_f_of_ten"]
    assert (hidden["visibility"], hidden["tags"]) == ("after_published", ["hidden"])
    assert tests["test_f"]["visibility"] == "visible" and "tags" not in tests["test_f"]
    assert (results["visibility"], results["stdout_visibility"]) == ("visible", "hidden")
    assert (root / "tests" / "test_mod.py").read_bytes() == before
    assert (root / "sub" / "mod.py").read_text().startswith("def f")  # only the copy broke
    assert not (root / "sub" / "left_behind.txt").exists()


def test_wrong_values_are_named_hidden_ones_without_values(tmp_path):
    root = tiny(tmp_path, "def f(x):\n    print('working on', x)\n    return 3 * x\n")
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
    tests = _tests(results)
    assert results["score"] == 0
    assert tests["test_f"]["output"].startswith(
        "FAIL: f(2): wrong at its value: expected 4, got 6 (1 of 1 values differ)")
    assert "--- printed output ---\nworking on 2" in tests["test_f"]["output"]
    hidden = tests["test_hidden_f_of_ten"]["output"]
    assert hidden.startswith("FAIL: f(10): values differ from the reference solution's")
    for secret in ("20", "30", "working on", "HIDDEN_SOURCE_TOKEN", "observe("):
        assert secret not in hidden, hidden


def test_the_test_process_cannot_report_a_pass(tmp_path):
    """A submission that reports "passed" itself (on every descriptor it has, then exits) and
    prints "passed" gets nothing: only observations that agree with the reference count."""
    forge = ('import json, os\n'
             'REPORT = json.dumps({"status": "passed", "exception": None, "observations": []})\n'
             'for fd in range(3, 64):\n'
             '    try:\n        os.write(fd, REPORT.encode())\n    except OSError:\n        pass\n'
             'print("passed")\nos._exit(0)\n')
    root = tiny(tmp_path, forge)
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
    assert results["score"] == 0 and results["extra_data"]["passed"] == 0
    assert "f(2): not observed" in _tests(results)["test_f"]["output"]


@pytest.mark.parametrize("body, label, words", [
    ("def f(x):\n    while True:\n        pass\n", "TIMEOUT", "timed out after 2 s"),
    ("def f(x)\n    return 2 * x\n", "ERROR", "SyntaxError"),
    ("import sys\ndef f(x):\n    sys.exit(3)\n", "ERROR", "sys.exit(3)"),
    ("import sys\nsys.exit(0)\n", "ERROR", "sys.exit(0)"),
    ("import os\ndef f(x):\n    os._exit(0)\n", "CRASH", "exit status 0"),
    ("import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSEGV)\n", "CRASH", "SIGSEGV"),
    ("def f(x):\n    raise KeyboardInterrupt\n", "ERROR", "KeyboardInterrupt"),
    ("def f(x):\n    print('spam ' * 1000000)\n    return 2 * x\n", None, "more bytes of output cut"),
])
def test_broken_submissions_get_a_score_and_a_message(tmp_path, body, label, words):
    root = tiny(tmp_path, body, tests="from tinygrad_rnn.homework import observe\nimport mod\n\n\n"
                                      "# points: 3\ndef test_f():\n    observe('f(2)', mod.f(2))\n")
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=2,
                    output_limit=2000)
    _check_schema(results)
    test_f = results["tests"][0]
    assert words in test_f["output"], test_f["output"]
    if label is None:  # huge output: the test still passes, the output is cut
        assert test_f["score"] == 3 and len(test_f["output"]) < 3000
    else:
        assert test_f["score"] == 0 and test_f["output"].startswith(label), test_f["output"]


def test_without_a_reference_tests_judge_themselves(tmp_path):
    """The students' local mode: assertions decide; observations cannot be checked."""
    tests = ("from tinygrad_rnn.homework import observe\nimport mod\n\n\n"
             "def test_asserts():\n    assert mod.f(2) == 4, f'f(2) = {mod.f(2)}'\n\n\n"
             "def test_observes():\n    observe('f(2)', mod.f(2))\n")
    root = tiny(tmp_path, "def f(x):\n    return 3 * x\n", tests=tests)
    results = grade(root / "sub", root / "tests", timeout=30)
    by_name = _tests(results)
    assert not results["extra_data"]["reference"] and results["score"] == 0
    assert by_name["test_asserts"]["output"].startswith("FAIL: AssertionError: f(2) = 6")
    assert "only a reference can check" in by_name["test_observes"]["output"]
    (root / "sub" / "mod.py").write_text("def f(x):\n    return 2 * x\n")
    assert _tests(grade(root / "sub", root / "tests", timeout=30))["test_asserts"]["score"] == 1
    single = run_test(discover(root / "tests")[0], root / "sub", timeout=30)
    assert single["status"] == "passed"


PARTIAL = '''
import numpy
import tinygrad_rnn as tr
from tinygrad_rnn.homework import observe
import mod


# points: 4
# credit: partial
def test_graph():
    x = tr.Tensor(numpy.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, name="x")
    with tr.scope("cell"):
        tr.testing.check_graph(mod.forward(x))


# points: 2
# credit: partial
def test_three_values():
    observe("a", mod.f(1))
    observe("b", mod.f(2))
    observe("c", mod.g(3))
'''


def test_partial_credit_is_the_fraction_of_checks_that_agree(tmp_path):
    solution = ("import tinygrad_rnn as tr\n\ndef f(x):\n    return 2 * x\n\ndef g(x):\n    return x\n\n"
                "def forward(x):\n    return ((x * 2.0).tanh() * x).sum()\n")
    wrong = solution.replace("def g(x):\n    return x", "def g(x):\n    return -x").replace(
        "(x * 2.0).tanh() * x", "(x * 2.0).tanh() * (x * 1.5)")
    root = tiny(tmp_path, wrong, tests=PARTIAL)
    (root / "solution" / "mod.py").write_text(solution)
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=60)
    by_name = _tests(results)
    assert by_name["test_three_values"]["score"] == pytest.approx(2 * 2 / 3)
    graph = by_name["test_graph"]
    assert 0 < graph["score"] < 4 and graph["status"] == "failed", graph
    assert "partial credit:" in graph["output"] and "at cell" in graph["output"]
    full = grade(root / "solution", root / "tests", solution=root / "solution", timeout=60)
    assert full["score"] == 6


def test_results_fields_and_validator(tmp_path):
    tests = "# number: 2.1\n# tags: a, b\n# visibility: hidden\ndef test_a():\n    observe('x', 1)\n"
    root = tiny(tmp_path, tests="from tinygrad_rnn.homework import observe\n\n\n" + tests)
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30,
                    visibility="after_due_date", stdout_visibility="visible")
    _check_schema(results)
    (test,) = results["tests"]
    assert (test["number"], test["tags"], test["visibility"]) == ("2.1", ["a", "b"], "hidden")
    assert (results["visibility"], results["stdout_visibility"]) == ("after_due_date", "visible")
    full = dict(results, output_format="md", test_output_format="text", test_name_format="html",
                leaderboard=[{"name": "accuracy", "value": 0.9, "order": "desc"}])
    full["tests"] = [dict(test, name_format="text", output_format="ansi", extra_data={"k": 1})]
    assert validate(full) == []
    assert validate({"tests": []}) == ["results: missing 'score' (needed unless every test has one)"]
    assert validate({"tests": [{"score": 1}]}) == []
    bad = {"score": 1, "visibility": "secret", "tests": [{"name": "a", "score": "1", "extra": 1}]}
    problems = validate(bad)
    assert any("visibility: 'secret' is not one of" in p for p in problems)
    assert any("tests[0].score: expected number" in p for p in problems)
    assert any("unexpected key 'extra'" in p for p in problems)


def test_the_reference_must_fit_the_tests(tmp_path):
    root = tiny(tmp_path)
    ref = tmp_path / "reference.json"
    assert main(["homework", "reference", str(root / "solution"), "--tests", str(root / "tests"),
                 "-o", str(ref)]) == 0
    assert grade(root / "sub", root / "tests", reference=ref, timeout=30)["score"] == 6
    (root / "tests" / "test_mod.py").write_text((root / "tests" / "test_mod.py").read_text() + "\n")
    with pytest.raises(HomeworkError, match="test_mod.py changed since"):
        grade(root / "sub", root / "tests", reference=ref, timeout=30)
    ref.write_text('{"format": "something else"}')
    with pytest.raises(HomeworkError, match="not a reference made by"):
        grade(root / "sub", root / "tests", reference=ref, timeout=30)


def test_a_solution_that_fails_or_observes_nothing_is_refused(tmp_path):
    tests = ("import mod\nfrom tinygrad_rnn.homework import observe\n\n\ndef test_nothing():\n"
             "    mod.f(1)\n\n\ndef test_fails():\n    observe('f', mod.f(1))\n    assert False, 'no'\n")
    root = tiny(tmp_path, tests=tests)
    with pytest.raises(HomeworkError) as info:
        grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
    assert "test_nothing: observes nothing" in str(info.value)
    assert "test_fails: the solution does not pass it: AssertionError: no" in str(info.value)


def test_submission_shadowing_stdlib_modules_still_gets_a_report(tmp_path):
    root = tiny(tmp_path, "def f(x):\n    raise ValueError('f is not written yet')\n")
    for name in ("traceback", "types", "linecache", "json"):
        (root / "sub" / f"{name}.py").write_text("raise ImportError('shadowed')\n")
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
    output = _tests(results)["test_f"]["output"]
    assert output.startswith("ERROR: ValueError: f is not written yet"), output
    assert 'mod.py", line 2, in f' in output


def test_unreadable_notebook_submission_fails_its_tests_with_a_message(tmp_path, capsys):
    root = tiny(tmp_path)
    (root / "sub" / "mod.py").unlink()
    (root / "sub" / "mod.ipynb").write_text('{"cells": 5}')
    out = tmp_path / "results.json"
    assert main(["homework", "grade", str(root / "sub"), "--tests", str(root / "tests"),
                 "--solution", str(root / "solution"), "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["score"] == 0 and len(results["tests"]) == 4
    assert "mod.ipynb: not a Jupyter notebook (expected an object with a 'cells' list, got int)" \
        in results["tests"][0]["output"]
    assert "Traceback (most recent call last):\n  File \"/" not in capsys.readouterr().err


def test_nothing_the_submission_sends_reaches_a_hidden_tests_output(tmp_path):
    """A hidden test's process has its source; whatever the submission puts into what it sends
    (a type's name, an exception, printed text) stays out of that test's output."""
    body = ("SECRET = 'HIDDEN_SOURCE_TOKEN'\n"
            "def f(x):\n    if x == 10:\n        print(SECRET)\n"
            "        return type(SECRET + ' x = 1', (), {})()\n    return 2 * x\n")
    root = tiny(tmp_path, body)
    hidden = _tests(grade(root / "sub", root / "tests", solution=root / "solution",
                          timeout=30))["test_hidden_f_of_ten"]
    assert hidden["score"] == 0 and "HIDDEN_SOURCE_TOKEN" not in hidden["output"], hidden
    assert hidden["output"].startswith("FAIL: f(10): expected a number, got something else")
    (root / "sub" / "mod.py").write_text(body.replace("return type(SECRET + ' x = 1', (), {})()",
                                                      "raise ValueError(SECRET)"))
    hidden = _tests(grade(root / "sub", root / "tests", solution=root / "solution",
                          timeout=30))["test_hidden_f_of_ten"]
    assert hidden["output"].startswith("ERROR: the test raised ValueError")
    assert "HIDDEN_SOURCE_TOKEN" not in hidden["output"]


def test_tests_inside_the_submission_folder_are_not_copied(tmp_path):
    """Grading a folder that holds its own tests (a student's local check, or a careless
    layout): the test process never gets the test files, hidden tests included."""
    body = ("import os\ndef f(x):\n    print('tests copied:', os.path.exists('tests'), "
            "os.path.exists('reference.json'))\n    return 2 * x\n")
    root = tiny(tmp_path, body)
    (root / "sub" / "tests").mkdir()
    (root / "sub" / "tests" / "test_mod.py").write_text((root / "tests" / "test_mod.py").read_text())
    ref = root / "sub" / "reference.json"
    assert main(["homework", "reference", str(root / "solution"), "--tests",
                 str(root / "sub" / "tests"), "-o", str(ref)]) == 0
    results = grade(root / "sub", root / "sub" / "tests", reference=ref, timeout=30)
    assert results["score"] == 6
    assert "tests copied: False False" in _tests(results)["test_f"]["output"]


WRAPPED = '''
import numpy
import tinygrad_rnn as tr
import mod


def test_assert_style_checks_are_observed_too():
    x = tr.Tensor(numpy.linspace(-1, 1, 4), requires_grad=True, name="x")
    tr.gradcheck(lambda t: mod.g(t), [x])
    y = mod.g(tr.Tensor(numpy.ones(2)))
    tr.testing.assert_grad_close(y.numpy(), y.numpy(), name="g(1)")  # passes in any process
'''


def test_gradcheck_and_assert_grad_close_observe_what_they_check(tmp_path):
    """A test written with assertions only still compares with the reference in the grader:
    ``gradcheck`` observes the gradients, ``assert_grad_close`` its ``actual``."""
    solution = "def g(t):\n    return (t * t).sum() if t.requires_grad else t * 2\n"
    wrong = "def g(t):\n    return (t * t * 1.5).sum() if t.requires_grad else t * 3\n"
    root = tiny(tmp_path, wrong, tests=WRAPPED)
    (root / "solution" / "mod.py").write_text(solution)
    output = grade(root / "sub", root / "tests", solution=root / "solution",
                   timeout=30)["tests"][0]["output"]
    assert output.startswith("FAIL: gradcheck[0]: wrong at its value"), output
    assert "gradcheck[1]: wrong at index (0,)" in output and "g(1): wrong at index (0,)" in output
    assert grade(root / "solution", root / "tests", solution=root / "solution",
                 timeout=30)["score"] == 1
