"""tr.fit, detach_state and truncated_bptt: steps, clipping, Ctrl-C, and cutting the graph."""
import os
import signal

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import data
from tinygrad_rnn.train import History, detach_state, truncated_bptt


class Regression(tr.nn.Module):
    """y = x W + b with a mean-squared-error loss."""

    def __init__(self):
        self.linear = tr.nn.Linear(3, 1)

    def loss(self, x, y):
        return tr.mse(self.linear(tr.Tensor(x)), y)


def make_batches(n=4, seed=0):
    rng = numpy.random.default_rng(seed)
    w = numpy.array([[1.0], [-2.0], [0.5]])
    out = []
    for _ in range(n):
        x = rng.standard_normal((8, 3))
        out.append((x, x @ w + 0.3))
    return out


def manual_training(steps, batches, lr=0.05):
    """The reference: plain backward/step on a fresh, identically seeded model."""
    tr.manual_seed(0)
    model = Regression()
    opt = tr.optim.SGD(model.parameters(), lr=lr)
    for k in range(steps):
        opt.zero_grad()
        model.loss(*batches[k % len(batches)]).backward()
        opt.step()
    return model


# ---- detach_state --------------------------------------------------------------------------
def test_detach_state_structures():
    a = tr.Tensor(numpy.ones((2, 3)), requires_grad=True)
    s = a * 2
    c, h = a * 3, a * 4
    assert detach_state(None) is None
    d = detach_state(s)
    assert d.op is None and not d.requires_grad and numpy.array_equal(d.data, s.data)
    pair = detach_state((c, h))
    assert isinstance(pair, tuple) and all(p.op is None and not p.requires_grad for p in pair)
    layers = detach_state([s, (c, h)])
    assert isinstance(layers, list) and isinstance(layers[1], tuple) and layers[1][1].op is None
    with pytest.raises(TypeError, match="detach_state"):
        detach_state(numpy.ones(3))


# ---- fit -----------------------------------------------------------------------------------
def test_fit_runs_every_step_and_matches_manual_training():
    batches = make_batches()
    tr.manual_seed(0)
    model = Regression()
    history = tr.fit(model, batches, optimizer=tr.optim.SGD(model.parameters(), lr=0.05),
                     epochs=3, progress=False)
    assert isinstance(history, History) and history.steps == 12 and not history.interrupted
    assert len(history.epoch_losses) == 3 and history.epoch_losses[-1] < history.epoch_losses[0]
    reference = manual_training(12, batches)
    numpy.testing.assert_allclose(model.linear.W.data, reference.linear.W.data, rtol=1e-12)


def test_fit_batches_as_function_and_dicts():
    seen = []

    def per_epoch(epoch):
        seen.append(epoch)
        return [{"x": x, "y": y} for x, y in make_batches(2, seed=epoch)]

    model = Regression()
    history = tr.fit(model, per_epoch, epochs=2, progress=False)
    assert seen == [0, 1] and history.steps == 4


