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


def capture():
    """``(filename, lineno, function)`` of the innermost frame outside tinygrad_rnn, or None."""
    if not _record:
        return None
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def describe(origin):
    """``file.py:12 in fn`` for an origin tuple (``"unknown"`` for None)."""
    if origin is None:
        return "unknown"
    filename, lineno, function = origin
    return f"{os.path.basename(filename)}:{lineno} in {function}"
