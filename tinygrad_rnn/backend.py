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


_INSTALL = "pip install 'tinygrad-rnn[gpu]'"


def _load_cupy():
    """Import CuPy on the first use of ``"cuda"`` (``"cpu"`` never imports it)."""
    try:
        import cupy
    except ImportError as exc:
        raise DeviceError(f"device 'cuda' needs CuPy and an NVIDIA GPU: {_INSTALL} "
                          f"(CuPy could not be imported: {exc})") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises its own runtime error types
        count, why = 0, f"{type(exc).__name__}: {exc}"
    else:
        why = "no GPU found"
    if not count:
        raise DeviceError(f"device 'cuda': CuPy is installed but no GPU is usable ({why}); "
                          f"check the NVIDIA driver, and that {_INSTALL} matches its CUDA "
                          "version") from None
    return cupy


def array_module(device):
    """The array module (``numpy`` or ``cupy``) for a device name."""
    module = _modules.get(device)
    if module is None:
        if device != CUDA:
            known = ", ".join(repr(d) for d in sorted(set(_modules) | {CUDA}))
            raise DeviceError(f"unknown device {device!r}: use one of {known}")
        module = _modules[CUDA] = _load_cupy()
    return module


def register_device(name, module):
    """Add a device backed by a NumPy-compatible array module with CuPy's habits (an
    ``ndarray`` class, ``asarray`` taking host arrays, ``.get()`` to copy back). Used by the
    test suite's ``"strict-cpu"`` device; not needed for ``"cpu"`` or ``"cuda"``."""
    if not isinstance(name, str) or not name or name == CPU:
        raise ValueError(f"register_device: {name!r} cannot be registered")
    _modules[name] = module


def available_devices():
    """Devices usable now: ``"cpu"``, registered ones, and ``"cuda"`` when CuPy finds a GPU."""
    devices = list(_modules)
    if CUDA not in devices:
        try:
            array_module(CUDA)
            devices.append(CUDA)
        except DeviceError:
            pass
    return devices


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
        wanted = "" if dtype is None else f"{_dtype_name(dtype)} "
        raise DTypeError(f"Tensor: cannot make a {wanted}array from {type(data).__name__}: "
                         f"{exc}") from None


def _dtype_name(dtype):
    try:
        return numpy.dtype(dtype).name
    except TypeError:
        return repr(dtype)


def is_float(dtype):
    return numpy.dtype(dtype).name in _FLOAT_DTYPES
