"""How long the step debugger takes on a long unroll: building the Stepper (forward order,
names, its own backward pass), one cells-view frame, and the HTML player.

    .venv/bin/python bench/debug_stepper.py            # LSTM(8, 16) over T=200 steps
    .venv/bin/python bench/debug_stepper.py --steps 50
"""
import argparse
import os
import tempfile
import time

import numpy as np

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    tr.manual_seed(0)
    cell = tr.rnn.LSTMCell(8, 16)
    rng = np.random.default_rng(0)
    ys, _ = tr.rnn.unroll(cell, [rng.normal(size=(1, 8)) for _ in range(args.steps)])
    loss = tr.stack(ys).sum()

    t0 = time.perf_counter()
    st = Stepper(loss)
    t1 = time.perf_counter()
    print(f"T={args.steps}: {len(st.order)} nodes, {len(st)} events; Stepper {t1 - t0:.2f} s")
    st.goto(len(st) // 2)
    t0 = time.perf_counter()
    st.frame(view="cells").source
    print(f"cells frame (DOT source) {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "player.html")
        t0 = time.perf_counter()
        st.to_html(path, view="cells")
        size = os.path.getsize(path) / 1e6
        print(f"HTML player (cells view, dot layout included) {time.perf_counter() - t0:.2f} s, "
              f"{size:.2f} MB")
    t0 = time.perf_counter()
    loss.backward()
    print(f"for comparison, loss.backward() {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
