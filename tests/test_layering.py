"""The package's layers: the library (tensors, cells, drawing, debugger, ``tr.testing``, the
demo models) never reaches up into the homework tools or the command line, and scripts
(viz/, bench/) build their models from the library, not from a command's module."""
import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "tinygrad_rnn"
TOOLS = ("homework", "commands")       # the layers above the library
ABOVE = {"cli.py"} | set(TOOLS)         # files and folders that may use them


def _imported(path, source=None):
    """Absolute names of every module ``path`` imports (``source``: its text, default read
    from the file), also inside functions."""
    parts = path.relative_to(REPO).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts
    names = []
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


def _reaches_up(names):
    return sorted({n for n in names for tool in TOOLS
                   if n == f"tinygrad_rnn.{tool}" or n.startswith(f"tinygrad_rnn.{tool}.")})


def test_library_code_never_imports_the_homework_tools_or_the_commands():
    library = [p for p in PACKAGE.rglob("*.py")
               if p.relative_to(PACKAGE).parts[0] not in ABOVE]
    assert len(library) > 50
    wrong = {str(p.relative_to(REPO)): _reaches_up(_imported(p)) for p in library}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_check_sees_relative_imports_inside_functions():
    """(So that the test above can fail.)"""
    path = PACKAGE / "draw" / "some_module.py"
    source = "def f():\n    from ..homework import compare\n    from . import api\n"
    assert _reaches_up(_imported(path, source)) == ["tinygrad_rnn.homework",
                                                    "tinygrad_rnn.homework.compare"]
    assert _reaches_up(_imported(path, "from .. import commands\n")) == [
        "tinygrad_rnn.commands"]


def test_scripts_build_their_models_from_the_library():
    scripts = sorted((REPO / "viz").glob("*.py")) + sorted((REPO / "bench").glob("*.py"))
    assert scripts
    wrong = {p.name: _reaches_up(_imported(p)) for p in scripts}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_checking_and_drawing_a_gradient_report_loads_no_homework_tool():
    code = ("import sys, tinygrad_rnn as tr\n"
            "report = tr.testing.check_cell(tr.rnn.ElmanCell(2, 3), steps=2)\n"
            "assert report.ok\n"
            "report.draw()\n"
            "print(sorted(m for m in sys.modules if m.startswith(('tinygrad_rnn.homework', "
            "'tinygrad_rnn.commands'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
