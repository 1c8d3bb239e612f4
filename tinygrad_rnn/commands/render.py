"""``tinygrad-rnn render``: draw the unrolled graph of an RNN over a sentence.

    tinygrad-rnn render -o john.svg                       # Elman over the lecture's sentence
    tinygrad-rnn render --cell lstm --view ops -o lstm.svg
    tinygrad-rnn render --bidirectional --pattern transducer -o bi.png
    tinygrad-rnn render --show grad --sentence "$(seq -s ' ' 30)" -o heat.svg

The graph drawn is the one the library recorded while computing the model: nothing is drawn
that was not computed. The model is ``tr.models.build_model`` (also what ``viz/`` and ``bench/``
use; its names stay importable from here).
"""
import os

from ..cli import CommandError, too_large
from ..files import shown
from ..models import (CELLS, DEFAULT_SENTENCE, GATES, INPUT_SIZE, PATTERNS,  # noqa: F401
                      build_model, model_bytes)

MAX_LAYERS = 64
MAX_MODEL_BYTES = 10 ** 9   # the weights of a model drawn or stepped through


def add_model_options(p, none_means):
    """The options that say which model graph to build (shared with ``debug``)."""
    p.add_argument("--cell", choices=CELLS, default="elman", help="the recurrent cell (default elman)")
    p.add_argument("--pattern", choices=PATTERNS, default="none",
                   help=f"what is computed from the outputs: none ({none_means}, default), "
                        "acceptor (one prediction from y_n), transducer (one tag per word), "
                        "encoder-decoder (the sentence is encoded, then decoded again)")
    p.add_argument("--bidirectional", action="store_true", help="a BiRNN: both directions")
    p.add_argument("--layers", type=int, default=1, help="stacked layers (default 1)")
    p.add_argument("--sentence", default=DEFAULT_SENTENCE,
                   help=f"the words, one time step each (default {DEFAULT_SENTENCE!r})")
    p.add_argument("--hidden", type=int, default=3, help="hidden size (default 3)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the weights (default 0)")


def check_model_options(args):
    """One-line errors for model options that argparse cannot check by itself."""
    check_text("--sentence", args.sentence)
    if not args.sentence.split():
        raise CommandError("--sentence is empty: give at least one word")
    if not 1 <= args.layers <= MAX_LAYERS:
        raise CommandError(f"--layers must be between 1 and {MAX_LAYERS}, got {args.layers}")
    if args.hidden < 1:
        raise CommandError(f"--hidden must be at least 1, got {args.hidden}")
    if args.seed < 0:
        raise CommandError(f"--seed must be non-negative, got {args.seed}")
    nbytes = model_bytes(args.cell, args.hidden, args.layers, args.bidirectional,
                         args.pattern == "encoder-decoder")
    if nbytes > MAX_MODEL_BYTES:
        raise too_large("--hidden", args.hidden, nbytes, MAX_MODEL_BYTES)


def check_text(option, text):
    """Refuse text that is not valid UTF-8: the command line had bytes that decode to nothing
    (Python keeps them as lone surrogates), which no drawing or page can show."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = os.fsencode(text[exc.start:exc.end])
        raise CommandError(f"{option} is not valid UTF-8 text (bytes {bad!r} at character "
                           f"{exc.start}); give it as UTF-8") from None


def cli_message(exc, view):
    """A drawing error in the command line's words (its options, not the Python API's)."""
    from ..draw.api import GraphTooLarge, LayoutTimeout

    if isinstance(exc, GraphTooLarge):
        return ("the ops view of this graph is too large for dot to lay out in reasonable time; "
                "use --view cells (one box per step) or fewer words")
    if isinstance(exc, LayoutTimeout):
        hint = "" if view == "cells" else ", use --view cells"
        return (f"dot took longer than {exc.timeout:g} s (--timeout); raise --timeout{hint}, "
                "or write the Graphviz source with -o NAME.dot and lay it out yourself")
    return str(exc).removeprefix("render: ").removeprefix("draw: ")


def add_parser(sub):
    p = sub.add_parser(
        "render", help="draw the unrolled graph of an RNN over a sentence (SVG, PNG, PDF, DOT)",
        description="Build an RNN over the words of a sentence, record its graph, and draw it "
                    "with Graphviz: the cells view (the lecture's unrolled picture), the ops "
                    "view (every primitive op, one cluster per word), the rolled view, or the "
                    "gates view (the gates and the cell state's path).")
    add_model_options(p, none_means="just y_1..y_T")
    p.add_argument("--view", choices=("cells", "ops", "rolled", "gates"), default="cells",
                   help="cells: one box per step (default); ops: every primitive op; "
                        "rolled: the network with a loop; gates: the gates and the cell "
                        "state's path (--cell lstm or gru)")
    p.add_argument("--show", choices=("shape", "value", "grad"), default="shape",
                   help="what each node shows besides its name: shape (default), value, or grad "
                        "(runs a backward first; |grad| on a log heat scale)")
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds dot may take to lay out (default 120)")
    p.add_argument("-o", "--output", default="rnn.svg", metavar="PATH",
                   help="output file: .svg (default rnn.svg), .png, .pdf, or .dot/.gv for the "
                        "Graphviz source (needs no Graphviz)")
    p.add_argument("--keep-dot", action="store_true",
                   help="also write the Graphviz source of an image beside it (PATH with .dot)")
    p.set_defaults(run=run)


def check_args(args):
    """Every argument checked before anything is computed or written."""
    from ..draw import api

    check_model_options(args)
    check_timeout(args.timeout)
    try:
        suffix = api.check_path(args.output, keep_dot=args.keep_dot)
    except ValueError as exc:
        raise CommandError(str(exc).removeprefix("render: ")) from None
    if suffix not in (".dot", ".gv") and not api.dot_available():
        raise CommandError(api.INSTALL)
    return suffix


def check_timeout(timeout, option="--timeout"):
    """A finite number of seconds > 0 (nan, inf, 0 and negative numbers are refused)."""
    from ..draw.api import MAX_TIMEOUT

    if not 0 < timeout <= MAX_TIMEOUT:    # False for nan too
        raise CommandError(f"{option} must be a number of seconds > 0 and <= {MAX_TIMEOUT:g}, "
                           f"got {timeout:g}")


def run(args):
    from ..draw import api
    from ..files import WriteError

    suffix = check_args(args)
    root, title = build_model(args.cell, args.sentence.split(), pattern=args.pattern,
                              bidirectional=args.bidirectional, layers=args.layers,
                              hidden=args.hidden, seed=args.seed, grad=args.show == "grad")
    try:
        api.render(root, args.output, view=args.view, show=(args.show,),
                   title=title, timeout=args.timeout, keep_dot=args.keep_dot)
    except (ValueError, RuntimeError, WriteError) as exc:
        raise CommandError(cli_message(exc, args.view)) from None
    written = [args.output]
    if args.keep_dot and suffix not in (".dot", ".gv"):
        written.append(api.dot_path(args.output))
    print(f"wrote {' and '.join(shown(p) for p in written)}")
    return 0
