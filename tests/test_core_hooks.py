"""One backward loop that tools watch through hooks; ops with several outputs; ``Function.run``.

References: the gradients of a plain ``backward()`` and NumPy arithmetic by hand."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend


class Recorder(tr.BackwardHook):
    def __init__(self):
        self.ready, self.calls, self.sent = {}, [], []

    def grad_ready(self, node, grad):
        self.ready[node] = backend.to_numpy(grad)

    def backward_called(self, node, douts, partials):
        self.calls.append((node.op, len(douts), len(partials)))

    def partial_sent(self, node, input, partial, before, total):
        self.sent.append((node, input, partial, before, total))


def _graph(device="cpu"):
    rng = numpy.random.default_rng(0)
    W = tr.Tensor(rng.standard_normal((3, 3)), requires_grad=True, name="W", device=device)
    x = tr.Tensor(rng.standard_normal((2, 3)), device=device)
    h = (x @ W).tanh()
    h2 = (h @ W).sigmoid() * h  # W used twice, h used twice
    return W, h, h2.sum()


def test_a_hook_sees_every_complete_gradient_and_every_partial(device):
    W, h, loss = _graph(device)
    loss.backward()
    reference = {n: backend.to_numpy(n.grad) for n in tr.topological_order(loss)}
    W.grad = None
    for n in reference:
        n.grad = None
    hook = Recorder()
    loss.backward(hooks=[hook], write_grads=False)
    assert all(n.grad is None for n in reference)  # nothing written
    assert set(hook.ready) == set(reference)
    for node, grad in hook.ready.items():
        numpy.testing.assert_allclose(grad, reference[node], rtol=1e-12)
    to_W = [s for s in hook.sent if s[1] is W]
    assert len(to_W) == 2 and to_W[0][3] is None  # two uses, the first adds to nothing
    for _, _, partial, before, total in hook.sent:
        expected = partial if before is None else before + partial
        numpy.testing.assert_allclose(backend.to_numpy(total), backend.to_numpy(expected))
    assert ("matmul", 1, 2) in hook.calls and ("tanh", 1, 1) in hook.calls


def test_a_hook_in_a_with_block_watches_every_backward_inside():
    _, _, loss = _graph()
    hook = Recorder()
    with hook:
        loss.backward()
    loss.backward()  # outside: not seen
    assert len(hook.ready) == len(tr.topological_order(loss))
    assert len(hook.calls) == sum(1 for n in tr.topological_order(loss) if n.op)


def test_the_stepper_runs_the_librarys_backward():
    _, _, loss = _graph()
    hook = Recorder()
    with hook:  # the Stepper's backward is the library's loop: the hook sees it
        st = tr.debug.Stepper(loss)
    backward = [e for e in st.ops if e.phase == "backward"]
    assert {e.node for e in backward} == set(hook.ready)
    for e in backward:
        numpy.testing.assert_array_equal(e.grad, hook.ready[e.node])


class Polar(tr.Function):
    """r = sqrt(a^2 + b^2), theta = atan2(b, a) (two outputs);
    dL/da = dL/dr a / r - dL/dtheta b / r^2,   dL/db = dL/dr b / r + dL/dtheta a / r^2"""
    name = "test_hooks_polar"
    calls = 0

    def forward(self, a, b):
        r = self.xp.sqrt(a * a + b * b)
        self.save(a=a, b=b, r=r)
        return r, self.xp.arctan2(b, a)

    def backward(self, dr, dtheta):
        Polar.calls += 1
        a, b, r = self.saved["a"], self.saved["b"], self.saved["r"]
        return dr * a / r - dtheta * b / r ** 2, dr * b / r + dtheta * a / r ** 2


tr.Function.registry.pop(Polar.name)  # registered only while a test uses it (see polar())


@pytest.fixture
def polar():
    Polar.calls = 0
    tr.Function.registry[Polar.name] = Polar
    yield Polar
    tr.Function.registry.pop(Polar.name, None)


def test_an_op_with_two_outputs_runs_its_backward_once(polar, device):
    a = tr.Tensor([3.0, 1.0], requires_grad=True, device=device)
    b = tr.Tensor([4.0, 1.0], requires_grad=True, device=device)
    r, theta = polar.apply(a, b)
    assert r.op == theta.op == "test_hooks_polar" and r.inputs == (a, b)
    loss = (r * 2).sum() + (theta * r).sum()
    loss.backward()
    assert polar.calls == 1
    assert tr.gradcheck(lambda a, b: polar.apply(a, b), [a, b])


def test_an_output_that_gets_no_gradient_gets_zeros(polar):
    a = tr.Tensor([3.0], requires_grad=True)
    b = tr.Tensor([4.0], requires_grad=True)
    r, theta = polar.apply(a, b)
    r.sum().backward()  # theta unused
    numpy.testing.assert_allclose(a.grad, [3 / 5])
    numpy.testing.assert_allclose(b.grad, [4 / 5])
    a.grad = b.grad = None
    theta.backward(numpy.ones(1))  # r unused, theta the root
    numpy.testing.assert_allclose(a.grad, [-4 / 25])
    numpy.testing.assert_allclose(b.grad, [3 / 25])
    assert polar.calls == 2


def test_unstack_is_one_op_whose_backward_stacks_the_gradients(device):
    X = tr.Tensor(numpy.arange(12.0).reshape(3, 2, 2), requires_grad=True, device=device)
    parts = tr.unstack(X)
    assert len(parts) == 3 and all(p.op == "unstack" for p in parts)
    assert parts[0].function is parts[2].function
    (parts[0] * 2 + parts[2]).sum().backward()  # parts[1] unused: its slice gets zeros
    numpy.testing.assert_array_equal(backend.to_numpy(X.grad)[:, 0, 0], [2.0, 0.0, 1.0])
    hook = Recorder()
    X.grad = None
    (parts[0] * parts[1]).sum().backward(hooks=[hook])
    assert hook.calls.count(("unstack", 3, 1)) == 1


def test_the_stepper_and_check_graph_handle_several_outputs(polar):
    a = tr.Tensor([3.0, 1.0], requires_grad=True, name="a")
    b = tr.Tensor([4.0, 2.0], requires_grad=True, name="b")
    r, theta = polar.apply(a, b)
    loss = (r * theta).sum()
    st = tr.debug.Stepper(loss)
    loss.backward()
    a_event = next(e for e in st.ops if e.phase == "backward" and e.node is a)
    numpy.testing.assert_allclose(a_event.grad, a.grad)
    report = tr.testing.check_graph(loss)
    assert report.ok and sum(n.op == "test_hooks_polar" for n in report.nodes) == 1

    class Stop(tr.Function):
        """b = a, but no gradient flows back;   dL/da = None"""
        name = "test_hooks_stop"

        def forward(self, a):
            return a * 1.0

        def backward(self, db):
            return (None,)
    try:  # an output in the graph that receives no gradient, visited before or after the other
        for loss in ((r * 3).sum() + Stop.apply(theta).sum(),
                     Stop.apply(theta).sum() + (r * 3).sum(),
                     (theta * 3).sum() + Stop.apply(r).sum()):
            st = tr.debug.Stepper(loss)
            a.grad = None
            loss.backward()
            a_event = next(e for e in st.ops if e.phase == "backward" and e.node is a)
            numpy.testing.assert_allclose(a_event.grad, a.grad)
    finally:
        tr.Function.registry.pop("test_hooks_stop", None)


def test_function_run_is_the_public_way_to_call_an_op_on_arrays():
    a, b = numpy.array([[1.0, 2.0]]), numpy.array([[3.0], [4.0]])
    out, grads = tr.Function.registry["matmul"].run([a, b], grad=numpy.ones((1, 1)))
    numpy.testing.assert_allclose(out, [[11.0]])
    numpy.testing.assert_allclose(grads[0], [[3.0, 4.0]])
    numpy.testing.assert_allclose(grads[1], [[1.0], [2.0]])
    out, grads = tr.Function.registry["sum"].run([a], params={"axis": 1})
    assert grads is None and out.shape == (1,)
    unstack = tr.Function.registry["unstack"]
    outs, grads = unstack.run([a], params={"axis": 1}, grad=(numpy.ones(1), numpy.zeros(1)))
    assert len(outs) == 2
    numpy.testing.assert_allclose(grads[0], [[1.0, 0.0]])


def test_a_backward_that_returns_the_wrong_count_is_named():
    class Bad(tr.Function):
        """c = a * b;   dL/da = (wrong on purpose: one gradient for two inputs)"""
        name = "test_hooks_bad"

        def forward(self, a, b):
            return a * b

        def backward(self, dc):
            return (dc,)
    try:
        a = tr.Tensor([1.0], requires_grad=True)
        with pytest.raises(TypeError, match=r"test_hooks_bad.backward must return a tuple with "
                                            r"one gradient \(or None\) per input \(2\)"):
            Bad.apply(a, a).sum().backward()
    finally:
        tr.Function.registry.pop("test_hooks_bad", None)


def test_a_bare_array_from_a_one_input_backward_is_its_gradient():
    class Double(tr.Function):
        """b = 2 a;   dL/da = 2 dL/db"""
        name = "test_hooks_double"

        def forward(self, a):
            return 2 * a

        def backward(self, db):
            return 2 * db  # not wrapped in a tuple
    try:
        x = tr.Tensor(numpy.ones((3, 2)), requires_grad=True)
        Double.apply(x).sum().backward()
        numpy.testing.assert_array_equal(x.grad, numpy.full((3, 2), 2.0))
    finally:
        tr.Function.registry.pop("test_hooks_double", None)
