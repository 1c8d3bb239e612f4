"""Red team of the grader, part two: what a submission or a careless instructor puts in files.
Folders thousands of levels deep (uploaded, or made by a test) neither crash the grader nor
stay behind; a folder named like a notebook is no notebook; a graph of look-alike ops is not
compared beyond what a test process ever sends; observations any answer would match are
refused; a one-line solution continued from the line above cannot leak that line; saved
widget state leaves the student notebook."""
import copy
import json
import os
import tempfile
import uuid
from pathlib import Path

import numpy
import pytest

import tinygrad_rnn as tr
from homework_support import grade_dirs, scratch
from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, MarkerError, grade, strip_text
from tinygrad_rnn.homework.graphs import compare_graph
from tinygrad_rnn.homework.notebooks import student_notebook
from tinygrad_rnn.homework.observations import MAX_NODES, encode_graph
from tinygrad_rnn.homework.reference import load
from tinygrad_rnn.homework.tree import remove_tree

ROOT = os.geteuid() == 0
TESTS = "from tinygrad_rnn.homework import observe\nimport mod\n\n\ndef test_f():\n" \
        "    observe('f(2)', mod.f(2))\n"


def _homework(root, submission):
    for folder, name, text in (("solution", "mod.py", "def f(x):\n    return 2 * x\n"),
                               ("tests", "test_mod.py", TESTS), ("sub", "mod.py", submission)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text)
    return root


def _nest(folder, depth):
    """``folder/d/d/.../d`` ``depth`` levels deep (made with relative names: no long path)."""
    here = os.getcwd()
    try:
        os.chdir(folder)
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
        Path("bottom.txt").write_text("the bottom")
    finally:
        os.chdir(here)


def test_a_test_that_nests_folders_thousands_deep_is_cleaned_up(tmp_path, monkeypatch):
    """Removing 1100 nested folders recursed once per level: the grader died with
    RecursionError and left the tree in its temporary folder (as root also in /tmp)."""
    grading_tmp = scratch()
    monkeypatch.setattr(tempfile, "tempdir", str(grading_tmp))
    token = f"tinygrad-rnn-test-deep-{uuid.uuid4().hex}"
    deep = f'''import os
def f(x):
    for base in (".", "/tmp/{token}"):
        os.makedirs(base, exist_ok=True)
        os.chdir(base)
        for _ in range(1100):
            os.mkdir("d")
            os.chdir("d")
    return 2 * x
'''
    root = _homework(tmp_path, deep)
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=60)
    assert results["score"] == 1, results["tests"][0]["output"]
    assert grade_dirs(grading_tmp) == []
    if ROOT:  # the test user's folder in /tmp went too
        assert not os.path.lexists(f"/tmp/{token}")
    else:
        remove_tree(f"/tmp/{token}")


def test_an_uploaded_tree_thousands_deep_and_a_folder_named_like_a_notebook(tmp_path):
    """Copying an upload 1100 folders deep recursed once per level (RecursionError: no
    results at all); a folder "notes.ipynb" stopped the grading ("not a regular file")."""
    root = _homework(tmp_path, "def f(x):\n    return 2 * x\n")
    try:
        _nest(root / "sub", 1100)
        (root / "sub" / "notes.ipynb").mkdir()
        results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=60)
        assert results["score"] == 1, results["tests"][0]["output"]
    finally:  # pytest's own clean-up of tmp_path recurses once per level too
        remove_tree(root / "sub")


def test_removing_a_tree_never_follows_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    tree = tmp_path / "tree"
    tree.mkdir()
    _nest(tree, 300)
    (tree / "d" / "link").symlink_to(outside)
    (tree / "file-link").symlink_to(outside / "keep.txt")
    assert remove_tree(tree) and not tree.exists()
    assert (outside / "keep.txt").read_text() == "keep"


def _graph():
    a = tr.Tensor(numpy.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, name="a")
    return encode_graph((a * 2.0).tanh().sum())


