"""The cells without PyTorch: NumPy references, gradcheck through an unroll, the shape of the
unrolled graph, and the PyTorch state-dict interop's validation."""
import numpy
import pytest

import tinygrad_rnn as tr

CELLS = [tr.rnn.ElmanCell, tr.rnn.LSTMCell, tr.rnn.GRUCell]


def sigmoid(a):
    return 1 / (1 + numpy.exp(-a))


def numpy_step(cell, state, x):
    """One step of each cell written out with NumPy from the equations in the docstrings."""
    W_x = cell.W_x.numpy()
    if isinstance(cell, tr.rnn.ElmanCell):
        a = x @ W_x + state @ cell.W_s.numpy() + cell.b.numpy()
        s = numpy.tanh(a) if cell.activation == "tanh" else numpy.maximum(a, 0)
        return s, s
    H = cell.hidden_size
    W_h = cell.W_h.numpy()
    if isinstance(cell, tr.rnn.LSTMCell):
        c, h = state
        a = x @ W_x + h @ W_h + cell.b.numpy()
        i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
        g = numpy.tanh(a[:, 2 * H:3 * H])
        c = f * c + i * g
        h = o * numpy.tanh(c)
        return (c, h), h
    ax, ah = x @ W_x + cell.b_x.numpy(), state @ W_h + cell.b_h.numpy()
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = numpy.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    h = (1 - z) * n + z * state
    return h, h


def numpy_unroll(cell, xs, batch):
    zeros = numpy.zeros((batch, cell.hidden_size))
    state = (zeros, zeros) if isinstance(cell, tr.rnn.LSTMCell) else zeros
    ys = []
    for x in xs:
        state, y = numpy_step(cell, state, x)
        ys.append(y)
    return ys, state


def make(cls, I=3, H=4, **kw):
    tr.manual_seed(5)
    return cls(I, H, **kw)


@pytest.mark.parametrize("cls,kw", [(tr.rnn.ElmanCell, {}),
                                    (tr.rnn.ElmanCell, {"activation": "relu"}),
                                    (tr.rnn.LSTMCell, {}), (tr.rnn.GRUCell, {})])
def test_forward_matches_numpy(cls, kw):
    cell = make(cls, **kw)
    xs = numpy.random.default_rng(0).standard_normal((5, 2, 3))
    ys, states = tr.rnn.unroll(cell, xs)
    ref_ys, ref_state = numpy_unroll(cell, xs, 2)
    for y, r in zip(ys, ref_ys):
        numpy.testing.assert_allclose(y.numpy(), r, atol=1e-12)
    last = states[-1]
    for part, r in zip(last if isinstance(last, tuple) else (last,),
                       ref_state if isinstance(ref_state, tuple) else (ref_state,)):
        numpy.testing.assert_allclose(part.numpy(), r, atol=1e-12)


def test_step_by_call_equals_R_then_O():
    cell = make(tr.rnn.LSTMCell)
    x = tr.Tensor(numpy.ones((2, 3)))
    state, y = cell(cell.initial_state(2), x)
    c, h = cell.R(cell.initial_state(2), x)
    numpy.testing.assert_array_equal(y.numpy(), h.numpy())
    assert y is state[1] and y.name == "h" and state[0].name == "c"


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("lengths", [None, [4, 2]])
def test_gradcheck_through_unroll(cls, lengths):
    cell = make(cls, I=2, H=3)
    rng = numpy.random.default_rng(1)
    X = tr.Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True, name="X")
    parts = cell.state_parts
    s0 = [tr.Tensor(rng.standard_normal((2, 3)), requires_grad=True, name=f"s0_{k}")
          for k in range(parts)]

    def run(X, *tensors):
        ys, states = tr.rnn.unroll(cell, X, state=tuple(s0) if parts == 2 else s0[0],
                                   lengths=lengths)
        last = states[-1] if parts == 2 else (states[-1],)
        return tr.concat([tr.stack(ys).reshape(-1)] + [p.reshape(-1) for p in last])

    assert tr.gradcheck(run, [X, *s0, *cell.parameters()])


