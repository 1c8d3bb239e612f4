"""Matrix product, 2-D and batched (leading axes broadcast); a 1-D operand is a row or column."""
from ..errors import ShapeError
from ..function import Function


class MatMul(Function):
    """c = a @ b;   dL/da = dL/dc @ b^T,  dL/db = a^T @ dL/dc   (over the last two axes)"""
    cases = [(((3, 4), (4, 5)), {}), (((2, 3, 4), (4, 5)), {}), (((2, 1, 3, 4), (3, 4, 2)), {}),
             (((4,), (4, 5)), {}), (((3, 4), (4,)), {})]

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ShapeError(f"matmul: {tuple(a.shape)} @ {tuple(b.shape)}")
        self.save(a=a, b=b)
        return a @ b

    def backward(self, dc):
        xp = self.xp
        a, b = self.saved["a"], self.saved["b"]
        a2 = a[None, :] if a.ndim == 1 else a          # a row vector (1, n)
        b2 = b[:, None] if b.ndim == 1 else b          # a column vector (n, 1)
        dc2 = dc
        if a.ndim == 1:
            dc2 = xp.expand_dims(dc2, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            dc2 = xp.expand_dims(dc2, -1)
        da = dc2 @ xp.swapaxes(b2, -1, -2)
        db = xp.swapaxes(a2, -1, -2) @ dc2
        if a.ndim == 1:
            da = da.sum(axis=tuple(range(da.ndim - 2))).reshape(a.shape) if da.ndim > 2 else da.reshape(a.shape)
        if b.ndim == 1:
            db = db.sum(axis=tuple(range(db.ndim - 2))).reshape(b.shape) if db.ndim > 2 else db.reshape(b.shape)
        return da, db
