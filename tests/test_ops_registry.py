"""Every registered op against central finite differences, on every test device.

Driven by ``Function.registry``: an op added to ``tinygrad_rnn/ops/`` is checked here without a
new test, and an op registered without ``cases`` fails ``test_every_op_has_cases``.
"""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import Function

CASES = [(name, i, shapes, params)
         for name, cls in sorted(Function.registry.items())
         for i, (shapes, params) in enumerate(cls.cases)]


def _inputs(cls, shapes, device, seed):
    rng = numpy.random.default_rng(seed)
    if cls.domain == "positive":  # away from 0, where log, 1/b and a**-1.5 blow up
        arrays = [rng.uniform(0.5, 2.0, size=s) for s in shapes]
    else:
        arrays = [rng.standard_normal(s) for s in shapes]
    return [tr.Tensor(a, requires_grad=True, name=f"in{k}", device=device)
            for k, a in enumerate(arrays)]


def test_every_op_has_cases():
    missing = sorted(name for name, cls in Function.registry.items() if not cls.cases)
    assert not missing, f"ops registered without gradcheck cases: {missing}"


def test_registry_has_the_required_ops():
    required = {"add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "tanh",
                "sigmoid", "relu", "sum", "mean", "max", "reshape", "transpose", "getitem",
                "concat", "stack", "softmax", "log_softmax", "cross_entropy", "mse"}
    assert required <= set(Function.registry)


@pytest.mark.parametrize("name,i,shapes,params", CASES,
                         ids=[f"{c[0]}-{c[1]}-{'x'.join(map(str, c[2]))}" for c in CASES])
def test_gradcheck(name, i, shapes, params, device):
    cls = Function.registry[name]
    xs = _inputs(cls, shapes, device, seed=i)
    assert tr.gradcheck(lambda *a: cls.apply(*a, **params), xs)
    out = cls.apply(*xs, **params)
    for o in _outputs(out):
        assert o.op == name and o.inputs == tuple(xs) and o.device == device


def _outputs(out):
    """An op's output tensors: one, or a tuple for an op with several outputs."""
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", sorted(Function.registry))
def test_every_op_documents_its_formula(name):
    doc = Function.registry[name].__doc__ or ""
    assert "dL/d" in doc, f"{name}: the docstring should hold the backward formula"


def test_broadcast_both_directions_sums_gradients_back():
    a = tr.Tensor(numpy.arange(3.0).reshape(3, 1), requires_grad=True)
    b = tr.Tensor(numpy.arange(4.0).reshape(1, 4), requires_grad=True)
    (a * b).sum().backward()
    numpy.testing.assert_allclose(a.grad, numpy.full((3, 1), 0 + 1 + 2 + 3.0))
    numpy.testing.assert_allclose(b.grad, numpy.full((1, 4), 0 + 1 + 2.0))
    v = tr.Tensor([1.0, 2.0], requires_grad=True)
    m = tr.Tensor(numpy.ones((5, 2)), requires_grad=True)
    (v - m).sum().backward()
    numpy.testing.assert_allclose(v.grad, [5.0, 5.0])
    numpy.testing.assert_allclose(m.grad, -numpy.ones((5, 2)))


@pytest.mark.parametrize("expression,reference,gradient", [
    (lambda x: 2 * x, lambda a: 2 * a, lambda a: numpy.full_like(a, 2.0)),
    (lambda x: x * 2, lambda a: 2 * a, lambda a: numpy.full_like(a, 2.0)),
    (lambda x: 1 - x, lambda a: 1 - a, lambda a: -numpy.ones_like(a)),
    (lambda x: x + 1, lambda a: a + 1, lambda a: numpy.ones_like(a)),
    (lambda x: 10.0 / x, lambda a: 10.0 / a, lambda a: -10.0 / a ** 2),
    (lambda x: x / 4, lambda a: a / 4, lambda a: numpy.full_like(a, 0.25)),
    (lambda x: x ** 3, lambda a: a ** 3, lambda a: 3 * a ** 2),
    (lambda x: numpy.array([1.0, 2.0, 3.0]) * x, lambda a: a * [1, 2, 3],
     lambda a: numpy.array([1.0, 2.0, 3.0]) + 0 * a),
    (lambda x: x @ numpy.ones((3, 2)), lambda a: a @ numpy.ones((3, 2)),
     lambda a: numpy.full_like(a, 2.0)),
    (lambda x: -x, lambda a: -a, lambda a: -numpy.ones_like(a)),
])
def test_numbers_and_arrays_on_either_side(expression, reference, gradient):
    a = numpy.array([[0.5, 1.5, 2.5]])
    x = tr.Tensor(a, requires_grad=True)
    y = expression(x)
    numpy.testing.assert_allclose(y.data, reference(a))
    y.sum().backward()
    numpy.testing.assert_allclose(x.grad, gradient(a))


