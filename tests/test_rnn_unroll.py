"""unroll, BiRNN and Stacked without PyTorch: scopes, padded batches against unpadded
sequences run one by one, and bad input named in the error."""
import numpy
import pytest

import tinygrad_rnn as tr

WORDS = "John lives in Salt Lake City".split()


def make(cls=tr.rnn.ElmanCell, I=3, H=4, seed=5):
    tr.manual_seed(seed)
    return cls(I, H)


def scope_names(tensor):
    return [s.name for s in tensor.scope]


def test_shapes_and_scopes():
    cell = make()
    xs = [numpy.ones((2, 3)) * k for k in range(6)]
    ys, states = tr.rnn.unroll(cell, xs, labels=WORDS)
    assert len(ys) == 6 and len(states) == 7
    assert all(y.shape == (2, 4) for y in ys) and states[0].shape == (2, 4)
    assert scope_names(states[0]) == ["elman", "t=0"]
    assert not states[0].numpy().any()
    assert states[0].scope[-1].attrs == {"t": 0, "label": None, "position": 0}
    for t, s in enumerate(states[1:], start=1):
        assert scope_names(s) == ["elman", f"t={t}"]
        assert s.scope[-1].attrs == {"t": t, "label": WORDS[t - 1], "position": t}
        assert s.scope[0].attrs == {"kind": "elman"}
        assert s.inputs[0].op == "add"
    x_leaf = ys[0].inputs[0].inputs[0].inputs[0]  # tanh <- add <- add <- matmul(x, W^x)
    assert x_leaf.inputs[0].name == "x" and scope_names(x_leaf.inputs[0]) == ["elman", "t=1"]


def test_input_forms_agree():
    cell = make(tr.rnn.GRUCell)
    X = numpy.random.default_rng(2).standard_normal((4, 2, 3))
    reference = tr.stack(tr.rnn.unroll(cell, X)[0]).numpy()
    for xs in (list(X), [tr.Tensor(x) for x in X], tr.Tensor(X), tr.Tensor(X, requires_grad=True),
               X.tolist()):
        numpy.testing.assert_array_equal(tr.stack(tr.rnn.unroll(cell, xs)[0]).numpy(), reference)


def test_given_initial_state_is_used():
    cell = make(tr.rnn.LSTMCell)
    s0 = (numpy.full((1, 4), 0.5), numpy.full((1, 4), -0.5))
    _, states = tr.rnn.unroll(cell, [numpy.ones((1, 3))], state=s0)
    numpy.testing.assert_array_equal(states[0][0].numpy(), s0[0])
    c, h = cell.R(tuple(tr.Tensor(s) for s in s0), tr.Tensor(numpy.ones((1, 3))))
    numpy.testing.assert_allclose(states[1][1].numpy(), h.numpy())


@pytest.mark.parametrize("cls", [tr.rnn.ElmanCell, tr.rnn.LSTMCell, tr.rnn.GRUCell])
def test_padded_batch_equals_sequences_one_by_one(cls):
    cell = make(cls)
    rng = numpy.random.default_rng(3)
    lengths = [5, 2, 4]
    X = rng.standard_normal((5, 3, 3))
    ys, states = tr.rnn.unroll(cell, tr.Tensor(X), lengths=lengths)
    (tr.stack(ys) * 1.5).sum().backward()
    batched = [p.grad.copy() for p in cell.parameters()]
    cell.zero_grad()
    for b, L in enumerate(lengths):
        one_ys, one_states = tr.rnn.unroll(cell, X[:L, b:b + 1])
        (tr.stack(one_ys) * 1.5).sum().backward()
        for t in range(5):
            expected = one_ys[t].numpy()[0] if t < L else numpy.zeros(4)
            numpy.testing.assert_allclose(ys[t].numpy()[b], expected, atol=1e-12)
        last, one_last = states[-1], one_states[-1]
        for part, one in zip(last if isinstance(last, tuple) else (last,),
                             one_last if isinstance(one_last, tuple) else (one_last,)):
            numpy.testing.assert_allclose(part.numpy()[b], one.numpy()[0], atol=1e-12)
    for p, g in zip(cell.parameters(), batched):
        numpy.testing.assert_allclose(p.grad, g, atol=1e-10)