@pytest.mark.parametrize("cls", CELLS)
def test_unrolled_graph_has_six_copies_sharing_parameters(cls):
    cell = make(cls)
    words = "John lives in Salt Lake City".split()
    xs = [tr.Tensor(numpy.full((1, 3), k / 10), name="x") for k in range(6)]
    ys, states = tr.rnn.unroll(cell, xs, labels=words)
    loss = tr.stack(ys).sum()
    nodes = all_nodes(loss)
    assert_acyclic(loss)
    params = {id(p) for p in cell.parameters()}
    per_step = {}
    for node in nodes:
        step = [s.attrs["t"] for s in node.scope if "t" in s.attrs and s.name.startswith("t=")]
        if node.op is not None and step:
            per_step.setdefault(step[0], []).append(node)
    assert sorted(per_step) == [1, 2, 3, 4, 5, 6]
    ops_1 = sorted(n.op for n in per_step[1])
    assert len(ops_1) > 0
    for t, step_nodes in per_step.items():
        assert sorted(n.op for n in step_nodes) == ops_1, f"step {t} differs from step 1"
        scope = next(s for n in step_nodes for s in n.scope if s.name == f"t={t}")
        assert scope.attrs["label"] == words[t - 1]
        assert any(s.name == cell.kind for s in step_nodes[0].scope)
        # the parameters each step reads directly are the cell's own tensors, every time
        leaves = {id(i) for n in step_nodes for i in n.inputs if i.requires_grad and i.op is None}
        assert leaves == params, f"step {t} reads other parameter tensors"
    matmuls = [n for n in nodes if n.op == "matmul"]
    assert len(matmuls) == 6 * sum(1 for n in per_step[1] if n.op == "matmul")


def all_nodes(root):
    seen, stack, out = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(node.inputs)
    return out


def assert_acyclic(root):
    """Iterative depth-first search with colours: a grey node met again is a cycle."""
    colour = {}
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            colour[id(node)] = "black"
            continue
        if colour.get(id(node)) == "black":
            continue
        colour[id(node)] = "grey"
        stack.append((node, True))
        for parent in node.inputs:
            assert colour.get(id(parent)) != "grey", f"{parent} is its own ancestor"
            if id(parent) not in colour:
                stack.append((parent, False))


def test_parameters_named_for_the_lecture():
    assert [p.name for p in tr.rnn.ElmanCell(2, 3).parameters()] == ["W^x", "W^s", "b"]
    assert [p.name for p in tr.rnn.LSTMCell(2, 3).parameters()] == ["W^x", "W^h", "b"]
    assert [p.name for p in tr.rnn.GRUCell(2, 3).parameters()] == ["W^x", "W^h", "b^x", "b^h"]
    assert [n for n, _ in tr.rnn.ElmanCell(2, 3).named_parameters()] == ["W_x", "W_s", "b"]


def test_lstm_gates_are_named_ops():
    cell = make(tr.rnn.LSTMCell)
    c, h = cell.R(cell.initial_state(1), tr.Tensor(numpy.ones((1, 3))))
    names = {}
    for node in all_nodes(h):
        if node.name and node.op:
            names[node.name] = node.op
    assert names["i"] == names["f"] == names["o"] == "sigmoid"
    assert names["g"] == "tanh" and names["c"] == "add" and names["h"] == "mul"


def test_seeded_init_is_reproducible_and_pytorch_bounded():
    tr.manual_seed(11)
    a = tr.rnn.GRUCell(3, 16)
    tr.manual_seed(11)
    b = tr.rnn.GRUCell(3, 16)
    for p, q in zip(a.parameters(), b.parameters()):
        numpy.testing.assert_array_equal(p.numpy(), q.numpy())
        assert numpy.abs(p.numpy()).max() <= 1 / 4


def test_float32_cells_stay_float32():
    cell = tr.rnn.LSTMCell(3, 4, dtype="float32")
    ys, states = tr.rnn.unroll(cell, numpy.ones((3, 2, 3)))
    assert ys[-1].dtype == numpy.float32 and states[-1][0].dtype == numpy.float32


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="activation"):
        tr.rnn.ElmanCell(2, 3, activation="sigmoid")
    with pytest.raises(ValueError, match="hidden_size"):
        tr.rnn.LSTMCell(2, 0)