def test_max_shares_the_gradient_among_ties():
    x = tr.Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    numpy.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    x.zero_grad()
    x.max().backward()
    numpy.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [0, 0, 0]])


def test_getitem_repeated_indices_accumulate():
    x = tr.Tensor(numpy.arange(5.0), requires_grad=True)
    x[[0, 3, 3, 3, 1]].sum().backward()
    numpy.testing.assert_allclose(x.grad, [1, 1, 0, 3, 0])


def test_relu_gradient_is_zero_at_and_below_zero():
    x = tr.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    numpy.testing.assert_allclose(x.grad, [0, 0, 1])


def test_stable_softmax_and_sigmoid_for_large_inputs():
    x = tr.Tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    p = tr.softmax(x)
    numpy.testing.assert_allclose(p.data, [[1, 0, 0]], atol=1e-300)
    assert numpy.isfinite(tr.log_softmax(x).data).all()
    s = x.sigmoid()
    numpy.testing.assert_allclose(s.data, [[1, 0.5, 0]])
    s.sum().backward()
    assert numpy.isfinite(x.grad).all()


def test_cross_entropy_against_numpy_and_ignore_index():
    rng = numpy.random.default_rng(3)
    logits = rng.standard_normal((4, 5))
    targets = [1, 0, 4, 2]
    x = tr.Tensor(logits, requires_grad=True)
    loss = tr.cross_entropy(x, targets)
    logp = logits - numpy.log(numpy.exp(logits).sum(1, keepdims=True))
    assert loss.item() == pytest.approx(-logp[range(4), targets].mean(), rel=1e-12)
    ignored = tr.cross_entropy(x, [1, -100, 4, -100], ignore_index=-100)
    assert ignored.item() == pytest.approx(-(logp[0, 1] + logp[2, 4]) / 2, rel=1e-12)


def test_split_and_concat_round_trip():
    x = tr.Tensor(numpy.arange(12.0).reshape(3, 4), requires_grad=True)
    parts = tr.split(x, [1, 3], axis=1)
    assert [p.shape for p in parts] == [(3, 1), (3, 3)]
    y = tr.concat(parts[::-1], axis=1)
    numpy.testing.assert_allclose(y.data[:, 3], x.data[:, 0])
    (y * y).sum().backward()
    numpy.testing.assert_allclose(x.grad, 2 * x.data)
    assert len(tr.split(x, 2, axis=-1)) == 2


@pytest.mark.parametrize("name,i,shapes,params", CASES,
                         ids=[f"{c[0]}-{c[1]}-{'x'.join(map(str, c[2]))}" for c in CASES])
def test_float32_stays_float32_and_agrees_with_float64(name, i, shapes, params):
    cls = Function.registry[name]
    results = {}
    for dtype in ("float32", "float64"):
        xs = [tr.Tensor(x.data, requires_grad=True, dtype=dtype)
              for x in _inputs(cls, shapes, "cpu", seed=i)]
        outs = _outputs(cls.apply(*xs, **params))
        rng = numpy.random.default_rng(9)
        sum((o * rng.standard_normal(o.shape).astype(dtype)).sum() for o in outs).backward()
        results[dtype] = (outs, [x.grad for x in xs])
    for o32, o64 in zip(results["float32"][0], results["float64"][0]):
        assert o32.dtype == numpy.float32, f"{name} promoted float32 to float64"
        numpy.testing.assert_allclose(o32.data, o64.data, rtol=2e-5, atol=2e-6)
    for g32, g64 in zip(results["float32"][1], results["float64"][1]):
        assert g32.dtype == numpy.float32
        numpy.testing.assert_allclose(g32, g64, rtol=2e-4, atol=2e-5)


def test_matmul_skips_the_gradient_of_data_but_not_outside_a_graph():
    x = tr.Tensor(numpy.ones((2, 3)))
    W = tr.Tensor(numpy.arange(12.0).reshape(3, 4), requires_grad=True)
    y = x @ W
    dx, dW = y.function.backward(numpy.ones((2, 4)))
    assert dx is None
    numpy.testing.assert_allclose(dW, numpy.full((3, 4), 2.0))
    out, (dx, dW) = Function.registry["matmul"].run([x.data, W.data], grad=numpy.ones((2, 4)))
    numpy.testing.assert_allclose(out, x.data @ W.data)
    numpy.testing.assert_allclose(dx, numpy.ones((2, 4)) @ W.data.T)  # outside a graph: both
