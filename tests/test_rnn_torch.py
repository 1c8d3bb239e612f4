"""Cells, BiRNN and Stacked against PyTorch (float64, 1e-10): outputs and every gradient."""
import numpy
import pytest

import tinygrad_rnn as tr

torch = pytest.importorskip("torch")

TOL = 1e-10
KINDS = {"elman": (tr.rnn.ElmanCell, "RNNCell", "RNN"),
         "lstm": (tr.rnn.LSTMCell, "LSTMCell", "LSTM"),
         "gru": (tr.rnn.GRUCell, "GRUCell", "GRU")}


def torch_cell(kind, input_size, hidden_size, activation="tanh"):
    torch.manual_seed(7)
    cls = getattr(torch.nn, KINDS[kind][1])
    extra = {"nonlinearity": activation} if kind == "elman" else {}
    return cls(input_size, hidden_size, dtype=torch.float64, **extra)


def close(ours, theirs, what):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else numpy.asarray(theirs)
    ours = ours.numpy() if isinstance(ours, tr.Tensor) else numpy.asarray(ours)
    assert ours.shape == theirs.shape, what
    err = numpy.abs(ours - theirs).max() if ours.size else 0.0
    assert err < TOL, f"{what}: max difference {err:.3g}"


@pytest.mark.parametrize("kind,activation", [("elman", "tanh"), ("elman", "relu"), ("lstm", None),
                                             ("gru", None)])
@pytest.mark.parametrize("batch,steps", [(1, 5), (3, 4), (4, 7)])
@pytest.mark.parametrize("given_state", [False, True])
def test_cell_matches_torch(kind, activation, batch, steps, given_state):
    I, H = 4, 5
    rng = numpy.random.default_rng(batch * 10 + steps)
    ref = torch_cell(kind, I, H, activation or "tanh")
    extra = {"activation": activation} if kind == "elman" else {}
    cell = KINDS[kind][0](I, H, **extra)
    cell.load_torch_state_dict(ref.state_dict())
    xs_np = rng.standard_normal((steps, batch, I))
    weights = rng.standard_normal((steps, batch, H))  # a loss that weighs every output differently
    parts = 2 if kind == "lstm" else 1
    s0 = [rng.standard_normal((batch, H)) if given_state else numpy.zeros((batch, H))
          for _ in range(parts)]

    # PyTorch, one cell call per step
    txs = [torch.tensor(x, requires_grad=True) for x in xs_np]
    ts0 = [torch.tensor(s, requires_grad=True) for s in s0]
    state = (ts0[1], ts0[0]) if kind == "lstm" else ts0[0]  # PyTorch orders (h, c)
    touts = []
    for x in txs:
        state = ref(x, state)
        touts.append(state[0] if kind == "lstm" else state)
    tloss = sum((y * torch.tensor(w)).sum() for y, w in zip(touts, weights))
    tloss.backward()

    # ours
    xs = [tr.Tensor(x, requires_grad=True) for x in xs_np]
    s0_ours = [tr.Tensor(s, requires_grad=True) for s in s0]
    ys, states = tr.rnn.unroll(cell, xs, state=tuple(s0_ours) if kind == "lstm" else s0_ours[0])
    assert len(ys) == steps and len(states) == steps + 1
    loss = sum((y * w).sum() for y, w in zip(ys, weights))
    loss.backward()

    for t, (y, ty) in enumerate(zip(ys, touts)):
        close(y, ty, f"y_{t + 1}")
    if kind == "lstm":  # the final state's parts: (c, h) ours, (h, c) PyTorch's
        close(states[-1][0], state[1], "c_T")
        close(states[-1][1], state[0], "h_T")
    for t, (x, tx) in enumerate(zip(xs, txs)):
        close(x.grad, tx.grad, f"dL/dx_{t + 1}")
    if given_state:
        for k, (s, ts) in enumerate(zip(s0_ours, ts0)):
            close(s.grad, ts.grad, f"dL/ds_0 part {k}")
    grads = cell.torch_state_dict(grad=True)
    for key, p in ref.named_parameters():
        close(grads[key], p.grad, f"dL/d{key}")


def test_torch_state_dict_round_trip():
    for kind in KINDS:
        ref = torch_cell(kind, 3, 2)
        cell = KINDS[kind][0](3, 2)
        cell.load_torch_state_dict(ref.state_dict())
        exported = cell.torch_state_dict()
        fresh = torch_cell(kind, 3, 2)
        with torch.no_grad():
            for key, p in fresh.named_parameters():
                p.zero_()
        fresh.load_state_dict({k: torch.tensor(v) for k, v in exported.items()})
        x = torch.randn(2, 3, dtype=torch.float64)
        a, b = ref(x), fresh(x)
        for u, v in zip(a if kind == "lstm" else (a,), b if kind == "lstm" else (b,)):
            assert torch.allclose(u, v, atol=1e-12, rtol=0)