@pytest.mark.parametrize("cls", CELLS)
def test_torch_state_dict_layout_and_atomic_load(cls):
    cell = make(cls, I=3, H=2)
    rows = cell.gates * 2
    sd = cell.torch_state_dict()
    assert sd["weight_ih"].shape == (rows, 3) and sd["weight_hh"].shape == (rows, 2)
    numpy.testing.assert_array_equal(sd["weight_ih"], cell.W_x.numpy().T)
    before = [p.numpy() for p in cell.parameters()]
    bad_cases = [
        ({**sd, "weight_hh": numpy.zeros((rows, 3))},
         r"weight_hh.*\(%d, 3\).*\(%d, 2\)" % (rows, rows)),
        ({k: v for k, v in sd.items() if k != "bias_hh"}, "missing key 'bias_hh'"),
        ({**sd, "weight_ih_l0": sd["weight_ih"]}, "unexpected key 'weight_ih_l0'"),
        ({**sd, "bias_ih": [["a"] * rows]}, "bias_ih"),
    ]
    for bad, message in bad_cases:
        with pytest.raises(ValueError, match=message):
            cell.load_torch_state_dict(bad)
        for p, old in zip(cell.parameters(), before):
            numpy.testing.assert_array_equal(p.numpy(), old)
    with pytest.raises(TypeError, match="dict"):
        cell.load_torch_state_dict([1, 2])
    # a good dict of nested lists loads (anything numpy.asarray accepts)
    fresh = {k: (v * 2).tolist() for k, v in sd.items()}
    cell.load_torch_state_dict(fresh)
    numpy.testing.assert_allclose(cell.W_x.numpy(), 2 * before[0])


def test_single_bias_interop_convention():
    cell = make(tr.rnn.ElmanCell, I=2, H=2)
    sd = {"weight_ih": numpy.eye(2), "weight_hh": numpy.eye(2), "bias_ih": [1.0, 2.0],
          "bias_hh": [10.0, 20.0]}
    cell.load_torch_state_dict(sd)
    numpy.testing.assert_array_equal(cell.b.numpy(), [11.0, 22.0])
    out = cell.torch_state_dict()
    numpy.testing.assert_array_equal(out["bias_ih"], [11.0, 22.0])
    numpy.testing.assert_array_equal(out["bias_hh"], [0.0, 0.0])
    ys, _ = tr.rnn.unroll(cell, numpy.ones((2, 1, 2)))
    ys[-1].sum().backward()
    grads = cell.torch_state_dict(grad=True)
    numpy.testing.assert_array_equal(grads["bias_ih"], cell.b.grad)
    numpy.testing.assert_array_equal(grads["bias_hh"], cell.b.grad)
    numpy.testing.assert_array_equal(grads["weight_ih"], cell.W_x.grad.T)


def test_calling_a_cell_checks_shapes():
    cell = make(tr.rnn.ElmanCell)
    with pytest.raises(tr.ShapeError, match=r"x \(3, 3\) and state \[\(1, 4\)\]"):
        cell(cell.initial_state(1), numpy.ones((3, 3)))      # would broadcast silently
    with pytest.raises(tr.ShapeError, match=r"\[batch, 3\]"):
        cell(cell.initial_state(2), numpy.ones((2, 5)))
    state, y = cell(cell.initial_state(2), numpy.ones((2, 3)))
    assert y.shape == (2, 4)


@pytest.mark.parametrize("cls", CELLS)
def test_torch_values_that_do_not_fit_the_dtype_are_refused(cls):
    """1e6 in a float16 cell would become inf with only a RuntimeWarning; complex numbers
    would lose their imaginary part. Both are refused, naming the key, and nothing changes."""
    tr.manual_seed(0)
    cell = cls(3, 2, dtype="float16")
    before = [p.numpy().copy() for p in cell.parameters()]
    sd = cell.torch_state_dict()
    big = {**sd, "weight_hh": numpy.full_like(sd["weight_hh"], 1e6)}
    with pytest.raises(ValueError, match=r"'weight_hh'.*1e\+06.*float16"):
        cell.load_torch_state_dict(big)
    with pytest.raises(ValueError, match=r"'bias_ih'.*complex"):
        cell.load_torch_state_dict({**sd, "bias_ih": sd["bias_ih"] + 1j})
    if cell.single_bias:     # each bias fits, their sum b does not
        half = numpy.full_like(sd["bias_ih"], 40000.0)
        with pytest.raises(ValueError, match="bias_ih \\+ bias_hh"):
            cell.load_torch_state_dict({**sd, "bias_ih": half, "bias_hh": half})
    for p, old in zip(cell.parameters(), before):
        numpy.testing.assert_array_equal(p.numpy(), old)
    cell.load_torch_state_dict({**sd, "weight_hh": numpy.full_like(sd["weight_hh"], 1e4)})
    assert numpy.isfinite(cell.parameters()[1].numpy()).all()
