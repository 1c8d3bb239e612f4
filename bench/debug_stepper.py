"""How long the step debugger takes on a long unroll, and how large and fast its player is:
building the Stepper (forward order, names, its own backward pass, the NaN hunt's marks) as a
ratio of ``loss.backward()`` in the same process, one cells-view frame, the HTML player (its
size, and, with Playwright and Chromium, how long it takes to load: the best of three).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/debug_stepper.py           # LSTM(8, 16), T=200
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/debug_stepper.py --steps 50
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/debug_stepper.py --cli     # the CLI's model
"""
import argparse
import os
import shutil
import tempfile
import time

import numpy as np

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper


def model(steps, cli):
    """The root to replay: the command line's LSTM over ``steps`` words (hidden 3, what
    ``debug --cell lstm --sentence ... --html`` plays), or an LSTM(8, 16)."""
    if cli:
        root, _ = tr.models.build_model("lstm", [str(i) for i in range(steps)])
        return tr.models.as_loss(root)
    tr.manual_seed(0)
    cell = tr.rnn.LSTMCell(8, 16)
    rng = np.random.default_rng(0)
    ys, _ = tr.rnn.unroll(cell, [rng.normal(size=(1, 8)) for _ in range(steps)])
    return tr.stack(ys).sum()


def best(fn, rounds=3):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_time(path):
    """Milliseconds from navigation to the end of the page's load event in headless
    Chromium (the best of three), or None without Playwright or Chromium."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not os.path.exists(chromium):
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        loads = []
        for _ in range(3):
            page.goto("file://" + path)
            loads.append(page.evaluate(
                "performance.getEntriesByType('navigation')[0].loadEventEnd"))
        browser.close()
    return min(loads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--cli", action="store_true", help="the command line's LSTM model")
    args = parser.parse_args()
    loss = model(args.steps, args.cli)
    build = best(lambda: Stepper(loss))
    backward = best(lambda: loss.backward(write_grads=False))
    st = Stepper(loss)
    print(f"T={args.steps}: {len(st.order)} nodes, {len(st)} events; Stepper {build:.3f} s "
          f"= {build / backward:.1f} x loss.backward() ({backward:.4f} s)")
    st.goto(len(st) // 2)
    print(f"cells frame (DOT source) {best(lambda: st.frame(view='cells').source, 1):.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "player.html")
        t0 = time.perf_counter()
        st.to_html(path)
        elapsed = time.perf_counter() - t0
        print(f"HTML player ({st.default_view} view, dot layout included) {elapsed:.2f} s, "
              f"{os.path.getsize(path) / 1e6:.2f} MB")
        ms = load_time(path)
        print("load in headless Chromium: " + ("(needs Playwright and Chromium)" if ms is None
                                               else f"{ms:.0f} ms (best of 3)"))


if __name__ == "__main__":
    main()
