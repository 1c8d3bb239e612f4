"""Writing output files so that a failure never leaves a half-written one.

Every file the package writes (a drawing, a plot, the debugger's HTML page, the grader's JSON,
a student version) goes through ``atomic_write``: the bytes go to a temporary file in the
destination's folder, which is then renamed over the destination. A reader sees the old file or
the new one, never a mix; an error (disk full, file too large, a signal) leaves the old file as
it was and no temporary file behind.

Paths that are not plain files:

- a symbolic link is written *through*: the link stays and its target is replaced (a dangling
  link creates its target);
- a folder, a device (``/dev/full``), a FIFO or a socket is refused with ``WriteError``, before
  anything is written. ``check_writable`` makes the same checks without writing, so a command
  can refuse a bad path before it spends time computing what to write.
"""
import errno
import os
import secrets
import stat


class WriteError(OSError):
    """A file could not be written: the message names the path and why; ``errno`` is kept."""

    def __init__(self, path, reason, code=None):
        super().__init__(f"cannot write {shown(path)!r}: {reason}")
        self.message = self.strerror = self.args[0]
        self.errno, self.filename = code, path

    def __str__(self):
        return self.message


def shown(path):
    """``path`` as text that can always be printed (undecodable bytes as backslash escapes)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _target(path):
    """The file a write to ``path`` really replaces: symbolic links followed (even dangling
    ones: their target is created)."""
    return os.path.realpath(path)


def check_writable(path):
    """Raise ``WriteError`` unless ``atomic_write(path, ...)`` can be expected to work: the
    folder exists and is writable, and ``path`` (or what a link at ``path`` points to) is absent
    or a regular file that may be written. Returns the path that will really be replaced."""
    path = os.fsdecode(os.fspath(path))
    if "\0" in path:
        raise WriteError(path, "the path contains a NUL character", errno.EINVAL)
    try:
        target = _target(path)
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:  # a loop of links, a name too long, a path through a file
        raise WriteError(path, exc.strerror or str(exc), exc.errno) from None
    folder = os.path.dirname(target)
    if mode is not None and stat.S_ISDIR(mode):
        raise WriteError(path, "it is a folder", errno.EISDIR)
    if mode is not None and not stat.S_ISREG(mode):
        what = "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
            "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "not a regular file"
        link = f" ({path!r} links to {target!r})" if os.path.islink(path) else ""
        raise WriteError(path, f"it is {what}{link}; give the path of a regular file",
                         errno.EINVAL)
    if not os.path.isdir(folder):
        raise WriteError(path, f"folder {shown(folder)!r} does not exist", errno.ENOENT)
    if not os.access(folder, os.W_OK | os.X_OK) or (mode is not None and
                                                     not os.access(target, os.W_OK)):
        raise WriteError(path, "permission denied", errno.EACCES)
    return target


def atomic_write(path, data):
    """Write ``data`` (bytes) to ``path``: a temporary file next to it, then a rename.

    The file gets the usual permissions (0666 less the umask). ``path`` may be a symbolic link
    (its target is replaced, the link kept). Raises ``WriteError`` (an ``OSError``) with the
    path and the reason; the old file is then untouched and no temporary file is left, also
    when the write is interrupted (Ctrl-C, or SIGTERM under the command line). Returns ``path``.
    """
    original = os.fspath(path)
    target = check_writable(original)
    folder, name = os.path.split(target)
    # The name is chosen before the file exists, so that cleanup after an interruption at any
    # point knows which file to remove (and never removes a file that was not ours).
    tmp = os.path.join(folder, f".tmp-{secrets.token_hex(6)}-{name}")
    mine = True     # set before the file exists: an interruption right after open still counts
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0666 less umask
        except FileExistsError:
            mine = False
            raise
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
        mine = False
    except OSError as exc:
        raise WriteError(original, exc.strerror or str(exc), exc.errno) from None
    finally:
        if mine:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return original
