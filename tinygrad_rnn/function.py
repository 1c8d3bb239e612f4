"""``Function``: the base of every primitive op, and the registry of ops.

An op is a subclass with ``forward`` and ``backward`` on raw arrays. ``forward`` saves what the
backward needs with ``self.save(...)``; ``backward(dout)`` returns one gradient per input
(``None`` for an input that gets none). ``Function.apply`` does everything else: turning numbers
into tensors, checking devices, recording the graph node with its scope, naming the op and the
shapes when the arithmetic fails. Broadcast gradients are summed back to their input's shape
by the backward pass, so op bodies hold only the math.

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
    # For the registry-driven gradcheck test: a list of (input shapes, params) to try, and the
    # input domain ("real" or "positive").
    cases = ()
    domain = "real"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()
        Function.registry[cls.name] = cls

    def save(self, **values):
        """Keep arrays for the backward pass (what the step debugger shows as 'saved')."""
        self.saved = values

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __repr__(self):
        return f"<{self.name} op>"

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on tensors (numbers and arrays are made constant tensors) -> Tensor."""
        first = None
        for x in inputs:
            if isinstance(x, Tensor):
                first = x
                break
        if first is None:
            raise TypeError(f"{cls.name}: needs at least one Tensor input")
        device = first.device
        tensors = []
        requires_grad = False
        for x in inputs:
            if not isinstance(x, Tensor):
                x = Tensor._constant(x, first)
            elif x.device != device:
                raise DeviceError(f"{cls.name}: inputs on different devices: "
                                  f"{describe(first)} on {device!r}, {describe(x)} on {x.device!r}")
            requires_grad = requires_grad or x.requires_grad
            tensors.append(x)
        ctx = cls.__new__(cls)
        ctx.xp = first._xp
        ctx.saved = None
        ctx.params = params
        try:
            data = ctx.forward(*[t.data for t in tensors], **params)
        except ShapeError as exc:  # the op's own message; add the inputs' names if they have any
            if any(t.name for t in tensors):
                exc.args = (f"{exc} [inputs: {', '.join(describe(t) for t in tensors)}]",)
            raise
        except (ValueError, IndexError) as exc:  # NumPy's message, with the op and shapes named
            shapes = ", ".join(describe(t) for t in tensors)
            raise ShapeError(f"{cls.name}: cannot apply to inputs {shapes}: {exc}") from None
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.name = None
        out.device = device
        out._xp = ctx.xp
        out.scope = STATE.scope
        out.origin = capture_origin()
        if STATE.grad_enabled:
            ctx.inputs = tuple(tensors)
            out._ctx = ctx
            out.requires_grad = requires_grad
        else:
            out._ctx = None
            out.requires_grad = False
        return out


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
