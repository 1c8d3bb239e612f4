"""Softmax, log-softmax and the losses, each one op with a numerically stable forward."""
from ..errors import ShapeError
from ..function import Function

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site


class Softmax(Function):
    """p = exp(a - max a) / sum exp(a - max a);   dL/da = p * (dL/dp - sum(dL/dp * p))"""
    cases = [(((3, 4),), {"axis": -1}), (((3, 4),), {"axis": 0})]

    def forward(self, a, axis=-1):
        e = self.xp.exp(a - a.max(axis=axis, keepdims=True))
        p = e / e.sum(axis=axis, keepdims=True)
        self.save(p=p)
        return p

    def backward(self, dp):
        p, axis = self.saved["p"], self.params.get("axis", -1)
        return (p * (dp - (dp * p).sum(axis=axis, keepdims=True)),)


class LogSoftmax(Function):
    """l = a - logsumexp(a);   dL/da = dL/dl - softmax(a) * sum(dL/dl)"""
    name = "log_softmax"
    cases = [(((3, 4),), {"axis": -1}), (((2, 3, 4),), {"axis": 1})]

    def forward(self, a, axis=-1):
        shifted = a - a.max(axis=axis, keepdims=True)
        logp = shifted - self.xp.log(self.xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.save(logp=logp)
        return logp

    def backward(self, dl):
        axis = self.params.get("axis", -1)
        return (dl - self.xp.exp(self.saved["logp"]) * dl.sum(axis=axis, keepdims=True),)


class CrossEntropy(Function):
    """L = mean over positions n of -log softmax(a_n)[y_n];
    dL/da_n = (softmax(a_n) - onehot(y_n)) / N   (positions whose target is ``ignore_index``
    count neither in the sum nor in N)"""
    name = "cross_entropy"
    cases = [(((5, 3),), {"targets": [0, 2, 1, 1, 0]}),
             (((2, 3, 4),), {"targets": [[0, 3, 1], [2, 2, -1]], "ignore_index": -1})]

    def forward(self, logits, targets, ignore_index=None):
        xp = self.xp
        targets = xp.asarray(targets)
        keep = xp.ones(targets.shape, dtype=bool) if ignore_index is None else targets != ignore_index
        safe = xp.where(keep, targets, 0)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
        picked = xp.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
        count = max(int(keep.sum()), 1)
        self.save(logp=logp, safe=safe, keep=keep, count=count)
        return -(picked * keep).sum() / count

    def backward(self, dloss):
        xp, s = self.xp, self.saved
        logp = s["logp"]
        onehot = xp.arange(logp.shape[-1]) == s["safe"][..., None]
        return ((xp.exp(logp) - onehot) * (s["keep"][..., None] * (dloss / s["count"])),)


class MSE(Function):
    """L = mean((p - t)**2);   dL/dp = 2 (p - t) / N,  dL/dt = -dL/dp   (p and t of one shape)"""
    cases = [(((3, 4), (3, 4)), {}), (((5,), (5,)), {})]

    def forward(self, pred, target):
        if pred.shape != target.shape:  # broadcasting (B, 1) against (B,) would give (B, B)
            raise ShapeError(f"mse: pred {tuple(pred.shape)} and target {tuple(target.shape)} "
                             "must have the same shape (reshape one of them, e.g. "
                             "target.reshape(pred.shape))")
        diff = pred - target
        self.save(diff=diff)
        return (diff * diff).mean()

    def backward(self, dloss):
        diff = self.saved["diff"]
        dpred = diff * (2 * dloss / diff.size)
        return dpred, -dpred
