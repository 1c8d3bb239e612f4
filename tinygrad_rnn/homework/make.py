"""Make the student version of a homework: ``make_student(src, dest, force=False)``.

``.py`` files and the cells of ``.ipynb`` notebooks lose their solutions and hidden tests (see
``markers.py``); notebooks also lose every output and execution count. Every other file is
copied byte for byte, and so is a ``.py`` without markers, whatever its encoding. A ``.py``
with markers is read in the encoding its coding line declares (UTF-8 by default, a BOM kept).
``__pycache__``, ``.ipynb_checkpoints`` (a checkpoint holds a copy of the solution),
``.pytest_cache`` and ``.git`` folders are skipped.

An editor's backup, swap or autosave file (``elman.py~``, ``.elman.py.swp``, ``#elman.py#``,
``.bak``, ``.orig``) is an error: it holds the solution and would be copied as it is.

Links and special files: a symbolic link whose target lies inside ``src`` is recreated (as a
link to the same file of the student version); one that points outside ``src`` or nowhere is an
error, and so are FIFOs, sockets and devices (never opened: reading a FIFO would wait forever).

Every file is checked before anything is written; the result is built in a temporary folder
beside ``dest`` and renamed into place, so on any error ``dest`` is left as it was. ``dest``
may never be ``src`` itself, lie inside it or contain it, and ``force`` replaces a file by a
file or a folder by a folder, never one by the other, and never a symbolic link.
"""
import codecs
import io
import os
import shutil
import stat
import tempfile
import tokenize
from pathlib import Path

from ..files import atomic_write
from .errors import HomeworkError
from .markers import MarkerError, scan, split_lines, strip_lines
from .notebooks import student_notebook

SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".git"}


def _decode(data):
    """``(text, encoding)`` of a ``.py`` file's bytes as PEP 263 says, or None."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


def student_python(data, where):
    """Student version of a ``.py`` file's bytes; ``where`` names the file in errors."""
    decoded = _decode(data)
    if decoded is None:  # not text in its declared encoding: fine if nothing looks like a marker
        try:
            blocks, inline = scan(split_lines(data.decode("latin-1")))
        except MarkerError:
            blocks = True
        if blocks or inline:
            raise HomeworkError(f"{where}: has markers but is not valid text in the encoding "
                                "its coding line declares (UTF-8 without one)") from None
        return data
    text, encoding = decoded
    lines = split_lines(text)
    try:
        new = "".join(strip_lines(lines))
    except MarkerError as exc:
        raise HomeworkError("\n".join(f"{where}:{line}: {msg}" for line, msg in exc.problems)) from None
    if new == text:
        return data
    if data.startswith(codecs.BOM_UTF8) and encoding == "utf-8":
        encoding = "utf-8-sig"
    return new.encode(encoding)


def student_file(path, data, where):
    """The bytes of the student version of one file."""
    if path.suffix == ".py":
        return student_python(data, where)
    if path.suffix == ".ipynb":
        return student_notebook(data, where)
    return data


