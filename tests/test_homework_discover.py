"""Test discovery: settings above a test, and every form the grader cannot run the way pytest
would is an error naming the file and line (never skipped, never a default in silence)."""
import pytest

from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, discover

GOOD = '''
# points: 2.5
# visibility: after_due_date
# credit: partial
# tags: elman, gradients
# number: 1.2
def test_all_settings():
    """The first line of the docstring."""


def test_defaults():
    pass


def helper(x):
    # points are not counted here: a comment inside a function is not a setting
    return x


# BEGIN HIDDEN TESTS
def test_hidden_default():
    pass


# visibility: hidden
# points: 0
def test_hidden_set():
    pass
# END HIDDEN TESTS
'''


def _write(tmp_path, text, name="test_x.py"):
    folder = tmp_path / "tests"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_settings_and_defaults(tmp_path):
    cases = {c.function: c for c in discover(_write(tmp_path, GOOD))}
    first = cases["test_all_settings"]
    assert (first.points, first.visibility, first.partial, first.tags, first.number, first.doc) == \
        (2.5, "after_due_date", True, ["elman", "gradients"], "1.2", "The first line of the docstring.")
    plain = cases["test_defaults"]
    assert (plain.points, plain.visibility, plain.partial, plain.tags, plain.hidden) == \
        (1.0, "visible", False, [], False)
    hidden = cases["test_hidden_default"]
    assert (hidden.hidden, hidden.visibility, hidden.tags) == (True, "after_published", ["hidden"])
    assert (cases["test_hidden_set"].visibility, cases["test_hidden_set"].points) == ("hidden", 0.0)


@pytest.mark.parametrize("text, line, words", [
    ("# points: -5\ndef test_a():\n    pass\n", 1, "'# points: -5' is not a number of points"),
    ("# points: abc\ndef test_a():\n    pass\n", 1, "is not a number of points"),
    ("# points: nan\ndef test_a():\n    pass\n", 1, "is not a number of points"),
    ("# points: inf\ndef test_a():\n    pass\n", 1, "is not a number of points"),
    ("# points: 3 (the R part)\ndef test_a():\n    pass\n", 1, "is not a number of points"),
    ("# points 2\ndef test_a():\n    pass\n", 1, "needs a colon"),
    ("# visibility: secret\ndef test_a():\n    pass\n", 1, "is not one of visible, hidden"),
    ("# credit: some\ndef test_a():\n    pass\n", 1, "must be 'partial'"),
    ("# points: 2\n# points: 3\ndef test_a():\n    pass\n", 1, "a second '# points:'"),
    ("# points: 2\n\ndef helper():\n    pass\n", 1, "not in the comment lines right above a test"),
    ("class TestCell:\n    def test_a(self):\n        pass\n", 1, "test classes are not supported"),
    ("async def test_a():\n    pass\n", 1, "async tests are not supported"),
    ("def test_a(tmp_path):\n    pass\n", 1, "takes arguments"),
    ("import pytest\n@pytest.mark.skip\ndef test_a():\n    pass\n", 3, "has decorators (pytest.mark.skip)"),
    ("import pytest\n@pytest.mark.parametrize('x', [1])\ndef test_a(x):\n    pass\n", 3, "takes arguments"),
    ("test_a = lambda: None\n", 1, "a test must be a 'def test_...():'"),
    ("def test_dup():\n    pass\n\ndef test_dup():\n    pass\n", 4, "a second test named test_dup (the first is at line 1)"),
    ("# BEGIN HIDDEN TESTS\ndef test_a():\n    pass\n", 1, "never closed"),
    ("def test_a(:\n", 1, "syntax error"),
])
def test_unsupported_forms_are_errors(tmp_path, text, line, words):
    with pytest.raises(HomeworkError) as info:
        discover(_write(tmp_path, text))
    assert f"test_x.py:{line}:" in str(info.value) and words in str(info.value), str(info.value)


def test_cli_reports_a_bad_points_line_without_grading(tmp_path, capsys):
    tests = _write(tmp_path, "# points: -5\ndef test_a():\n    pass\n")
    (tmp_path / "sub").mkdir()
    out = tmp_path / "results.json"
    assert main(["homework", "grade", str(tmp_path / "sub"), "--tests", str(tests),
                 "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "test_x.py:1: '# points: -5' is not a number of points" in err and "Traceback" not in err
    assert not out.exists()


def test_no_tests_is_an_error(tmp_path):
    with pytest.raises(HomeworkError, match="no test functions"):
        discover(_write(tmp_path, "def helper():\n    pass\n"))
    with pytest.raises(HomeworkError, match="no such test folder"):
        discover(tmp_path / "nope")
