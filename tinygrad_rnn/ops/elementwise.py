"""Elementwise ops. NumPy broadcasting applies; the backward pass sums gradients back to shape."""
from ..function import Function

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site

# broadcasting in both directions: either operand may be the smaller one
_BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)),
              ((3, 1), (2, 1, 4)), ((), (2, 3)), ((2, 3), ()), ((3, 1), (1, 4))]


class Add(Function):
    """c = a + b;   dL/da = dL/dc,  dL/db = dL/dc"""
    cases = [(shapes, {}) for shapes in _BROADCAST]

    def forward(self, a, b):
        return a + b

    def backward(self, dc):
        return dc, dc


class Sub(Function):
    """c = a - b;   dL/da = dL/dc,  dL/db = -dL/dc"""
    cases = [(shapes, {}) for shapes in _BROADCAST]

    def forward(self, a, b):
        return a - b

    def backward(self, dc):
        return dc, -dc


class Mul(Function):
    """c = a * b;   dL/da = dL/dc * b,  dL/db = dL/dc * a"""
    cases = [(shapes, {}) for shapes in _BROADCAST]

    def forward(self, a, b):
        self.save(a=a, b=b)
        return a * b

    def backward(self, dc):  # a constant factor (a mask, a number) needs no gradient
        da = dc * self.saved["b"] if self.needs_grad(0) else None
        db = dc * self.saved["a"] if self.needs_grad(1) else None
        return da, db


class Div(Function):
    """c = a / b;   dL/da = dL/dc / b,  dL/db = -dL/dc * c / b"""
    cases = [(shapes, {}) for shapes in _BROADCAST]
    domain = "positive"

    def forward(self, a, b):
        c = a / b
        self.save(b=b, c=c)
        return c

    def backward(self, dc):
        b, c = self.saved["b"], self.saved["c"]
        da = dc / b
        return da, (-da * c if self.needs_grad(1) else None)


class Neg(Function):
    """c = -a;   dL/da = -dL/dc"""
    cases = [(((3, 4),), {})]

    def forward(self, a):
        return -a

    def backward(self, dc):
        return (-dc,)


class Pow(Function):
    """c = a ** p (p a number);   dL/da = dL/dc * p * a ** (p - 1)"""
    cases = [(((3, 4),), {"exponent": 2}), (((3, 4),), {"exponent": 3}),
             (((3, 4),), {"exponent": -1.5}), (((3, 4),), {"exponent": 0})]
    domain = "positive"

    def forward(self, a, exponent):
        self.save(a=a)
        return a ** exponent

    def backward(self, dc):
        p = self.params["exponent"]
        if p == 0:  # a ** 0 = 1 everywhere (a ** -1 would make 0 * inf = nan at a = 0)
            return (dc * 0,)
        return (dc * p * self.saved["a"] ** (p - 1),)


class Exp(Function):
    """c = exp(a);   dL/da = dL/dc * c"""
    cases = [(((3, 4),), {})]

    def forward(self, a):
        c = self.xp.exp(a)
        self.save(c=c)
        return c

    def backward(self, dc):
        return (dc * self.saved["c"],)


class Log(Function):
    """c = log(a);   dL/da = dL/dc / a"""
    cases = [(((3, 4),), {})]
    domain = "positive"

    def forward(self, a):
        self.save(a=a)
        return self.xp.log(a)

    def backward(self, dc):
        return (dc / self.saved["a"],)


class Tanh(Function):
    """h = tanh(a);   dL/da = dL/dh * (1 - h**2)"""
    cases = [(((3, 4),), {})]

    def forward(self, a):
        h = self.xp.tanh(a)
        self.save(h=h)
        return h

    def backward(self, dh):
        return (dh * (1 - self.saved["h"] ** 2),)


class Sigmoid(Function):
    """s = 1 / (1 + exp(-a)) = (1 + tanh(a / 2)) / 2;   dL/da = dL/ds * s * (1 - s)"""
    cases = [(((3, 4),), {})]

    def forward(self, a):
        s = self.xp.tanh(a * 0.5)  # the tanh form: stable for large |a| (no exp overflows) and fast
        s += 1
        s *= 0.5
        self.save(s=s)
        return s

    def backward(self, ds):
        s = self.saved["s"]
        return (ds * s * (1 - s),)


class Relu(Function):
    """r = max(a, 0);   dL/da = dL/dr * [a > 0]"""
    cases = [(((3, 4),), {})]

    def forward(self, a):
        r = self.xp.maximum(a, 0)
        self.save(r=r)
        return r

    def backward(self, dr):
        return (dr * (self.saved["r"] > 0),)
