"""Time to draw an unrolled RNN: building the DOT source, and laying it out with ``dot``.

    .venv/bin/python bench/render.py                 # Elman and LSTM, T = 6, 60, 600, both views
    .venv/bin/python bench/render.py --T 6 60 --timeout 60

For each cell, T and view: the number of recorded nodes, the seconds ``tr.draw`` takes to make
the DOT source, and the seconds ``dot -Tsvg`` takes to lay it out (with a timeout). The ops view
refuses graphs over 3,000 nodes (``draw`` suggests the cells view); ``--force`` lays them out
anyway, to show why.
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
from tinygrad_rnn.commands.render import build_model  # noqa: E402
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, nargs="+", default=[6, 60, 600])
    parser.add_argument("--cells", nargs="+", default=["elman", "lstm"])
    parser.add_argument("--timeout", type=float, default=120, help="seconds per dot run")
    parser.add_argument("--force", action="store_true", help="lay out large ops views too")
    args = parser.parse_args(argv)
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{dot_version() or 'no dot'}")
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
