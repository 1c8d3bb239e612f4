"""``homework make``: solution blocks become NotImplementedError, hidden tests vanish, the rest
is copied byte for byte; bad markers or an existing destination write nothing."""
import filecmp
import json
from pathlib import Path

import pytest

from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, make_student

HOMEWORK = Path(__file__).resolve().parent.parent / "tutorials" / "homework"

SOLUTION_PY = (
    "import numpy  # BEGIN SOLUTION is only a marker when alone on its line\n"
    "\n"
    "class Cell:\n"
    "    def R(self, s, x):\n"
    "        \"\"\"s_t = tanh(...)\"\"\"\n"
    "        # BEGIN SOLUTION\n"
    "        a = x + s\n"
    "        return numpy.tanh(a)\n"
    "        # END SOLUTION\n"
    "\n"
    "\tdef tabbed(self):\r\n"
    "\t\t#   BEGIN SOLUTION   \r\n"
    "\t\treturn 1\r\n"
    "\t\t# END SOLUTION\r\n"
    "# BEGIN HIDDEN TESTS\n"
    "def test_hidden():\n"
    "    assert True\n"
    "# END HIDDEN TESTS\n"
    "last_line_without_newline = 1"
)
STUDENT_PY = (
    "import numpy  # BEGIN SOLUTION is only a marker when alone on its line\n"
    "\n"
    "class Cell:\n"
    "    def R(self, s, x):\n"
    "        \"\"\"s_t = tanh(...)\"\"\"\n"
    "        raise NotImplementedError(\"YOUR CODE HERE\")\n"
    "\n"
    "\tdef tabbed(self):\r\n"
    "\t\traise NotImplementedError(\"YOUR CODE HERE\")\r\n"
    "last_line_without_newline = 1"
)


def _notebook(cells):
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def _code(source, outputs=()):
    return {"cell_type": "code", "execution_count": 3, "id": "c", "metadata": {},
            "outputs": list(outputs), "source": source}


@pytest.fixture
def solution(tmp_path):
    src = tmp_path / "solution"
    (src / "data").mkdir(parents=True)
    (src / "cell.py").write_bytes(SOLUTION_PY.encode())
    (src / "plain.py").write_bytes(b"x = 1  # no markers\r\n\xc3\xa9 = 2\n")
    (src / "data" / "weights.bin").write_bytes(bytes(range(256)))
    (src / "data" / "README.txt").write_text("# BEGIN SOLUTION\nnot code, copied as is\n")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "cell.cpython-311.pyc").write_bytes(b"\0")
    markdown = {"cell_type": "markdown", "id": "m", "metadata": {},
                "source": ["# Solution\n", "a heading, left alone"]}
    solved = _code(["def f(x):\n", "    # BEGIN SOLUTION\n", "    return 2 * x\n",
                    "    # END SOLUTION\n", "\n", "# BEGIN HIDDEN TESTS\n",
                    "assert f(2) == 4\n", "# END HIDDEN TESTS"],
                   outputs=[{"output_type": "stream", "name": "stdout", "text": ["4\n"]}])
    given = _code("print(f(1))\n", outputs=[{"output_type": "stream", "name": "stdout", "text": ["2\n"]}])
    (src / "work.ipynb").write_text(json.dumps(_notebook([markdown, solved, given]), indent=1))
    (src / "unchanged.ipynb").write_text(json.dumps(_notebook([_code("print(1)\n")]), indent=2)
                                         .replace('"execution_count": 3', '"execution_count": null')
                                         + "\n\n")
    (src / "ran.ipynb").write_text(json.dumps(_notebook([given]), indent=2))
    return src


def test_py_markers_replaced_at_their_indentation(solution, tmp_path):
    written = make_student(solution, tmp_path / "student")
    student = tmp_path / "student"
    assert (student / "cell.py").read_bytes() == STUDENT_PY.encode()
    assert "cell.py" in written and not (student / "__pycache__").exists()


def test_other_files_copied_byte_for_byte(solution, tmp_path):
    make_student(solution, tmp_path / "student")
    student = tmp_path / "student"
    for rel in ("plain.py", "data/weights.bin", "data/README.txt", "unchanged.ipynb"):
        assert (student / rel).read_bytes() == (solution / rel).read_bytes(), rel


