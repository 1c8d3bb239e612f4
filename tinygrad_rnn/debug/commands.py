"""The debugger's commands, pdb's letters with pdb's meanings (``Repl`` runs them).

The exact rules of the commands that differ from one event to the next are in ``HELP`` (and in
docs/debugger.md): ``n`` goes to the next event at the current level or above (``control.py``),
``u``/``d`` move along ``bt``, the path of consumers from the loss down to the current node.
"""
import contextlib
import io
import pprint

from ..state import step_of
from . import source, text
from .breakcommands import BreakpointCommands
from .evaluate import evaluate, execute
from .help import ENTRIES, HELP, help_line


class Quit(Exception):
    """Raised by ``q``: leave the loop."""


class Commands(BreakpointCommands):
    """The ``do_*`` methods of the prompt (a ``Repl`` provides ``stepper``, ``say``, ``ask``)."""

    def __init__(self):
        self.displays = {}            # expression -> its text when last shown
        self.focus = 0                # u/d: how far up bt from the current node
        self._list_next = None        # (event index, focus, next line) of a listing going on
        self.commands = {}
        for names, *_ in ENTRIES:
            if isinstance(names, tuple):      # the method is do_ + the last name that has one
                methods = ["do_" + ("exec" if n == "!" else n) for n in reversed(names)]
                method = getattr(self, next(m for m in methods if hasattr(self, m)))
                self.commands.update(dict.fromkeys(names, method))

    # ---- showing -------------------------------------------------------------------------
    def show_event(self):
        self.focus, self._list_next = 0, None
        self.say(self.stepper.summary())
        for expression, old in list(self.displays.items()):
            new = self._shown(expression)
            if new != old:
                was = "" if old is None else f"  [old: {old}]"
                self.say(f"display {expression}: {new}{was}")
                self.displays[expression] = new

    def _shown(self, expression):
        try:
            return _one_line(evaluate(self.stepper, expression))
        except Exception as exc:  # noqa: BLE001  a display that fails shows why, as pdb
            return f"** {type(exc).__name__}: {exc} **"

    def is_python(self, word):
        """A line whose first word is a variable or node name runs as Python (as in pdb)."""
        name = word.split(".")[0].split("[")[0].split("=")[0].strip()
        return bool(name) and (name in self.stepper.variables or
                               name in self.stepper.resolver.identifiers() or
                               name in self.stepper.resolver.composite)

    def _moved(self, before, event, end="(reached the last event)"):
        st = self.stepper
        if st.index == before:
            edge = "last" if st.index == len(st) - 1 else "first"
            self.say(f"(already at the {edge} event)")
        elif event is None and st.index == len(st) - 1:
            self.say(end)
        self._report_hits()
        self.show_event()

    def _report_hits(self):
        st = self.stepper
        for bp in st.last_hits:
            gone = " (temporary: now removed)" if bp.temporary else ""
            self.say(f"Breakpoint {bp.number}: {bp}{gone}")
            if bp.number in st.condition_errors:
                self.say(f"*** its condition {bp.condition!r} failed: "
                         f"{st.condition_errors[bp.number]}")

    def _count(self, arg, what="events"):
        if not arg:
            return 1
        try:
            k = int(arg)
        except ValueError:
            raise ValueError(f"expected a number of {what}, got {arg!r}") from None
        if k < 1:
            raise ValueError(f"the number of {what} must be 1 or more, got {k} (back k goes "
                             "back)" if what == "events" else f"expected 1 or more, got {k}")
        return k

    # ---- moving --------------------------------------------------------------------------
    def _move(self, how, arg):
        before = self.stepper.index
        self._moved(before, how(self._count(arg)))

    def do_step(self, arg):
        self._move(lambda k: self.stepper._repeat(k, lambda start: (lambda i: True)), arg)

    def do_next(self, arg):
        self._move(self.stepper.next, arg)

    def do_return(self, arg):
        self._move(self.stepper.finish, arg)

    def do_continue(self, arg):
        st = self.stepper
        if not any(bp.enabled for bp in st.breakpoints):
            self.say("(no breakpoints: running to the end)")
        before = st.index
        hit = st.cont()
        fired = any(bp.enabled for bp in st.breakpoints)
        self._moved(before, hit, "(no breakpoint fired: at the last event)" if fired else
                    "(reached the last event)")
        if hit is not None and any(bp.nan for bp in st.last_hits):
            self.do_where("")

    def do_rs(self, arg):
        before = self.stepper.index
        event = self.stepper.back(self._count(arg))
        self._moved(before, event)

    def do_goto(self, arg):
        st = self.stepper
        try:
            i = int(arg)
        except ValueError:
            raise ValueError(f"goto needs an event number from 1 to {len(st)}, got "
                             f"{arg!r}") from None
        if not 1 <= i <= len(st):
            raise ValueError(f"there is no event {i}: the events are 1 to {len(st)}")
        before = st.index
        self._moved(before, st.goto(i - 1))

    # ---- looking -------------------------------------------------------------------------
    def _path(self):
        return self.stepper.backtrace()

    def _focused(self):
        path = self._path()
        return path[max(0, len(path) - 1 - self.focus)]

    def do_where(self, arg):
        st = self.stepper
        if self.focus:
            self.say(f"(up {self.focus} from the current node)")
            self.say(st.where(self._focused()))
        else:
            self.say(st.where())

    def do_backtrace(self, arg):
        st, path = self.stepper, self._path()
        for k, node in enumerate(path):
            mark = ">" if len(path) - 1 - k == self.focus else " "
            step = text.step_text(*_step(node))
            formula = text.formula(st.recorded(node), st.names)
            self.say(f"{mark} {formula}" + (f"   {step}" if step else ""))

    def do_up(self, arg, sign=1):
        path = self._path()
        k = self._count(arg, "levels")
        focus = self.focus + sign * k
        if focus > len(path) - 1:
            raise ValueError("Oldest frame: the root (the loss) is the top of bt")
        if focus < 0:
            raise ValueError("Newest frame: the current node is the bottom of bt")
        self.focus, self._list_next = focus, None
        node = self._focused()
        st = self.stepper
        self.say(f"> {text.formula(st.recorded(node), st.names)}   "
                 f"{text.where(st.recorded(node), st.user_code)}")

    def do_down(self, arg):
        self.do_up(arg, sign=-1)

    def do_list(self, arg):
        st = self.stepper
        key = (st.index, self.focus)
        start = self._list_next[1] if self._list_next and self._list_next[0] == key and \
            arg != "." else None
        lines, following = source.listing(st.recorded(self._focused()).origin, st.user_code,
                                           start)
        self._list_next = (key, following) if following else None
        for line in lines:
            self.say(line)

    def do_p(self, arg, pretty=False):
        if not arg:
            raise ValueError("p needs a node name or an expression, e.g. p s_3 or p s_3.T "
                             "(names appear in the event lines)")
        st = self.stepper
        node = st.resolver.lookup(arg)
        if node is None:
            value = evaluate(st, arg)
            self.say(_pretty(value) if pretty else _one_line(value))
            return
        self.say(f"{text.formula(st.recorded(node), st.names)}   shape {tuple(node.shape)}")
        value = st.value_of(node)
        precision, threshold = (8, 1000) if pretty else (4, 64)
        self.say("  value: " + ("not computed yet" if value is None
                                else text.full(value, precision, threshold)))
        grad, parts, done = st.grad_of(node)
        if grad is None:
            state = "none (needs no gradient)" if node not in st.backward_at else "not yet"
            self.say(f"  grad:  {state}")
        else:
            state = "dL/d" + st.names[node] if done else f"partial sum of {parts} so far"
            self.say(f"  grad ({state}): {text.full(grad, precision, threshold)}")
        self.say(f"  {text.site(node.origin, st.user_code)}")

    def do_pp(self, arg):
        self.do_p(arg, pretty=True)

    def do_display(self, arg):
        if not arg:
            if not self.displays:
                self.say("no displays")
            for expression, shown in self.displays.items():
                self.say(f"display {expression}: {shown}")
            return
        compile(arg, "<display>", "eval")
        self.displays[arg] = shown = self._shown(arg)
        self.say(f"display {arg}: {shown}")

    def do_undisplay(self, arg):
        if not arg:
            self.displays.clear()
        elif self.displays.pop(arg, False) is False:
            raise ValueError(f"not displaying {arg!r}")

    def do_exec(self, arg):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):    # what the statement prints goes to out
            execute(self.stepper, arg)
        if buffer.getvalue():
            self.out.write(buffer.getvalue())
            self.out.flush()

    def do_frame(self, arg):
        parts = arg.split()
        if not parts:
            raise ValueError("frame needs a path, e.g. frame step.svg")
        view = parts[1] if len(parts) > 1 else self.view
        from .files import write_frame
        write_frame(self.stepper, parts[0], view)
        self.say(f"wrote {parts[0]}")

    def do_help(self, arg):
        if not arg:
            self.say(HELP)
            return
        for names, args, what in ENTRIES:
            if isinstance(names, tuple) and arg in names:
                self.say(help_line(names, args, what))
                return
        raise ValueError(f"no command {arg!r}; h lists them")

    def do_quit(self, arg):
        raise Quit


def _step(node):
    return step_of(node)


def _one_line(value):
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return text.full(value, indent=False)
    return repr(value)


def _pretty(value):
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return text.full(value, precision=8, threshold=1000, indent=False)
    return pprint.pformat(value)
