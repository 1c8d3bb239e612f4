"""Training mode through BiRNN, Stacked, the usage patterns and ``tr.fit``: the same losses and
gradients as teaching mode (1e-10, float64) on every test device, and the same as PyTorch's
multi-layer, bidirectional networks through the interop."""
import numpy
import pytest

import tinygrad_rnn as tr

TOL = 1e-10
WORDS = "John lives in Salt Lake City".split()


def birnn(device):
    return tr.rnn.BiRNN(tr.rnn.LSTMCell(4, 3), tr.rnn.GRUCell(4, 2)).to(device)


def stacked(device):
    return tr.rnn.Stacked([tr.rnn.ElmanCell(4, 3), tr.rnn.BiRNN(tr.rnn.LSTMCell(3, 2),
                                                                tr.rnn.LSTMCell(3, 2)),
                           tr.rnn.GRUCell(4, 3)]).to(device)


def _model(kind, device):
    tr.manual_seed(11)
    if kind == "acceptor":
        return tr.rnn.Acceptor(tr.rnn.Stacked([tr.rnn.GRUCell(4, 3), tr.rnn.LSTMCell(3, 3)]), 3,
                               vocab_size=9).to(device)
    if kind == "transducer":
        return tr.rnn.Transducer(birnn("cpu"), 4, vocab_size=9).to(device)
    if kind == "transducer-vectors":
        return tr.rnn.Transducer(tr.rnn.ElmanCell(4, 3), 4).to(device)
    return tr.rnn.EncoderDecoder(tr.rnn.BiRNN(tr.rnn.LSTMCell(4, 2), tr.rnn.LSTMCell(4, 2)),
                                 tr.rnn.LSTMCell(4, 4), 9, 7).to(device)


def _loss(model, kind, rng, lengths, fused):
    ids = rng.integers(0, 9, (6, 3))
    if kind == "acceptor":
        return model.loss(ids, [0, 2, 1], lengths=lengths, labels=WORDS, fused=fused)
    if kind == "transducer":
        return model.loss(ids, rng.integers(0, 4, (6, 3)), lengths=lengths, labels=WORDS,
                          fused=fused)
    if kind == "transducer-vectors":
        return model.loss(rng.standard_normal((6, 3, 4)), rng.integers(0, 4, (6, 3)),
                          lengths=lengths, fused=fused)
    return model.loss(ids, rng.integers(0, 7, (5, 3)), src_lengths=lengths,
                      tgt_lengths=None if lengths is None else [5, 3, 4], src_labels=WORDS,
                      fused=fused)


def grads_of(module):
    return {name: tr.Tensor(p.grad).numpy() for name, p in module.named_parameters()}


def assert_close(a, b, what):
    assert a.keys() == b.keys()
    for key in a:
        err = numpy.abs(a[key] - b[key]).max()
        assert err < TOL, f"{what} {key}: differ by {err:.3g}"


@pytest.mark.parametrize("kind", ["acceptor", "transducer", "transducer-vectors", "encdec"])
@pytest.mark.parametrize("lengths", [None, [6, 2, 4]])
def test_patterns_fused_equal_teaching(kind, lengths, device):
    model = _model(kind, device)
    out = []
    for fused in (False, True):
        model.zero_grad()
        loss = _loss(model, kind, numpy.random.default_rng(2), lengths, fused)
        loss.backward()
        ops = {t.op for t in tr.topological_order(loss)}
        assert bool(ops & {"elman_step", "lstm_step", "gru_step"}) == fused
        out.append((loss.item(), grads_of(model)))
    assert abs(out[0][0] - out[1][0]) < TOL
    assert_close(out[0][1], out[1][1], kind)


@pytest.mark.parametrize("make", [birnn, stacked])
@pytest.mark.parametrize("lengths", [None, [6, 3]])
def test_birnn_and_stacked_fused_equal_teaching(make, lengths, device):
    tr.manual_seed(4)
    net = make(device)
    X = numpy.random.default_rng(7).standard_normal((6, 2, 4))
    out = []
    for fused in (False, True):
        net.zero_grad()
        x = tr.Tensor(X, requires_grad=True, device=device)
        ys, states = net(x, labels=WORDS, lengths=lengths, fused=fused)
        loss = (tr.stack(ys) * tr.stack(ys)).sum()
        loss.backward()
        out.append((tr.stack(ys).numpy(), x.grad, grads_of(net)))
    assert numpy.abs(out[0][0] - out[1][0]).max() < TOL
    assert numpy.abs(tr.Tensor(out[0][1]).numpy() - tr.Tensor(out[1][1]).numpy()).max() < TOL
    assert_close(out[0][2], out[1][2], make.__name__)