def test_load_accepts_tensors_that_require_grad():
    ref = torch_cell("gru", 3, 2)
    cell = tr.rnn.GRUCell(3, 2)
    cell.load_torch_state_dict(dict(ref.named_parameters()))
    close(cell.W_x, ref.weight_ih.T, "W^x")


def build(kind, I, H, layers, bidirectional):
    """Ours and PyTorch's multi-layer / bidirectional network with the same weights."""
    torch.manual_seed(3)
    ref = getattr(torch.nn, KINDS[kind][2])(I, H, num_layers=layers, bidirectional=bidirectional,
                                            dtype=torch.float64)
    cls = KINDS[kind][0]
    width = I
    stack = []
    for _ in range(layers):
        if bidirectional:
            stack.append(tr.rnn.BiRNN(cls(width, H), cls(width, H)))
        else:
            stack.append(cls(width, H))
        width = stack[-1].output_size
    net = stack[0] if (layers == 1 and bidirectional) else tr.rnn.Stacked(stack)
    net.load_torch_state_dict(ref.state_dict())
    return net, ref


def final_hidden(kind, layer_states):
    """h_T of every direction of every layer, in PyTorch's h_n order."""
    out = []
    for states in layer_states:
        for direction in (states if isinstance(states, tuple) else (states,)):
            last = direction[-1]
            out.append(last[1] if kind == "lstm" else last)
    return out


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layers,bidirectional", [(1, True), (2, False), (2, True)])
@pytest.mark.parametrize("lengths", [None, [6, 2, 4]])
def test_birnn_and_stacked_match_torch(kind, layers, bidirectional, lengths):
    I, H, T, B = 3, 4, 6, 3
    rng = numpy.random.default_rng(layers + 2 * bidirectional)
    net, ref = build(kind, I, H, layers, bidirectional)
    X_np = rng.standard_normal((T, B, I))
    directions = 2 if bidirectional else 1
    w_out = rng.standard_normal((T, B, directions * H))
    w_last = rng.standard_normal((layers * directions, B, H))

    tX = torch.tensor(X_np, requires_grad=True)
    if lengths is None:
        tY, t_last = ref(tX)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(tX, torch.tensor(lengths),
                                                         enforce_sorted=False)
        tY, t_last = ref(packed)
        tY, _ = torch.nn.utils.rnn.pad_packed_sequence(tY, total_length=T)
    t_h = t_last[0] if kind == "lstm" else t_last
    ((tY * torch.tensor(w_out)).sum() + (t_h * torch.tensor(w_last)).sum()).backward()

    X = tr.Tensor(X_np, requires_grad=True)
    ys, states = net(X, lengths=lengths)
    layer_states = [states] if isinstance(net, tr.rnn.BiRNN) else states
    h_last = final_hidden(kind, layer_states)
    Y = tr.stack(ys)
    loss = (Y * w_out).sum() + sum((h * w_last[k]).sum() for k, h in enumerate(h_last))
    loss.backward()

    close(Y, tY, "outputs")
    for k, h in enumerate(h_last):
        close(h, t_h[k], f"h_n[{k}]")
    close(X.grad, tX.grad, "dL/dX")
    grads = net.torch_state_dict(grad=True)
    assert sorted(grads) == sorted(k for k, _ in ref.named_parameters())
    for key, p in ref.named_parameters():
        close(grads[key], p.grad, f"dL/d{key}")


def test_torch_multilayer_round_trip_and_bad_dict():
    net, ref = build("lstm", 3, 2, 2, True)
    exported = net.torch_state_dict()
    theirs = {k: v.numpy() for k, v in ref.state_dict().items()}
    for key, value in theirs.items():
        if key.startswith("weight"):
            numpy.testing.assert_allclose(exported[key], value, atol=1e-12)
        elif key.startswith("bias_ih"):  # one bias b = bias_ih + bias_hh, exported as bias_ih
            other = theirs[key.replace("bias_ih", "bias_hh")]
            numpy.testing.assert_allclose(exported[key], value + other, atol=1e-12)
        else:
            assert not exported[key].any()
    before = net.torch_state_dict()
    bad = dict(ref.state_dict())
    bad["weight_hh_l1_reverse"] = torch.zeros(3, 3)
    del bad["bias_ih_l0"]
    with pytest.raises(ValueError, match="weight_hh_l1_reverse.*|.*bias_ih_l0"):
        net.load_torch_state_dict(bad)
    after = net.torch_state_dict()
    assert all(numpy.array_equal(before[k], after[k]) for k in before)
