"""Where in the user's code a tensor was made: the first frame outside the library.

The step debugger shows it ("which RNN step made the node that went NaN?"). Recording is on by
default and costs one short walk up the stack per op; ``set_record_origins(False)`` turns it off
for benchmarks.
"""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_record = True


def set_record_origins(enabled):
    """Turn creation-site recording on or off; returns the previous setting."""
    global _record
    previous, _record = _record, bool(enabled)
    return previous


# The autograd machinery itself: a frame here is never an interesting creation site.
_CORE_FILES = tuple(os.path.join(_PACKAGE_DIR, name) for name in (
    "tensor.py", "function.py", "functional.py", "origin.py", "state.py", "ops" + os.sep))


_KINDS = {}  # co_filename -> its kind, worked out once per file (capture runs on every op)


def _kind_of(filename):
    """``"user"``, ``"core"`` (the autograd machinery) or ``"library"`` (cells, unroll, ...)."""
    kind = _KINDS[filename] = ("user" if not filename.startswith(_PACKAGE_DIR) else
                               "core" if filename.startswith(_CORE_FILES) else "library")
    return kind


def capture():
    """Where the tensor being made comes from, or None when recording is off.

    ``(filename, lineno, function)`` of the innermost frame outside tinygrad_rnn (the user's
    code); when a library layer such as a cell made the op, its frame follows as three more
    items: ``(user_file, user_line, user_fn, lib_file, lib_line, lib_fn)``.
    """
    if not _record:
        return None
    frame = sys._getframe(2)
    library = None
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        kind = _KINDS.get(filename) or _kind_of(filename)
        if kind == "user":
            user = (filename, frame.f_lineno, code.co_name)
            return user if library is None else user + library
        if library is None and kind == "library":
            library = (filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None if library is None else ("<unknown>", 0, "?") + library


def describe(origin):
    """``file.py:12 in fn (via tinygrad_rnn/rnn/elman.py:41 in R)`` for an origin tuple (``"unknown"`` for None)."""
    if origin is None:
        return "unknown"
    filename, lineno, function = origin[:3]
    text = f"{os.path.basename(filename)}:{lineno} in {function}"
    if len(origin) > 3:
        lib_file, lib_line, lib_function = origin[3:]
        text += f" (via {os.path.relpath(lib_file, os.path.dirname(_PACKAGE_DIR.rstrip(os.sep)))}:{lib_line} in {lib_function})"
    return text