def test_full_lengths_add_no_mask_ops():
    cell = make()
    ys, _ = tr.rnn.unroll(cell, numpy.ones((3, 2, 3)), lengths=[3, 3])
    assert ys[-1].op == "tanh"
    ys, _ = tr.rnn.unroll(cell, numpy.ones((3, 2, 3)), lengths=[3, 1])
    assert ys[0].op == "tanh" and ys[1].op == "mul" and ys[1].name == "y"


@pytest.mark.parametrize("xs,kwargs,error,message", [
    ([numpy.ones((2, 5))], {}, tr.ShapeError, r"x_1 has shape \(2, 5\).*input_size 3"),
    ([numpy.ones((2, 3)), numpy.ones((4, 3))], {}, tr.ShapeError,
     "x_2 has batch size 4 but x_1 has 2"),
    ([numpy.ones((2, 3))], {"state": numpy.zeros((3, 4))}, tr.ShapeError,
     r"initial state has shape \(3, 4\) but x has batch size 2"),
    ([numpy.ones((2, 3))], {"state": numpy.zeros((2, 7))}, tr.ShapeError, r"expected \(2, 4\)"),
    ([numpy.ones((2, 3))] * 3, {"lengths": [4, 1]}, ValueError, r"lengths\[0\] = 4.*1\.\.3"),
    ([numpy.ones((2, 3))] * 3, {"lengths": [0, 1]}, ValueError, r"lengths\[0\] = 0"),
    ([numpy.ones((2, 3))] * 3, {"lengths": [3]}, ValueError, "1 lengths for a batch of 2"),
    ([numpy.ones((2, 3))] * 3, {"lengths": [1.5, 2]}, ValueError, "ints"),
    ([], {}, ValueError, "empty sequence"),
    (numpy.ones((0, 2, 3)), {}, ValueError, "empty sequence"),
    (numpy.ones((2, 3)), {}, tr.ShapeError, r"\[T, batch, input\].*\(2, 3\)"),
    ([numpy.ones(3)], {}, tr.ShapeError, r"x_1 has shape \(3,\)"),
    ([numpy.ones((2, 3))] * 2, {"labels": ["a"]}, ValueError, "1 labels for a sequence of 2 steps"),
])
def test_bad_input_is_named(xs, kwargs, error, message):
    with pytest.raises(error, match=message):
        tr.rnn.unroll(make(), xs, **kwargs)


def test_a_state_may_be_any_array_like_of_shape_batch_hidden():
    cell = make(H=3)
    X = numpy.random.default_rng(0).standard_normal((2, 2, 3))
    zeros = tr.stack(tr.rnn.unroll(cell, X[:, :1])[0]).numpy()
    nested = tr.stack(tr.rnn.unroll(cell, X[:, :1], state=[[0., 0., 0.]])[0]).numpy()
    numpy.testing.assert_array_equal(nested, zeros)
    both = tr.rnn.unroll(cell, X, state=[[0., 0., 0.], [1., 1., 1.]])[1]
    numpy.testing.assert_array_equal(both[0].numpy(), [[0, 0, 0], [1, 1, 1]])
    lstm = make(tr.rnn.LSTMCell, H=3)
    c_h = numpy.zeros((2, 1, 3))                         # [parts, batch, hidden]
    numpy.testing.assert_array_equal(
        tr.stack(tr.rnn.unroll(lstm, X[:, :1], state=c_h)[0]).numpy(),
        tr.stack(tr.rnn.unroll(lstm, X[:, :1])[0]).numpy())
    with pytest.raises(ValueError, match=r"must be one tensor or array .*\[1, 3\]; got 2 parts"):
        tr.rnn.unroll(cell, X[:, :1], state=(numpy.zeros((1, 3)), numpy.zeros((1, 3))))
    with pytest.raises(ValueError, match="initial state must hold numbers"):
        tr.rnn.unroll(cell, X[:, :1], state=[["a", "b", "c"]])


