"""The models built on the core run on every test device and agree with the CPU: cells unrolled
over padded batches, BiRNN, Stacked and a Transducer training step. On ``strict-cpu`` this
catches model code that hands device arrays to NumPy (as it would fail on a GPU)."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend, rnn


def _host(array):
    return None if array is None else backend.to_numpy(array)


def _outputs_and_grads(make, device, run):
    """Seeded model ``make()`` moved to ``device``; ``run(model, device)`` returns a scalar loss;
    -> the loss and every parameter's gradient, on the host."""
    tr.manual_seed(11)
    model = make().to(device)
    loss = run(model, device)
    loss.backward()
    return [loss.numpy()] + [_host(p.grad) for p in model.parameters()]


def _agree(make, run, device):
    ours, cpu = (_outputs_and_grads(make, d, run) for d in (device, "cpu"))
    assert len(ours) == len(cpu)
    for a, b in zip(ours, cpu):
        numpy.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _xs(device, T=4, B=3, n=5):
    rng = numpy.random.default_rng(4)
    return [tr.Tensor(rng.standard_normal((B, n)), device=device) for _ in range(T)]


@pytest.mark.parametrize("kind", ["ElmanCell", "LSTMCell", "GRUCell"])
def test_cells_over_a_padded_batch(kind, device):
    def run(cell, dev):
        ys, states = rnn.unroll(cell, _xs(dev), lengths=[4, 2, 3], labels=list("abcd"))
        last = states[-1][1] if isinstance(states[-1], tuple) else states[-1]
        return tr.stack(ys).tanh().sum() + (last * last).mean()
    _agree(lambda: getattr(rnn, kind)(5, 6), run, device)


def test_birnn_and_stacked(device):
    def run(model, dev):
        ys, _ = model(_xs(dev))
        return tr.concat(ys, axis=1).sigmoid().mean()
    _agree(lambda: rnn.BiRNN(rnn.ElmanCell(5, 3), rnn.LSTMCell(5, 4)), run, device)
    _agree(lambda: rnn.Stacked([rnn.GRUCell(5, 4), rnn.ElmanCell(4, 3)]), run, device)


def test_transducer_training_step(device):
    ids = [[1, 2, 0], [3, 3, 1], [4, 0, 2]]          # [T, B]
    tags = [[0, 1, 1], [2, 0, 1], [1, 1, 0]]

    def run(model, dev):
        opt = tr.optim.Adam(model.parameters(), lr=0.1)
        for _ in range(2):  # one step changes the weights; the second loss is compared
            opt.zero_grad()
            loss = model.loss(ids, tags, lengths=[3, 2, 3])
            loss.backward()
            opt.step()
        opt.zero_grad()
        return model.loss(ids, tags, lengths=[3, 2, 3])
    _agree(lambda: rnn.Transducer(rnn.LSTMCell(4, 5), num_tags=3, vocab_size=6), run, device)
