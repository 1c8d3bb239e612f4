"""The library's random generator: seeded, so parameter initialisation is reproducible."""
import numbers

import numpy

_generator = numpy.random.default_rng(0)


def manual_seed(seed):
    """Seed parameter initialisation (and the library's other random choices); ``seed`` is a
    non-negative int."""
    global _generator
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be a non-negative int, got "
                        f"{type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed}")
    _generator = numpy.random.default_rng(int(seed))


def generator():
    """The current ``numpy.random.Generator`` (host side; arrays are moved to the device after)."""
    return _generator