def test_stacked_state_must_be_a_list_per_layer():
    deep = tr.rnn.Stacked([make(H=3)])
    X = numpy.ones((2, 2, 3))
    with pytest.raises(ValueError, match=r"state must be a list of 1 per-layer initial states.*"
                                         r"got a Tensor"):
        deep(X, state=tr.Tensor(numpy.zeros((2, 3))))
    with pytest.raises(ValueError, match="got 2 entries"):
        deep(X, state=[None, None])
    ys, _ = deep(X, state=[numpy.zeros((2, 3))])
    assert len(ys) == 2


def test_birnn_takes_the_runner_arguments_in_unroll_order():
    """(xs, state, labels, lengths) for unroll, BiRNN and Stacked alike."""
    tr.manual_seed(1)
    bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 2), tr.rnn.ElmanCell(3, 2))
    X = numpy.random.default_rng(2).standard_normal((3, 2, 3))
    s0 = (numpy.full((2, 2), 0.5), numpy.full((2, 2), -0.5))
    by_position = bi(X, s0, list("abc"), [3, 2])
    by_keyword = bi(X, labels=list("abc"), lengths=[3, 2], state=s0)
    numpy.testing.assert_array_equal(tr.stack(by_position[0]).numpy(),
                                     tr.stack(by_keyword[0]).numpy())
    assert by_position[1][0][1].scope[-1].attrs["label"] == "a"
    for runner in (bi.forward_cell, bi, tr.rnn.Stacked([bi])):
        ys, states = runner.run(X, None, list("abc"), [3, 2])
        assert len(ys) == 3


def test_lstm_state_must_be_a_pair():
    with pytest.raises(ValueError, match=r"tuple of 2 tensors .*\(c, h\).*got 1 part$"):
        tr.rnn.unroll(make(tr.rnn.LSTMCell), [numpy.ones((1, 3))], state=numpy.zeros((1, 4)))


# ---- BiRNN and Stacked ------------------------------------------------------------------
def test_birnn_padded_reverses_within_each_length():
    tr.manual_seed(1)
    bi = tr.rnn.BiRNN(tr.rnn.LSTMCell(3, 2), tr.rnn.GRUCell(3, 4))
    assert bi.output_size == 6
    X = numpy.random.default_rng(4).standard_normal((5, 2, 3))
    lengths = [5, 3]
    ys, (fwd, bwd) = bi(X, lengths=lengths)
    assert len(ys) == 5 and len(fwd) == len(bwd) == 6
    for b, L in enumerate(lengths):
        seq = X[:L, b:b + 1]
        ys_f, _ = tr.rnn.unroll(bi.forward_cell, seq)
        ys_b, states_b = tr.rnn.unroll(bi.backward_cell, seq[::-1])
        for t in range(5):
            if t < L:
                expected = numpy.concatenate([ys_f[t].numpy()[0], ys_b[L - 1 - t].numpy()[0]])
            else:
                expected = numpy.zeros(6)
            numpy.testing.assert_allclose(ys[t].numpy()[b], expected, atol=1e-12)
        numpy.testing.assert_allclose(bwd[-1].numpy()[b], states_b[-1].numpy()[0], atol=1e-12)


def test_birnn_scopes_and_labels():
    tr.manual_seed(1)
    bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 2), tr.rnn.ElmanCell(3, 2))
    xs = [tr.Tensor(numpy.ones((1, 3))) for _ in WORDS]
    ys, (fwd, bwd) = bi(xs, labels=WORDS)
    assert scope_names(fwd[2]) == ["birnn", "forward", "elman", "t=2"]
    assert scope_names(bwd[2]) == ["birnn", "backward", "elman", "t=2"]
    assert bwd[2].scope[1].attrs == {"direction": "backward"}
    assert bwd[2].scope[-1].attrs == {"t": 2, "label": "Lake", "position": 5}
    assert scope_names(ys[0]) == ["birnn", "concat"] and ys[0].scope[-1].attrs["label"] == "John"
    assert ys[0].inputs == (fwd[1], bwd[6])  # y_1 = [y_1^f ; y_1^b], y_1^b read the whole sentence


