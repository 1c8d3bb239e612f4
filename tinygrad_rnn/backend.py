"""Which array module (NumPy or CuPy) holds a tensor's data, and turning user data into arrays.

Op code never imports numpy to compute: it asks its inputs' device for the array module
(``self.xp`` inside a ``Function``), so one implementation serves the CPU and the GPU.

``as_array`` is the one door through which outside data (lists, numbers, NumPy or CuPy arrays)
becomes a tensor's array: it accepts real numbers only (bool, int, float) and refuses a value
that would not survive the conversion (a complex number losing its imaginary part, 300 in an
int8, 1e6 in a float16, 1.5 in an int64) with a ``DTypeError`` that says so.
"""
import math

import numpy

from .errors import DeviceError, DTypeError, ShapeError, TooLargeError

CPU = "cpu"
CUDA = "cuda"
_modules = {CPU: numpy}
_FLOAT_DTYPES = ("float16", "float32", "float64")
_REAL_KINDS = "biuf"  # bool, signed and unsigned int, float

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
    module = _modules.get(device) if isinstance(device, str) else None
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


def to_numpy(array):
    """A host NumPy copy of any backend array."""
    if isinstance(array, numpy.ndarray):
        return array.copy()
    if hasattr(array, "get"):
        return array.get()
    return numpy.array(array)


_set_flags = numpy.ndarray.setflags


def freeze(array):
    """Make ``array`` read-only where the backend can (NumPy), so that a write into a tensor's
    values fails at the write instead of changing a value saved for the backward pass. CuPy
    arrays have no such flag; there, versions (``Tensor.assign``) catch deliberate changes."""
    if isinstance(array, numpy.ndarray):
        _set_flags(array, False)
    return array


def as_array(data, dtype=None, device=CPU, copy=False, who="Tensor"):
    """``data`` (a list, a number, an array of any backend) as an array of real numbers of
    ``dtype`` (None: its own) on ``device``. ``copy=True``: never shares memory with ``data``.
    Errors name ``who`` (e.g. ``"Tensor 'W'"``, ``"mul"``) and what was wrong."""
    xp = array_module(device)
    if type(data) is numpy.ndarray and xp is numpy and data.dtype.kind in _REAL_KINDS and (
            dtype is None or data.dtype == dtype):  # the common case, quickly
        return data.copy() if copy else data
    if data is None or isinstance(data, (str, bytes, dict, set, frozenset)):
        raise DTypeError(f"{who}: cannot make an array from {type(data).__name__}"
                         f"{'' if data is None else ' ' + _short(data)}: give numbers (a number, "
                         "a nested list of numbers, or an array)")
    if xp is numpy and not isinstance(data, numpy.ndarray) and hasattr(data, "get"):
        data = data.get()  # a GPU array comes to the host explicitly
    target = None if dtype is None else _dtype(dtype, who)
    try:
        source = xp.asarray(data)
        _check_kind(source.dtype, who, "values", source)
        if target is None or target == source.dtype:
            owns = source is not data and getattr(source, "base", None) is None
            return source.copy() if copy and not owns else source
        _check_kind(target, who, "dtype")
        if target.kind != "f":
            _check_fits(source, target, who, xp)
        with numpy.errstate(over="ignore"):  # an overflow is refused just below, with its value
            result = source.astype(target)
        if source.dtype.kind == "f" and target.itemsize < source.dtype.itemsize:
            _check_overflow(source, result, who, xp)
        return result
    except MemoryError as exc:
        raise TooLargeError(f"{who}: {too_large_text(getattr(exc, 'shape', None), target)} "
                            f"({exc})") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, DTypeError):
            raise
        if "inhomogeneous" in str(exc):
            raise ShapeError(f"{who}: the nested lists have different lengths, so they do not "
                             f"make an array ({exc})") from None
        raise DTypeError(f"{who}: cannot make an array from {type(data).__name__}: {exc}") from None


_DTYPES = {}  # dtype names already seen -> numpy.dtype (Tensor() is called once per x_t)


def _dtype(dtype, who):
    if isinstance(dtype, numpy.dtype):
        return dtype
    try:
        return _DTYPES[dtype]
    except (KeyError, TypeError):  # (TypeError: an unhashable dtype argument)
        pass
    try:
        found = numpy.dtype(dtype)
    except TypeError:
        raise DTypeError(f"{who}: unknown dtype {dtype!r}; use 'float64', 'float32', 'int64' or "
                         "'bool'") from None
    if isinstance(dtype, str):
        _DTYPES[dtype] = found
    return found


def _check_kind(dtype, who, what, values=None):
    if dtype.kind not in _REAL_KINDS:
        hint = " (take .real, or abs(), first)" if dtype.kind == "c" else _object_hint(values)
        raise DTypeError(f"{who}: {dtype.name} {what} are not supported; tensors hold real "
                         f"numbers (bool, int or float){hint}")


def _object_hint(values):
    """Why NumPy made an array of Python objects out of numbers: an int beyond int64."""
    if values is None or values.dtype.kind != "O":
        return ""
    for v in values.reshape(-1).tolist():
        if isinstance(v, int) and not isinstance(v, bool) and not -2 ** 63 <= v < 2 ** 63:
            return (f" (the integer {_short(v)} does not fit in int64, the largest integer "
                    "type; give it as a float if an approximation will do)")
    return ""


def _check_overflow(source, result, who, xp):
    """Finite floats must stay finite in a smaller float (1e6 overflows a float16)."""
    if source.size and not bool(xp.isfinite(result).all()):
        finite = xp.isfinite(source)
        if bool((finite & ~xp.isfinite(result)).any()):
            raise DTypeError(f"{who}: values up to {float(abs(source[finite]).max()):g} do not fit "
                             f"in {result.dtype.name} (largest "
                             f"{float(numpy.finfo(result.dtype).max):g})")


def _check_fits(source, target, who, xp):
    """Refuse a conversion to int or bool that would change values: fractions, non-finite or
    out-of-range numbers into an int, numbers other than 0 and 1 into a bool."""
    if source.size == 0 or numpy.can_cast(source.dtype, target, "safe"):
        return
    if target.kind == "b":
        if not bool(((source == 0) | (source == 1)).all()):
            raise DTypeError(f"{who}: only 0 and 1 can become bool; compare instead (x != 0)")
        return
    if source.dtype.kind == "f" and not bool((xp.floor(source) == source).all()):
        raise DTypeError(f"{who}: {target.name} cannot hold fractions or non-finite numbers "
                         "(round them first, or use a float dtype)")
    info = numpy.iinfo(target)
    low, high = float(source.min()), float(source.max())
    if low < info.min or high > info.max:
        values = f"the value {low:g} does" if low == high else f"values from {low:g} to {high:g} do"
        raise DTypeError(f"{who}: {values} not fit in {target.name} ({info.min} to {info.max})")


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def size_text(nbytes):
    """A byte count as people read it: ``"74.5 GiB"``, ``"512 bytes"`` (binary units)."""
    n = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"


def too_large_text(shape, dtype):
    """``"a (100000, 100000) float64 array would need 74.5 GiB: too large"``."""
    if shape is None:
        return "the array asked for is too large for this machine's memory"
    dtype = numpy.dtype(dtype if dtype is not None else "float64")
    size = math.prod(int(n) for n in shape) * dtype.itemsize
    return (f"a {tuple(int(n) for n in shape)} {dtype.name} array would need "
            f"{size_text(size)}: too large for this machine's memory")


def is_float(dtype):
    if not isinstance(dtype, numpy.dtype):
        dtype = numpy.dtype(dtype)
    return dtype.name in _FLOAT_DTYPES
