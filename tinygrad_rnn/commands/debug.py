"""``tinygrad-rnn debug``: step through an RNN's recorded graph, forward then backward, like pdb.

    tinygrad-rnn debug --cell elman --sentence "John lives in Salt Lake City"
    tinygrad-rnn debug --commands "n;n;p s_1;b op=tanh;c;p s_1.T;w;bt;q"
    tinygrad-rnn debug --cell lstm --html lstm.html      # a page that plays the steps

The model options are the ones of ``render``; the graph is the same one.
"""
import sys

from ..cli import CommandError
from ..files import WriteError, check_writable, shown
from ..models import as_loss, build_model
from .render import add_model_options, check_model_options, cli_message


def add_parser(sub):
    p = sub.add_parser(
        "debug", help="step through the graph forward and backward (s/n/b/c/p/l/w/bt/q, as pdb)",
        description="Replay the recorded graph of an RNN over a sentence node by node, forward "
                    "then backward, at a pdb-like prompt (type h for help), or write an HTML "
                    "page that plays the steps.")
    add_model_options(p, none_means="L = the sum of all y_t")
    p.add_argument("--granularity", choices=("op", "step"), default="op",
                   help="one event per op (default) or per time step")
    p.add_argument("--view", choices=("ops", "cells"), default=None,
                   help="the picture the frame command and --html draw (default: ops at op "
                        "granularity unless the graph is too large for it, cells at step "
                        "granularity)")
    p.add_argument("--break", dest="breaks", action="append", default=[], metavar="SPEC",
                   help="a breakpoint to start with, e.g. 'op=tanh', 't=3', 'name=s_3', 'nan' "
                        "(repeatable); one that cannot fire in this graph is an error")
    p.add_argument("--commands", metavar="CMDS",
                   help="run these commands, separated by ';', instead of prompting, "
                        "e.g. \"n;n;p s_1;q\"")
    p.add_argument("--html", metavar="PATH",
                   help="write a self-contained HTML player of the steps to PATH and exit")
    p.set_defaults(run=run)


def build_graph(args):
    """The scalar root to replay: the model ``render`` draws (``tr.models.build_model``), and for
    ``--pattern none`` (where render draws the outputs y_1..y_T) L = sum_t sum(y_t)."""
    check_model_options(args)
    root, _ = build_model(args.cell, args.sentence.split(), pattern=args.pattern,
                          bidirectional=args.bidirectional, layers=args.layers,
                          hidden=args.hidden, seed=args.seed)
    return as_loss(root)


def run(args):
    from ..debug import Stepper
    from ..debug.repl import Repl

    if args.html:
        if not args.html.lower().endswith((".html", ".htm")):
            raise CommandError(f"--html needs a .html path, got {shown(args.html)!r}")
        try:
            check_writable(args.html)
        except WriteError as exc:
            raise CommandError(str(exc)) from None
    root = build_graph(args)
    stepper = Stepper(root, granularity=args.granularity)
    stepper.user_code = False              # the model is ours: no line of the user's code made it
    for spec in args.breaks:
        try:
            stepper.break_at(spec)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    if args.html:
        view = args.view or stepper.default_view
        try:
            stepper.to_html(args.html, view=view)
        except (OSError, ValueError, RuntimeError) as exc:
            raise CommandError(cli_message(exc, view)) from None
        why = "" if args.view or view == "ops" or args.granularity == "step" else \
            f"; the cells view: the ops view of {len(stepper.order)} nodes is too large"
        print(f"wrote {shown(args.html)} ({len(stepper)} events{why})")
        return 0
    repl = Repl(stepper, out=sys.stdout, view=args.view)
    if args.commands is not None:
        return repl.script([c for c in args.commands.split(";") if c.strip()])
    return repl.interact()
