"""Matrix product, 2-D and batched (leading axes broadcast); a 1-D operand is a row or column."""
import math

from ..errors import ShapeError
from ..function import Function

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site


class MatMul(Function):
    """c = a @ b;   dL/da = dL/dc @ b^T,  dL/db = a^T @ dL/dc   (over the last two axes)"""
    cases = [(((3, 4), (4, 5)), {}), (((2, 3, 4), (4, 5)), {}), (((2, 1, 3, 4), (3, 4, 2)), {}),
             (((4,), (4, 5)), {}), (((3, 4), (4,)), {}), (((4,), (4,)), {}),
             (((4,), (2, 4, 5)), {}), (((2, 3, 4), (4,)), {})]

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ShapeError(f"matmul: {tuple(a.shape)} @ {tuple(b.shape)}")
        self.save(a=a, b=b)
        return a @ b

    def backward(self, dc):
        a, b = self.saved["a"], self.saved["b"]
        # a product with data (x_t @ W) needs no gradient for the data: skip that product
        need_a, need_b = self.needs_grad(0), self.needs_grad(1)
        if b.ndim == 2 and a.ndim >= 2:  # rows times one matrix (x_t W, or all steps' X W)
            da = dc @ b.T if need_a else None
            # for a batch of row blocks, dL/db = sum over blocks of a^T dL/dc: one product
            rows = math.prod(a.shape[:-1])  # (not -1: that fails for an empty a)
            db = a.reshape(rows, a.shape[-1]).T @ dc.reshape(rows, dc.shape[-1]) if need_b else None
            return da, db
        xp = self.xp
        a2 = a[None, :] if a.ndim == 1 else a          # a 1-D a is a row vector (1, n)
        b2 = b[:, None] if b.ndim == 1 else b          # a 1-D b is a column vector (n, 1)
        dc2 = dc
        if a.ndim == 1:
            dc2 = xp.expand_dims(dc2, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            dc2 = xp.expand_dims(dc2, -1)
        da = _as_shape(dc2 @ b2.swapaxes(-1, -2), a.shape) if need_a else None
        db = _as_shape(a2.swapaxes(-1, -2) @ dc2, b.shape) if need_b else None
        return da, db


def _as_shape(grad, shape):
    """The gradient of a 1-D operand back from its (1, n) or (n, 1) matrix form (leading
    batch axes summed); a gradient of a matrix operand as it is."""
    if len(shape) != 1:
        return grad
    if grad.ndim > 2:
        grad = grad.sum(axis=tuple(range(grad.ndim - 2)))
    return grad.reshape(shape)
