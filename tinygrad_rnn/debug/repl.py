"""The terminal debugger: a pdb-like prompt on a ``Stepper`` (commands in ``commands.py``).

The letters mean what they mean in pdb. An empty line repeats the last command; Ctrl-C at the
prompt cancels the line (and stops a long ``c``); only ``q`` or Ctrl-D leave. ``--commands``
runs a list of commands as if typed (a question such as bare ``clear``'s is answered by the
next command in the list).
"""
import sys

from .commands import HELP, Commands, Quit

PROMPT = "(tr-debug) "


class Repl(Commands):
    """Reads commands (from the terminal, or a list for scripting) and drives a Stepper."""

    def __init__(self, stepper, out=None, view=None):
        self.stepper, self.out = stepper, out or sys.stdout
        self.view = view or stepper.default_view
        self.last = None
        self.failures = 0
        self.pending = None           # the rest of a script, while one runs
        Commands.__init__(self)

    def say(self, text=""):
        print(text, file=self.out, flush=True)

    def ask(self, question):
        """A yes/no answer: typed at the terminal, or the script's next command."""
        if self.pending is not None:
            answer = self.pending.pop(0) if self.pending else ""
            self.say(question + answer)
        else:
            try:
                answer = input(question)
            except EOFError:
                answer = ""
        return answer.strip().lower() in ("y", "yes")

    # ---- loops ---------------------------------------------------------------------------
    def interact(self):
        """Prompt until ``q`` or end of input (Ctrl-D); Ctrl-C cancels the line."""
        if sys.stdin.isatty():
            try:
                import readline  # noqa: F401  (line editing and history for input())
            except ImportError:
                pass
        self.show_event()
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                self.say()
                return 0
            except KeyboardInterrupt as exc:
                _not_a_signal(exc)
                self.say()                # as pdb: a fresh prompt, the session goes on
                continue
            try:
                self.execute(line)
            except Quit:
                return 0
            except KeyboardInterrupt as exc:
                _not_a_signal(exc)
                self.say("--KeyboardInterrupt--")

    def script(self, lines):
        """Run commands as if typed (each echoed after the prompt); stops at ``q`` or the end.
        Returns 1 if a command failed, else 0."""
        self.show_event()
        self.pending = [line.strip() for line in lines]
        try:
            while self.pending:
                line = self.pending.pop(0)
                self.say(PROMPT + line)
                try:
                    self.execute(line)
                except Quit:
                    break
        finally:
            self.pending = None
        return 1 if self.failures else 0

    def execute(self, line):
        line = line.strip()
        if not line:
            if self.last is None:
                return
            line = self.last
        if line.startswith("!"):
            word, arg = "!", line[1:]
        else:
            word, _, arg = line.partition(" ")
        handler = self.commands.get(word)
        if handler is None:
            if self.is_python(word):          # as pdb: a line that is Python runs as Python
                handler, arg = self.do_exec, line
            else:
                self.failures += 1
                self.say(f"*** unknown command {word!r}; type h for help (s, n, c, b, p, l, w, "
                         "bt, q)")
                return
        self.last = line
        try:
            handler(arg.strip())
        except Quit:
            raise
        except Exception as exc:  # noqa: BLE001  every error of a command is its message
            self.failures += 1
            self.say(f"*** {message(exc)}")


def message(exc):
    """An error as one line: a KeyError's text without its quotes, a user's Python error with
    its type, as pdb prints it."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if type(exc) in (ValueError, OSError) or type(exc).__module__.startswith("tinygrad_rnn"):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _not_a_signal(exc):
    """Re-raise a SIGTERM/SIGHUP turned into ``cli.Terminated``: only Ctrl-C is cancelled."""
    if type(exc) is not KeyboardInterrupt:
        raise exc


__all__ = ["HELP", "PROMPT", "Quit", "Repl"]
