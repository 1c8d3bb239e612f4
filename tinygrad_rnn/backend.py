"""Which array module (NumPy or CuPy) holds a tensor's data, and moving data between devices.

Op code never imports numpy to compute: it asks its inputs' device for the array module
(``self.xp`` inside a ``Function``), so one implementation serves the CPU and the GPU.
"""
import numpy

from .errors import DeviceError, DTypeError

CPU = "cpu"
CUDA = "cuda"
_modules = {CPU: numpy}
_FLOAT_DTYPES = ("float16", "float32", "float64")


def _load_cupy():
    try:
        import cupy
    except ImportError as exc:
        raise DeviceError(
            "device 'cuda' needs CuPy and an NVIDIA GPU: pip install 'tinygrad-rnn[gpu]' "
            f"(CuPy could not be imported: {exc})") from None
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises its own runtime error type
        raise DeviceError(f"device 'cuda': CuPy is installed but no GPU is usable ({exc})") from None
    return cupy


def array_module(device):
    """The array module (``numpy`` or ``cupy``) for a device name."""
    module = _modules.get(device)
    if module is None:
        if device != CUDA:
            raise DeviceError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
        module = _modules[CUDA] = _load_cupy()
    return module


def register_device(name, module):
    """Add a device backed by a NumPy-compatible array module (used by test backends)."""
    _modules[name] = module


def device_of(array):
    """The device name that owns a backend array."""
    for name, module in _modules.items():
        if isinstance(array, module.ndarray):
            return name
    return CPU


def to_numpy(array):
    """A host NumPy copy of any backend array."""
    if isinstance(array, numpy.ndarray):
        return array.copy()
    if hasattr(array, "get"):
        return array.get()
    return numpy.array(array)


def as_array(data, dtype, device):
    """``data`` (list, scalar, array of any backend) as an array of ``dtype`` on ``device``."""
    xp = array_module(device)
    if xp is numpy and not isinstance(data, numpy.ndarray) and hasattr(data, "get"):
        data = data.get()  # a GPU array comes to the host explicitly
    try:
        return xp.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DTypeError(f"Tensor: cannot make a {dtype} array from {type(data).__name__}: {exc}") from None


def is_float(dtype):
    return numpy.dtype(dtype).name in _FLOAT_DTYPES
