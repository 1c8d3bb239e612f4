"""Benchmark: forward + backward of Elman and LSTM unrolls, against the floors.

    .venv/bin/python bench/rnn.py            # all cases, float32 and float64
    .venv/bin/python bench/rnn.py --quick    # fewer rounds, no "large" case (a smoke run)
    .venv/bin/python bench/rnn.py --threads 1 --clock cpu   # steadier on a busy machine

Contenders, timed in one process, alternated in rounds (OpenBLAS threads spin after each call,
so back-to-back runs of one contender would flatter it), best of the rounds:
  ours   tr.rnn.unroll(cell, X), loss = sum of all y_t, loss.backward()
  numpy  a hand-written NumPy forward and backward of the same cell, step by step, with no
         autograd objects: the floor any per-step NumPy framework can reach
  torch  torch.nn.RNNCell / LSTMCell called in a Python loop, torch.stack(ys).sum().backward()
         (when torch is installed)
The inputs are constants (no dL/dx) for every contender. Peak memory of the "long" case is
measured with tracemalloc (NumPy reports its allocations to it; torch's are invisible), at T and
T/2 to show it grows linearly. The garbage collector stays on, as users run.
"""
import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path


def _threads_from_argv():
    """--threads N must act before NumPy (OpenBLAS) and torch are imported."""
    if "--threads" in sys.argv:
        n = sys.argv[sys.argv.index("--threads") + 1]
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n
        return int(n)
    return None


THREADS = _threads_from_argv()

import numpy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import tinygrad_rnn as tr  # noqa: E402

try:
    import torch
    if THREADS:
        torch.set_num_threads(THREADS)
except ImportError:
    torch = None

CASES = {"tiny": (1, 32, 20), "medium": (32, 128, 50), "large": (64, 512, 100),
         "long": (1, 32, 2000)}  # (B, H, T); input width = H


# ---- the NumPy floor --------------------------------------------------------------------
def numpy_elman(W_x, W_s, b, X):
    """Forward and backward of the Elman unroll for L = sum of all s_t; returns the gradients."""
    T, B, _ = X.shape
    s = numpy.zeros((B, W_s.shape[0]), X.dtype)
    states = [s]
    for t in range(T):
        s = numpy.tanh(X[t] @ W_x + s @ W_s + b)
        states.append(s)
    dW_x, dW_s, db = numpy.zeros_like(W_x), numpy.zeros_like(W_s), numpy.zeros_like(b)
    ds = numpy.zeros_like(s)
    for t in range(T, 0, -1):
        ds = ds + 1.0                              # dL/dy_t = 1
        da = ds * (1 - states[t] ** 2)
        dW_x += X[t - 1].T @ da
        dW_s += states[t - 1].T @ da
        db += da.sum(axis=0)
        ds = da @ W_s.T
    return dW_x, dW_s, db


def sigmoid(a):
    return 1 / (1 + numpy.exp(-a))


def numpy_lstm(W_x, W_h, b, X):
    """Forward and backward of the LSTM unroll (gates i, f, g, o fused) for L = sum of all h_t."""
    T, B, _ = X.shape
    H = W_h.shape[0]
    c = h = numpy.zeros((B, H), X.dtype)
    saved = []
    for t in range(T):
        a = X[t] @ W_x + h @ W_h + b
        i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
        g = numpy.tanh(a[:, 2 * H:3 * H])
        c_prev, h_prev = c, h
        c = f * c + i * g
        tc = numpy.tanh(c)
        h = o * tc
        saved.append((i, f, g, o, c_prev, h_prev, tc))
    dW_x, dW_h, db = numpy.zeros_like(W_x), numpy.zeros_like(W_h), numpy.zeros_like(b)
    dh, dc = numpy.zeros_like(h), numpy.zeros_like(c)
    for t in range(T - 1, -1, -1):
        i, f, g, o, c_prev, h_prev, tc = saved[t]
        dh = dh + 1.0
        dc = dc + dh * o * (1 - tc ** 2)
        da = numpy.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                dc * i * (1 - g ** 2), dh * tc * o * (1 - o)], axis=1)
        dc = dc * f
        dW_x += X[t].T @ da
        dW_h += h_prev.T @ da
        db += da.sum(axis=0)
        dh = da @ W_h.T
    return dW_x, dW_h, db


