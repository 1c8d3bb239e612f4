"""The recorded graph and backward: reuse, sharing, long chains, accumulation, no_grad, scopes,
inspection after backward, memory (graphs freed by reference counting) and dtypes."""
import gc
import weakref

import numpy
import pytest

import tinygrad_rnn as tr


def test_x_times_x_keeps_both_edges():
    x = tr.Tensor([3.0, -2.0], requires_grad=True, name="x")
    y = x * x
    assert y.inputs == (x, x)
    y.sum().backward()
    numpy.testing.assert_allclose(x.grad, [6.0, -4.0])


def test_a_value_reused_by_many_ops():
    x = tr.Tensor([0.3, -0.7], requires_grad=True)
    h = x.tanh()
    y = h * 2 + h.exp() - h ** 2 + (h @ h) + h.sigmoid()
    y.sum().backward()
    a = numpy.array([0.3, -0.7])
    t = numpy.tanh(a)
    s = 1 / (1 + numpy.exp(-t))
    # h @ h is a scalar added to each of the two entries: d/dh of 2 * (h . h) = 4 h
    dh = 2 + numpy.exp(t) - 2 * t + 4 * t + s * (1 - s)
    numpy.testing.assert_allclose(x.grad, dh * (1 - t ** 2), rtol=1e-12)


def test_a_parameter_shared_across_1000_uses():
    w = tr.Tensor([0.5], requires_grad=True, name="w")
    x = tr.Tensor([1.0])
    h = x
    for _ in range(1000):
        h = h * 0.999 + w
    h.sum().backward()
    # h_T = sum_k 0.999**k w + ..., so dh_T/dw = sum_{k<1000} 0.999**k
    assert w.grad[0] == pytest.approx((1 - 0.999 ** 1000) / (1 - 0.999), rel=1e-12)


def test_a_100000_node_chain_backprops_without_recursion():
    x = tr.Tensor([1.0], requires_grad=True)
    h = x
    for _ in range(100_000):
        h = -h
    h.backward()
    assert x.grad[0] == 1.0  # an even number of negations
    order = tr.topological_order(h)
    assert len(order) == 100_001 and order[0] is x and order[-1] is h


def test_topological_order_puts_inputs_first():
    x = tr.Tensor([1.0], requires_grad=True)
    a = x.exp()
    b = a * x
    c = b + a  # c's first input b depends on its second input a
    order = tr.topological_order(c)
    position = {id(t): i for i, t in enumerate(order)}
    for node in order:
        for inp in node.inputs:
            if inp.requires_grad:
                assert position[id(inp)] < position[id(node)]
    assert len(order) == 4


def test_gradients_accumulate_across_backward_calls():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    numpy.testing.assert_allclose(x.grad, [3 + 2, 3 + 4])
    x.zero_grad()
    assert x.grad is None


def test_leaf_gradients_are_owned_writable_arrays():
    a = tr.Tensor(numpy.ones((2, 3)), requires_grad=True)
    b = tr.Tensor(numpy.ones((2, 3)), requires_grad=True)
    (a + b).sum().backward()  # add hands the same gradient array to both inputs
    a.grad *= 2
    numpy.testing.assert_allclose(b.grad, numpy.ones((2, 3)))


def test_backward_with_an_explicit_grad():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.backward(grad=[1.0, 10.0])
    numpy.testing.assert_allclose(x.grad, [2.0, 40.0])


def test_no_grad_records_nothing():
    x = tr.Tensor([1.0], requires_grad=True)
    with tr.no_grad():
        assert not tr.is_grad_enabled()
        y = (x * 2).tanh()
    assert tr.is_grad_enabled()
    assert y.op is None and y.inputs == () and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_scopes_tag_tensors_with_a_path():
    x = tr.Tensor([1.0], requires_grad=True)
    with tr.scope("elman"):
        with tr.scope("t=1", t=1, label="John") as step:
            y = x * 2
        z = y + 1
    w = z - 1
    assert [s.name for s in y.scope] == ["elman", "t=1"]
    assert y.scope[-1] is step and step.attrs == {"t": 1, "label": "John"}
    assert [s.name for s in z.scope] == ["elman"] and w.scope == () and x.scope == ()
    with pytest.raises(ValueError, match="non-empty string"):
        with tr.scope(""):
            pass


