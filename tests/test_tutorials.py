"""The tutorial notebooks: generated from their sources without outputs, shaped as the issue
asks (a "you will learn" line first, exercises last), and executed top to bottom with the
python3 kernel of this interpreter (any error fails the test).

Skipped cleanly when nbformat / nbclient / ipykernel (``pip install -e '.[notebooks]'``) or
Graphviz's ``dot`` (the notebooks display drawings) are missing.
"""
import json
import os
import pathlib
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 300


def load_builder():
    sys.path.insert(0, str(TUTORIALS))
    try:
        import build_notebooks
    finally:
        sys.path.remove(str(TUTORIALS))
    return build_notebooks


def test_there_are_seven_notebooks_listed_in_the_readme():
    names = [nb.name for nb in NOTEBOOKS]
    assert len(names) == 7, names
    readme = (TUTORIALS / "README.md").read_text()
    assert all(name in readme for name in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_shaped(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    first, last = nb["cells"][0], nb["cells"][-1]
    assert first["cell_type"] == "markdown" and "**You will learn:**" in "".join(first["source"])
    assert last["cell_type"] == "markdown" and "## Exercises" in "".join(last["source"])
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_notebooks_are_up_to_date_with_their_sources():
    pytest.importorskip("nbformat")
    builder = load_builder()
    sources = builder.sources()
    assert [builder.target(s) for s in sources] == NOTEBOOKS
    for source in sources:
        assert builder.target(source).read_text() == builder.notebook_text(source), \
            f"{source.name} changed: run python tutorials/build_notebooks.py"


def test_parse_percent_format():
    builder = load_builder()
    text = "# %% [markdown]\n# # Title\n#\n# text\n\n# %%\nx = 1\n\n\n# %%\n# a comment\ny = 2\n"
    assert builder.parse(text) == [("markdown", "# Title\n\ntext"), ("code", "x = 1"),
                                   ("code", "# a comment\ny = 2")]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec that runs *this* interpreter, first on JUPYTER_PATH, and the
    repository first on PYTHONPATH, so the notebooks test this checkout in this venv."""
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (the notebooks display drawings)")
    spec_dir = tmp_path_factory.mktemp("jupyter") / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (tests)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "PYTHONPATH")}
    os.environ["JUPYTER_PATH"] = str(spec_dir.parents[1])
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), saved["PYTHONPATH"]]))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path, kernel_env, tmp_path):
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
