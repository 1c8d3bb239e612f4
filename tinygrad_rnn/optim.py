"""Optimizers (SGD with momentum, Adam) and gradient clipping.

An optimizer changes a parameter through ``Tensor.assign``, the one way to give a tensor new
values on purpose: the parameter's version goes up, so a backward pass over a graph recorded
before the step refuses to run instead of mixing old and new values. Every hyperparameter is
checked when the optimizer is made: a finite number in its range, or an error naming it.
"""
import math
import numbers

from .tensor import Tensor


def check_number(owner, name, value, low=None, high=None, low_open=False, high_open=True):
    """``value`` as a float, or a ``ValueError``/``TypeError`` naming ``owner``'s argument
    ``name`` and the range allowed (``low``/``high``; ``*_open``: the bound itself excluded)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        left = "any" if low is None else f"{'(' if low_open else '['}{low:g}"
        right = "" if high is None else f", {high:g}{')' if high_open else ']'}"
        allowed = f"a finite number in {left}{right}" if high is not None else \
            f"a finite number {'>' if low_open else '>='} {low:g}"
        raise ValueError(f"{owner}: {name} must be {allowed}, got {value!r}")
    return value


class Optimizer:
    def __init__(self, params, lr):
        owner = type(self).__name__
        if isinstance(params, Tensor):
            params = [params]
        self.params = []
        for p in params:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{owner}: parameters must be tensors with requires_grad=True, "
                                f"got {p!r}")
            if all(p is not q for q in self.params):
                self.params.append(p)
        if not self.params:
            raise ValueError(f"{owner}: got an empty parameter list")
        self.lr = check_number(owner, "lr", lr, low=0, low_open=True)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class SGD(Optimizer):
    """v = momentum * v + g;   p = p - lr * v   (plain SGD when momentum is 0)"""

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params, lr)
        self.momentum = check_number("SGD", "momentum", momentum, low=0, high=1)
        self.velocity = [None] * len(self.params)

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.momentum:
                v = self.velocity[i]
                g = self.velocity[i] = g if v is None else self.momentum * v + g
            p.assign(p.data - self.lr * g)


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * m^ / (sqrt(v^) + eps), with the
    bias corrections m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise TypeError(f"Adam: betas must be a pair (b1, b2), got {betas!r}") from None
        self.b1 = check_number("Adam", "betas[0]", b1, low=0, high=1)
        self.b2 = check_number("Adam", "betas[1]", b2, low=0, high=1)
        self.eps = check_number("Adam", "eps", eps, low=0, low_open=True)
        self.t = 0
        # the moments are made at the first step, on the parameter's device at that time
        self.m = [None] * len(self.params)
        self.v = [None] * len(self.params)

    def step(self):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.m[i] is None:
                self.m[i], self.v[i] = p._xp.zeros_like(p.data), p._xp.zeros_like(p.data)
            m, v = self.m[i], self.v[i]  # the optimizer's own arrays: updated in place
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p.assign(p.data - self.lr * (m / c1) / (p._xp.sqrt(v / c2) + self.eps))


def clip_grad_norm(params, max_norm):
    """Scale all gradients together so their global L2 norm is at most ``max_norm`` (a finite
    positive number); returns the norm before clipping (for the exploding side of the
    gradient problem)."""
    max_norm = check_number("clip_grad_norm", "max_norm", max_norm, low=0, low_open=True)
    params = [params] if isinstance(params, Tensor) else list(params)
    grads = [p for p in params if p.grad is not None]
    total = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-12)
        for p in grads:
            p.grad = p.grad * scale
    return total
