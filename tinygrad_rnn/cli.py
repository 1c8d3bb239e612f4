"""The ``tinygrad-rnn`` command line. Each subcommand lives in its own module under
``commands/`` with ``add_parser(subparsers)`` and ``run(args) -> exit code``.

The promise of every subcommand: exit 0 with a valid result, or a non-zero exit with one line
on stderr (argparse's usage line before it is fine), no traceback, and no file written.

Signals: while a command runs, SIGTERM and SIGHUP raise ``Terminated`` in the main thread, as
Ctrl-C (SIGINT) raises ``KeyboardInterrupt``. So a command stopped by a signal unwinds like one
that failed: every ``try``/``finally`` and ``with`` block cleans up (a ``dot`` child is killed,
a temporary file or folder removed), nothing half-written is left, and the exit status is
128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM). Commands that start workers (the
homework grader) rely on this: their cleanup runs in ``finally``.
"""
import argparse
import contextlib
import importlib
import signal
import sys
import threading

from . import __version__
from .backend import size_text
from .files import WriteError

# Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ["demo", "homework", "debug", "render", "gradflow"]
# Signals that stop a command cleanly (SIGINT is Python's KeyboardInterrupt already).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class CommandError(Exception):
    """A user mistake a command reports in one line (exit status 2), never as a traceback."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: raised in the main thread so that cleanup code runs.

    A subclass of ``KeyboardInterrupt``: code that already cleans up after Ctrl-C (``fit``
    stopping between two steps, the grader killing its workers) does the same for SIGTERM.
    ``signum`` is the signal's number."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum

    def __str__(self):
        return signal.Signals(self.signum).name


@contextlib.contextmanager
def signals_raise():
    """While the block runs, SIGTERM and SIGHUP raise ``Terminated`` in the main thread (once:
    a second signal during the cleanup is ignored, so the cleanup can finish). The previous
    handlers are restored afterwards. Outside the main thread this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, frame):
        if not fired:
            fired.append(signum)
            raise Terminated(signum)

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def too_large(option, value, nbytes, limit):
    """A ``CommandError`` for an option asking for more memory than ``limit`` bytes."""
    return CommandError(f"{option} {value} is too large: it needs about {size_text(nbytes)} "
                        f"of memory (at most {size_text(limit)} allowed)")


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
    name = f"tinygrad-rnn {args.command}"
    try:
        with signals_raise():
            return args.run(args) or 0
    except CommandError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except Terminated as exc:
        print(f"{name}: stopped by {exc}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except WriteError as exc:   # a file writer deep inside a command; the old file is intact
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"{name}: error: out of memory (is a size given too large?)", file=sys.stderr)
        return 1
