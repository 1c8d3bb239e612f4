"""Teaching mode of other commits against this checkout, side by side in one process.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/versions.py 6ef64b7 18a5cf8
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/versions.py 18a5cf8 --cell lstm --case 32 128 50
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/versions.py e1e2dad --program ops

Each commit's ``tinygrad_rnn`` is extracted with ``git archive`` into a temporary folder under a
new name (``tr_<commit>``, its own imports renamed), so every version runs in this process: an
unrolled cell (``--cell``, ``--case B H T``, float32), loss = sum of all y_t, ``backward()``;
or, with ``--program ops``, bench/ops.py's small program (100 elementwise ops on 1x32 float64,
forward and backward: what one op costs); alternated in rounds with a short pause, the cycle
collector on. Printed: the median over the
rounds of each version's time divided by the first commit's, and this checkout's likewise.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402

import tinygrad_rnn  # noqa: E402


def extract(commit, into):
    """``tinygrad_rnn`` of ``commit`` as the package ``tr_<commit>`` in folder ``into``."""
    name = f"tr_{commit}"
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "tinygrad_rnn"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    os.rename(os.path.join(into, "tinygrad_rnn"), os.path.join(into, name))
    pattern = re.compile(r"tinygrad_rnn(?=[.\"'])")
    for path in pathlib.Path(into, name).rglob("*.py"):
        path.write_text(pattern.sub(name, path.read_text()))
    return name


def runner(lib, kind, B, H, T):
    lib.manual_seed(0)
    cell = (lib.rnn.ElmanCell if kind == "elman" else lib.rnn.LSTMCell)(H, H, dtype="float32")
    X = numpy.random.default_rng(0).standard_normal((T, B, H)).astype("float32")

    def run():
        cell.zero_grad()
        ys, _ = lib.rnn.unroll(cell, X)
        lib.stack(ys).sum().backward()
    return run


def ops_runner(lib, n_ops=100):
    """bench/ops.py's elementwise chain: tanh, * w, + b, sigmoid, over and over, then backward."""
    rng = numpy.random.default_rng(0)
    x = lib.Tensor(rng.standard_normal((1, 32)))
    w = lib.Tensor(rng.standard_normal((1, 32)), requires_grad=True)
    b = lib.Tensor(rng.standard_normal((1, 32)), requires_grad=True)

    def run():
        h = x
        for k in range(n_ops // 4):
            h = ((h.tanh() * w) + b).sigmoid()
        h.sum().backward()
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("commits", nargs="+", help="git commits to compare (the first is 1.0)")
    parser.add_argument("--cell", choices=["elman", "lstm"], default="elman")
    parser.add_argument("--case", nargs=3, type=int, default=[1, 32, 20], metavar=("B", "H", "T"))
    parser.add_argument("--program", choices=["rnn", "ops"], default="rnn",
                        help="rnn: an unrolled cell (default); ops: 100 small elementwise ops")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    import importlib
    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, folder)
        libs = {c: importlib.import_module(extract(c, folder)) for c in args.commits}
        libs["this checkout"] = tinygrad_rnn
        runs = {name: ops_runner(lib) if args.program == "ops" else
                runner(lib, args.cell, *args.case) for name, lib in libs.items()}
        times = {name: [] for name in runs}
        for run in runs.values():
            run()
        for _ in range(args.rounds):
            for name, run in runs.items():
                time.sleep(0.005)
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    base = args.commits[0]
    what = "100 small ops" if args.program == "ops" else f"{args.cell} B,H,T={tuple(args.case)}"
    print(f"{what}, {args.rounds} rounds, median of time / {base}:")
    for name in runs:
        ratio = statistics.median(a / b for a, b in zip(times[name], times[base]))
        print(f"  {name:16} {ratio:6.3f}   ({statistics.median(times[name]) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
