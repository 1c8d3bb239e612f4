"""The terminal debugger: a pdb-like prompt on a ``Stepper``.

    n, next [k]        k events on (default 1)          b, back [k]     k events back
    c, continue        run to the next breakpoint        g, goto I       jump to event I (1-based)
    break SPEC         op=tanh | t=3 | name=s_3 | nan | phase=backward (several: all must hold)
    break              list breakpoints                  clear           remove them all
    p NAME             a node's value and gradient so far (names as the debugger prints them)
    w, where           scope path and creation site of the current node
    l, list            the current event again           frame PATH [ops|cells]  write the frame
    h, help            this text                         q, quit         leave (so does Ctrl-D)

An empty line repeats the last command, as in pdb.
"""
import sys

import numpy

from .. import backend
from .text import formula, site

PROMPT = "(tr-debug) "
HELP = __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]


class Quit(Exception):
    """Raised by ``q``: leave the loop."""


class Repl:
    """Reads commands (from the terminal, or a list for scripting) and drives a Stepper."""

    def __init__(self, stepper, out=None, view=None):
        self.stepper, self.out = stepper, out or sys.stdout
        self.view = view or stepper.default_view
        self.last = None
        self.failures = 0
        self.commands = {
            "n": self.do_next, "next": self.do_next, "b": self.do_back, "back": self.do_back,
            "c": self.do_continue, "cont": self.do_continue, "continue": self.do_continue,
            "g": self.do_goto, "goto": self.do_goto, "break": self.do_break,
            "clear": self.do_clear, "p": self.do_print, "print": self.do_print,
            "w": self.do_where, "where": self.do_where, "l": self.do_list, "list": self.do_list,
            "frame": self.do_frame, "h": self.do_help, "help": self.do_help,
            "q": self.do_quit, "quit": self.do_quit, "exit": self.do_quit,
        }

    def say(self, text=""):
        print(text, file=self.out, flush=True)

    # ---- loops ---------------------------------------------------------------------------
    def interact(self):
        """Prompt until ``q`` or end of input (Ctrl-D)."""
        if sys.stdin.isatty():
            try:
                import readline  # noqa: F401  (line editing and history for input())
            except ImportError:
                pass
        self.do_list("")
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                self.say()
                return 0
            try:
                self.execute(line)
            except Quit:
                return 0

    def script(self, lines):
        """Run commands as if typed (each echoed after the prompt); stops at ``q`` or the end.
        Returns 1 if a command failed, else 0."""
        self.do_list("")
        for line in lines:
            self.say(PROMPT + line.strip())
            try:
                self.execute(line)
            except Quit:
                break
        return 1 if self.failures else 0

    def execute(self, line):
        line = line.strip()
        if not line:
            if self.last is None:
                return
            line = self.last
        word, _, arg = line.partition(" ")
        handler = self.commands.get(word)
        if handler is None:
            self.failures += 1
            self.say(f"unknown command {word!r}; type h for help (n, b, c, break, p, w, frame, q)")
            return
        self.last = line
        try:
            handler(arg.strip())
        except (ValueError, KeyError, OSError, RuntimeError) as exc:
            self.failures += 1
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            self.say(f"*** {message}")

    # ---- commands ------------------------------------------------------------------------
    def _count(self, arg):
        if not arg:
            return 1
        try:
            return int(arg)
        except ValueError:
            raise ValueError(f"expected a number of events, got {arg!r}") from None

    def _moved(self, before):
        st = self.stepper
        if st.index == before:
            edge = "last" if st.index == len(st) - 1 else "first"
            self.say(f"(already at the {edge} event)")
        self.do_list("")

    def do_next(self, arg):
        before = self.stepper.index
        self.stepper.step(self._count(arg))
        self._moved(before)

    def do_back(self, arg):
        before = self.stepper.index
        self.stepper.back(self._count(arg))
        self._moved(before)

    def do_goto(self, arg):
        before = self.stepper.index
        self.stepper.goto(self._count(arg) - 1)
        self._moved(before)

    def do_continue(self, arg):
        st = self.stepper
        if not st.breakpoints:
            self.say("(no breakpoints: running to the end)")
        hit = st.cont()
        if hit is None and st.breakpoints:
            self.say("(no breakpoint hit: at the last event)")
        elif hit is not None:
            bps = [str(bp) for bp in st.breakpoints if bp.matches(hit)]
            self.say(f"breakpoint {', '.join(bps)}")
        self.do_list("")
        if hit is not None and any(bp.nan for bp in st.breakpoints) and not hit.is_finite():
            self.do_where("")

    def do_break(self, arg):
        st = self.stepper
        if not arg:
            if not st.breakpoints:
                self.say("no breakpoints")
            for i, bp in enumerate(st.breakpoints, 1):
                self.say(f"{i}: {bp}")
            return
        bp = st.break_at(arg)
        self.say(f"breakpoint {len(st.breakpoints)}: {bp}")

    def do_clear(self, arg):
        self.stepper.clear_breakpoints()
        self.say("all breakpoints cleared")

    def do_print(self, arg):
        if not arg:
            raise ValueError("p needs a node name, e.g. p s_3 (names appear in the event lines)")
        st = self.stepper
        node = st.node(arg)
        at = st.forward_at.get(node)
        self.say(f"{formula(node if at is None else st.ops[at], st.names)}   "
                 f"shape {tuple(node.shape)}")
        value = st.value_of(node)
        self.say("  value: " + ("not computed yet" if value is None else _full(value)))
        grad, parts, done = st.grad_of(node)
        if grad is None:
            state = "none (needs no gradient)" if node not in st.backward_at else "not yet"
            self.say(f"  grad:  {state}")
        else:
            state = "dL/d" + st.names[node] if done else f"partial sum of {parts} so far"
            self.say(f"  grad ({state}): {_full(grad)}")
        self.say(f"  made at {site(node.origin if at is None else st.ops[at].origin)}")

    def do_where(self, arg):
        self.say(self.stepper.where())

    def do_list(self, arg):
        self.say(self.stepper.summary())

    def do_frame(self, arg):
        parts = arg.split()
        if not parts:
            raise ValueError("frame needs a path, e.g. frame step.svg")
        view = parts[1] if len(parts) > 1 else self.view
        from .files import write_frame
        write_frame(self.stepper, parts[0], view)
        self.say(f"wrote {parts[0]}")

    def do_help(self, arg):
        self.say(HELP)

    def do_quit(self, arg):
        raise Quit


def _full(array):
    a = backend.to_numpy(array)
    text = numpy.array2string(a, precision=4, threshold=64, edgeitems=3, suppress_small=True)
    return text if "\n" not in text else "\n    " + text.replace("\n", "\n    ")
