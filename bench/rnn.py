"""Benchmark: forward + backward of Elman and LSTM unrolls, teaching and training mode, against
PyTorch and the NumPy floor (issue 13's table).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/rnn.py             # every case, float32
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/rnn.py --quick     # fewer rounds, no "large"
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/rnn.py --cases tiny long --rounds 15
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/rnn.py --memory-only
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/rnn.py --clock cpu  # a busy machine

Contenders, timed in one process, alternated in rounds (OpenBLAS threads spin after each call,
so back-to-back runs of one contender would flatter it), with a short pause before each sample;
every number reported is the MEDIAN over the rounds of a per-round RATIO, so that a round slowed
by another job on a shared machine slows both sides of its ratio:
  teaching  tr.rnn.unroll(cell, X): every op a node; loss = sum of all y_t; loss.backward()
            (every node keeps its gradient: the lecture's default)
  fused     tr.rnn.unroll(cell, X, fused=True): one node per step, its own backward;
            loss.backward(retain_grads=False), as tr.fit trains
            (X is a constant tr.Tensor [T, B, H] made before timing, as PyTorch's tensor is)
  floor     a hand-written NumPy forward and backward of the same cell, step by step, with no
            autograd objects: what any per-step NumPy framework can at best reach
  cells     torch.nn.RNNCell / LSTMCell called in a Python loop (when torch is installed)
  torch     torch.nn.RNN / LSTM over the whole sequence: PyTorch's fused kernel, the physical
            reference
The inputs are constants (no dL/dx) for every contender; the cycle collector stays on, as users
run. Peak memory of the "long" case (B=1, H=32) is measured with tracemalloc above what was
allocated before the call (NumPy reports its allocations to it), at T and T/2 to show it grows
linearly; torch's allocations are invisible to it, so it has no memory row.
"""
import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before NumPy: one BLAS thread

import numpy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import tinygrad_rnn as tr  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

CASES = {"tiny": (1, 32, 20), "long": (1, 32, 2000), "medium": (32, 128, 50),
         "large": (64, 512, 100)}  # (B, H, T); input width = H


# ---- the NumPy floor --------------------------------------------------------------------
def sigmoid(a):
    return 0.5 * numpy.tanh(0.5 * a) + 0.5


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
    inputs = tr.Tensor(X)   # made once, outside the timing, as torch.tensor(X) for PyTorch

    def ours(fused, **backward_options):
        def run():
            cell.zero_grad()
            ys, _ = tr.rnn.unroll(cell, inputs, fused=fused)
            tr.stack(ys).sum().backward(**backward_options)
        return run

    floor = numpy_elman if kind == "elman" else numpy_lstm
    contenders = {"teaching": ours(False), "fused": ours(True, retain_grads=False),
                  "floor": lambda: floor(*params, X)}
    if torch is not None:
        contenders.update(_torch_contenders(kind, B, H, T, dtype, X))
    return contenders, cell, X, params


def _torch_contenders(kind, B, H, T, dtype, X):
    torch_dtype = getattr(torch, dtype)
    ref = (torch.nn.RNNCell if kind == "elman" else torch.nn.LSTMCell)(H, H, dtype=torch_dtype)
    whole = (torch.nn.RNN if kind == "elman" else torch.nn.LSTM)(H, H, dtype=torch_dtype)
    tX = torch.tensor(X)

    def cells():
        ref.zero_grad()
        state = None
        ys = []
        for t in range(T):
            state = ref(tX[t], state)
            ys.append(state[0] if kind == "lstm" else state)
        torch.stack(ys).sum().backward()

    def fused():
        whole.zero_grad()
        out, _ = whole(tX)
        out.sum().backward()
    return {"cells": cells, "torch": fused}


def check_agreement(kind, cell, X, params):
    """Both modes compute the floor's gradients (so the race is fair)."""
    floor = numpy_elman if kind == "elman" else numpy_lstm
    expected = floor(*params, X)
    for fused in (False, True):
        cell.zero_grad()
        ys, _ = tr.rnn.unroll(cell, X, fused=fused)
        tr.stack(ys).sum().backward()
        for p, g in zip(cell.parameters(), expected):
            tol = 1e-3 if p.dtype == numpy.float32 else 1e-9
            assert numpy.allclose(p.grad, g, rtol=tol, atol=tol * numpy.abs(g).max()), p.name
    cell.zero_grad()