# ---- the contenders -----------------------------------------------------------------------
def make_contenders(kind, B, H, T, dtype):
    tr.manual_seed(0)
    cell = (tr.rnn.ElmanCell if kind == "elman" else tr.rnn.LSTMCell)(H, H, dtype=dtype)
    X = numpy.random.default_rng(0).standard_normal((T, B, H)).astype(dtype)
    params = [p.numpy() for p in cell.parameters()]

    def ours(**backward_options):
        cell.zero_grad()
        ys, _ = tr.rnn.unroll(cell, X)
        tr.stack(ys).sum().backward(**backward_options)

    floor = numpy_elman if kind == "elman" else numpy_lstm
    contenders = {"ours": ours, "numpy": lambda: floor(*params, X)}
    if torch is not None:
        torch_dtype = getattr(torch, dtype)
        ref = (torch.nn.RNNCell if kind == "elman" else torch.nn.LSTMCell)(H, H, dtype=torch_dtype)
        tX = torch.tensor(X)

        def pytorch():
            ref.zero_grad()
            state = None
            ys = []
            for t in range(T):
                state = ref(tX[t], state)
                ys.append(state[0] if kind == "lstm" else state)
            torch.stack(ys).sum().backward()
        contenders["torch"] = pytorch
    return contenders, cell, X, params


def check_agreement(kind, cell, X, params):
    """The contenders compute the same gradients (so the race is fair)."""
    ys, _ = tr.rnn.unroll(cell, X)
    tr.stack(ys).sum().backward()
    floor = numpy_elman if kind == "elman" else numpy_lstm
    for p, g in zip(cell.parameters(), floor(*params, X)):
        tol = 1e-3 if p.dtype == numpy.float32 else 1e-9
        assert numpy.allclose(p.grad, g, rtol=tol, atol=tol * numpy.abs(g).max()), p.name
    cell.zero_grad()


def race(contenders, rounds, pause, clock=time.perf_counter):
    best = {name: float("inf") for name in contenders}
    for name, fn in contenders.items():  # warm-up
        fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(pause)
            start = clock()
            fn()
            best[name] = min(best[name], clock() - start)
    return best


def peak_memory(fn):
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds, skip the large case")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--cases", nargs="*", choices=list(CASES), default=None)
    parser.add_argument("--dtypes", nargs="*", default=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and torch threads (default: the libraries' own choice)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: this process's CPU time (steadier when other programs share "
                             "the machine; use with --threads 1)")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 7)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    cases = args.cases or [c for c in CASES if not (args.quick and c == "large")]
    print(f"numpy {numpy.__version__}, torch {torch.__version__ if torch else 'not installed'}, "
          f"python {sys.version.split()[0]}, rounds {rounds} (best of), "
          f"threads {THREADS or 'default'}, {os.cpu_count()} CPUs, {args.clock} clock")
    print(f"{'cell':6} {'case':7} {'dtype':8} {'ours ms':>9} {'numpy ms':>9} {'torch ms':>9} "
          f"{'ours/numpy':>10} {'ours/torch':>10}")
    for kind in ("elman", "lstm"):
        for case in cases:
            B, H, T = CASES[case]
            for dtype in args.dtypes:
                contenders, cell, X, params = make_contenders(kind, B, H, T, dtype)
                check_agreement(kind, cell, X, params)
                pause = 0.02 if B * H >= 32 * 128 else 0.005
                best = race(contenders, rounds, pause, clock)
                t_torch = best.get("torch")
                print(f"{kind:6} {case:7} {dtype:8} {best['ours'] * 1e3:9.2f} "
                      f"{best['numpy'] * 1e3:9.2f} "
                      f"{t_torch * 1e3 if t_torch else float('nan'):9.2f} "
                      f"{best['ours'] / best['numpy']:10.2f} "
                      f"{best['ours'] / t_torch if t_torch else float('nan'):10.2f}", flush=True)
    if "long" in cases:
        B, H, T = CASES["long"]
        print("\npeak memory (tracemalloc) of the long case, float64:")
        for kind in ("elman", "lstm"):
            row = []
            for steps in (T // 2, T):
                contenders, *_ = make_contenders(kind, B, H, steps, "float64")
                ours, floor = peak_memory(contenders["ours"]), peak_memory(contenders["numpy"])
                lean = peak_memory(lambda: contenders["ours"](retain_grads=False))
                row.append(f"T={steps}: ours {ours / 2**20:.2f} MiB ({ours / floor:.1f}x), "
                           f"retain_grads=False {lean / 2**20:.2f} MiB ({lean / floor:.1f}x), "
                           f"numpy {floor / 2**20:.2f} MiB")
            print(f"  {kind:6} " + "\n         ".join(row))


if __name__ == "__main__":
    main()