def test_look_alike_ops_do_not_stop_the_right_one_from_matching():
    """Ops are matched by value: 5000 decoys of the same op and scope before the right op
    change nothing (compared at once, not one by one)."""
    ref = _graph()
    got = copy.deepcopy(ref)
    mul = next(n for n in got["nodes"] if n.get("op") == "mul")
    decoys = []
    for i in range(5000):
        decoy = copy.deepcopy(mul)
        decoy["key"] = f"decoy#{i}"
        decoy["value"]["values"] = [v + 1.0 for v in decoy["value"]["values"]]
        decoys.append(decoy)
    got["nodes"] = decoys + got["nodes"]
    problems, right, total = compare_graph("g", ref, got, 1e-6, 1e-9, True)
    assert problems == [] and right == total == 3


def test_a_graph_larger_than_any_test_sends_is_not_compared():
    ref = _graph()
    got = copy.deepcopy(ref)
    got["nodes"] += [{"key": f"extra#{i}"} for i in range(MAX_NODES)]
    problems, right, _ = compare_graph("g", ref, got, 1e-6, 1e-9, False)
    assert problems == ["g: the test process sent a graph too large to compare"] and right == 0


VACUOUS = '''import numpy
from tinygrad_rnn.homework import observe
import mod


def test_cell():
    observe("the cell", mod.Cell())


def test_nothing():
    observe("nothing", [None, [], numpy.zeros((0, 3))])
'''


