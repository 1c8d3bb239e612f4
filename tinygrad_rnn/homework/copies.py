"""The fresh copy of a submission that each test runs in: ``copy_submission(src, work)``.

Folders, regular files and links are copied (links as links, never followed; FIFOs and devices
are left out, ``__pycache__``, ``.git`` and compiled ``.pyc`` files too); a notebook
``name.ipynb`` also becomes an importable ``name.py`` of its code cells unless the submission
has one (a folder named ``name.ipynb`` is no notebook). The copy's folder is made private (mode
0700) at once: a test user graded beside it must not read it, not even while it is being
filled. However deep the submission's folders, nothing recurses (``tree.walk``).
"""
import os
import shutil
import stat
from pathlib import Path

from . import tree
from .errors import HomeworkError
from .make import read_regular
from .notebooks import code_module

_IGNORED = {"__pycache__", ".git", ".ipynb_checkpoints", ".pytest_cache"}


def _copy_file(src, dst):
    """Copy a regular file without following a link (``O_NOFOLLOW``, checked with fstat)."""
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as source:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        with open(dst, "xb") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def _identity(path):
    """``(device, inode)`` of what ``path`` names (a link: its target), or None."""
    try:
        info = os.stat(path)
        return info.st_dev, info.st_ino
    except (OSError, ValueError):
        return None


def copy_submission(submission, work, exclude=()):
    """Copy ``submission`` (a folder or one file) to the new folder ``work`` (see the module
    docstring), leaving out the paths in ``exclude`` (the tests, the solution and the
    reference, should they lie inside the submission's folder)."""
    submission = Path(submission)
    excluded = {_identity(p) for p in exclude} - {None}

    def kept(root, name):
        return not excluded or _identity(os.path.join(root, name)) not in excluded

    try:
        work.mkdir(mode=0o700)  # nobody but root (then the test user) may look in
        walk = tree.walk(submission) if submission.is_dir() else ()
        if not submission.is_dir():
            _copy_file(submission.resolve(), work / submission.name)
        for root, dirs, files in walk:
            dirs[:] = [d for d in dirs if d not in _IGNORED and kept(root, d)]
            rel = Path(root).relative_to(submission)
            for name in dirs + [f for f in files if kept(root, f)]:
                src, dst = Path(root) / name, work / rel / name
                mode = os.lstat(src).st_mode
                if stat.S_ISLNK(mode):
                    os.symlink(os.readlink(src), dst)
                elif stat.S_ISDIR(mode):
                    dst.mkdir()
                elif stat.S_ISREG(mode) and not name.endswith(".pyc"):
                    _copy_file(src, dst)
        for notebook in sorted(work.glob("*.ipynb")):  # a folder named x.ipynb is no notebook
            module = notebook.with_suffix(".py")
            if stat.S_ISREG(os.lstat(notebook).st_mode) and not os.path.lexists(module):
                module.write_text(code_module(read_regular(notebook), notebook.name),
                                  encoding="utf-8")
    except (OSError, HomeworkError) as exc:
        raise HomeworkError(f"cannot copy the submission {submission} to a temporary folder "
                            f"({getattr(exc, 'strerror', None) or exc})") from None