def test_fused_stacked_birnn_gradchecks(device):
    tr.manual_seed(2)
    net = tr.rnn.Stacked([tr.rnn.BiRNN(tr.rnn.LSTMCell(2, 2), tr.rnn.GRUCell(2, 1)),
                          tr.rnn.ElmanCell(3, 2)]).to(device)
    x = tr.Tensor(numpy.random.default_rng(1).standard_normal((3, 2, 2)), requires_grad=True,
                  device=device)
    assert tr.gradcheck(lambda x, *p: tr.stack(net(x, lengths=[3, 2], fused=True)[0]),
                        [x] + net.parameters())


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_fused_networks_equal_pytorch(kind):
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    ref = getattr(torch.nn, kind)(4, 3, num_layers=2, bidirectional=True, dtype=torch.float64)
    cls = {"RNN": tr.rnn.ElmanCell, "LSTM": tr.rnn.LSTMCell, "GRU": tr.rnn.GRUCell}[kind]
    net = tr.rnn.Stacked([tr.rnn.BiRNN(cls(4, 3), cls(4, 3)), tr.rnn.BiRNN(cls(6, 3), cls(6, 3))])
    net.load_torch_state_dict(ref.state_dict())
    X = numpy.random.default_rng(8).standard_normal((5, 2, 4))
    W = numpy.random.default_rng(9).standard_normal((5, 2, 6))
    tx = torch.tensor(X, requires_grad=True)
    out, _ = ref(tx)
    (out * torch.tensor(W)).sum().backward()
    x = tr.Tensor(X, requires_grad=True)
    ys, _ = net(x, fused=True)
    (tr.stack(ys) * W).sum().backward()
    assert numpy.abs(tr.stack(ys).numpy() - out.detach().numpy()).max() < TOL
    assert numpy.abs(x.grad - tx.grad.numpy()).max() < TOL
    grads = net.torch_state_dict(grad=True)
    for key, p in ref.named_parameters():
        assert numpy.abs(grads[key] - p.grad.numpy()).max() < TOL, key


def test_fit_trains_the_same_in_both_modes_and_keeps_only_leaf_gradients():
    rng = numpy.random.default_rng(0)
    batches = [(rng.integers(0, 9, (5, 2)), rng.integers(0, 4, (5, 2))) for _ in range(3)]
    histories, models = [], []
    for fused in (False, True):
        tr.manual_seed(3)
        model = tr.rnn.Transducer(tr.rnn.LSTMCell(4, 3), 4, vocab_size=9)
        seen = []
        loss_fn = model.loss

        def spy(*batch, _loss_fn=loss_fn, _seen=seen):
            loss = _loss_fn(*batch)
            _seen.append(loss)
            return loss
        histories.append(tr.fit(model, batches, loss_fn=spy, epochs=2, progress=False,
                                fused=fused))
        ops = {t.op for t in tr.topological_order(seen[-1])}
        assert ("lstm_step" in ops) == fused
        inner = [t for t in tr.topological_order(seen[-1]) if t.function is not None]
        assert all(t.grad is None for t in inner)   # retain_grads=False: leaves only
        models.append(model)
    assert numpy.allclose(histories[0].losses, histories[1].losses, atol=TOL, rtol=0)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        assert numpy.abs(a.numpy() - b.numpy()).max() < 1e-9


def test_fit_keeps_every_gradient_when_asked_and_checks_its_flags():
    tr.manual_seed(3)
    model = tr.rnn.Acceptor(tr.rnn.ElmanCell(3, 2), 2, vocab_size=5)
    seen = []

    def loss_fn(ids, targets):
        seen.append(model.loss(ids, targets))
        return seen[-1]
    tr.fit(model, [(numpy.ones((3, 1), int), [1])], loss_fn=loss_fn, progress=False,
           optimizer=tr.optim.SGD(model.parameters(), lr=1e-9), retain_grads=True, fused=True)
    assert seen[-1].grad is not None
    for flag in ("fused", "retain_grads"):
        with pytest.raises(TypeError, match=flag):
            tr.fit(model, [(numpy.ones((3, 1), int), [1])], progress=False, **{flag: "yes"})


def test_truncated_bptt_in_training_mode():
    rng = numpy.random.default_rng(1)
    X = rng.standard_normal((12, 1, 3))
    results = []
    for fused in (False, True):
        tr.manual_seed(1)
        cell = tr.rnn.LSTMCell(3, 2)

        def step(start, stop, state, cell=cell):
            ys, states = tr.rnn.unroll(cell, X[start:stop], state=state)
            return tr.stack(ys).sum(), states[-1]
        losses, _ = tr.train.truncated_bptt(step, 12, 5, tr.optim.SGD(cell.parameters(), 0.1),
                                            fused=fused)
        results.append(losses)
    assert numpy.allclose(results[0], results[1], atol=TOL, rtol=0)
