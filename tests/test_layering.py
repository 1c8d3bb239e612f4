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
    assert _printed_by(code) == "[]"


def _printed_by(code, timeout=300):
    """What a fresh interpreter running ``code`` in the repository prints (it must succeed)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


# ---- the shape of the code: what docs/architecture.md promises a reader ---------------------
LONGEST = 60      # lines per function (docs/architecture.md, "contributing")


def _functions(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def _too_long(paths):
    return sorted(f"{p.relative_to(REPO)}:{line} {name} ({n} lines)" for p in paths
                  for name, line, n in _functions(p.read_text()) if n > LONGEST)


def test_every_function_of_the_package_fits_on_a_screen():
    assert _too_long(PACKAGE.rglob("*.py")) == []


def test_the_length_check_sees_a_long_method(tmp_path):
    """(So that the test above can fail.)"""
    path = REPO / "tinygrad_rnn" / "long.py"
    body = "".join(f"        x{i} = {i}\n" for i in range(LONGEST))
    source = f"class A:\n    def long(self):\n{body}"
    assert [f"{name} ({n} lines)" for name, _, n in _functions(source)] == [
        f"long ({LONGEST + 1} lines)"]
    assert path.name not in {p.name for p in PACKAGE.rglob("*.py")}


def _late_imports(source):
    """Module-level imports that come after a definition (the way an import cycle is hidden)."""
    late, defined = [], False
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined = True
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and defined:
            late.append(node.lineno)
    return late


def test_module_level_imports_come_before_any_definition():
    late = {str(p.relative_to(REPO)): _late_imports(p.read_text()) for p in PACKAGE.rglob("*.py")}
    assert {k: v for k, v in late.items() if v} == {}
    assert _late_imports("def f():\n    pass\nfrom . import tensor\n") == [3]


def test_every_module_can_be_imported_first():
    """A cycle between modules shows as an ImportError when the wrong one is imported first;
    each module is imported first in a fresh set of tinygrad_rnn modules."""
    names = sorted(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                   for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")   # runs the CLI
    code = ("import importlib, sys\n"
            f"names = {names!r}\n"
            "failed = []\n"
            "for name in names:\n"
            "    for loaded in [m for m in sys.modules if m.startswith('tinygrad_rnn')]:\n"
            "        del sys.modules[loaded]\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except ImportError as exc:\n"
            "        if 'tinygrad_rnn' in str(exc) or 'partially initialized' in str(exc):\n"
            "            failed.append(f'{name}: {exc}')\n"
            "print(failed)\n")
    assert _printed_by(code) == "[]"


def _finds_steps(source):
    """Lines that look for a time-step attribute in a scope (``"t" in ....attrs``)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant)
            and node.left.value == "t" and any(isinstance(op, (ast.In, ast.NotIn))
                                               for op in node.ops)
            and any(isinstance(c, ast.Attribute) and c.attr == "attrs"
                    for c in node.comparators)]


def test_one_place_finds_the_time_step_of_a_tensor():
    """``state.is_step``/``step_index`` are the one answer to "which time step is this in"."""
    found = {str(p.relative_to(REPO)): _finds_steps(p.read_text()) for p in PACKAGE.rglob("*.py")}
    assert [k for k, v in found.items() if v] == ["tinygrad_rnn/state.py"]
    assert _finds_steps("if 't' in path[i].attrs:\n    pass\n") == [1]
