"""Argument checks shared by the data helpers: counts, seeds, fractions, sizes and token ids.

A float where a count or an id belongs is refused rather than truncated (``2.5`` sentences,
id ``1.7``): truncating would silently give a different data set. Counts must be ints; ids
stored as whole floats (an id array of dtype float64) are accepted, since nothing is lost.
A request that cannot fit in memory is refused before any work, with the size it asked for.
"""
import numbers
import os

import numpy

from ..backend import size_text
from ..errors import TooLargeError

# A generated (words, tags) sentence takes 500 to 650 bytes (measured with tracemalloc): the
# lower end, so that only a request that surely cannot fit is refused.
SENTENCE_BYTES = 500


def count(where, name, value, minimum=0):
    """``value`` as an int >= ``minimum``, or a ValueError/TypeError naming ``where`` and
    ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int, got {value!r} "
                        f"({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {value}")
    return int(value)


def seed(where, value):
    """A generator's ``seed``: None (fresh randomness) or an int >= 0, as NumPy takes it; any
    other value is refused here, naming ``where``, instead of deep inside NumPy."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: seed must be None or an int >= 0, got {_short(value)} "
                        f"({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{where}: seed must be None or an int >= 0, got {value}")
    return int(value)


def fraction(where, name, value):
    """``value`` as a float in [0, 1] (a rate or a share), or a named error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number in [0, 1], got {_short(value)} "
                        f"({type(value).__name__})")
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise ValueError(f"{where}: {name} must lie in [0, 1], got {value!r}")
    return float(value)


def fits_in_memory(where, what, nbytes):
    """Refuse, before any work, a request whose result (``what``, about ``nbytes``) would not
    fit in this machine's memory: ``2 ** 40`` sentences would otherwise run until the machine
    runs out of it, and a huge array would fail deep inside NumPy."""
    total = physical_memory()
    if total is not None and nbytes > total:
        raise TooLargeError(f"{where}: {what} would need about {size_text(nbytes)}: too large for "
                            f"this machine's memory ({size_text(total)})")


def physical_memory():
    """The machine's memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def as_ids(values, where, dtype=numpy.int64):
    """A flat sequence of token ids as a 1-D array of ``dtype``.

    Refused, with a message naming ``where``: strings (ids come from ``Vocab.encode``),
    None, nested lists, booleans, non-whole or non-finite floats, and ids outside ``dtype``'s
    range."""
    if values is None or isinstance(values, (str, bytes)):
        raise TypeError(f"{where}: expected a sequence of integer ids, got {values!r}; "
                        "encode text with Vocab.encode first")
    try:
        array = numpy.asarray(values)
    except (ValueError, TypeError):      # ragged nesting such as [1, [2, 3]]
        raise TypeError(f"{where}: expected a flat sequence of integer ids, got "
                        f"{_short(values)}") from None
    if array.ndim != 1:
        raise TypeError(f"{where}: expected a flat sequence of integer ids, got "
                        f"{_short(values)} ({array.ndim}-dimensional)")
    if numpy.dtype(dtype).kind not in "iu":
        raise TypeError(f"{where}: dtype must be an integer type, got {numpy.dtype(dtype)}")
    limits = numpy.iinfo(dtype)
    kind = array.dtype.kind
    if kind in "iu":
        pass
    elif kind == "f":
        bad = ~numpy.isfinite(array) | (array != numpy.round(array))
        if bad.any():
            raise ValueError(f"{where}: ids must be whole numbers, got "
                             f"{float(array[bad][0])!r} at position {int(numpy.argmax(bad))}")
    elif kind == "O" and all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                             for v in array.tolist()):
        pass                             # Python ints too large for int64: checked below
    else:
        items = array.tolist() if isinstance(values, numpy.ndarray) else list(values)
        first = next((v for v in items if isinstance(v, bool) or
                      not isinstance(v, (numbers.Integral, float))), items[:1])
        raise TypeError(f"{where}: ids must be integers, got {first!r} "
                        f"({type(first).__name__})")
    if array.size and (array.min() < limits.min or array.max() > limits.max):
        wrong = array.max() if array.max() > limits.max else array.min()
        raise ValueError(f"{where}: id {wrong} does not fit {numpy.dtype(dtype).name} "
                         f"({limits.min}..{limits.max})")
    return array.astype(dtype)


def _short(values):
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + "..."
