"""Devices: moving tensors and modules, optimizers and whole training steps on every test device
(``cpu``, the ``strict-cpu`` test backend, ``cuda`` when present), the CuPy-missing error, and
that the strict test backend really catches an op that calls NumPy directly."""
import subprocess
import sys

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend


def _host(array):
    return backend.to_numpy(array)


def test_tensor_to_and_back(device):
    x = tr.Tensor([[1.0, 2.0]], requires_grad=True, name="x", dtype="float32")
    y = x.to(device)
    assert y.device == device and y.name == "x" and y.requires_grad and y.dtype == numpy.float32
    assert isinstance(y.data, backend.array_module(device).ndarray)
    assert x.to(x.device) is x
    back = y.to("cpu")
    assert isinstance(back.data, numpy.ndarray) and back.device == "cpu"
    numpy.testing.assert_array_equal(back.data, x.data)
    host = y.numpy()
    assert type(host) is numpy.ndarray
    host[0, 0] = 42.0
    assert y.to("cpu").data[0, 0] == 1.0, "numpy() copies to the host"


def test_mixing_devices_names_both_and_the_op():
    a = tr.Tensor([1.0], name="a")
    b = tr.Tensor([1.0], name="b", device="strict-cpu")
    with pytest.raises(tr.DeviceError, match=r"add: inputs on different devices \('cpu' and "
                                             r"'strict-cpu'\)"):
        a + b
    with pytest.raises(tr.DeviceError, match=r"concat: .*'strict-cpu'.*'cpu'"):
        tr.concat([b, a])


def test_module_to_moves_parameters_in_place(device):
    tr.manual_seed(0)
    layer = tr.nn.Linear(3, 2)
    W = layer.W
    expected = layer.state_dict()
    layer.to(device)
    assert layer.W is W and W.device == device
    assert all(p.device == device for p in layer.parameters())
    for name, value in layer.state_dict().items():
        assert type(value) is numpy.ndarray
        numpy.testing.assert_array_equal(value, expected[name])
    layer.load_state_dict(expected)
    assert layer.W.device == device
    layer.to("cpu")
    assert isinstance(layer.W.data, numpy.ndarray)


def _train(device, steps=3):
    """A small model trained for a few steps: embedding, linear, tanh, cross entropy, Adam."""
    tr.manual_seed(3)
    emb, out = tr.nn.Embedding(7, 4), tr.nn.Linear(4, 3)
    for module in (emb, out):
        module.to(device)
    params = emb.parameters() + out.parameters()
    opt = tr.optim.Adam(params, lr=0.05)
    sgd = tr.optim.SGD(params, lr=0.01, momentum=0.5)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        h = emb([1, 4, 4, 6]).tanh()
        loss = tr.cross_entropy(out(h), [0, 2, 2, 1]) + tr.mse(h, 0.5 * h.detach())
        loss.backward()
        tr.optim.clip_grad_norm(params, 1.0)
        opt.step()
        sgd.step()
        losses.append(loss.item())
    return losses, [p.numpy() for p in params]


def test_training_steps_agree_with_the_cpu(device):
    losses, params = _train(device)
    losses_cpu, params_cpu = _train("cpu")
    numpy.testing.assert_allclose(losses, losses_cpu, rtol=1e-10)
    for p, q in zip(params, params_cpu):
        numpy.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)
    assert losses[-1] < losses[0]


def test_gradcheck_on_the_device(device):
    x = tr.Tensor(numpy.random.default_rng(0).standard_normal((2, 3)), requires_grad=True,
                  device=device)
    W = tr.Tensor(numpy.random.default_rng(1).standard_normal((3, 4)), requires_grad=True,
                  device=device)
    assert tr.gradcheck(lambda x, W: tr.log_softmax((x @ W).tanh() * x.sum()), [x, W])


def test_lstm_cell_runs_on_the_device(device):
    cells = tr.rnn
    results = []
    for dev in (device, "cpu"):
        tr.manual_seed(5)
        cell = cells.LSTMCell(3, 4).to(dev)
        xs = numpy.random.default_rng(2).standard_normal((5, 2, 3))
        ys, _ = cells.unroll(cell, [tr.Tensor(x, device=dev) for x in xs])
        tr.concat(ys).sum().backward()
        results.append([ys[-1].numpy()] + [_host(p.grad) for p in cell.parameters()])
    for a, b in zip(*results):
        numpy.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_strict_backend_catches_an_op_that_calls_numpy_directly():
    class HostTanh(tr.Function):
        """h = tanh(a) through numpy itself (wrong);   dL/da = dL/dh * (1 - h**2)"""
        cases = [(((2,),), {})]

        def forward(self, a):
            h = numpy.tanh(a)  # the bug: should be self.xp.tanh(a)
            self.save(h=h)
            return h

        def backward(self, dh):
            return (dh * (1 - self.saved["h"] ** 2),)

    try:
        assert HostTanh.apply(tr.Tensor([0.5])).data.shape == (1,)  # fine on "cpu"
        with pytest.raises(TypeError, match="strict-cpu|does not support ufuncs"):
            HostTanh.apply(tr.Tensor([0.5], device="strict-cpu"))
    finally:
        del tr.Function.registry[HostTanh.name]
    strict = backend.array_module("strict-cpu")
    a = strict.asarray(numpy.ones(3))
    with pytest.raises(TypeError, match="implicit conversion"):
        numpy.asarray(a)
    with pytest.raises(TypeError, match="host NumPy array"):
        a + numpy.ones(3)
    assert isinstance(a.sum(), strict.ndarray) and float(a.sum()) == 3.0


def test_cpu_never_imports_cupy():
    code = ("import sys, tinygrad_rnn as tr\n"
            "x = tr.Tensor([[1.0, 2.0]], requires_grad=True)\n"
            "layer = tr.nn.Linear(2, 2).to('cpu')\n"
            "layer(x).tanh().sum().backward()\n"
            "assert 'cupy' not in sys.modules, 'cupy was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cuda_without_cupy_or_gpu_says_how_to_install():
    if "cuda" in backend.available_devices():
        pytest.skip("CuPy and a GPU are present")
    with pytest.raises(tr.DeviceError, match=r"pip install 'tinygrad-rnn\[gpu\]'"):
        tr.Tensor([1.0], device="cuda")
    x = tr.Tensor([1.0], requires_grad=True)
    with pytest.raises(tr.DeviceError, match=r"tinygrad-rnn\[gpu\]"):
        x.to("cuda")
    layer = tr.nn.Linear(2, 2)
    with pytest.raises(tr.DeviceError, match=r"tinygrad-rnn\[gpu\]"):
        layer.to("cuda")
    assert layer.W.device == "cpu"


def test_gpu_benchmark_runs_or_skips(capsys):
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parent.parent / "bench" / "gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    tiny = ["--hidden", "8", "--batch", "2", "--time-steps", "3", "--input-size", "4",
            "--steps", "1"]
    assert bench.main(tiny + ["--device", "strict-cpu"]) == 0
    assert "cpu/strict-cpu" in capsys.readouterr().out
    if "cuda" not in backend.available_devices():
        assert bench.main(tiny) == 0
        out = capsys.readouterr().out
        assert "skipped" in out and "tinygrad-rnn[gpu]" in out
