"""``tr.gradflow`` (||dL/ds_t|| per step) against independent computations, and the
``tinygrad-rnn gradflow`` command through a subprocess."""
import os
import subprocess
import sys

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import gradflow

from cli_support import device_link


def elman_norms_numpy(W_x, W_s, b, xs):
    """The product of Jacobians written out: s_t = tanh(x_t W^x + s_{t-1} W^s + b),
    L = sum(s_T), dL/ds_{t-1} = (dL/ds_t * (1 - s_t^2)) (W^s)^T."""
    T, B, _ = xs.shape
    states = [numpy.zeros((B, W_s.shape[0]))]
    for t in range(T):
        states.append(numpy.tanh(xs[t] @ W_x + states[-1] @ W_s + b))
    g = numpy.ones_like(states[-1])
    norms = [numpy.linalg.norm(g)]
    for t in range(T, 0, -1):
        jacobian = numpy.einsum("bh,kh->bhk", 1 - states[t] ** 2, W_s)  # ds_t/ds_{t-1} per row
        g = numpy.einsum("bh,bhk->bk", g, jacobian)
        norms.append(numpy.linalg.norm(g))
    return numpy.array(norms[::-1])


@pytest.mark.parametrize("T,B", [(1, 1), (7, 1), (25, 3)])
def test_elman_norms_equal_the_product_of_jacobians(T, B):
    tr.manual_seed(3)
    cell = tr.rnn.ElmanCell(4, 6)
    xs = numpy.random.default_rng(5).standard_normal((T, B, 4))
    cell.W_s.grad = marker = numpy.full((6, 6), 7.0)   # a gradient the caller already had
    ours = gradflow.state_grad_norms(cell, xs=xs)
    expected = elman_norms_numpy(cell.W_x.numpy(), cell.W_s.numpy(), cell.b.numpy(), xs)
    assert ours.shape == (T + 1,)
    numpy.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-300)
    assert cell.W_s.grad is marker and cell.W_x.grad is None   # gradients left as they were


def test_elman_gradient_vanishes_and_is_bounded_by_the_spectral_norm():
    tr.manual_seed(0)
    cell = gradflow.make_cell("elman", 8, 32)
    norms = gradflow.state_grad_norms(cell, steps=40, seed=1)
    assert norms[0] < 1e-6 * norms[-1]
    # one step back multiplies by diag(tanh') (W^s)^T: never more than ||W^s||_2
    ratios = norms[:-1] / norms[1:]
    assert (ratios <= gradflow.spectral_norm(cell.W_s.numpy()) + 1e-12).all()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gated_cells_match_torch_autograd(kind):
    torch = pytest.importorskip("torch")
    tr.manual_seed(1)
    cell = gradflow.make_cell(kind, 3, 5, gate_bias=2.0)
    T = 12
    xs = numpy.random.default_rng(2).standard_normal((T, 2, 3))
    ours = gradflow.state_grad_norms(cell, xs=xs)

    module = (torch.nn.LSTMCell if kind == "lstm" else torch.nn.GRUCell)(3, 5).double()
    module.load_state_dict({k: torch.tensor(v) for k, v in cell.torch_state_dict().items()})
    h = torch.zeros(2, 5, dtype=torch.float64, requires_grad=True)
    c = torch.zeros(2, 5, dtype=torch.float64, requires_grad=True)
    parts = [(c, h)] if kind == "lstm" else [(h,)]
    for t in range(T):
        x = torch.tensor(xs[t])
        if kind == "lstm":
            h, c = module(x, (h, c))
            state = (c, h)
        else:
            h = module(x, h)
            state = (h,)
        for p in state:
            p.retain_grad()
        parts.append(state)
    h.sum().backward()
    expected = [numpy.sqrt(sum(float((p.grad ** 2).sum()) for p in state if p.grad is not None))
                for state in parts]
    numpy.testing.assert_allclose(ours, expected, rtol=1e-9)


def test_gate_bias_opens_the_forget_gate():
    tr.manual_seed(0)
    cell = gradflow.make_cell("lstm", 2, 4, gate_bias=3.0)
    numpy.testing.assert_array_equal(cell.b.numpy()[4:8], 3.0)
    closed = gradflow.state_grad_norms(gradflow.make_cell("lstm", 8, 32), steps=40)
    tr.manual_seed(0)
    opened = gradflow.state_grad_norms(gradflow.make_cell("lstm", 8, 32, gate_bias=3.0), steps=40)
    assert opened[0] / opened[-1] > 1e3 * closed[0] / closed[-1]
    with pytest.raises(ValueError, match="unknown cell 'rnn'"):
        gradflow.make_cell("rnn")
    with pytest.raises(ValueError, match="steps must be a positive int"):
        gradflow.state_grad_norms(cell, steps=0)


