"""The tutorial notebooks.

- Generated from their sources, output-free, shaped as the issue asks ("You will learn" first,
  exercises last, each exercise with a worked solution and a check cell).
- The student notebooks are exactly what the homework tool (``homework make``) makes from the
  solution notebooks now, and hold no solution text.
- Every solution notebook runs top to bottom with the python3 kernel of this interpreter (any
  error, including a failing exercise check, fails the test), with ``ipywidgets`` made
  unimportable so the fallback of the interactive cells is what runs.

Execution is skipped cleanly when nbformat / nbclient / ipykernel / matplotlib
(``pip install -e '.[notebooks]'``) or Graphviz's ``dot`` (the notebooks display drawings) are
missing.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
STUDENT = sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((TUTORIALS / "solutions").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 300
PLACEHOLDER = 'raise NotImplementedError("YOUR CODE HERE")'


def load_builder():
    sys.path.insert(0, str(TUTORIALS))
    try:
        import build_notebooks
    finally:
        sys.path.remove(str(TUTORIALS))
    return build_notebooks


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def solution_blocks(source):
    """The lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` of a code cell's text."""
    return re.findall(r"^[ \t]*# BEGIN SOLUTION\n(.*?)^[ \t]*# END SOLUTION$", source,
                      flags=re.S | re.M)


def test_at_least_nine_notebooks_each_with_its_solutions_and_listed_in_the_readmes():
    names = [nb.name for nb in STUDENT]
    assert len(names) >= 9, names
    assert [nb.name for nb in SOLUTIONS] == names
    for readme in (TUTORIALS / "README.md", ROOT / "docs" / "tutorials.md"):
        listed = readme.read_text(encoding="utf-8")
        assert all(nb.stem in listed for nb in STUDENT), readme


@pytest.mark.parametrize("path", STUDENT + SOLUTIONS,
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_is_output_free_and_shaped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "**You will learn:**" in text(first)
    headings = [i for i, c in enumerate(nb["cells"])
                if c["cell_type"] == "markdown" and "## Exercises" in text(c)]
    assert len(headings) == 1, "one Exercises section"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_exercise_has_a_worked_solution_and_a_check(path):
    """After '## Exercises': '### Exercise k' headings, each followed by exactly one code cell
    with a solution block and a '# Check k' cell that asserts; nothing after that but prose."""
    nb_cells = cells(path)
    start = next(i for i, c in enumerate(nb_cells) if "## Exercises" in text(c))
    exercises, current = [], None
    for cell in nb_cells[start:]:
        source = text(cell)
        heading = re.search(r"^### Exercise (\d+)", source, flags=re.M)
        if cell["cell_type"] == "markdown" and heading:
            current = {"number": int(heading.group(1)), "solutions": 0, "checks": []}
            exercises.append(current)
        elif cell["cell_type"] == "code":
            assert current is not None, f"code before the first exercise: {source[:60]!r}"
            current["solutions"] += len(solution_blocks(source))
            if source.startswith("# Check"):
                current["checks"].append(source)
    assert [e["number"] for e in exercises] == list(range(1, len(exercises) + 1))
    assert len(exercises) >= 2
    for e in exercises:
        assert e["solutions"] == 1, f"exercise {e['number']}: {e['solutions']} solution blocks"
        assert len(e["checks"]) == 1, f"exercise {e['number']} needs one check cell"
        check = e["checks"][0]
        assert check.startswith(f"# Check {e['number']}\n")
        assert "assert" in check and "BEGIN SOLUTION" not in check


def test_notebooks_are_up_to_date_with_their_sources():
    """The solution notebooks match their sources, and the student notebooks are what the
    homework tool makes from them now."""
    pytest.importorskip("nbformat")
    builder = load_builder()
    sources = builder.sources()
    assert [builder.target(s) for s in sources] == STUDENT
    assert [builder.solution_target(s) for s in sources] == SOLUTIONS
    for source in sources:
        for path, data in builder.expected_files(source).items():
            assert path.read_bytes() == data, \
                f"{path.name} is stale: run python tutorials/build_notebooks.py"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_student_notebook_holds_no_solution_text(path):
    """Every line of a worked solution is gone from the student notebook (unless the same line
    also appears outside the solutions), and each solution became the placeholder."""
    solution_cells = cells(path)
    student_cells = cells(TUTORIALS / path.name)
    assert len(student_cells) == len(solution_cells)
    hidden, outside = set(), []
    for cell in solution_cells:
        source = text(cell)
        blocks = solution_blocks(source)
        for block in blocks:
            hidden |= {line.strip() for line in block.splitlines() if line.strip()}
        outside.append(re.sub(r"^[ \t]*# BEGIN SOLUTION\n.*?^[ \t]*# END SOLUTION$", "", source,
                              flags=re.S | re.M))
    shown_elsewhere = {line.strip() for part in outside for line in part.splitlines()}
    secret = hidden - shown_elsewhere
    assert secret
    for solution_cell, student_cell in zip(solution_cells, student_cells):
        student = text(student_cell)
        leaked = [line for line in student.splitlines() if line.strip() in secret]
        assert not leaked, f"{path.name}: solution text in the student notebook: {leaked[:3]}"
        expected = len(solution_blocks(text(solution_cell)))
        assert student.count(PLACEHOLDER) == expected
        assert "BEGIN SOLUTION" not in student


def test_the_homework_command_makes_the_student_notebook(tmp_path):
    """``tinygrad-rnn homework make`` itself (not only its Python function) writes the
    committed student version of a notebook."""
    solution = SOLUTIONS[0]
    result = subprocess.run([sys.executable, "-m", "tinygrad_rnn", "homework", "make",
                             str(solution), str(tmp_path / solution.name)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / solution.name).read_bytes() == (TUTORIALS / solution.name).read_bytes()


def test_parse_percent_format():
    builder = load_builder()
    source = "# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n\n# %%\n# a comment\ny = 2\n"
    assert builder.parse(source) == [("markdown", "# Title\n\ntext"), ("code", "x = 1"),
                                     ("code", "# a comment\ny = 2")]


def test_build_check_reports_a_stale_notebook(tmp_path, monkeypatch, capsys):
    """``--check`` exits 1 and names the notebook when a source changed, writing nothing."""
    pytest.importorskip("nbformat")
    builder = load_builder()
    source_dir, out = tmp_path / "source", tmp_path
    source_dir.mkdir()
    (source_dir / "01_demo.py").write_text(
        "# %% [markdown]\n# **You will learn:** x\n\n# %%\n# BEGIN SOLUTION\nx = 1\n"
        "# END SOLUTION\n", encoding="utf-8")
    monkeypatch.setattr(builder, "SOURCES", source_dir)
    monkeypatch.setattr(builder, "SOLUTIONS", out / "solutions")
    monkeypatch.setattr(builder, "HERE", out)
    assert builder.main(["--check"]) == 1
    assert "01_demo.ipynb" in capsys.readouterr().err
    assert not (out / "01_demo.ipynb").exists()
    assert builder.main([]) == 0 and builder.main(["--check"]) == 0
    student = "".join(text(c) for c in cells(out / "01_demo.ipynb"))
    assert PLACEHOLDER in student and "x = 1" not in student


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec that runs *this* interpreter, first on JUPYTER_PATH; the
    repository first on PYTHONPATH, so the notebooks test this checkout in this venv; and an
    ``ipywidgets`` that cannot be imported, so the notebooks' fallback runs."""
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (the notebooks display drawings)")
    base = tmp_path_factory.mktemp("jupyter")
    spec_dir = base / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (tests)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    blocker = base / "no_widgets"
    blocker.mkdir()
    (blocker / "ipywidgets.py").write_text("raise ImportError('ipywidgets is blocked in the "
                                           "tests: the notebooks must run without it')\n")
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "PYTHONPATH", "MPLBACKEND")}
    os.environ["JUPYTER_PATH"] = str(base)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker), str(ROOT),
                                                             saved["PYTHONPATH"]]))
    os.environ.pop("MPLBACKEND", None)     # the kernel picks its inline backend
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_runs_and_every_check_passes(path, kernel_env, tmp_path):
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()      # raises CellExecutionError naming the cell on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    checks = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Check")]
    printed = ["".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
               for c in checks]
    assert checks and all("correct" in p for p in printed)
