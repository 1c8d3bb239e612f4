"""No stale values, ever: a value that changed after the forward pass never gives a silently
wrong gradient. Each case from the findings either raises (naming the tensor, the op and where
it was changed) or gives the gradient of the values the forward pass used.

References: NumPy gradients worked out by hand on copies of the forward pass's values."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend


def _host(a):
    return backend.to_numpy(a)


def _model(device, seed=0):
    rng = numpy.random.default_rng(seed)
    W = tr.Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W", device=device)
    x = tr.Tensor(rng.standard_normal((4, 3)), device=device)
    return W, x


def test_optimizer_step_between_forward_and_backward_raises(device):
    W, x = _model(device)
    loss = (x @ W).tanh().sum()
    W.grad = W._xp.ones_like(W.data)
    opt = tr.optim.SGD([W], lr=0.1)
    opt.step()  # the line the message must point at
    with pytest.raises(tr.StaleValueError) as info:
        loss.backward()
    message = str(info.value)
    assert "W(3, 2)" in message and "matmul" in message and "version 1" in message
    assert "test_core_stale.py" in message and "optim.py" in message  # where it was changed
    assert "opt.step()" in message  # and what to do


def test_adam_and_load_state_dict_count_as_changes_too(device):
    layer = tr.nn.Linear(3, 2, device=device)
    loss = layer(tr.Tensor(numpy.ones((1, 3)), device=device)).sum()
    layer.load_state_dict({"W": numpy.zeros((3, 2)), "b": numpy.zeros(2)})
    with pytest.raises(tr.StaleValueError, match=r"b\(2,\).*the add op.*assign_all"):
        loss.backward()
    loss = layer(tr.Tensor(numpy.ones((1, 3)), device=device)).sum()
    loss.backward()  # a new forward pass uses the new values: fine
    tr.optim.Adam(layer.parameters(), lr=0.1).step()
    with pytest.raises(tr.StaleValueError, match=r"b\(2,\).*add"):
        loss.backward()


def test_a_write_into_data_fails_at_the_write_and_the_gradient_stays_right():
    W, x = _model("cpu")
    before = W.numpy()
    loss = (x @ W).tanh().sum()
    with pytest.raises(ValueError, match="read-only"):
        W.data[...] = 0.0
    loss.backward()
    expected = _host(x.data).T @ (1 - numpy.tanh(_host(x.data) @ before) ** 2)
    numpy.testing.assert_allclose(W.grad, expected, rtol=1e-12)


def test_assigning_data_after_the_forward_pass_raises(device):
    W, x = _model(device)
    loss = (x @ W).sum()
    W.data = W.numpy() * 2  # the old spelling of assign
    assert W.version == 1
    with pytest.raises(tr.StaleValueError, match="version 1"):
        loss.backward()


def test_values_saved_by_an_op_are_those_of_the_forward_pass(device):
    h = tr.Tensor([0.5, -1.0], requires_grad=True, device=device)
    t = h.tanh()
    forward_value = _host(t.data).copy()
    h.assign([3.0, 3.0])
    numpy.testing.assert_array_equal(_host(t.data), forward_value)
    numpy.testing.assert_array_equal(_host(t.function.saved["h"]), forward_value)


def test_a_numpy_array_passed_into_an_op_is_copied(device):
    a = tr.Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    m = numpy.array([1.0, 0.0, 1.0])
    loss = (a * m).sum()
    m[:] = 0.0  # the caller reuses its buffer
    loss.backward()
    numpy.testing.assert_array_equal(_host(a.grad), [1.0, 0.0, 1.0])


def test_a_reused_mask_buffer_does_not_change_the_gradient(device):
    rng = numpy.random.default_rng(3)
    W = tr.Tensor(rng.standard_normal((2, 2)), requires_grad=True, device=device)
    xs = rng.standard_normal((3, 4, 2))
    masks = (rng.random((3, 4, 1)) > 0.5).astype(float)
    buffer = numpy.empty((4, 1))
    loss = None
    for x, m in zip(xs, masks):
        buffer[...] = m  # one buffer, refilled every step
        term = ((tr.Tensor(x, device=device) @ W).tanh() * buffer).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    expected = sum(x.T @ ((1 - numpy.tanh(x @ _host(W.data)) ** 2) * m)
                   for x, m in zip(xs, masks))
    numpy.testing.assert_allclose(_host(W.grad), expected, rtol=1e-12)


def test_index_and_target_arrays_are_copied(device):
    x = tr.Tensor(numpy.arange(5.0), requires_grad=True, device=device)
    index = numpy.array([0, 3, 3])
    picked = x[index].sum()
    index[:] = 1
    picked.backward()
    numpy.testing.assert_array_equal(_host(x.grad), [1, 0, 0, 2, 0])
    logits = tr.Tensor(numpy.zeros((2, 3)), requires_grad=True, device=device)
    targets = numpy.array([0, 2])
    loss = tr.cross_entropy(logits, targets)
    targets[:] = 1
    loss.backward()
    third, sixth = 1 / 3, 1 / 6
    numpy.testing.assert_allclose(_host(logits.grad), [[-third, sixth, sixth],
                                                       [sixth, sixth, -third]])


def test_the_stepper_refuses_a_graph_changed_by_an_optimizer_step(device):
    cell = tr.rnn.ElmanCell(2, 3, device=device)
    xs = [tr.Tensor(numpy.ones((1, 2)), device=device) for _ in range(3)]
    ys, _ = tr.rnn.unroll(cell, xs)
    loss = tr.stack(ys).sum()
    loss.backward()
    tr.optim.SGD(cell.parameters(), lr=0.5).step()
    with pytest.raises(tr.StaleValueError, match=r"Stepper: the tensor W\^[sx]"):
        tr.debug.Stepper(loss)


def test_a_stepper_made_before_a_step_keeps_the_forward_values():
    W, x = _model("cpu")
    loss = (x @ W).tanh().sum()
    st = tr.debug.Stepper(loss)
    before = st.value_of(W).copy()
    W.assign(W.numpy() + 1.0)
    numpy.testing.assert_array_equal(st.value_of(W), before)
    assert all(e.value is not None for e in st.ops if e.phase == "forward")


def test_an_op_written_by_a_user_cannot_change_its_inputs():
    class Shift(tr.Function):
        """b = a - max(a);   dL/da = dL/db (for this test only)"""
        name = "test_stale_shift"

        def forward(self, a):
            a -= a.max()  # the classic mistake: in place, into the input
            return a

        def backward(self, db):
            return (db,)
    try:
        x = tr.Tensor([1.0, 2.0], requires_grad=True)
        h = x.tanh()
        with pytest.raises(ValueError, match="read-only"):
            Shift.apply(h)
        numpy.testing.assert_allclose(h.data, numpy.tanh([1.0, 2.0]))
    finally:
        tr.Function.registry.pop("test_stale_shift", None)


def test_finite_differences_leave_no_trace():
    W, x = _model("cpu")
    loss = (x @ W).tanh().sum()
    tr.gradcheck(lambda W: (x @ W).tanh().sum(), [W])
    cell = tr.rnn.ElmanCell(2, 2)
    ys, _ = tr.rnn.unroll(cell, [numpy.ones((1, 2))])
    assert tr.testing.check_cell(cell).ok
    assert W.version == 0 and all(p.version == 0 for p in cell.parameters())
    loss.backward()  # no version went up: the old graph is still good
    ys[0].sum().backward()


def test_assign_checks_shape_and_values():
    W, _ = _model("cpu")
    with pytest.raises(tr.ShapeError, match=r"assign to W\(3, 2\).*keeps its shape"):
        W.assign(numpy.zeros((2, 3)))
    with pytest.raises(tr.DTypeError, match="complex"):
        W.assign(numpy.zeros((3, 2)) + 1j)
    assert W.version == 0
    source = numpy.zeros((3, 2))
    W.assign(source)
    source[0, 0] = 5.0  # the caller's array stays the caller's
    assert W.data[0, 0] == 0.0 and W.version == 1
