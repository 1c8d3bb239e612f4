"""The library's exceptions: each names what was wrong (the op, the shapes, the argument).

Each is also one of Python's built-in kinds (``ValueError``, ``TypeError``, ``KeyError``,
``MemoryError``, ``RuntimeError``), so an ``except`` clause written for those still catches it.
"""


class ShapeError(ValueError):
    """Operands whose shapes do not fit the op, e.g. ``matmul: (2, 3) @ (4, 5)``."""


class DeviceError(ValueError):
    """Tensors on different devices met in one op, or a device that is not available."""


class DTypeError(TypeError, ValueError):
    """Values of a kind the library cannot hold (complex, text, None), a value that does not fit
    the dtype asked for, or a dtype that cannot carry gradients where one is needed. A
    ``TypeError``, and a ``ValueError`` (a bad value) as well."""


class GradcheckError(AssertionError):
    """Analytic and finite-difference gradients disagree; names the input, index and both values."""


class StateDictKeyError(KeyError, ShapeError):
    """A state dict with missing or unexpected keys. A ``KeyError``; also a ``ShapeError``, which
    is what earlier versions raised for every state-dict problem."""

    def __str__(self):  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class TooLargeError(ValueError, MemoryError):
    """An array too large to allocate; the message gives the shape and size asked for."""


class StaleValueError(RuntimeError):
    """A tensor that the forward pass used was changed before the backward pass (or the step
    debugger) needed it: the gradient would mix old and new values. The message names the
    tensor, the op that used it, and where it was changed."""


def describe(tensor):
    """``(2, 3)`` or ``W_x(2, 3)``: how error messages name a tensor."""
    shape = tuple(tensor.shape)
    return f"{tensor.name}{shape}" if getattr(tensor, "name", None) else str(shape)
