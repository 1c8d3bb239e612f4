"""nn and optim: parameter order, state dicts, Linear/Embedding, SGD and Adam against hand-written
NumPy updates, gradient clipping; the device-dependent ones run on every test device."""
import numpy
import pytest

import tinygrad_rnn as tr


class TwoLayer(tr.nn.Module):
    def __init__(self, device="cpu"):
        self.emb = tr.nn.Embedding(6, 3, device=device)
        self.layers = [tr.nn.Linear(3, 4, device=device), tr.nn.Linear(4, 2, device=device)]
        self.scale = tr.Tensor([2.0], device=device)  # not a parameter: no requires_grad
        self.tied = self.layers[0].W  # shared: listed once
        self.parent = self  # a cycle must not hang the walk

    def forward(self, ids):
        h = self.emb(ids)
        return self.layers[1](self.layers[0](h).tanh()) * self.scale


def test_parameters_in_a_stable_order():
    names = [n for n, _ in TwoLayer().named_parameters()]
    assert names == ["emb.E", "layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    model = TwoLayer()
    assert model.parameters()[1] is model.layers[0].W
    assert "Linear" not in repr(model) and "emb.E(6, 3)" in repr(model)


def test_seeded_initialisation_is_reproducible():
    tr.manual_seed(7)
    a = TwoLayer().state_dict()
    tr.manual_seed(7)
    b = TwoLayer().state_dict()
    for name in a:
        numpy.testing.assert_array_equal(a[name], b[name])
    c = TwoLayer().state_dict()
    assert not numpy.array_equal(a["emb.E"], c["emb.E"])


def test_state_dict_round_trip():
    tr.manual_seed(1)
    source, target = TwoLayer(), TwoLayer()
    state = source.state_dict()
    assert all(isinstance(v, numpy.ndarray) for v in state.values())
    target.load_state_dict(state)
    ids = [0, 5, 2]
    numpy.testing.assert_array_equal(source(ids).data, target(ids).data)
    state["emb.E"][0, 0] = 123.0  # a copy: the module did not change
    assert source.emb.E.data[0, 0] != 123.0
    target.load_state_dict({k: tr.Tensor(v) for k, v in source.state_dict().items()})


def test_zero_grad():
    model = TwoLayer()
    model([1, 2]).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_linear_against_numpy(device):
    layer = tr.nn.Linear(3, 2, device=device)
    x = numpy.arange(6.0).reshape(2, 3)
    y = layer(tr.Tensor(x, device=device))
    numpy.testing.assert_allclose(y.numpy(), x @ layer.W.numpy() + layer.b.numpy())
    y.sum().backward()
    numpy.testing.assert_allclose(_host(layer.W.grad), x.T @ numpy.ones((2, 2)))
    numpy.testing.assert_allclose(_host(layer.b.grad), [2.0, 2.0])
    assert tr.nn.Linear(3, 2, bias=False).parameters()[0].shape == (3, 2)
    assert len(tr.nn.Linear(3, 2, bias=False).parameters()) == 1


def _host(array):
    return tr.backend.to_numpy(array)


def test_embedding_repeated_ids_accumulate(device):
    emb = tr.nn.Embedding(4, 2, device=device)
    out = emb([1, 3, 1, 1])
    numpy.testing.assert_array_equal(out.numpy(), emb.E.numpy()[[1, 3, 1, 1]])
    (out * tr.Tensor(numpy.arange(8.0).reshape(4, 2), device=device)).sum().backward()
    numpy.testing.assert_allclose(_host(emb.E.grad),
                                  [[0, 0], [0 + 4 + 6, 1 + 5 + 7], [0, 0], [2, 3]])


def _quadratic_grads(params):
    loss = None
    for p in params:
        term = (p * p * 0.5 + p.tanh()).sum()
        loss = term if loss is None else loss + term
    loss.backward()


def test_sgd_momentum_against_numpy(device):
    start = [numpy.array([1.0, -2.0]), numpy.array([[0.5], [3.0]])]
    params = [tr.Tensor(a, requires_grad=True, device=device) for a in start]
    opt = tr.optim.SGD(params, lr=0.1, momentum=0.9)
    ref = [a.copy() for a in start]
    velocity = [numpy.zeros_like(a) for a in start]
    for step in range(5):
        opt.zero_grad()
        _quadratic_grads(params)
        opt.step()
        for k, a in enumerate(ref):
            g = a + (1 - numpy.tanh(a) ** 2)
            velocity[k] = g if step == 0 else 0.9 * velocity[k] + g
            ref[k] = a - 0.1 * velocity[k]
    for p, a in zip(params, ref):
        numpy.testing.assert_allclose(p.numpy(), a, rtol=1e-12)


def test_adam_against_numpy(device):
    start = [numpy.array([1.0, -2.0]), numpy.array([[0.5], [3.0]])]
    params = [tr.Tensor(a, requires_grad=True, device=device) for a in start]
    opt = tr.optim.Adam(params, lr=0.01)
    ref = [a.copy() for a in start]
    m = [numpy.zeros_like(a) for a in start]
    v = [numpy.zeros_like(a) for a in start]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, 6):
        opt.zero_grad()
        _quadratic_grads(params)
        opt.step()
        for k, a in enumerate(ref):
            g = a + (1 - numpy.tanh(a) ** 2)
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g * g
            m_hat, v_hat = m[k] / (1 - b1 ** t), v[k] / (1 - b2 ** t)
            ref[k] = a - 0.01 * m_hat / (numpy.sqrt(v_hat) + eps)
    for p, a in zip(params, ref):
        numpy.testing.assert_allclose(p.numpy(), a, rtol=1e-12)


def test_optimizers_agree_with_torch():
    torch = pytest.importorskip("torch")
    start = numpy.array([[1.0, -2.0, 0.3]])
    for make, make_torch in [
        (lambda ps: tr.optim.SGD(ps, lr=0.1, momentum=0.9),
         lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
        (lambda ps: tr.optim.Adam(ps, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
    ]:
        p = tr.Tensor(start, requires_grad=True)
        q = torch.tensor(start, requires_grad=True)
        opt, opt_t = make([p]), make_torch([q])
        for _ in range(4):
            opt.zero_grad()
            opt_t.zero_grad()
            (p * p * p).sum().backward()
            (q * q * q).sum().backward()
            opt.step()
            opt_t.step()
        numpy.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12)


def test_clip_grad_norm(device):
    a = tr.Tensor([0.0, 0.0], requires_grad=True, device=device)
    b = tr.Tensor([0.0], requires_grad=True, device=device)
    c = tr.Tensor([1.0], requires_grad=True, device=device)  # no gradient: ignored
    (a * tr.Tensor([3.0, 0.0], device=device)).sum().backward()
    (b * 4.0).sum().backward()
    norm = tr.optim.clip_grad_norm([a, b, c], max_norm=1.0)
    assert norm == pytest.approx(5.0)
    numpy.testing.assert_allclose(_host(a.grad), [0.6, 0.0])
    numpy.testing.assert_allclose(_host(b.grad), [0.8])
    assert tr.optim.clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(1.0)
    numpy.testing.assert_allclose(_host(b.grad), [0.8])
