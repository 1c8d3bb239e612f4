"""The library's random generator: seeded, so parameter initialisation is reproducible."""
import numpy

_generator = numpy.random.default_rng(0)


def manual_seed(seed):
    """Seed parameter initialisation (and the library's other random choices)."""
    global _generator
    _generator = numpy.random.default_rng(seed)


def generator():
    """The current ``numpy.random.Generator`` (host side; arrays are moved to the device after)."""
    return _generator