def test_graph_is_inspectable_after_backward():
    x = tr.Tensor([[1.0, 2.0]], requires_grad=True, name="x")
    W = tr.Tensor([[0.5], [-0.5]], requires_grad=True, name="W")
    s = x @ W
    h = s.tanh()
    loss = h.sum()
    loss.backward()
    assert loss.op == "sum" and loss.inputs == (h,)
    assert h.op == "tanh" and h.inputs[0] is s and s.inputs == (x, W)
    t = numpy.tanh(-0.5)
    numpy.testing.assert_allclose(h.function.saved["h"], [[t]])
    numpy.testing.assert_allclose(s.grad, [[1 - t ** 2]])  # dL/ds stays inspectable
    numpy.testing.assert_allclose(h.grad, [[1.0]])
    assert s.function.params == {} and loss.function.params == {"axis": None, "keepdims": False}
    loss.backward()  # a second backward over the same graph works and accumulates
    numpy.testing.assert_allclose(W.grad, 2 * (1 - t ** 2) * x.data.T)


def test_a_graph_is_freed_by_reference_counting():
    gc.collect()
    gc.disable()
    try:
        x = tr.Tensor(numpy.ones(3), requires_grad=True)
        h = x
        for _ in range(50):
            h = (h * 1.01).tanh() + x
        h.sum().backward()
        probe = weakref.ref(h.inputs[0])
        function = weakref.ref(h.function)
        del h
        assert probe() is None and function() is None, "a reference cycle keeps the graph alive"
    finally:
        gc.enable()


def test_float32_stays_float32():
    x = tr.Tensor(numpy.ones((2, 3)), requires_grad=True, dtype="float32")
    W = tr.Tensor(numpy.ones((3, 2)), requires_grad=True, dtype="float32")
    y = ((x @ W).tanh() * 2.0 + 1 - numpy.ones(2)).sigmoid().mean()
    assert y.dtype == numpy.float32
    y.backward()
    assert x.grad.dtype == numpy.float32 and W.grad.dtype == numpy.float32


def test_mixed_float_dtypes_give_each_input_its_own_dtype_of_gradient():
    a = tr.Tensor([1.0, 2.0], requires_grad=True, dtype="float32")
    b = tr.Tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == numpy.float32 and b.grad.dtype == numpy.float64
    numpy.testing.assert_allclose(a.grad, [3.0, 4.0])


def test_tensor_basics():
    t = tr.Tensor([[1, 2, 3]], name="t")
    assert t.dtype == numpy.float64 and t.shape == (1, 3) and t.ndim == 2 and len(t) == 1
    assert t.device == "cpu" and t.op is None and t.inputs == () and t.grad is None
    assert "name='t'" in repr(t)
    assert tr.Tensor(numpy.ones(2, dtype=numpy.float32)).dtype == numpy.float32
    assert tr.Tensor([1, 2], dtype="int64").dtype == numpy.int64
    n = t.numpy()
    n[0, 0] = 99
    assert t.data[0, 0] == 1, "numpy() must copy"
    assert tr.Tensor([[2.5]]).item() == 2.5
    d = (t * 2).detach()
    assert d.op is None and not d.requires_grad
    assert [r.shape for r in tr.Tensor(numpy.zeros((3, 2)))] == [(2,)] * 3
    assert t.T.shape == (3, 1) and t.reshape(3).shape == (3,) and t.reshape((3, 1)).shape == (3, 1)


def test_tensor_copies_the_callers_array():
    a = numpy.ones(3)
    t = tr.Tensor(a, requires_grad=True)
    t.grad = numpy.ones(3)
    tr.optim.SGD([t], lr=0.5).step()
    numpy.testing.assert_array_equal(a, numpy.ones(3))
    numpy.testing.assert_array_equal(t.data, numpy.full(3, 0.5))


def test_pow_zero_has_zero_gradient_everywhere():
    x = tr.Tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_tensor_subclasses_work_in_ops():
    class Named(tr.Tensor):
        __slots__ = ()

    x = Named([1.0, 2.0], requires_grad=True)
    (x * 2 + x).sum().backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_results_are_always_arrays_of_the_device(device):
    xp = tr.backend.array_module(device)
    x = tr.Tensor(2.0, requires_grad=True, device=device)
    for y in (x.tanh(), x * x, x.sum(), tr.Tensor([1.0, 2.0], device=device).mean(),
              tr.mse(x, x * 0.5)):
        assert isinstance(y.data, xp.ndarray) and y.shape == ()
    (x * x).backward()
    assert isinstance(x.grad, xp.ndarray) and float(x.grad) == 4.0


def test_backward_without_retaining_intermediate_gradients():
    x = tr.Tensor([0.5, -1.0], requires_grad=True)
    h = x.tanh()
    loss = (h * h).sum()
    loss.backward(retain_grads=False)
    assert h.grad is None and loss.grad is None
    numpy.testing.assert_allclose(x.grad, 2 * numpy.tanh(x.data) * (1 - numpy.tanh(x.data) ** 2))
