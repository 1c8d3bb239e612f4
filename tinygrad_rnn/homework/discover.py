"""Find the tests of a homework: functions named ``test_*`` in ``TESTS/*.py``.

A test is a top-level ``def test_...():`` taking no arguments. It is worth 1 point unless a
comment right above it (above its decorators, if any) says otherwise::

    # points: 2
    def test_R_matches_the_formula():
        ...

A test whose ``def`` lies between ``# BEGIN HIDDEN TESTS`` and ``# END HIDDEN TESTS`` is
hidden: students never get its source (``homework make`` removes it), and the grader does not
show its lines in tracebacks. The test files are read here, by the grader, and never copied
where a submission runs.
"""
import ast
import re
from dataclasses import dataclass
from pathlib import Path

from .make import HomeworkError
from .markers import MarkerError, hidden_line_ranges

_POINTS = re.compile(r"^\s*#\s*points\s*[:=]\s*([0-9]+(?:\.[0-9]+)?)\s*$", re.IGNORECASE)


@dataclass
class TestCase:
    """One test function: where it is, what it is worth, its file's source."""
    file: str          # file name inside TESTS, e.g. "test_elman.py"
    function: str      # e.g. "test_R_matches_the_formula"
    line: int
    points: float
    hidden: bool
    source: str        # the whole test file (sent to the test process, never written)
    doc: str = ""

    @property
    def name(self):
        return f"{self.file}::{self.function}"


def _points_above(lines, first_line):
    """The ``# points: N`` comment in the comment block ending just above ``first_line``."""
    i = first_line - 2  # index of the line above, 0-based
    while i >= 0 and lines[i].lstrip().startswith("#"):
        match = _POINTS.match(lines[i])
        if match:
            return float(match.group(1))
        i -= 1
    return 1.0


def discover_file(path):
    """The ``TestCase`` list of one test file, in source order."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HomeworkError(f"{path}: cannot read the test file ({exc})") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise HomeworkError(f"{path}:{exc.lineno}: syntax error in the test file: {exc.msg}") from None
    try:
        hidden = hidden_line_ranges(source)
    except MarkerError as exc:
        raise HomeworkError("\n".join(f"{path}:{line}: {msg}" for line, msg in exc.problems)) from None
    lines = source.splitlines()
    cases = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
            continue
        args = node.args
        if args.args or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg:
            raise HomeworkError(f"{path}:{node.lineno}: {node.name} takes arguments; the grader "
                                "calls each test with none (pytest fixtures are not available)")
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        points = _points_above(lines, first)
        doc = (ast.get_docstring(node) or "").strip().splitlines()
        cases.append(TestCase(path.name, node.name, node.lineno, points,
                              any(a <= node.lineno <= b for a, b in hidden), source,
                              doc[0] if doc else ""))
    return cases


def discover(tests):
    """Every test of the folder ``tests`` (or of one test file), files in name order."""
    tests = Path(tests)
    if tests.is_file():
        files = [tests]
    elif tests.is_dir():
        files = sorted(p for p in tests.glob("*.py") if p.is_file())
    else:
        raise HomeworkError(f"{tests}: no such test folder")
    cases = [case for path in files for case in discover_file(path)]
    if not cases:
        raise HomeworkError(f"{tests}: no test functions (def test_...) found in "
                            f"{len(files)} file(s)")
    return cases
