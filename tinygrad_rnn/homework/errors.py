"""The error of the homework tools, and their one way of writing an output file."""


class HomeworkError(Exception):
    """A problem with the homework's files (bad markers, a path that cannot be used), its tests
    or its reference; the command line prints it as one error, never as a traceback."""


def write(path, data, option=""):
    """``files.atomic_write`` (whole or not at all), failures as a ``HomeworkError``."""
    from ..files import atomic_write
    try:
        atomic_write(path, data)
    except OSError as exc:
        where = f"{option} {path}".strip()
        raise HomeworkError(f"{where}: cannot write ({exc.strerror or exc})") from None
