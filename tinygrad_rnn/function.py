"""``Function``: the base of every primitive op, and the registry of ops.

An op is a subclass with ``forward`` and ``backward`` on raw arrays. ``forward`` saves what the
backward needs with ``self.save(...)`` and returns the output array (or a tuple of arrays: an op
with several outputs). ``backward(dout)`` (``backward(dout_1, dout_2, ...)`` for several outputs,
each dL/d(output), zeros for an output that received no gradient) returns one gradient per input
(``None`` for an input that gets none; an op may skip the gradient of an input for which
``self.needs_grad(i)`` is False).

Two ways to run an op:
- ``Op.apply(*tensors, **params)`` records a node of the graph: it turns numbers and arrays into
  constant tensors, checks devices, runs ``forward`` and names the op and the shapes when the
  arithmetic fails (``ShapeError``, chained to NumPy's error). The backward pass (``autograd.py``)
  sums broadcast gradients back to their input's shape, so op bodies hold only math.
- ``Op.run(arrays, params, grad)`` runs forward (and backward) on raw arrays outside any graph:
  what tests and ``tr.testing`` use to check an op by itself.

Every subclass registers itself in ``Function.registry`` under its ``name`` and lists ``cases``
(input shapes and params) and its input ``domain``: the test suite gradchecks every registered
op over them, so a new op is checked without a new test.

References stay one-way (output tensor -> Function -> inputs and saved arrays): a Function
never holds its outputs, so a graph is freed by reference counting as soon as its root goes.
This module knows tensors only as ``Node`` (``tensor.py`` builds on it, not the reverse).
"""
from . import backend
from .errors import DeviceError, DTypeError, ShapeError, TooLargeError, describe
from .origin import capture as capture_origin
from .state import STATE, grad_mode_now

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site


class Node:
    """A value in the recorded graph: the base class of ``Tensor``.

    What an op needs of its inputs and outputs: ``_data`` (the array), ``_xp``, ``device``,
    ``requires_grad``, ``_ctx`` (the Function that made it), ``_index`` (which output of that
    Function), and the classmethods ``_node`` (make an op's output) and ``_constant`` (make a
    number or an array met in an op a constant tensor).
    """
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        global _tensor_type
        _tensor_type = _tensor_type or cls


_tensor_type = None  # Node's first subclass (Tensor): apply's quick test before isinstance


