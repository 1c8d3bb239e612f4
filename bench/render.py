"""Time to draw an unrolled RNN: building the DOT source, and laying it out with ``dot``.

    .venv/bin/python bench/render.py                 # Elman and LSTM, T = 6, 60, 600, both views
    .venv/bin/python bench/render.py --T 6 60 --timeout 60
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/render.py --scaling   # T = 1k .. 50k

For each cell, T and view: the number of recorded nodes, the seconds ``tr.draw`` takes to make
the DOT source, and the seconds ``dot -Tsvg`` takes to lay it out (with a timeout). The ops view
refuses graphs over 3,000 nodes (``draw`` suggests the cells view); ``--force`` lays them out
anyway, to show why.

``--scaling``: the cells view's DOT source only (no ``dot``) for T = 1,000 to 50,000 Elman
steps, and its cost per step, which stays flat when building the DOT is linear in T (it was
quadratic: 0.6 s at 2k steps, 5.9 s at 8k, 550 s at 50k). Each T is drawn ``--repeat``
times; the fastest draw counts, in wall-clock seconds and in CPU seconds of this process (the
draw runs on one thread; CPU time does not count the time other jobs on a shared machine take).
"""
import argparse
import os
import platform
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinygrad_rnn as tr  # noqa: E402
from tinygrad_rnn.models import build_model  # noqa: E402
from tinygrad_rnn.draw.api import GraphTooLarge  # noqa: E402
from tinygrad_rnn.draw.graph import RecordedGraph  # noqa: E402


def dot_version():
    if shutil.which("dot") is None:
        return None
    done = subprocess.run(["dot", "-V"], capture_output=True, text=True)
    return (done.stderr or done.stdout).strip()


def lay_out(source, timeout):
    start = time.perf_counter()
    try:
        subprocess.run(["dot", "-Tsvg", "-o", os.devnull], input=source.encode(), check=True,
                       capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} (timeout)"
    return f"{time.perf_counter() - start:.2f}"


def scaling(steps, repeat):
    """The cells view's DOT build time per step, for each T in ``steps``."""
    print("| cell | T | recorded nodes | DOT lines | draw s, wall | draw s, CPU | CPU us per step |")
    print("|---|---|---|---|---|---|---|")
    for T in steps:
        root, _ = build_model("elman", [f"w{i}" for i in range(T)])
        n = len(RecordedGraph(root).nodes)
        wall = cpu = float("inf")
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            source = tr.draw(root).source
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        print(f"| elman | {T} | {n} | {source.count(chr(10))} | {wall:.2f} | {cpu:.2f} | "
              f"{cpu / T * 1e6:.0f} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, nargs="+", default=[6, 60, 600])
    parser.add_argument("--cells", nargs="+", default=["elman", "lstm"])
    parser.add_argument("--timeout", type=float, default=120, help="seconds per dot run")
    parser.add_argument("--force", action="store_true", help="lay out large ops views too")
    parser.add_argument("--scaling", nargs="*", type=int, metavar="T",
                        help="only the cells view's DOT build for these T "
                             "(default 1000 5000 20000 50000)")
    parser.add_argument("--repeat", type=int, default=3, help="draws per T with --scaling")
    args = parser.parse_args(argv)
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{dot_version() or 'no dot'}")
    if args.scaling is not None:
        return scaling(args.scaling or [1000, 5000, 20000, 50000], args.repeat)
    print("| cell | T | view | recorded nodes | DOT lines | draw s | dot -Tsvg s |")
    print("|---|---|---|---|---|---|---|")
    for cell in args.cells:
        for T in args.T:
            root, _ = build_model(cell, [f"w{i}" for i in range(T)])
            n = len(RecordedGraph(root).nodes)
            for view in ("cells", "ops"):
                start = time.perf_counter()
                try:
                    source = tr.draw(root, view=view,
                                     max_nodes=10 ** 9 if args.force else 3000).source
                except GraphTooLarge:
                    print(f"| {cell} | {T} | {view} | {n} | - | refused | - (use cells) |")
                    continue
                built = time.perf_counter() - start
                laid = lay_out(source, args.timeout) if shutil.which("dot") else "no dot"
                print(f"| {cell} | {T} | {view} | {n} | {source.count(chr(10))} | "
                      f"{built:.3f} | {laid} |", flush=True)


if __name__ == "__main__":
    main()