def test_stacked_is_layers_composed():
    tr.manual_seed(2)
    deep = tr.rnn.Stacked([tr.rnn.ElmanCell(3, 4), tr.rnn.LSTMCell(4, 2)])
    X = numpy.random.default_rng(5).standard_normal((4, 2, 3))
    ys, states = deep(X, labels=list("abcd"))
    lower, _ = tr.rnn.unroll(deep.layers[0], X)
    upper, _ = tr.rnn.unroll(deep.layers[1], lower)
    for y, u in zip(ys, upper):
        numpy.testing.assert_allclose(y.numpy(), u.numpy(), atol=1e-12)
    assert len(states) == 2 and len(states[1]) == 5
    assert scope_names(ys[0]) == ["stacked", "layer=2", "lstm", "t=1"]
    assert ys[0].scope[1].attrs == {"layer": 2}
    assert len(deep.parameters()) == 6


def test_stacked_and_birnn_bad_input():
    with pytest.raises(tr.ShapeError,
                       match="layer 2 has input_size 5 but layer 1's outputs have width 4"):
        tr.rnn.Stacked([tr.rnn.ElmanCell(3, 4), tr.rnn.ElmanCell(5, 4)])
    with pytest.raises(TypeError, match="layer 1"):
        tr.rnn.Stacked(["elman"])
    with pytest.raises(tr.ShapeError, match="input sizes differ"):
        tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 4), tr.rnn.ElmanCell(2, 4))
    bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 4), tr.rnn.ElmanCell(3, 4))
    with pytest.raises(ValueError, match=r"lengths\[1\] = 9"):
        bi(numpy.ones((2, 2, 3)), lengths=[2, 9])
    with pytest.raises(tr.ShapeError, match="input_size 3"):
        bi(numpy.ones((2, 2, 4)))


def test_gradcheck_birnn_padded_and_stacked():
    tr.manual_seed(3)
    bi = tr.rnn.BiRNN(tr.rnn.GRUCell(2, 2), tr.rnn.ElmanCell(2, 3))
    deep = tr.rnn.Stacked([bi, tr.rnn.LSTMCell(5, 2)])
    X = tr.Tensor(numpy.random.default_rng(6).standard_normal((3, 2, 2)), requires_grad=True)

    def run(X, *params):
        ys, states = deep(X, lengths=[3, 2])
        return tr.concat([tr.stack(ys).reshape(-1), states[0][1][-1].reshape(-1)])

    assert tr.gradcheck(run, [X, *deep.parameters()])


def test_birnn_labels_may_be_any_iterable_and_state_is_a_pair():
    bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 2), tr.rnn.ElmanCell(3, 2))
    ys, (fwd, bwd) = bi(numpy.ones((3, 1, 3)), labels=iter("abc"))
    assert bwd[1].scope[-1].attrs["label"] == "c" and fwd[1].scope[-1].attrs["label"] == "a"
    with pytest.raises(ValueError, match="pair"):
        bi(numpy.ones((3, 1, 3)), state=numpy.zeros((1, 2)))
    with pytest.raises(ValueError, match="4 labels for a sequence of 3 steps"):
        bi(numpy.ones((3, 1, 3)), labels="abcd")


def test_unroll_leaves_the_cycle_collector_as_it_found_it():
    import gc
    cell = make()
    assert gc.isenabled()
    tr.rnn.unroll(cell, numpy.ones((2, 1, 3)))
    assert gc.isenabled()

    class Broken(tr.rnn.ElmanCell):
        def R(self, state, x):
            raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        tr.rnn.unroll(Broken(3, 4), numpy.ones((2, 1, 3)))
    assert gc.isenabled()
    gc.disable()
    try:
        tr.rnn.unroll(cell, numpy.ones((2, 1, 3)))
        assert not gc.isenabled()
    finally:
        gc.enable()
