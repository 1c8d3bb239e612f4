"""Test configuration: which devices the device-dependent tests run on, and the ``strict-cpu``
test backend.

Choosing devices: ``pytest --device cuda`` (repeatable) or ``TINYGRAD_RNN_TEST_DEVICE=cuda``
(comma-separated) runs every test that takes the ``device`` fixture on those devices only;
by default they run on every device present: ``cpu``, ``strict-cpu`` and, with CuPy and a GPU,
``cuda``. Tests that take no ``device`` fixture run on the CPU as usual.

``strict-cpu`` is a TEST AID, not a user device. It computes with NumPy, but its arrays behave
like CuPy's where it matters: they refuse implicit conversion to NumPy arrays (``__array__``
raises, NumPy ufuncs refuse them) and they refuse to be mixed with host arrays. An op that calls
``numpy.tanh(a)`` instead of ``self.xp.tanh(a)`` passes on ``"cpu"`` but fails on ``"strict-cpu"``,
so CI, which has no GPU, catches it.
"""
import os

import numpy
import pytest

from tinygrad_rnn import backend

STRICT = "strict-cpu"
ENV_VAR = "TINYGRAD_RNN_TEST_DEVICE"


def _refuse_host(what):
    raise TypeError(f"strict-cpu (test backend): {what}; ops must compute with the array module "
                    "of their inputs (self.xp / tensor._xp) and move data with .get()/asarray")


def _unwrap(value):
    """StrictArray -> the NumPy array inside; a host ndarray is refused, as CuPy refuses it."""
    if type(value) is StrictArray:
        return value._a
    if isinstance(value, numpy.ndarray):
        _refuse_host(f"a host NumPy array {value.shape} met a device array")
    if type(value) in (list, tuple):
        return type(value)(_unwrap(v) for v in value)
    return value


def _wrap(value):
    """NumPy results back into StrictArrays; NumPy scalars become 0-d arrays (as in CuPy)."""
    if isinstance(value, (numpy.ndarray, numpy.generic)):
        return StrictArray(numpy.asarray(value))
    if type(value) in (list, tuple):
        return type(value)(_wrap(v) for v in value)
    return value


def _calling(function):
    def call(*args, **kwargs):
        return _wrap(function(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))
    call.__name__ = getattr(function, "__name__", "function")
    return call


class StrictArray:
    """A NumPy array in a wrapper that, like a CuPy array, never becomes a NumPy array by
    accident."""
    __slots__ = ("_a",)
    __array_ufunc__ = None  # numpy.exp(strict) -> TypeError; ndarray + strict -> our __radd__
    __hash__ = None

    def __init__(self, array):
        self._a = array

    def __array__(self, dtype=None, copy=None):
        _refuse_host("implicit conversion of a device array to a NumPy array")

    def get(self):
        """A host NumPy copy (as ``cupy.ndarray.get``)."""
        return self._a.copy()

    def __getattr__(self, name):  # shape, dtype, T, sum(), reshape(), astype(), ...
        if name.startswith("__"):  # never __array_interface__ and the like: NumPy would use them
            raise AttributeError(name)
        attr = getattr(self._a, name)
        return _calling(attr) if callable(attr) else _wrap(attr)

    def __repr__(self):
        return f"strict-array({self._a!r})"

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index)])

    def __setitem__(self, index, value):
        self._a[_unwrap(index)] = _unwrap(value)


def _binary(name):
    def method(self, other):
        result = getattr(self._a, name)(_unwrap(other))
        return result if result is NotImplemented else _wrap(result)
    return method


def _inplace(name):
    def method(self, other):
        getattr(self._a, name)(_unwrap(other))
        return self
    return method


def _unary(name):
    return lambda self: _wrap(getattr(self._a, name)())


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor"):
    setattr(StrictArray, f"__{_op}__", _binary(f"__{_op}__"))
    setattr(StrictArray, f"__r{_op}__", _binary(f"__r{_op}__"))
    setattr(StrictArray, f"__i{_op}__", _inplace(f"__i{_op}__"))
for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(StrictArray, f"__{_op}__", _binary(f"__{_op}__"))
for _op in ("neg", "pos", "abs", "invert"):
    setattr(StrictArray, f"__{_op}__", _unary(f"__{_op}__"))


class _Ufunc:
    """``xp.add`` and friends: callable, with ``.at``/``.reduce`` working on device arrays."""

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return _calling(self._ufunc)(*args, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._ufunc, name)
        return _calling(attr) if callable(attr) else attr


class StrictModule:
    """The array module of ``strict-cpu``: NumPy's API surface over StrictArrays (like CuPy)."""
    ndarray = StrictArray

    def asarray(self, data, dtype=None):
        """Host data (lists, numbers, NumPy arrays) or device arrays -> a device array."""
        if isinstance(data, numpy.ndarray):
            return StrictArray(numpy.array(data, dtype=dtype))  # host -> device: a copy
        return _wrap(numpy.asarray(_unwrap(data), dtype=dtype))

    def array(self, data, dtype=None):
        """Like ``asarray``, but always a new array (as ``cupy.array``)."""
        return StrictArray(numpy.array(_unwrap(data) if type(data) is not numpy.ndarray else data,
                                       dtype=dtype))

    def __getattr__(self, name):
        attr = getattr(numpy, name)
        if isinstance(attr, numpy.ufunc):
            return _Ufunc(attr)
        if callable(attr) and not isinstance(attr, type):
            return _calling(attr)
        return attr  # dtypes (xp.float64), constants (xp.inf), xp.newaxis


STRICT_MODULE = StrictModule()


def devices_present():
    """``cpu``, ``strict-cpu``, and ``cuda`` when CuPy finds a GPU."""
    return backend.available_devices()


def pytest_addoption(parser):
    parser.addoption("--device", action="append", default=None, metavar="NAME",
                     help="run the device-dependent tests on this device only (repeatable: "
                          f"cpu, {STRICT}, cuda); also the {ENV_VAR} environment variable")


def pytest_configure(config):
    backend.register_device(STRICT, STRICT_MODULE)
    chosen = config.getoption("--device") or [
        d.strip() for d in os.environ.get(ENV_VAR, "").split(",") if d.strip()]
    if chosen:
        for device in chosen:
            try:
                backend.array_module(device)
            except backend.DeviceError as exc:
                raise pytest.UsageError(f"--device {device}: {exc}") from None
    config.test_devices = chosen or devices_present()


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", metafunc.config.test_devices)


def pytest_report_header(config):
    return f"tinygrad_rnn test devices: {', '.join(config.test_devices)}"
