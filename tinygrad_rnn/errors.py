"""The library's exceptions: each names what was wrong (the op, the shapes, the argument)."""


class ShapeError(ValueError):
    """Operands whose shapes do not fit the op, e.g. ``matmul: (2, 3) @ (4, 5)``."""


class DeviceError(ValueError):
    """Tensors on different devices met in one op, or a device that is not available."""


class DTypeError(TypeError):
    """A dtype that cannot carry gradients (or is unknown) where one is needed."""


class GradcheckError(AssertionError):
    """Analytic and finite-difference gradients disagree; names the input, index and both values."""


def describe(tensor):
    """``(2, 3)`` or ``W_x(2, 3)``: how error messages name a tensor."""
    shape = tuple(tensor.shape)
    return f"{tensor.name}{shape}" if getattr(tensor, "name", None) else str(shape)
