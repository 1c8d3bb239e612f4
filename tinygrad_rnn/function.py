"""``Function``: the base of every primitive op, and the registry of ops.

An op is a subclass with ``forward`` and ``backward`` on raw arrays. ``forward`` saves what the
backward needs with ``self.save(...)``; ``backward(dout)`` returns one gradient per input
(``None`` for an input that gets none; an op may skip the gradient of an input for which
``self.needs_grad(i)`` is False; ``backward_into`` is an optional in-place variant).
``Function.apply`` does everything else: turning numbers into tensors, checking devices,
recording the graph node with its scope, naming the op and the shapes when the arithmetic
fails. Broadcast gradients are summed back to their input's shape by the backward pass, so op
bodies hold only the math.

Every subclass registers itself in ``Function.registry`` under its ``name`` and lists ``cases``
(input shapes and params) and its input ``domain``: the test suite gradchecks every registered
op over them, so a new op is checked without a new test.

References stay one-way (output tensor -> Function -> inputs and saved arrays): a Function
never holds its output, so a graph is freed by reference counting as soon as its root goes.
"""
from .errors import DeviceError, ShapeError, describe
from .origin import capture as capture_origin
from .state import STATE


class Function:
    """Base class of all primitive ops; subclasses register themselves under ``name``."""
    __slots__ = ("xp", "inputs", "saved", "params")
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
        (a test calling ``forward``/``backward`` by hand), so skipping work is always safe."""
        try:
            return self.inputs[i].requires_grad
        except (AttributeError, IndexError):  # no recorded inputs
            return True

    def forward(self, *arrays, **params):
        raise NotImplementedError

    # Optional, for a one-input op whose gradient is mostly zeros (getitem): a method
    # ``backward_into(dout, buffer)`` that adds dL/d(input) into ``buffer``, the backward pass's
    # own gradient array of the input, so that all the slices of one tensor fill one array.
    backward_into = None

    def backward(self, dout):
        raise NotImplementedError

    def __repr__(self):
        return f"<{self.name} op>"

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on tensors (numbers and arrays are made constant tensors) -> Tensor."""
        device, requires_grad = None, False
        for x in inputs:  # the common case: tensors of one device, checked without copying
            if type(x) is not Tensor and not isinstance(x, Tensor):
                inputs = _as_tensors(cls.name, inputs)
                return cls.apply(*inputs, **params)
            if x.device != device:
                if device is not None:
                    _raise_device_mismatch(cls.name, inputs)
                device = x.device
            if x.requires_grad:
                requires_grad = True
        if device is None:
            raise TypeError(f"{cls.name}: needs at least one Tensor input")
        ctx = object.__new__(cls)
        xp = ctx.xp = inputs[0]._xp
        ctx.saved = None
        ctx.params = params or _NO_PARAMS  # most ops have none: one shared empty dict
        try:
            n = len(inputs)
            if n == 2:
                data = ctx.forward(inputs[0].data, inputs[1].data, **params)
            elif n == 1:
                data = ctx.forward(inputs[0].data, **params)
            else:
                data = ctx.forward(*[t.data for t in inputs], **params)
        except ShapeError as exc:  # the op's own message; add the inputs' names if they have any
            if any(t.name for t in inputs):
                exc.args = (f"{exc} [inputs: {', '.join(describe(t) for t in inputs)}]",)
            raise
        except (ValueError, IndexError) as exc:  # NumPy's message, with the op and shapes named
            shapes = ", ".join(describe(t) for t in inputs)
            raise ShapeError(f"{cls.name}: cannot apply to inputs {shapes}: {exc}") from None
        if not isinstance(data, xp.ndarray):  # NumPy answers a 0-d result with a scalar
            data = xp.asarray(data)
        if STATE.grad_enabled:
            ctx.inputs = inputs
            return Tensor._node(data, device, xp, ctx, requires_grad, capture_origin())
        return Tensor._node(data, device, xp, None, False, capture_origin())


_NO_PARAMS = {}  # the params of every op without any; ops only read their params


def _as_tensors(op, inputs):
    """Numbers and arrays among ``inputs`` as constant leaves like the first tensor input."""
    first = next((x for x in inputs if isinstance(x, Tensor)), None)
    if first is None:
        raise TypeError(f"{op}: needs at least one Tensor input, got "
                        f"{', '.join(type(x).__name__ for x in inputs) or 'nothing'}")
    return tuple(x if isinstance(x, Tensor) else Tensor._constant(x, first) for x in inputs)


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


from .tensor import Tensor  # noqa: E402  (tensor.py imports ops that import this module)
