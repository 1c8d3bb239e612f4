"""The classic long-range-dependency tasks: the adding problem and the copy task.

Both are seeded NumPy generators; arrays are time first ([T, N, ...]) like ``pad_batch``.
"""
import numpy

from .checks import count, fits_in_memory, seed as check_seed


def adding_problem(n, length, seed=0):
    """The adding problem (Hochreiter & Schmidhuber, 1997).

    Each of the ``n`` sequences has ``length`` steps; step t is the pair (value, marker) with
    value ~ U(0, 1) and marker 1 at exactly two steps (one in the first half, one in the second),
    0 elsewhere. The target is the sum of the two marked values.

    Returns ``(x, y)``: ``x`` float64 of shape [length, n, 2], ``y`` float64 of shape [n].
    Predicting 1.0 always gives a mean squared error of about 1/6: a model must beat that.
    """
    count("adding_problem", "n", n)
    count("adding_problem", "length", length, minimum=2)
    rng = numpy.random.default_rng(check_seed("adding_problem", seed))
    # values, markers and x (two numbers per step): 4 float64 per step and sequence at once
    fits_in_memory("adding_problem", f"a {(length, n, 2)} float64 array", 32 * length * n)
    values = rng.random((length, n))
    markers = numpy.zeros((length, n))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    columns = numpy.arange(n)
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    x = numpy.stack([values, markers], axis=-1)
    y = values[first, columns] + values[second, columns]
    return x, y


def copy_task(n, length=5, delay=10, n_symbols=8, seed=0):
    """The copy task (as in Arjovsky, Shah & Bengio, 2016): remember ``length`` symbols over a
    ``delay`` and repeat them after a delimiter.

    Token ids: 0 blank, 1..n_symbols data symbols, n_symbols + 1 the delimiter.
    Input:  the symbols, ``delay - 1`` blanks, the delimiter, ``length`` blanks.
    Target: ``length + delay`` blanks, then the symbols.

    Returns ``(x, y)``, both int64 of shape [2 * length + delay, n] (time first). Predicting
    blanks everywhere is right at all but the last ``length`` steps.
    """
    count("copy_task", "n", n)
    for name, value in (("length", length), ("delay", delay), ("n_symbols", n_symbols)):
        count("copy_task", name, value, minimum=1)
    rng = numpy.random.default_rng(check_seed("copy_task", seed))
    total = 2 * length + delay
    fits_in_memory("copy_task", f"two {(total, n)} int64 arrays", 8 * n * (2 * total + length))
    symbols = rng.integers(1, n_symbols + 1, size=(length, n))
    x = numpy.zeros((total, n), dtype=numpy.int64)
    y = numpy.zeros((total, n), dtype=numpy.int64)
    x[:length] = symbols
    x[length + delay - 1] = n_symbols + 1
    y[length + delay:] = symbols
    return x, y
