"""The ``tinygrad-rnn`` command line. Each subcommand lives in its own module under
``commands/`` with ``add_parser(subparsers)`` and ``run(args) -> exit code``."""
import argparse
import importlib
import sys

from . import __version__

# Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ["demo", "homework", "debug", "render", "gradflow"]


class CommandError(Exception):
    """A user mistake a command reports in one line (exit status 2), never as a traceback."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tinygrad-rnn",
        description="Draw, step through and check recurrent neural networks unrolled in time.")
    parser.add_argument("--version", action="version", version=f"tinygrad-rnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).add_parser(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except CommandError as exc:
        print(f"tinygrad-rnn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tinygrad-rnn {args.command}: interrupted", file=sys.stderr)
        return 130
