"""Make the student version of a homework: ``make_student(src, dest, force=False)``.

``.py`` files and the code cells of ``.ipynb`` notebooks lose their solutions and hidden tests
(see ``markers.py``); every other file is copied byte for byte, and so is a ``.py`` or ``.ipynb``
without markers. A notebook with markers is written back as JSON (one-space indent, as Jupyter
writes it) with the outputs and execution counts of the changed cells cleared, since those
outputs would show the answer. ``__pycache__`` and ``.ipynb_checkpoints`` folders are skipped
(a checkpoint holds a copy of the solution).

Every file is checked before anything is written; the result is built in a temporary folder
beside ``dest`` and renamed into place, so on any error ``dest`` is left as it was.
"""
import json
import os
import shutil
import tempfile
from pathlib import Path

from .markers import MarkerError, find_blocks, parse_marker, strip_lines

SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".git"}


class HomeworkError(Exception):
    """A problem with the homework's files (bad markers, a path that cannot be used)."""


def student_python(data, where):
    """Student version of a ``.py`` file's bytes; ``where`` names the file in errors."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HomeworkError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    lines = text.splitlines(keepends=True)
    if not any(parse_marker(line) for line in lines):
        return data
    try:
        return "".join(strip_lines(lines)).encode("utf-8")
    except MarkerError as exc:
        raise HomeworkError("\n".join(f"{where}:{line}: {msg}" for line, msg in exc.problems)) from None


def student_notebook(data, where):
    """Student version of a notebook's bytes (markers are looked for in code cells only)."""
    try:
        notebook = json.loads(data.decode("utf-8"))
        cells = notebook["cells"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise HomeworkError(f"{where}: not a Jupyter notebook ({exc})") from None
    changed, problems = False, []
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        lines = text.splitlines(keepends=True)
        try:
            if not find_blocks(lines):
                continue
        except MarkerError as exc:
            problems += [f"{where}: cell {number}, line {line}: {msg}" for line, msg in exc.problems]
            continue
        new = "".join(strip_lines(lines))
        cell["source"] = new.splitlines(keepends=True) if isinstance(source, list) else new
        cell["outputs"] = []
        cell["execution_count"] = None
        changed = True
    if problems:
        raise HomeworkError("\n".join(problems))
    if not changed:
        return data
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def student_file(path, where):
    """The bytes of the student version of one file."""
    data = Path(path).read_bytes()
    if path.suffix == ".py":
        return student_python(data, where)
    if path.suffix == ".ipynb":
        return student_notebook(data, where)
    return data


def plan(src):
    """``{relative path: bytes}`` for every file of the student version; raises
    ``HomeworkError`` listing the problems of every file."""
    src = Path(src)
    if src.is_file():
        files = [(src, Path(src.name))]
    else:
        files = []
        for root, dirs, names in os.walk(src):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(names):
                if not name.endswith(".pyc"):
                    path = Path(root) / name
                    files.append((path, path.relative_to(src)))
    result, problems = {}, []
    for path, rel in files:
        try:
            result[rel] = (student_file(path, str(path)), path)
        except HomeworkError as exc:
            problems.append(str(exc))
        except OSError as exc:
            problems.append(f"{path}: cannot read ({exc.strerror})")
    if problems:
        raise HomeworkError("\n".join(problems) + "\n(nothing was written)")
    return result


def make_student(src, dest, force=False):
    """Write the student version of ``src`` (a folder or one file) to ``dest``.

    Returns the list of relative paths written. Raises ``HomeworkError`` (and writes nothing)
    on bad markers, a missing ``src``, an existing ``dest`` without ``force``, or a ``dest``
    inside ``src`` (or the reverse).
    """
    src, dest = Path(src), Path(dest)
    if not src.exists():
        raise HomeworkError(f"{src}: no such file or folder")
    src_real, dest_real = src.resolve(), dest.resolve()
    if src.is_dir() and (dest_real == src_real or src_real in dest_real.parents
                         or dest_real in src_real.parents):
        raise HomeworkError(f"{dest} and {src} must not contain one another")
    if dest.exists() and not force:
        raise HomeworkError(f"{dest} exists; pass --force to replace it")
    files = plan(src)
    try:
        _write(files, src, dest_real)
    except OSError as exc:
        raise HomeworkError(f"{dest}: cannot write ({exc.strerror or exc}); nothing was "
                            "changed there") from None
    return sorted(str(rel) for rel in files)


def _write(files, src, dest_real):
    """Build the student version in a staging folder beside ``dest_real``, then swap it in."""
    parent = dest_real.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest_real.name}.", dir=parent))
    try:
        for rel, (data, origin) in files.items():
            target = staging / rel if src.is_dir() else staging / "file"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shutil.copymode(origin, target)
        if src.is_dir():
            shutil.copymode(src, staging)  # mkdtemp made it private
        built = staging / "file" if src.is_file() else staging
        _replace(built, dest_real)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _replace(built, dest):
    """Move ``built`` to ``dest``; an old ``dest`` is removed only once the new one is in place."""
    old = None
    if dest.exists() or dest.is_symlink():
        old = dest.with_name(f".{dest.name}.old.{os.getpid()}")
        os.replace(dest, old)
    try:
        os.replace(built, dest)
    except OSError:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