def read_regular(path):
    """The bytes of ``path`` if it is a regular file (a link, FIFO or device is never opened
    for reading: ``O_NOFOLLOW | O_NONBLOCK``, then checked with ``fstat``)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise HomeworkError(f"{path}: not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _special(mode):
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def plan(src):
    """``{relative path: (kind, payload, mode)}`` of the student version (kind ``"file"`` with
    bytes, ``"dir"``, or ``"link"`` with the link's text); raises ``HomeworkError`` listing the
    problems of every file."""
    src = Path(src)
    result, problems = {}, []
    if not src.is_dir():
        _plan_entry(src, Path(src.name), src.resolve().parent, result, problems)
    else:
        root = src.resolve()
        result[Path(".")] = ("dir", None, os.stat(src).st_mode)
        stack = [src]
        while stack:
            folder = stack.pop()
            for entry in sorted(os.scandir(folder), key=lambda e: e.name, reverse=True):
                path = Path(entry.path)
                rel = path.relative_to(src)
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        result[rel] = ("dir", None, entry.stat(follow_symlinks=False).st_mode)
                        stack.append(path)
                elif not entry.name.endswith(".pyc"):
                    _plan_entry(path, rel, root, result, problems)
    if problems:
        raise HomeworkError("; ".join(problems) + " (nothing was written)")
    return dict(sorted(result.items()))


def _copy_of_a_file(name):
    """Whether ``name`` is an editor's backup, swap or autosave file, or a patch tool's copy:
    it would be copied byte for byte, with the solution a marker would have cut."""
    return (name.endswith(("~", ".swp", ".swo", ".swn", ".orig", ".rej", ".bak", ".pyo"))
            or (name.startswith("#") and name.endswith("#")) or name.startswith(".#"))


def _plan_entry(path, rel, root, result, problems):
    if _copy_of_a_file(path.name):
        problems.append(f"{path}: looks like an editor's backup or swap file (or a patch tool's "
                        "copy) and would be copied as it is, solution included; delete it")
        return
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = (path.parent / os.readlink(path)).resolve()
            if not target.exists() or (target != root and root not in target.parents):
                problems.append(f"{path}: a symbolic link to {os.readlink(path)}, which is "
                                f"{'missing' if not target.exists() else 'outside ' + str(root)}; "
                                "the student version cannot have it (copy the file in instead)")
                return
            link_folder = path.parent.resolve()
            result[rel] = ("link", os.path.relpath(target, link_folder), None)
        elif stat.S_ISREG(info.st_mode):
            data = student_file(path, read_regular(path), str(path))
            result[rel] = ("file", data, info.st_mode)
        else:
            problems.append(f"{path}: {_special(info.st_mode)}, not a file: refusing to read it")
    except HomeworkError as exc:
        problems.append(str(exc))
    except OSError as exc:
        problems.append(f"{path}: cannot read ({exc.strerror or exc})")


def _check_paths(src, dest, force):
    if not os.path.lexists(src):
        raise HomeworkError(f"{src}: no such file or folder")
    if dest.is_symlink():
        raise HomeworkError(f"{dest} is a symbolic link; give the real path to write to "
                            "(a link is never replaced)")
    src_real, dest_real = src.resolve(), dest.resolve()
    if dest_real == src_real or (dest.exists() and os.path.samefile(src, dest)):
        raise HomeworkError(f"{dest} is {src} itself: the student version would overwrite the "
                            "solution")
    if src_real in dest_real.parents or (src.is_dir() and dest_real in src_real.parents):
        raise HomeworkError(f"{dest} and {src} must not contain one another")
    if dest_real in src_real.parents:
        raise HomeworkError(f"{dest} contains {src}: the student version would overwrite the "
                            "solution")
    if dest.exists():
        if not force:
            raise HomeworkError(f"{dest} exists; pass --force to replace it")
        if dest.is_dir() != src.is_dir() or not (dest.is_dir() or dest.is_file()):
            what = "a folder" if dest.is_dir() else "a file" if dest.is_file() else "not a file"
            raise HomeworkError(f"{dest} is {what} and {src} is "
                                f"{'a folder' if src.is_dir() else 'a file'}: --force replaces "
                                "a file by a file or a folder by a folder, never one by the other")
    return dest_real


def make_student(src, dest, force=False):
    """Write the student version of ``src`` (a folder or one file) to ``dest``.

    Returns the list of relative paths of the files written. Raises ``HomeworkError`` (and
    writes nothing) on bad markers, a missing ``src``, an existing ``dest`` without ``force``,
    or a ``dest`` that is, contains or lies inside ``src`` (see the module docstring).
    """
    src, dest = Path(src), Path(dest)
    dest_real = _check_paths(src, dest, force)
    files = plan(src)
    try:
        if src.is_dir():
            _write_folder(files, dest_real)
        else:
            (kind, data, mode), = files.values()
            dest_real.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(dest_real, data)
            os.chmod(dest_real, stat.S_IMODE(mode))
    except OSError as exc:
        raise HomeworkError(f"{dest}: cannot write ({exc.strerror or exc}); nothing was "
                            "changed there") from None
    return sorted(str(rel) for rel, (kind, _, _) in files.items() if kind != "dir")


def _write_folder(files, dest_real):
    """Build the student version in a staging folder beside ``dest_real``, then swap it in."""
    parent = dest_real.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest_real.name}.", dir=parent))
    try:
        for rel, (kind, payload, mode) in files.items():
            target = staging / rel
            if kind == "dir":
                target.mkdir(exist_ok=True)
            elif kind == "link":
                os.symlink(payload, target)
            else:
                atomic_write(target, payload)
        for rel, (kind, _, mode) in reversed(files.items()):  # folders last: they may lose +w
            if kind != "link":
                os.chmod(staging / rel, stat.S_IMODE(mode) | (stat.S_IWUSR | stat.S_IXUSR
                                                              if kind == "dir" else 0))
        _replace(staging, dest_real)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _replace(built, dest):
    """Move ``built`` to ``dest``; an old ``dest`` is removed only once the new one is in place."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old.{os.getpid()}")
        os.replace(dest, old)
    try:
        os.replace(built, dest)
    except OSError:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        shutil.rmtree(old)
