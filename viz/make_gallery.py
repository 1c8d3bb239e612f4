"""Regenerate the gallery of the lecture's figures, drawn from graphs the library recorded.

    .venv/bin/python viz/make_gallery.py            # writes viz/*.dot and viz/*.svg
    .venv/bin/python viz/make_gallery.py --check    # exit 1 if a committed .dot is stale
    .venv/bin/python viz/make_gallery.py --png /tmp/gallery   # also PNGs, to look at them

Every figure is ``tr.draw`` of a model run by ``tr.models.build_model`` (the model
``tinygrad-rnn render`` draws), or of ``MemoryCell`` below, a cell written as a student
would write one: nothing here is drawn by hand.
"""
import argparse
import os
import sys

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import tinygrad_rnn as tr  # noqa: E402
from tinygrad_rnn.models import DEFAULT_SENTENCE, build_model  # noqa: E402
from tinygrad_rnn.draw.api import layout  # noqa: E402
from tinygrad_rnn.files import atomic_write  # noqa: E402

WORDS = DEFAULT_SENTENCE.split()
LONG = ("the students who had read the lecture notes about recurrent networks carefully "
        "before the exam finally understood why the gradient vanishes").split()


class MemoryCell(tr.rnn.RNNCell):
    """A student's own cell, with names of its own and unnamed ops:

        memory_t = 0.5 memory_{t-1} + 0.5 tanh(x_t A + memory_{t-1} B),    y_t = relu(memory_t)

    Nothing tells the drawing which tensor is the state but what ``unroll`` declares."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.A = self._uniform((input_size, hidden_size), "A")
        self.B = self._uniform((hidden_size, hidden_size), "B")

    def initial_state(self, batch_size):
        return self._zeros(batch_size, "memory")

    def R(self, memory, x):
        return 0.5 * memory + 0.5 * (x @ self.A + memory @ self.B).tanh()

    def O(self, memory):
        return memory.relu()


def custom_figures():
    """The student's cell in the three views, as the built-in cells are drawn."""
    tr.manual_seed(0)
    cell = MemoryCell(4, 3)
    rng = numpy.random.default_rng(0)
    ys, _ = tr.rnn.unroll(cell, [rng.standard_normal((1, 4)) for _ in WORDS], labels=WORDS)
    ys[-1].sum().backward()
    title = 'a student\'s own cell ("memory", unnamed ops)'
    return [("custom_cells", title + ": the cells view", tr.draw(ys, title=title)),
            ("custom_ops", title + ": every op, |grad| of L = sum(y_6)",
             tr.draw(ys, view="ops", show=("shape", "value", "grad"), title=title)),
            ("custom_rolled", title + ": rolled", tr.draw(ys, view="rolled", title=title))]


def figures():
    """``[(name, caption, digraph)]`` in the order the README shows them."""
    out = []
    for k in range(1, len(WORDS) + 1):
        root, _ = build_model("elman", WORDS[:k])
        prefix = " ".join(WORDS[:k])
        out.append((f"unrolled_{k}", f'Elman RNN unrolled over "{prefix}"',
                    tr.draw(root, title=f'Elman RNN unrolled over "{prefix}"')))
    root, _ = build_model("elman", WORDS)
    out.append(("rolled", "the same recorded graph, rolled: a network with a loop",
                tr.draw(root, view="rolled", title="Elman RNN rolled: one cell and its loop")))
    root, _ = build_model("elman", WORDS, grad=True)
    out.append(("elman_ops", "Elman expanded to its ops (shapes, values, |grad| of L = sum y_6)",
                tr.draw(root, view="ops", show=("shape", "value", "grad"),
                        title="Elman RNN expanded: every op, L = sum(y_6)")))
    root, _ = build_model("lstm", WORDS[:2])
    out.append(("lstm_ops", "the LSTM cell expanded: gates i, f, g, o and the state (c, h)",
                tr.draw(root, view="ops", title="LSTM cell expanded (two steps)")))
    root, title = build_model("elman", WORDS, bidirectional=True)
    out.append(("birnn", "a bidirectional RNN: forward row above, backward row below",
                tr.draw(root, title=title)))
    root, title = build_model("elman", WORDS, layers=3)
    out.append(("deep", "a deep (stacked) RNN: one row per layer", tr.draw(root, title=title)))
    for pattern in ("acceptor", "transducer", "encoder-decoder"):
        words = WORDS if pattern != "encoder-decoder" else WORDS[:3]
        root, title = build_model("elman", words, pattern=pattern)
        out.append((pattern.replace("-", "_"), title, tr.draw(root, title=title)))
    for cell in ("elman", "lstm"):
        root, _ = build_model(cell, LONG, grad=True)
        name = {"elman": "Elman", "lstm": "LSTM"}[cell]
        title = f"{name}: |dL/ds_t| for L = sum(y_{len(LONG)})"
        out.append((f"grad_{cell}", title, tr.draw(root, show=("grad",), title=title)))
    return out + gates_figures() + custom_figures()


def gates_figures():
    """The cell state's path, as the LSTM explainers draw it (``view="gates"``)."""
    out = []
    root, _ = build_model("lstm", WORDS[:3])
    title = "LSTM: the memory c_t runs along the top, the gates below"
    out.append(("gates_lstm", title, tr.draw(root, view="gates", title=title)))
    root, _ = build_model("lstm", WORDS, grad=True)
    title = f"LSTM: |grad| along the memory for L = sum(y_{len(WORDS)})"
    out.append(("gates_lstm_grad", title, tr.draw(root, view="gates", show=("shape", "grad"),
                                                  title=title)))
    root, _ = build_model("gru", WORDS[:3])
    title = "GRU: h_t = (1 - z_t) * n_t + z_t * h_{t-1}, the belt through z_t * h_{t-1}"
    out.append(("gates_gru", title, tr.draw(root, view="gates", title=title)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare the .dot files")
    parser.add_argument("--png", metavar="DIR", help="also write PNGs into DIR")
    args = parser.parse_args(argv)
    stale = []
    for name, caption, graph in figures():
        source = graph.source.encode("utf-8")
        dot_path = os.path.join(HERE, f"{name}.dot")
        if args.check:
            if not os.path.exists(dot_path) or open(dot_path, "rb").read() != source:
                stale.append(name)
            continue
        atomic_write(dot_path, source)
        atomic_write(os.path.join(HERE, f"{name}.svg"), layout(source, "svg"))
        if args.png:
            os.makedirs(args.png, exist_ok=True)
            atomic_write(os.path.join(args.png, f"{name}.png"), layout(source, "png"))
        print(f"{name}: {caption}")
    if stale:
        print("stale figures (run viz/make_gallery.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
