"""Writing output files so that a failure never leaves a half-written one."""
import os
import tempfile


def atomic_write(path, data):
    """Write ``data`` (bytes) to a temporary file next to ``path``, then rename it into place.

    The file gets the usual permissions (0666 less the umask), not ``mkstemp``'s 0600.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