def test_fit_clips_the_gradient_norm():
    tr.manual_seed(0)
    model = Regression()
    before = [p.data.copy() for p in model.parameters()]
    batches = [(x, y * 100) for x, y in make_batches(1)]  # a large gradient
    history = tr.fit(model, batches, optimizer=tr.optim.SGD(model.parameters(), lr=1.0),
                     clip=0.1, progress=False)
    assert history.grad_norms[0] > 1.0
    change = numpy.sqrt(sum(((p.data - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert change == pytest.approx(0.1, rel=1e-6)  # lr * clipped norm


def test_ctrl_c_in_the_batch_iterator_keeps_the_parameters():
    batches = make_batches()

    def interrupted_after_three():
        yield from batches[:3]
        raise KeyboardInterrupt

    tr.manual_seed(0)
    model = Regression()
    history = tr.fit(model, lambda epoch: interrupted_after_three(),
                     optimizer=tr.optim.SGD(model.parameters(), lr=0.05), epochs=5, progress=False)
    assert history.interrupted and history.steps == 3
    reference = manual_training(3, batches)
    numpy.testing.assert_allclose(model.linear.W.data, reference.linear.W.data, rtol=1e-12)
    assert all(p.grad is None for p in model.parameters())


def test_ctrl_c_in_a_callback_stops_after_that_step():
    batches = make_batches()

    def callback(step, loss):
        if step == 6:
            raise KeyboardInterrupt

    tr.manual_seed(0)
    model = Regression()
    history = tr.fit(model, batches, optimizer=tr.optim.SGD(model.parameters(), lr=0.05),
                     epochs=4, progress=False, callback=callback)
    assert history.interrupted and history.steps == 6 and len(history.epoch_losses) == 1
    reference = manual_training(6, batches)
    numpy.testing.assert_allclose(model.linear.b.data, reference.linear.b.data, rtol=1e-12)


def test_ctrl_c_during_an_optimizer_step_lets_the_step_finish():
    batches = make_batches()

    class InterruptedSGD(tr.optim.SGD):
        def step(self):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the update
            super().step()

    tr.manual_seed(0)
    model = Regression()
    handler = signal.getsignal(signal.SIGINT)
    history = tr.fit(model, batches, optimizer=InterruptedSGD(model.parameters(), lr=0.05),
                     epochs=2, progress=False)
    assert history.interrupted and history.steps == 1
    reference = manual_training(1, batches)
    numpy.testing.assert_allclose(model.linear.W.data, reference.linear.W.data, rtol=1e-12)
    assert signal.getsignal(signal.SIGINT) is handler  # restored


def test_progress_bar_shows_the_latest_loss_and_a_labelled_mean(capsys):
    history = tr.fit(Regression(), make_batches(3), epochs=2, progress=True)
    last_line = capsys.readouterr().err.strip().split("\r")[-1]
    assert "epoch 2/2" in last_line
    assert f"loss={history.losses[-1]:.4f}" in last_line
    assert f"epoch mean={history.epoch_losses[-1]:.4f}" in last_line
    assert history.losses[-1] != history.epoch_losses[-1]


@pytest.mark.parametrize("clip", [-1.0, 0, float("nan"), float("inf"), "5", True])
def test_clip_is_checked_the_same_way_everywhere(clip):
    model = Regression()
    before = model.linear.W.data.copy()
    opt = tr.optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises(ValueError, match=r"fit: clip must be a finite number > 0"):
        tr.fit(model, make_batches(1), optimizer=opt, clip=clip, progress=False)
    with pytest.raises(ValueError, match=r"truncated_bptt: clip must be a finite number > 0"):
        truncated_bptt(lambda a, b, s: (model.loss(*make_batches(1)[0]), s), 4, 2, opt,
                       clip=clip)
    numpy.testing.assert_array_equal(model.linear.W.data, before)   # no step was taken


def test_a_generator_is_one_epoch_only():
    batches = make_batches(3)
    with pytest.raises(ValueError, match=r"one-shot iterator \(generator\).*epochs=3.*list"):
        tr.fit(Regression(), (b for b in batches), epochs=3, progress=False)
    history = tr.fit(Regression(), (b for b in batches), epochs=1, progress=False)
    assert history.steps == 3 and len(history.epoch_losses) == 1
    # a function that makes a new generator every epoch is fine
    history = tr.fit(Regression(), lambda epoch: (b for b in batches), epochs=3, progress=False)
    assert history.steps == 9 and all(numpy.isfinite(history.epoch_losses))
    # ... one that hands out the same, exhausted one is an error, not a nan
    shared = (b for b in batches)
    with pytest.raises(ValueError, match="epoch 2 of 3 had no batches"):
        tr.fit(Regression(), lambda epoch: shared, epochs=3, progress=False)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(epochs=2.5), TypeError, r"fit: epochs must be an int, got 2.5"),
    (dict(epochs=-1), ValueError, "fit: epochs must be at least 0"),
    (dict(batches=[]), ValueError, "batches is empty"),
    (dict(batches=5), TypeError, "batches must be a list of batches or a function"),
])
def test_fit_counts_and_batches(kwargs, error, message):
    kwargs = {"batches": make_batches(2), **kwargs}
    with pytest.raises(error, match=message):
        tr.fit(Regression(), progress=False, **kwargs)


@pytest.mark.parametrize("length, chunk, error, message", [
    (8, 2.5, TypeError, "truncated_bptt: chunk must be an int, got 2.5"),
    (8.0, 2, TypeError, "truncated_bptt: length must be an int"),
    (8, 0, ValueError, "chunk must be at least 1"),
])
def test_truncated_bptt_counts(length, chunk, error, message):
    model = Regression()
    with pytest.raises(error, match=message):
        truncated_bptt(lambda a, b, s: (model.loss(*make_batches(1)[0]), s), length, chunk,
                       tr.optim.SGD(model.parameters(), lr=0.1))


def test_fit_bad_arguments():
    class NoLoss(tr.nn.Module):
        def __init__(self):
            self.linear = tr.nn.Linear(2, 1)

    with pytest.raises(TypeError, match="no loss"):
        tr.fit(NoLoss(), [], progress=False)
    model = Regression()
    with pytest.raises(TypeError, match="scalar"):
        tr.fit(model, [(1,)], loss_fn=lambda _: model.linear(tr.Tensor(numpy.ones((2, 3)))),
               progress=False)
    with pytest.raises(ValueError, match="clip"):
        tr.fit(model, [], clip=0, progress=False)


# ---- truncated BPTT ------------------------------------------------------------------------
class GradRecorder:
    """An 'optimizer' that only records the gradients it is given (parameters stay fixed)."""

    def __init__(self, params):
        self.params, self.grads = list(params), []

    def step(self):
        self.grads.append([p.grad.copy() for p in self.params])

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def test_truncated_bptt_cuts_the_graph_between_chunks():
    tr.manual_seed(1)
    model = tr.rnn.Transducer(tr.rnn.ElmanCell(4, 5), 3, vocab_size=6)
    rng = numpy.random.default_rng(0)
    ids, targets = rng.integers(0, 6, size=(8, 2)), rng.integers(0, 3, size=(8, 2))
    given = []

    def step_fn(start, stop, state):
        given.append(state)
        return model.loss(ids[start:stop], targets[start:stop], state=state, return_state=True)

    recorder = GradRecorder(model.parameters())
    losses, state = truncated_bptt(step_fn, 8, 4, recorder)
    assert len(losses) == 2 and given[0] is None
    assert given[1].op is None and not given[1].requires_grad  # the carried state is a leaf
    # chunk 2's gradient is that of chunk 2 alone, started from a constant state of equal value
    s = tr.Tensor(given[1].numpy())
    model.loss(ids[4:], targets[4:], state=s).backward()
    for p, g in zip(model.parameters(), recorder.grads[1]):
        numpy.testing.assert_allclose(g, p.grad, rtol=1e-12, atol=1e-15)
    # and not that of the full backpropagation through both chunks
    model.zero_grad()
    _, s1 = model.loss(ids[:4], targets[:4], return_state=True)
    model.loss(ids[4:], targets[4:], state=s1).backward()
    assert not numpy.allclose(model.rnn.W_s.grad, recorder.grads[1][1])


def test_truncated_bptt_learns_the_character_corpus():
    vocab, inputs, targets = data.char_lm_data(8)
    tr.manual_seed(0)
    model = tr.rnn.Transducer(tr.rnn.ElmanCell(12, 32), len(vocab), vocab_size=len(vocab))
    opt = tr.optim.Adam(model.parameters(), lr=0.02)

    def step_fn(start, stop, state):
        return model.loss(inputs[start:stop], targets[start:stop], state=state, return_state=True)

    losses, _ = truncated_bptt(step_fn, len(inputs), 25, opt, clip=5.0)
    assert len(losses) == -(-len(inputs) // 25)
    assert numpy.mean(losses[-3:]) < 0.8 * losses[0]  # below the first chunk's ~log(34)


def test_truncated_bptt_carries_a_deep_lstm_state():
    tr.manual_seed(0)
    model = tr.rnn.Transducer(tr.rnn.Stacked([tr.rnn.LSTMCell(4, 5), tr.rnn.ElmanCell(5, 3)]),
                              3, vocab_size=6)
    rng = numpy.random.default_rng(1)
    ids, targets = rng.integers(0, 6, size=(9, 2)), rng.integers(0, 3, size=(9, 2))
    given = []

    def step_fn(start, stop, state):
        given.append(state)
        return model.loss(ids[start:stop], targets[start:stop], state=state, return_state=True)

    losses, state = truncated_bptt(step_fn, 9, 4, tr.optim.SGD(model.parameters(), lr=0.1))
    assert len(losses) == 3 and isinstance(state, list) and isinstance(state[0], tuple)
    (c, h), s = given[2]
    assert all(t.op is None and not t.requires_grad for t in (c, h, s))
    assert c.shape == (2, 5) and s.shape == (2, 3)