class Function:
    """Base class of all primitive ops; subclasses register themselves under ``name``."""
    __slots__ = ("xp", "inputs", "saved", "params", "generation", "out_specs")
    registry = {}
    name = None
    # For the registry-driven gradcheck test: a list of ((input shapes), {params}) to try, and
    # the input domain ("real", or "positive" for log, 1/b, a ** -1.5).
    cases = ()
    domain = "real"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()
        # The library's own ops never write into their inputs, nor into an output after
        # returning it; a user's op might (``a -= a.max()``), so its arrays are frozen for it.
        cls._library = cls.__module__.startswith("tinygrad_rnn.")
        existing = Function.registry.get(cls.name)
        if existing is not None and (existing.__module__, existing.__qualname__) != (
                cls.__module__, cls.__qualname__):  # the same class again is a module reload
            raise ValueError(f"op name {cls.name!r} is taken by {existing.__module__}."
                             f"{existing.__qualname__}: give {cls.__qualname__} another name")
        Function.registry[cls.name] = cls

    def save(self, **values):
        """Keep arrays for the backward pass (what the step debugger shows as 'saved')."""
        self.saved = values

    def needs_grad(self, i):
        """Whether input ``i`` wants a gradient; True when the op runs outside a recorded graph
        (``Function.run``), so skipping work is always safe."""
        inputs = self.inputs
        return not inputs or inputs[i].requires_grad

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, *douts):
        raise NotImplementedError

    # Optional, for a one-input op whose gradient is mostly zeros (getitem): a method
    # ``backward_into(dout, buffer)`` that adds dL/d(input) into ``buffer``. The backward pass's
    # fast path (autograd.py) passes its own gradient array of the input, so that all the
    # slices of one tensor fill one array. ``backward`` must give the same result.
    backward_into = None

    def as_partials(self, grads, n_inputs):
        """What ``backward`` returned, checked: a tuple with one gradient (or None) per input.
        A bare array from a one-input op is taken as that input's gradient."""
        if type(grads) is tuple and len(grads) == n_inputs:
            return grads
        if n_inputs == 1 and (grads is None or hasattr(grads, "shape")):
            return (grads,)
        if isinstance(grads, list) and len(grads) == n_inputs:
            return tuple(grads)
        got = f"{type(grads).__name__} of length {len(grads)}" if isinstance(
            grads, (tuple, list)) else type(grads).__name__
        raise TypeError(f"{self.name}.backward must return a tuple with one gradient (or None) "
                        f"per input ({n_inputs}), got {got}")

    def __repr__(self):
        return f"<{self.name} op>"

    @classmethod
    def run(cls, arrays, params=None, grad=None, device=backend.CPU):
        """Run the op on raw arrays outside any graph: ``forward(*arrays, **params)``, then, if
        ``grad`` (dL/d(output); a tuple, one per output, for a multi-output op) is given,
        ``backward``. Returns ``(output, input_gradients)``; ``input_gradients`` is None without
        ``grad``, else a tuple with one entry per input as ``backward`` returned it (not summed
        over broadcast axes). Every input counts as needing a gradient."""
        f = object.__new__(cls)
        f.xp = xp = backend.array_module(device)
        f.saved, f.params, f.inputs, f.out_specs, f.generation = None, dict(params or {}), (), None, 0
        out = f.forward(*arrays, **f.params)
        out = tuple(_as_array(xp, o) for o in out) if type(out) is tuple else _as_array(xp, out)
        if grad is None:
            return out, None
        return out, f.as_partials(f.backward(*(grad if type(out) is tuple else (grad,))),
                                  len(arrays))

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on tensors (numbers and arrays become constant tensors) and record it:
        returns the output tensor (a tuple of tensors for a multi-output op)."""
        device, requires_grad = None, False
        for x in inputs:  # the common case: tensors of one device, checked without copying
            if type(x) is not _tensor_type and not isinstance(x, Node):
                return cls.apply(*_as_tensors(cls.name, inputs), **params)
            if x.device != device:
                if device is not None:
                    _raise_device_mismatch(cls.name, inputs)
                device = x.device
            if x.requires_grad:
                requires_grad = True
        if device is None:
            raise TypeError(f"{cls.name}: needs at least one Tensor input")
        ctx = _new(cls)
        xp = ctx.xp = inputs[0]._xp
        ctx.inputs, ctx.saved, ctx.out_specs = inputs, None, None
        ctx.params = params or _NO_PARAMS  # most ops have none: one shared empty dict
        library = cls._library
        if not library:
            for t in inputs:
                backend.freeze(t._data)
        try:
            n = len(inputs)
            if n == 2:
                data = ctx.forward(inputs[0]._data, inputs[1]._data, **params)
            elif n == 1:
                data = ctx.forward(inputs[0]._data, **params)
            else:
                data = ctx.forward(*[t._data for t in inputs], **params)
        except (ShapeError, DTypeError) as exc:  # the op's own message; add the inputs' names
            if any(t.name for t in inputs):
                exc.args = (f"{exc} [inputs: {', '.join(describe(t) for t in inputs)}]",)
            raise
        except (ValueError, IndexError, TypeError, MemoryError) as exc:
            named = _named_error(cls, inputs, exc, params)
            if named is None:  # the op's own error (a bug in a user's forward): as it was
                if hasattr(exc, "add_note"):
                    exc.add_note(f"(raised in the forward of op {cls.name!r} on inputs "
                                 f"{', '.join(describe(t) for t in inputs)})")
                raise
            raise named from exc
        if grad_mode_now():
            ctx.generation = STATE.generation
        else:
            ctx, requires_grad = None, False
        if type(data) is not xp.ndarray:
            if type(data) is tuple:  # an op with several outputs
                return _outputs(type(inputs[0])._node, data, device, xp, ctx, requires_grad,
                                capture_origin())
            data = xp.asarray(data)  # NumPy answers a 0-d result with a scalar
        elif not library:
            backend.freeze(data)
        return type(inputs[0])._node(data, device, xp, ctx, requires_grad, capture_origin())


_new = object.__new__
_NO_PARAMS = {}  # the params of every op without any; ops only read their params


def _as_array(xp, data):
    return data if isinstance(data, xp.ndarray) else xp.asarray(data)


_SPECS = {}   # the out_specs of multi-output ops, shared (see _outputs)


def _outputs(make, arrays, device, xp, ctx, requires_grad, origin):
    """The output tensors of a multi-output op; each knows its position (``_index``)."""
    arrays = tuple(_as_array(xp, a) for a in arrays)
    if ctx is not None:
        specs = tuple((a.shape, a.dtype) for a in arrays)
        # one shared tuple per kind of output (every step of an unroll has the same): the
        # specs tuples of a long graph would otherwise cost more memory than its arrays
        ctx.out_specs = _SPECS.get(specs) or _SPECS.setdefault(specs, specs)
        if len(_SPECS) > 1000:
            _SPECS.clear()
        arrays = arrays if type(ctx)._library else tuple(backend.freeze(a) for a in arrays)
    outputs = tuple(make(a, device, xp, ctx, requires_grad, origin) for a in arrays)
    for k, t in enumerate(outputs):
        t._index = k
    return outputs


# Words in NumPy's (and CuPy's) messages about operands whose shapes or axes do not fit.
_SHAPE_WORDS = ("shape", "broadcast", "dimension", "axis", "out of bounds", "too many indices")


def _named_error(cls, inputs, exc, params):
    """The library's error for an exception raised in ``cls``'s forward, or None to re-raise
    it unchanged (an error that already names the op, or a bug in a user's op): a shape
    mismatch becomes a ``ShapeError``; in the library's own ops (whose inputs hold real
    numbers) any ValueError/IndexError is one, and a TypeError is a dtype the op cannot take
    or a parameter of the wrong type; an allocation failure is a ``TooLargeError``."""
    detail = str(exc)
    if detail.startswith(f"{cls.name}:"):
        return None
    shapes = ", ".join(describe(t) for t in inputs)
    if isinstance(exc, MemoryError):
        return TooLargeError(f"{cls.name}: the result for inputs {shapes} is too large for this "
                             f"machine's memory ({detail})")
    builtin = cls.__module__.startswith("tinygrad_rnn.")
    if isinstance(exc, TypeError):
        if not builtin:
            return None
        if params:
            given = ", ".join(f"{k}={v!r}" for k, v in params.items())
            return TypeError(f"{cls.name}: cannot apply to inputs {shapes} with {given}: {detail}")
        dtypes = ", ".join(str(t.dtype) for t in inputs)
        return DTypeError(f"{cls.name}: cannot apply to inputs of dtype {dtypes}: {detail}")
    if builtin or any(word in detail for word in _SHAPE_WORDS):
        return ShapeError(f"{cls.name}: cannot apply to inputs {shapes}: {detail}")
    return None


def _as_tensors(op, inputs):
    """Numbers and arrays among ``inputs`` as constant leaves like the first tensor input."""
    first = next((x for x in inputs if isinstance(x, Node)), None)
    if first is None:
        raise TypeError(f"{op}: needs at least one Tensor input, got "
                        f"{', '.join(type(x).__name__ for x in inputs) or 'nothing'}")
    return tuple(x if isinstance(x, Node) else type(first)._constant(x, first, op) for x in inputs)


def _raise_device_mismatch(op, inputs):
    devices = []
    for t in inputs:
        if t.device not in devices:
            devices.append(t.device)
    listed = ", ".join(f"{describe(t)} on {t.device!r}" for t in inputs)
    raise DeviceError(f"{op}: inputs on different devices ({' and '.join(map(repr, devices))}): "
                      f"{listed}; move them with .to(device) first")


def sum_to_shape(xp, grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