def test_plot_and_save(tmp_path):
    pytest.importorskip("matplotlib")
    fig = gradflow.plot_grad_norms({"a": [1.0, 0.1, 0.0, 1e-3], "b": numpy.ones(4)})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
    path = gradflow.save_figure(fig, tmp_path / "g.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="unknown output suffix '.jpg'"):
        gradflow.save_figure(fig, tmp_path / "g.jpg")
    assert sorted(os.listdir(tmp_path)) == ["g.png"]


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tinygrad_rnn", "gradflow", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_cli_writes_a_plot(tmp_path):
    pytest.importorskip("matplotlib")
    done = cli("--cell", "elman,lstm", "--steps", "12", "--hidden", "6", "-o", "p.png",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert "elman: ||dL/ds_T||" in done.stdout and "wrote p.png" in done.stdout
    done = cli("--cell", "gru", "--steps", "3", "--gate-bias", "2", "-o", "p.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "<svg" in (tmp_path / "p.svg").read_text()


BAD_ARGUMENTS = [
    (["--cell", "rnn"], "unknown cell 'rnn'"),
    (["--cell", "elman,tree"], "unknown cell 'tree'"),
    (["--steps", "0"], "--steps must be between 1 and"),
    (["--hidden", "0"], "--hidden must be at least 1"),
    (["--gate-bias", "nan"], "--gate-bias must be a finite number"),
    (["-o", "plot.jpg"], "unknown output suffix '.jpg'"),
    (["-o", "plot"], "unknown output suffix '(none)'"),
    (["-o", "missing/plot.png"], "does not exist"),
    (["-o", "."], "unknown output suffix"),
    (["--steps", "x"], "invalid int value"),
    (["--cell", "elman", "--gate-bias", "3"], "the elman cell has no gate"),
    (["--hidden", "200000"], "--hidden 200000 is too large: it needs about 298 GiB"),
    (["--input", "100000000"], "--input 100000000 is too large: it needs about 61.1 GiB"),
    (["-o", "link.png"], "it is {what} ('link.png' links to '{target}')"),
    (["-o", "dir.png"], "it is a folder"),
]


@pytest.mark.parametrize("args,message", BAD_ARGUMENTS)
def test_bad_arguments_fail_cleanly(tmp_path, monkeypatch, capsys, args, message):
    from tinygrad_rnn import cli

    monkeypatch.chdir(tmp_path)
    target, what = device_link(str(tmp_path), "link.png")     # as a link to /dev/full
    message = message.format(what=what, target=target)
    os.mkdir("dir.png")
    try:
        code = cli.main(["gradflow", *args])
    except SystemExit as exc:          # argparse's own errors (e.g. --steps x)
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    # nothing written, not even a temporary file; the link is still a link
    assert sorted(os.listdir(tmp_path)) == ["dir.png", "full-device", "link.png"]
    assert os.readlink("link.png") == target


def test_mixed_cells_take_the_gate_bias_and_say_which(tmp_path):
    pytest.importorskip("matplotlib")
    done = cli("--cell", "elman,lstm", "--steps", "3", "--hidden", "4", "--gate-bias", "3",
               "-o", "p.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "elman: ||dL/ds_T||" in done.stdout and "lstm (b_f = 3): ||dL/ds_T||" in done.stdout


def test_write_error_keeps_the_old_plot(tmp_path):
    pytest.importorskip("matplotlib")
    import resource
    (tmp_path / "p.svg").write_text("old plot")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    done = subprocess.run([sys.executable, "-m", "tinygrad_rnn", "gradflow", "--steps", "5",
                           "-o", "p.svg"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, preexec_fn=limit)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == \
        "tinygrad-rnn gradflow: error: cannot write 'p.svg': File too large"
    assert os.listdir(tmp_path) == ["p.svg"] and (tmp_path / "p.svg").read_text() == "old plot"


@pytest.mark.parametrize("args,message", [BAD_ARGUMENTS[0], BAD_ARGUMENTS[5]])
def test_cli_bad_arguments_in_a_subprocess(tmp_path, args, message):
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) <= 2
    assert "Traceback" not in done.stderr
    assert os.listdir(tmp_path) == []
