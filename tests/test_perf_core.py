"""The core's speed-ups keep the answers: in-place gradient sums, getitem's shared gradient
array, the paused collector, the cheap sigmoid and the cached origin lookup.

References are hand-computed NumPy gradients, finite differences (``tr.gradcheck``) and the
backward pass's plain path (taken whenever a hook watches), which has none of the speed-ups."""
import gc

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import origin


def test_a_weight_used_many_times_sums_its_gradients_and_owns_the_sum():
    rng = numpy.random.default_rng(0)
    W = tr.Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    xs = [rng.standard_normal((2, 3)) for _ in range(5)]
    outs = [tr.Tensor(x) @ W for x in xs]
    total = outs[0]
    for out in outs[1:]:
        total = total + out
    total.sum().backward()
    expected = sum(x.T @ numpy.ones((2, 3)) for x in xs)
    numpy.testing.assert_allclose(W.grad, expected)
    # every retained intermediate gradient is still dL/d(node) = ones: the in-place sums
    # never wrote into an array that an op handed out
    for out in outs:
        numpy.testing.assert_array_equal(out.grad, numpy.ones((2, 3)))
    before = [out.grad.copy() for out in outs]
    W.grad *= 0  # the leaf's array is its own
    for out, kept in zip(outs, before):
        numpy.testing.assert_array_equal(out.grad, kept)


def test_reused_node_gradient_is_not_changed_by_later_sums():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    a = x * 1.0
    b = a + a          # a's gradient arrives twice: dc, then dc again
    c = b + a          # ... and a third time
    c.backward(numpy.ones(2))
    numpy.testing.assert_allclose(a.grad, [3.0, 3.0])
    numpy.testing.assert_allclose(b.grad, [1.0, 1.0])
    numpy.testing.assert_allclose(c.grad, [1.0, 1.0])
    numpy.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_slices_of_one_tensor_fill_one_gradient():
    rng = numpy.random.default_rng(1)
    a = tr.Tensor(rng.standard_normal((4, 8)), requires_grad=True)
    h = a * 2.0
    parts = tr.split(h, 4, axis=-1)
    loss = sum((p * float(k + 1)).sum() for k, p in enumerate(parts)) + (h * h).sum()
    loss.backward()
    weights = numpy.repeat([1.0, 2.0, 3.0, 4.0], 2)[None, :]
    expected_h = weights + 2 * h.data
    numpy.testing.assert_allclose(h.grad, expected_h)
    numpy.testing.assert_allclose(a.grad, 2 * expected_h)
    tr.gradcheck(lambda t: sum((p * p).sum() for p in tr.split(t * 1.0, [1, 3, 4], axis=1)),
                 [tr.Tensor(rng.standard_normal((2, 8)), requires_grad=True)])


def test_steps_of_a_sequence_that_requires_grad():
    rng = numpy.random.default_rng(2)
    X = tr.Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    cell = tr.rnn.ElmanCell(3, 4)
    ys, _ = tr.rnn.unroll(cell, X)
    tr.stack(ys).sum().backward()
    assert X.grad.shape == (6, 2, 3) and X.grad.flags.writeable
    tr.gradcheck(lambda X: tr.stack(tr.rnn.unroll(cell, X)[0]).sum(),
                 [tr.Tensor(rng.standard_normal((4, 1, 3)), requires_grad=True)])


def _graphs():
    """Graphs that use every speed-up: slices of one tensor, a weight shared by every step,
    broadcasting, float32 inputs of float64 ops, gradients summed in place."""
    rng = numpy.random.default_rng(4)
    tr.manual_seed(4)
    lstm = tr.rnn.LSTMCell(3, 4)
    X = tr.Tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    ys, _ = tr.rnn.unroll(lstm, X)
    yield tr.stack(ys).tanh().sum(), [X] + lstm.parameters()
    a = tr.Tensor(rng.standard_normal((4, 6)), requires_grad=True)
    b = tr.Tensor(rng.standard_normal((6,)), requires_grad=True, dtype="float32")
    parts = tr.split(a * b, [1, 2, 3], axis=1)
    loss = sum((p * p).sum() for p in parts) + a[[0, 0, 3]].sum() + (a + b).max()
    yield loss, [a, b]


def test_the_fast_path_gives_exactly_the_plain_paths_numbers():
    for loss, leaves in _graphs():
        loss.backward()
        fast = [x.grad.copy() for x in leaves]
        for x in leaves:
            x.grad = None
        loss.backward(hooks=[tr.BackwardHook()])  # a hook watches: every sum a new array
        for x, g in zip(leaves, fast):
            numpy.testing.assert_array_equal(x.grad, g)


def test_sigmoid_matches_the_logistic_function_and_is_stable():
    a = numpy.array([-1000.0, -30.0, -2.0, 0.0, 0.5, 3.0, 40.0, 1000.0])
    s = tr.Tensor(a).sigmoid().data
    with numpy.errstate(over="ignore"):
        reference = 1 / (1 + numpy.exp(-a))
    numpy.testing.assert_allclose(s, reference, rtol=1e-12, atol=1e-15)
    assert tr.Tensor(a, dtype="float32").sigmoid().dtype == numpy.float32


def test_backward_leaves_the_users_collector_setting_as_it_was():
    x = tr.Tensor([1.0], requires_grad=True)
    assert gc.isenabled()
    (x * 2).sum().backward()
    assert gc.isenabled()
    gc.disable()
    try:
        (x * 2).sum().backward()
        assert not gc.isenabled()
    finally:
        gc.enable()

    class Broken(tr.Function):
        name = "test_perf_broken"

        def forward(self, a):
            return a * 1.0

        def backward(self, dout):
            raise RuntimeError("boom")
    try:
        with pytest.raises(RuntimeError, match="boom"):
            Broken.apply(x).sum().backward()
        assert gc.isenabled()
    finally:
        tr.Function.registry.pop("test_perf_broken", None)


def test_origin_names_user_and_library_frames():
    cell = tr.rnn.ElmanCell(2, 3)
    x = tr.Tensor(numpy.ones((1, 2)))
    s, _ = cell(cell.initial_state(1), x)
    where = origin.describe(s.origin)
    assert where.startswith("test_perf_core.py:") and "in test_origin_names_user_and_library" in where
    assert "via tinygrad_rnn/rnn/elman.py:" in where and where.endswith(" in R)")
    y = x * 2
    assert "via" not in origin.describe(y.origin)  # made by the user's own line