def test_observations_any_answer_would_match_are_refused(tmp_path, capsys):
    """An object is compared by its type name only, and None or [] by kind: every
    submission would get these points, wrong or not."""
    (tmp_path / "solution").mkdir()
    (tmp_path / "solution" / "mod.py").write_text("class Cell:\n    pass\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_v.py").write_text(VACUOUS)
    out = tmp_path / "reference.json"
    assert main(["homework", "reference", str(tmp_path / "solution"), "--tests",
                 str(tmp_path / "tests"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "test_v.py::test_cell: observes 'the cell' as a Cell object, compared by its " \
           "type only" in err
    assert "test_v.py::test_nothing: observes 'nothing' as no number and no text" in err
    assert not out.exists()
    made_elsewhere = {"format": "tinygrad-rnn reference observations", "version": 1, "tests": {
        "t.py::test_cell": {"source_sha256": "", "observations": [
            {"name": "cell", "call": "observe", "rtol": 1e-6, "atol": 1e-9,
             "value": {"kind": "object", "type": "Cell"}}]}}}
    with pytest.raises(HomeworkError, match="t.py::test_cell: observes 'cell' as a Cell"):
        load(made_elsewhere)


def test_a_one_line_solution_continued_from_the_line_above_is_an_error():
    """Only the marked line was cut: 'x = 2 * \\' stayed in the student version."""
    with pytest.raises(MarkerError, match="line 2: '# SOLUTION' must end a statement that fits"):
        strip_text("x = 2 * \\\n    secret_y  # SOLUTION\n")
    assert strip_text("def f(a,\n      b):\n    return b  # SOLUTION\n") == \
        "def f(a,\n      b):\n    ...\n"


def test_saved_widget_state_leaves_the_student_notebook():
    """Jupyter saves widget state with the notebook, Output widgets' outputs included."""
    notebook = {"cells": [{"cell_type": "code", "source": "x = 1", "outputs": [],
                           "execution_count": None, "metadata": {}}],
                "metadata": {"kernelspec": {"name": "python3"}, "widgets": {
                    "application/vnd.jupyter.widget-state+json": {"state": {
                        "out": {"outputs": [{"text": "THE ANSWER IS 42"}]}}}}},
                "nbformat": 4, "nbformat_minor": 5}
    student = json.loads(student_notebook(json.dumps(notebook).encode(), "n.ipynb"))
    assert "THE ANSWER" not in json.dumps(student)
    assert student["metadata"] == {"kernelspec": {"name": "python3"}}


@pytest.mark.skipif(not ROOT, reason="cleaning a test user's files needs root")
def test_files_left_in_a_world_writable_subfolder_are_removed(tmp_path, monkeypatch):
    """/tmp/.X11-unix and the like: world-writable folders inside the cleaned ones."""
    grading_tmp = scratch()
    (grading_tmp / "shared").mkdir()
    (grading_tmp / "shared").chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(grading_tmp))
    monkeypatch.setenv("TMPDIR", str(grading_tmp))
    leave = f'''import os
def f(x):
    with open({str(grading_tmp / "shared" / "left")!r}, "w") as handle:
        handle.write("for the next test")
    os.makedirs({str(grading_tmp / "shared" / "folder" / "inside")!r})
    return 2 * x
'''
    root = _homework(tmp_path, leave)
    results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30)
    assert results["score"] == 1, results["tests"][0]["output"]
    assert sorted(os.listdir(grading_tmp / "shared")) == []


def test_an_editors_backup_of_a_solution_file_is_an_error(tmp_path, capsys):
    """vim's swap file, emacs's autosave, a '~' backup: copied byte for byte, solution and all."""
    solution = "def f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n"
    (tmp_path / "sol").mkdir()
    for name in ("elman.py", "elman.py~", ".elman.py.swp", "#elman.py#"):
        (tmp_path / "sol" / name).write_text(solution)
    assert main(["homework", "make", str(tmp_path / "sol"), str(tmp_path / "student")]) == 2
    err = capsys.readouterr().err
    for name in ("elman.py~", ".elman.py.swp", "#elman.py#"):
        assert f"{name}: looks like an editor's backup or swap file" in err, err
    assert not (tmp_path / "student").exists()


def test_a_reference_with_hidden_tests_says_to_keep_it_from_students(tmp_path, capsys):
    """The reference students get must come from their version of the tests: one made from
    the instructor's holds what each hidden test should compute."""
    tests = TESTS + ("\n\n# BEGIN HIDDEN TESTS\ndef test_hidden():\n"
                     "    observe('f(5)', mod.f(5))\n# END HIDDEN TESTS\n")
    root = _homework(tmp_path, "def f(x):\n    return 2 * x\n")
    (root / "tests" / "test_mod.py").write_text(tests)
    assert main(["homework", "reference", str(root / "solution"), "--tests", str(root / "tests"),
                 "-o", str(root / "reference.json")]) == 0
    assert "holds the observations of 1 hidden tests (test_mod.py::test_hidden): keep it from " \
           "students" in capsys.readouterr().err
    (root / "tests" / "test_mod.py").write_text(TESTS)
    assert main(["homework", "reference", str(root / "solution"), "--tests", str(root / "tests"),
                 "-o", str(root / "reference.json")]) == 0
    assert "hidden" not in capsys.readouterr().err


@pytest.mark.skipif(not ROOT, reason="the user separation needs root (as on Gradescope)")
def test_shared_memory_left_by_one_test_is_not_found_by_the_next(tmp_path):
    """Without a network (and IPC) namespace, as in Docker without CAP_SYS_ADMIN, a System V
    segment outlived its test; the system call filter refuses them."""
    from tinygrad_rnn.homework.sandbox import Sandbox
    shm = '''import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
def f(x):
    if sys._getframe(1).f_code.co_name == "test_f":
        made = libc.shmget(0x7E57AB, 4096, 0o1666)
        print("made a segment" if made >= 0 else f"shmget refused: errno {ctypes.get_errno()}")
    elif libc.shmget(0x7E57AB, 0, 0) >= 0:
        print("FOUND the segment")
    return 2 * x
'''
    root = _homework(tmp_path, shm)
    (root / "tests" / "test_mod.py").write_text(TESTS + "\n\ndef test_g():\n"
                                                "    observe('f(3)', mod.f(3))\n")
    with Sandbox(network=False) as sandbox:
        results = grade(root / "sub", root / "tests", solution=root / "solution", timeout=30,
                        sandbox=sandbox)
    outputs = [t["output"] for t in results["tests"]]
    assert "shmget refused: errno 1" in outputs[0], outputs
    assert "FOUND" not in outputs[1]
