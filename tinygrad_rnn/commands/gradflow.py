"""``tinygrad-rnn gradflow``: plot ||dL/ds_t|| against t, the vanishing-gradient picture.

    tinygrad-rnn gradflow --cell elman --steps 50 -o elman.png
    tinygrad-rnn gradflow --cell elman,lstm,gru --steps 50 -o cells.png
    tinygrad-rnn gradflow --cell lstm --gate-bias 3 -o lstm_open.svg   # forget gate f ≈ 0.95

The loss reads only the last output y_T; each curve shows how much of its gradient reaches the
state s_t (computed by the library's own backward pass, see ``tinygrad_rnn.gradflow``).
"""
import importlib.util
import os

from ..cli import CommandError, too_large
from ..files import WriteError, check_writable, shown
from ..models import GATES

MAX_STEPS = 2000
MAX_BYTES = 2 * 10 ** 9   # weights, inputs and the recorded graph of all steps


def add_parser(sub):
    p = sub.add_parser(
        "gradflow",
        help="plot ||dL/ds_t|| against t for an Elman, LSTM or GRU cell (PNG, SVG, PDF)",
        description="Unroll a freshly initialised cell over T steps of random input, take the "
                    "loss L = sum(y_T), run backward, and plot the norm of dL/ds_t for every t "
                    "on a log scale: a straight line down is a vanishing gradient.")
    p.add_argument("--cell", default="elman", metavar="elman|lstm|gru",
                   help="the cell, or several separated by commas to compare them in one plot "
                        "(default elman)")
    p.add_argument("--steps", type=int, default=50, metavar="T",
                   help=f"sequence length T, 1..{MAX_STEPS} (default 50)")
    p.add_argument("--hidden", type=int, default=32, help="hidden size (default 32)")
    p.add_argument("--input", type=int, default=8, help="input size (default 8)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the weights and of the random inputs (default 0)")
    p.add_argument("--gate-bias", type=float, default=None, metavar="B",
                   help="set the bias of the LSTM's forget gate / the GRU's update gate to B "
                        "(e.g. 3: the gate starts almost open, f ≈ 0.95); default: as "
                        "initialised (f ≈ 0.5)")
    p.add_argument("-o", "--output", default="gradflow.png", metavar="PATH",
                   help="output file: .png (default gradflow.png), .svg or .pdf")
    p.set_defaults(run=run)


def check_args(args):
    """Every argument checked before anything is computed or written; returns the cell list."""
    from .. import gradflow

    cells = [c.strip().lower() for c in args.cell.split(",")]
    unknown = [c for c in cells if c not in gradflow.CELLS]
    if unknown or not cells:
        raise CommandError(f"unknown cell {', '.join(map(repr, unknown)) or repr(args.cell)}; "
                           f"use one of {', '.join(gradflow.CELLS)} (or several, comma-separated)")
    if not 1 <= args.steps <= MAX_STEPS:
        raise CommandError(f"--steps must be between 1 and {MAX_STEPS}, got {args.steps}")
    for name in ("hidden", "input"):
        if getattr(args, name) < 1:
            raise CommandError(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.seed < 0:
        raise CommandError(f"--seed must be non-negative, got {args.seed}")
    if args.gate_bias is not None and not abs(args.gate_bias) < 1e6:
        raise CommandError(f"--gate-bias must be a finite number, got {args.gate_bias}")
    if args.gate_bias is not None and set(cells) == {"elman"}:
        raise CommandError("--gate-bias sets the forget gate of an lstm or the update gate of a "
                           "gru; the elman cell has no gate (use --cell lstm, gru, or several "
                           "such as elman,lstm)")
    nbytes = memory_bytes(cells, args.steps, args.input, args.hidden)
    if nbytes > MAX_BYTES:
        option = "--hidden" if args.hidden >= args.input else "--input"
        raise too_large(option, getattr(args, option[2:]), nbytes, MAX_BYTES)
    check_output(args.output)
    return list(dict.fromkeys(cells))


def memory_bytes(cells, steps, input_size, hidden):
    """About how many bytes (float64) one curve needs: the weights, the inputs, and the values
    the unrolled graph keeps for backward (a few per gate and step)."""
    gates = max(GATES[c] for c in cells)
    weights = gates * hidden * (input_size + hidden + 2)
    return 8 * (weights + steps * (input_size + 6 * gates * hidden))


def check_output(path):
    from ..gradflow import PLOT_FORMATS

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in PLOT_FORMATS:
        raise CommandError(f"unknown output suffix {suffix or '(none)'!r} in {shown(path)!r}; "
                           f"use one of {' '.join(PLOT_FORMATS)}")
    try:
        check_writable(path)
    except WriteError as exc:
        raise CommandError(str(exc)) from None


def run(args):
    cells = check_args(args)
    if importlib.util.find_spec("matplotlib") is None:
        raise CommandError("matplotlib is not installed: pip install 'tinygrad-rnn[plots]'")
    from .. import gradflow
    from ..random import manual_seed

    curves = {}
    for kind in cells:
        manual_seed(args.seed)
        cell = gradflow.make_cell(kind, args.input, args.hidden, args.gate_bias)
        norms = gradflow.state_grad_norms(cell, steps=args.steps, seed=args.seed)
        label = kind
        if args.gate_bias is not None and kind != "elman":
            label += f" ({'b_f' if kind == 'lstm' else 'b_z'} = {args.gate_bias:g})"
        curves[label] = norms
        print(f"{label}: ||dL/ds_T|| = {norms[-1]:.3g}, ||dL/ds_0|| = {norms[0]:.3g} "
              f"(T = {args.steps})")
    title = f"||dL/ds_t||, hidden size {args.hidden}, seed {args.seed}"
    fig = gradflow.plot_grad_norms(curves, title=title)
    try:
        gradflow.save_figure(fig, args.output)
    except WriteError as exc:
        raise CommandError(str(exc)) from None
    print(f"wrote {shown(args.output)}")
    return 0