def race(contenders, rounds, pause, clock=time.perf_counter):
    """Seconds per run of every contender, per round (all contenders run once per round)."""
    times = {name: [] for name in contenders}
    for fn in contenders.values():  # warm-up
        fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(pause)
            start = clock()
            fn()
            times[name].append(clock() - start)
    return times


def median_ratio(times, a, b):
    if a not in times or b not in times:
        return float("nan")
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def peak_memory(fn):
    """Bytes allocated at the peak of ``fn()`` above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def memory_rows(kinds):
    B, H, T = CASES["long"]
    print(f"\npeak memory above the start of the call, long case (B={B}, H={H}), float32, "
          "tracemalloc:")
    print(f"{'cell':6} {'T':>5} {'floor KiB':>10} {'teaching':>14} {'teach. leaves':>14} "
          f"{'fused':>14} {'fused leaves':>14}")
    for kind in kinds:
        for steps in (T // 2, T):
            contenders, cell, X, params = make_contenders(kind, B, H, steps, "float32")
            floor = peak_memory(contenders["floor"])
            row = []
            for fused in (False, True):
                for retain in (True, False):
                    def run(fused=fused, retain=retain):
                        ys, _ = tr.rnn.unroll(cell, X, fused=fused)
                        tr.stack(ys).sum().backward(retain_grads=retain)
                    got = peak_memory(run)
                    row.append(f"{got / 1024:7.0f} {got / floor:4.1f}x")
                    cell.zero_grad()
            print(f"{kind:6} {steps:5d} {floor / 1024:10.0f} " + " ".join(f"{r:>14}" for r in row),
                  flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds, skip the large case")
    parser.add_argument("--rounds", type=int, default=None, help="default 15 (large: 5)")
    parser.add_argument("--cases", nargs="*", choices=list(CASES), default=None)
    parser.add_argument("--cells", nargs="*", choices=["elman", "lstm"], default=["elman", "lstm"])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--memory-only", action="store_true")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: this process's CPU time (steadier when other jobs share the "
                             "machine: every contender runs on one thread)")
    args = parser.parse_args()
    cases = args.cases or [c for c in CASES if not (args.quick and c == "large")]
    print(f"numpy {numpy.__version__}, torch {torch.__version__ if torch else 'not installed'}, "
          f"python {sys.version.split()[0]}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, torch threads "
          f"{torch.get_num_threads() if torch else '-'}, {os.cpu_count()} CPUs, {args.dtype}, "
          f"{args.clock} clock; medians of per-round ratios")
    if not args.memory_only:
        print(f"{'cell':6} {'case':7} {'rounds':>6} {'teach ms':>9} {'fused ms':>9} "
              f"{'teach/cells':>11} {'fused/cells':>11} {'teach/floor':>11} {'fused/floor':>11} "
              f"{'torch/floor':>11} {'cells/floor':>11}")
        for kind in args.cells:
            for case in cases:
                _case_row(kind, case, args)
    if "long" in cases or args.memory_only:
        memory_rows(args.cells)


def _case_row(kind, case, args):
    B, H, T = CASES[case]
    rounds = args.rounds or (5 if args.quick or case == "large" else 15)
    contenders, cell, X, params = make_contenders(kind, B, H, T, args.dtype)
    check_agreement(kind, cell, X, params)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    times = race(contenders, rounds, 0.02 if B * H >= 32 * 128 else 0.005, clock)
    ratios = [median_ratio(times, a, b) for a, b in (
        ("teaching", "cells"), ("fused", "cells"), ("teaching", "floor"), ("fused", "floor"),
        ("torch", "floor"), ("cells", "floor"))]
    ms = [statistics.median(times[m]) * 1e3 for m in ("teaching", "fused")]
    print(f"{kind:6} {case:7} {rounds:6d} {ms[0]:9.2f} {ms[1]:9.2f} "
          + " ".join(f"{r:11.2f}" for r in ratios), flush=True)


if __name__ == "__main__":
    main()