def test_notebook_code_cells(solution, tmp_path):
    make_student(solution, tmp_path / "student")
    cells = json.loads((tmp_path / "student" / "work.ipynb").read_text())["cells"]
    assert cells[0]["source"] == ["# Solution\n", "a heading, left alone"]
    assert cells[1]["source"] == ["def f(x):\n", "    raise NotImplementedError(\"YOUR CODE HERE\")\n", "\n"]
    assert cells[1]["outputs"] == [] and cells[1]["execution_count"] is None
    # a cell without markers keeps its source but loses its output too: it may show the answer
    assert cells[2]["source"] == "print(f(1))\n"
    assert cells[2]["outputs"] == [] and cells[2]["execution_count"] is None
    ran = json.loads((tmp_path / "student" / "ran.ipynb").read_text())["cells"]
    assert ran[0]["outputs"] == [] and ran[0]["execution_count"] is None


@pytest.mark.parametrize("text, line, words", [
    ("a = 1\n# BEGIN SOLUTION\nb = 2\n", 2, "never closed"),
    ("a = 1\n\nb = 2\n    # END SOLUTION\n", 4, "without a matching"),
    ("# BEGIN SOLUTION\n# BEGIN HIDDEN TESTS\n# END HIDDEN TESTS\n# END SOLUTION\n", 2, "cannot nest"),
    ("# BEGIN HIDDEN TESTS\nx\n# END SOLUTION\n", 3, "closes the"),
])
def test_bad_markers_name_file_and_line_and_write_nothing(solution, tmp_path, text, line, words):
    (solution / "bad.py").write_text(text)
    dest = tmp_path / "student"
    with pytest.raises(HomeworkError) as info:
        make_student(solution, dest)
    message = str(info.value)
    assert f"bad.py:{line}:" in message and words in message and "nothing was written" in message
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["solution"]  # no staging folder left


def test_bad_notebook_cell_names_cell_and_line(solution, tmp_path):
    bad = _notebook([_code("x = 1\n"), _code(["y = 2\n", "# END SOLUTION\n"])])
    (solution / "bad.ipynb").write_text(json.dumps(bad))
    with pytest.raises(HomeworkError, match=r"bad.ipynb: cell 2, line 2: .*without a matching"):
        make_student(solution, tmp_path / "student")
    assert not (tmp_path / "student").exists()


def test_existing_dest_needs_force(solution, tmp_path, capsys):
    dest = tmp_path / "student"
    dest.mkdir()
    (dest / "stale.py").write_text("old")
    assert main(["homework", "make", str(solution), str(dest)]) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force" in err and "Traceback" not in err
    assert (dest / "stale.py").read_text() == "old"
    assert main(["homework", "make", str(solution), str(dest), "--force"]) == 0
    assert not (dest / "stale.py").exists() and (dest / "cell.py").exists()


def test_bad_markers_with_force_keep_the_old_dest(solution, tmp_path, capsys):
    dest = tmp_path / "student"
    make_student(solution, dest)
    (solution / "cell.py").write_text("# END SOLUTION\n")
    assert main(["homework", "make", str(solution), str(dest), "--force"]) == 2
    assert "cell.py:1:" in capsys.readouterr().err
    assert (dest / "cell.py").read_bytes() == STUDENT_PY.encode()


def test_dest_inside_src_and_missing_src(solution, tmp_path):
    with pytest.raises(HomeworkError, match="must not contain"):
        make_student(solution, solution / "student")
    with pytest.raises(HomeworkError, match="no such"):
        make_student(tmp_path / "nope", tmp_path / "student")


def test_single_file(solution, tmp_path):
    make_student(solution / "cell.py", tmp_path / "cell_student.py")
    assert (tmp_path / "cell_student.py").read_bytes() == STUDENT_PY.encode()


def test_shipped_student_version_is_what_make_writes(tmp_path):
    """tutorials/homework/student is exactly make(solution) plus make(tests) in tests/ (and
    the public reference observations, checked in test_homework_example.py)."""
    make_student(HOMEWORK / "solution", tmp_path / "student")
    make_student(HOMEWORK / "tests", tmp_path / "student" / "tests")
    for rel in ["", "tests"]:
        cmp = filecmp.dircmp(tmp_path / "student" / rel, HOMEWORK / "student" / rel,
                             ignore=["__pycache__", "tests"] if not rel else
                             ["__pycache__", "reference.json"])
        assert not cmp.left_only and not cmp.right_only, (rel, cmp.left_only, cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(tmp_path / "student" / rel, HOMEWORK / "student" / rel,
                                               cmp.common_files, shallow=False)
        assert not mismatch and not errors, (rel, mismatch, errors)
    text = (HOMEWORK / "student" / "tests" / "test_elman.py").read_text()
    assert "HIDDEN" not in text and "test_hidden" not in text


def test_unwritable_dest_is_one_clear_error(solution, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(["homework", "make", str(solution), str(blocker / "student")]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err
