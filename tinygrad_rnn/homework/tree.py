"""Folders shaped by a submission: walked and removed however deep, never through a link.

A submission decides what its folder holds, and a test process what it leaves in its working
folder and in /tmp: thousands of nested folders, for one. ``os.walk`` and ``shutil.rmtree``
recurse once per level (before Python 3.12, and rmtree still does), so such a tree made the
grader fail with ``RecursionError`` and leave the tree on disk. ``walk`` keeps its own stack;
``remove_tree`` needs two descriptors whatever the depth: it empties each folder just below the
top by moving that folder's subfolders up into the top (``renameat``, which never follows a
link), so that no path ever gets longer than two names.
"""
import os

_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def walk(top):
    """``(folder, dir names, file names)`` of ``top`` and every folder below it, top-down, like
    ``os.walk`` (links are listed with the files and never followed; trimming the dir names
    in place skips those folders; a folder that cannot be listed is left out), without
    recursion."""
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        dirs, files = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    (dirs if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
        except OSError:  # a folder that cannot be listed is skipped, as os.walk does
            continue
        dirs.sort()
        files.sort()
        yield folder, dirs, files
        stack.extend(os.path.join(folder, name) for name in reversed(dirs))


def _hoist(name, folder, top, counter):
    """Move the subfolder ``name`` of ``folder`` into ``top`` under a new name."""
    for _ in range(1000):
        counter[0] += 1
        try:
            os.rename(name, f".removing-{counter[0]}", src_dir_fd=folder, dst_dir_fd=top)
            return
        except FileNotFoundError:
            return
        except OSError:  # the name is taken (by a file or a full folder): the next one
            continue


def _empty(top):
    """Remove everything inside the open folder ``top``; True once it is empty."""
    counter = [0]
    for _ in range(1 << 30):  # each round removes the folders just below the top
        with os.scandir(top) as entries:
            names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
        if not names:
            return True
        progress = False
        for name, is_dir in names:
            if not is_dir:
                progress |= _unlink(name, top)
                continue
            try:
                folder = os.open(name, _FLAGS, dir_fd=top)
            except OSError:  # replaced by a link or a file since it was listed
                progress |= _unlink(name, top)
                continue
            try:
                with os.scandir(folder) as entries:
                    inside = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
                for sub, sub_is_dir in inside:
                    if sub_is_dir:
                        _hoist(sub, folder, top, counter)
                    else:
                        _unlink(sub, folder)
            finally:
                os.close(folder)
            try:
                os.rmdir(name, dir_fd=top)
                progress = True
            except OSError:
                pass
        if not progress:
            return False
    return False


def _unlink(name, folder):
    try:
        os.unlink(name, dir_fd=folder)
        return True
    except OSError:
        return False


def remove_tree(path, dir_fd=None):
    """Remove ``path`` (a folder and all below it, or a file or link; relative to the open
    folder ``dir_fd`` if given, so that no folder on the way can be swapped for a link);
    True when it is gone. Never follows a link, whatever the depth; errors leave what could
    not be removed."""
    try:
        top = os.open(path, _FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return True
    except OSError:  # a file or a link
        try:
            os.unlink(path, dir_fd=dir_fd)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            return False
    try:
        emptied = _empty(top)
    except OSError:
        emptied = False
    finally:
        os.close(top)
    try:
        os.rmdir(path, dir_fd=dir_fd)
        return emptied
    except OSError:
        return False
