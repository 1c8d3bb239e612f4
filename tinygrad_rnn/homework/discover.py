"""Find the tests of a homework: functions named ``test_*`` in ``TESTS/*.py``.

A test is a top-level ``def test_...():`` taking no arguments and without decorators. The
comment lines right above it may set, each at most once::

    # points: 2                 what it is worth (a finite number >= 0; default 1)
    # visibility: hidden        visible | hidden | after_due_date | after_published
    # credit: partial           the fraction of its checks that are right (default: all or none)
    # tags: elman, gradients    Gradescope tags
    # number: 1.2               Gradescope's test number
    def test_R_matches_the_formula():
        ...

A test whose ``def`` lies in a ``# BEGIN HIDDEN TESTS`` block is hidden: students never get its
source (``homework make`` removes it), it is tagged ``hidden`` and its visibility defaults to
``after_published``. Forms the grader cannot run the way pytest would are errors, never skipped
in silence: test classes, ``async def``, arguments (fixtures), decorators (``parametrize``,
``skip``), ``test_x = ...``, two tests of one name, and a setting comment it cannot parse or
that stands above no test. The test files are read here, by the grader, and never copied where a
submission runs.
"""
import ast
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HomeworkError
from .markers import MarkerError, hidden_line_ranges

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
_SETTING = re.compile(r"#\s*(points|visibility|credit|tags|number)\s*[:=]\s*(.*)", re.IGNORECASE)
_NO_COLON = re.compile(r"#\s*points\s+[-+.\d].*", re.IGNORECASE)  # "# points 2"


@dataclass
class TestCase:
    """One test function: where it is, what it is worth, how Gradescope shows it."""
    __test__ = False  # not a pytest test class

    file: str          # file name inside TESTS, e.g. "test_elman.py"
    function: str      # e.g. "test_R_matches_the_formula"
    line: int
    points: float
    hidden: bool       # defined in a HIDDEN TESTS block
    source: str        # the whole test file (sent to the test process, never written)
    doc: str = ""
    visibility: str = "visible"
    partial: bool = False
    tags: list = field(default_factory=list)
    number: str = ""
    hidden_ranges: list = field(default_factory=list)  # the file's HIDDEN TESTS blocks

    @property
    def name(self):
        return f"{self.file}::{self.function}"

    @property
    def shown(self):
        """Whether students see this test's output now (``visibility`` is ``visible``)."""
        return self.visibility == "visible"

    @property
    def public(self):
        """Whether what its test process sends (printed output, exception messages, the values
        it observed) may be shown: only for a test students see now whose source they have.
        A hidden test's process holds the hidden source, so the submission could put it into
        any of these, even when the instructor shows the test's result at once."""
        return self.shown and not self.hidden

    @property
    def source_hash(self):
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


def _setting(key, value, where):
    """The value of one ``# key: value`` comment, checked."""
    if key == "points":
        try:
            points = float(value)
        except ValueError:
            points = math.nan
        if not math.isfinite(points) or points < 0:
            raise HomeworkError(f"{where}: '# points: {value}' is not a number of points (a "
                                "finite number >= 0, e.g. '# points: 2')")
        return points
    if key in ("visibility", "credit"):
        value = value.lower()
    if key == "visibility":
        if value not in VISIBILITIES:
            raise HomeworkError(f"{where}: '# visibility: {value}' is not one of "
                                f"{', '.join(VISIBILITIES)}")
        return value
    if key == "credit":
        if value not in ("partial", "all"):
            raise HomeworkError(f"{where}: '# credit: {value}' must be 'partial' (the fraction "
                                "of checks that are right) or 'all' (all or nothing)")
        return value == "partial"
    if key == "tags":
        tags = [t.strip() for t in value.split(",")]
        if not value or not all(tags):
            raise HomeworkError(f"{where}: '# tags: {value}' must list tags separated by commas")
        return tags
    if not value:
        raise HomeworkError(f"{where}: '# number:' needs a value, e.g. '# number: 1.2'")
    return value


def _settings(lines, path):
    """``{line number: (key, value)}`` of every setting comment at the start of a line."""
    found = {}
    for number, line in enumerate(lines, 1):
        if not line.startswith("#"):
            continue
        if _NO_COLON.fullmatch(line.strip()):
            raise HomeworkError(f"{path}:{number}: '{line.strip()}' needs a colon: '# points: 2'")
        match = _SETTING.fullmatch(line.strip())
        if match:
            key, value = match.group(1).lower(), match.group(2).strip()
            found[number] = (key, _setting(key, value, f"{path}:{number}"))
    return found


def _unsupported(node, path):
    """Why the grader cannot run ``node`` as a test, or None."""
    name = getattr(node, "name", "")
    if isinstance(node, ast.ClassDef) and name.lower().startswith("test"):
        return f"class {name}: test classes are not supported; write top-level 'def test_...():'"
    if isinstance(node, ast.AsyncFunctionDef) and name.startswith("test"):
        return f"async def {name}: async tests are not supported"
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.startswith("test"):
                return f"{target.id} = ...: a test must be a 'def test_...():'"
    if isinstance(node, ast.FunctionDef) and name.startswith("test"):
        args = node.args
        if args.args or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg:
            return (f"{name} takes arguments; the grader calls each test with none "
                    "(pytest fixtures and parametrize are not available)")
        if node.decorator_list:
            return (f"{name} has decorators ({ast.unparse(node.decorator_list[0])}); the grader "
                    "runs plain functions (no pytest.mark.skip, parametrize or fixtures)")
    return None


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
    settings, used, cases, seen = _settings(lines, path), set(), [], {}
    for node in tree.body:
        problem = _unsupported(node, path)
        if problem:
            raise HomeworkError(f"{path}:{node.lineno}: {problem}")
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
            continue
        if node.name in seen:
            raise HomeworkError(f"{path}:{node.lineno}: a second test named {node.name} (the "
                                f"first is at line {seen[node.name]}); Python would keep only "
                                "the last one")
        seen[node.name] = node.lineno
        values, i = {}, node.lineno - 1
        while i >= 1 and lines[i - 1].lstrip().startswith("#"):
            if i in settings:
                key, value = settings[i]
                if key in values:
                    raise HomeworkError(f"{path}:{i}: a second '# {key}:' for {node.name}")
                values[key] = value
                used.add(i)
            i -= 1
        is_hidden = any(a <= node.lineno <= b for a, b in hidden)
        doc = (ast.get_docstring(node) or "").strip().splitlines()
        cases.append(TestCase(
            path.name, node.name, node.lineno, values.get("points", 1.0), is_hidden, source,
            doc[0] if doc else "",
            values.get("visibility", "after_published" if is_hidden else "visible"),
            values.get("credit", False),
            (["hidden"] if is_hidden else []) + values.get("tags", []),
            values.get("number", ""), hidden))
    for number in sorted(set(settings) - used):
        raise HomeworkError(f"{path}:{number}: '{lines[number - 1].strip()}' is not in the "
                            "comment lines right above a test")
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
