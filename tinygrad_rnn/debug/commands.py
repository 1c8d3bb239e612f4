"""The debugger's commands, pdb's letters with pdb's meanings (``Repl`` runs them).

The exact rules of the commands that differ from one event to the next are in ``HELP`` (and in
docs/debugger.md): ``n`` goes to the next event at the current level or above (``control.py``),
``u``/``d`` move along ``bt``, the path of consumers from the loss down to the current node.
"""
import contextlib
import io
import pprint
import textwrap

from ..state import step_of
from . import source, text
from .evaluate import evaluate, execute


class Quit(Exception):
    """Raised by ``q``: leave the loop."""


ENTRIES = [  # (names, arguments, what it does): the help text, one entry per command
    ("Moving (s, n, r, c stop early at an enabled breakpoint on the way)", None, None),
    (("s", "step"), "[k]", "the next event (k events on)"),
    (("n", "next"), "[k]", "the next event at this level or above: from an op inside a time "
                           "step, the next op of that step (or its result s_t); from a step's "
                           "result s_t, or from outside the steps, the next such event, over all "
                           "the ops of a step (s_1 -> s_2)"),
    (("r", "return"), "", "to the last event of this time step (from there: of the next one)"),
    (("c", "cont", "continue"), "", "to the next event where a breakpoint fires (the end if "
                                    "none does)"),
    (("back", "rs"), "[k]", "k events back (b is break, as in pdb)"),
    (("g", "goto"), "I", "to event I (1 to the number of events)"),
    ("Breakpoints (refused at once when they cannot fire; never twice the same)", None, None),
    (("b", "break"), "[SPEC]", "SPEC: op=tanh  t=3  name=s_3 (W_x for W^x)  phase=backward  "
                               "nan (where a NaN/Inf is made); several must all hold; b alone "
                               "lists the breakpoints"),
    (("tbreak",), "SPEC", "a breakpoint removed when it fires"),
    (("clear", "cl"), "[N ...]", "remove breakpoints N (no N: all, after asking)"),
    (("disable",), "N ...", "keep breakpoints N but do not stop at them"),
    (("enable",), "N ...", "stop at them again"),
    (("condition",), "N [EXPR]", "breakpoint N fires only where EXPR is true (no EXPR: always)"),
    ("Looking (u and d move along bt, not in time; s, n, r, c, back, g come back to the node)",
     None, None),
    (("w", "where"), "", "the node's scope path (which time step), creation site, any NaN/Inf "
                         "it produced"),
    (("bt", "backtrace"), "", "the path from the loss down to the current node (the shortest "
                              "chain of consumers); > marks the node u and d chose"),
    (("u", "up"), "[k]", "to the consumer on that path, toward the loss"),
    (("d", "down"), "[k]", "back toward the current node"),
    (("l", "list"), "", "the source lines where the node was made (again: the next lines)"),
    (("p",), "EXPR", "a node (p s_1: value, gradient so far, where), or a Python expression over "
                     "the node names: s_1.T, W_s @ s_1.T, np.tanh(x_3), grad('W_s')"),
    (("pp",), "EXPR", "the same, with every number (long arrays still summarised)"),
    (("display",), "[EXPR]", "print EXPR after each move when it changed (alone: the list)"),
    (("undisplay",), "[EXPR]", "stop displaying EXPR (alone: all)"),
    (("!",), "STMT", "run a Python statement (!a = s_1 * 2); what it assigns stays"),
    (("frame",), "PATH [ops|cells]", "write the current frame (.svg .png .pdf .dot)"),
    (("h", "help"), "[CMD]", "this text, or one command's"),
    (("q", "quit", "exit"), "", "leave (so does Ctrl-D)"),
]


def _help_line(names, args, what):
    head = ", ".join(names) + (f" {args}" if args else "")
    return textwrap.fill(f"  {head:<22} {what}", width=92, subsequent_indent=" " * 25)


HELP = "\n".join(
    [(entry[0] + ":") if entry[1] is None else _help_line(*entry) for entry in ENTRIES] +
    [textwrap.fill("An empty line repeats the last command; Ctrl-C cancels the line; a line "
                   "that starts with a node or variable name runs as Python.", width=92)])


class Commands:
    """The ``do_*`` methods of the prompt (a ``Repl`` provides ``stepper``, ``say``, ``ask``)."""

    def __init__(self):
        self.displays = {}            # expression -> its text when last shown
        self.focus = 0                # u/d: how far up bt from the current node
        self._list_next = None        # (event index, focus, next line) of a listing going on
        self.commands = {}
        for names, *_ in ENTRIES:
            if isinstance(names, tuple):
                method = next(getattr(self, "do_" + {"!": "exec"}.get(n, n))
                              for n in reversed(names) if hasattr(self, "do_" + {"!": "exec"}.get(n, n)))
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

    def _moved(self, before, event):
        st = self.stepper
        if st.index == before:
            edge = "last" if st.index == len(st) - 1 else "first"
            self.say(f"(already at the {edge} event)")
        elif event is None and st.index == len(st) - 1:
            self.say("(reached the last event)")
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
        if hit is None and any(bp.enabled for bp in st.breakpoints):
            self.say("(no breakpoint fired: at the last event)")
        self._moved(before, hit)
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

    # ---- breakpoints ---------------------------------------------------------------------
    def do_break(self, arg, temporary=False):
        st = self.stepper
        if not arg:
            return self._list_breakpoints()
        if arg.lstrip("+-").isdigit():       # the old "b 2" (two events back)
            raise ValueError(f"b is break, as in pdb (b op=tanh, b t=3, b name=s_3, b nan); "
                             f"to go {arg.lstrip('+-')} events back, type back {arg.lstrip('+-')}"
                             " (or rs)")
        known = len(st.breakpoints)
        bp = st.break_at(arg, temporary=temporary)
        if len(st.breakpoints) == known:
            self.say(f"(breakpoint {bp.number} is already {bp})")
            return
        count = sum(1 for e in st.events if bp.matches(e))
        kind = "Temporary breakpoint" if temporary else "Breakpoint"
        fires = "" if bp.nan else f" (matches {count} event{'s' * (count != 1)})"
        self.say(f"{kind} {bp.number}: {bp}{fires}")

    def do_tbreak(self, arg):
        if not arg:
            raise ValueError("tbreak needs a SPEC, e.g. tbreak t=3")
        self.do_break(arg, temporary=True)

    def _list_breakpoints(self):
        st = self.stepper
        if not st.breakpoints:
            self.say("no breakpoints")
            return
        self.say("Num Type        Disp Enb   Where")
        for bp in st.breakpoints:
            kind, disp = ("tbreak", "del ") if bp.temporary else ("breakpoint", "keep")
            self.say(f"{bp.number:<3} {kind:<11} {disp} {'yes' if bp.enabled else 'no ':<5} {bp}")
            if bp.condition:
                self.say(f"\tstop only if {bp.condition}")
            if bp.hits:
                self.say(f"\tbreakpoint already hit {bp.hits} time{'s' * (bp.hits != 1)}")

    def _numbers(self, arg, command):
        try:
            numbers = [int(n) for n in arg.split()]
        except ValueError:
            raise ValueError(f"{command} needs breakpoint numbers, got {arg!r}") from None
        if not numbers:
            raise ValueError(f"{command} needs breakpoint numbers (b lists them)")
        return [self.stepper.breakpoint(n) for n in numbers]

    def do_clear(self, arg):
        st = self.stepper
        if not arg:
            if st.breakpoints and self.ask("Clear all breaks? "):
                st.clear_breakpoints()
                self.say("Deleted all breakpoints")
            elif not st.breakpoints:
                self.say("no breakpoints")
            return
        for bp in self._numbers(arg, "clear"):
            st.clear_breakpoints(bp.number)
            self.say(f"Deleted breakpoint {bp.number}: {bp}")

    def do_disable(self, arg, enabled=False):
        for bp in self._numbers(arg, "enable" if enabled else "disable"):
            bp.enabled = enabled
            self.say(f"{'Enabled' if enabled else 'Disabled'} breakpoint {bp.number}: {bp}")

    def do_enable(self, arg):
        self.do_disable(arg, enabled=True)

    def do_condition(self, arg):
        number, _, expression = arg.partition(" ")
        bp = self._numbers(number, "condition")[0]
        self.stepper.set_condition(bp.number, expression.strip() or None)
        self.say(f"Breakpoint {bp.number} is now unconditional." if not bp.condition else
                 f"New condition set for breakpoint {bp.number}: {bp.condition}")

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
            self.say(f"{mark} {text.formula(node, st.names)}" + (f"   {step}" if step else ""))

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
        self.say(f"> {text.formula(node, self.stepper.names)}   "
                 f"{text.where(node, self.stepper.user_code)}")

    def do_down(self, arg):
        self.do_up(arg, sign=-1)

    def do_list(self, arg):
        st = self.stepper
        key = (st.index, self.focus)
        start = self._list_next[1] if self._list_next and self._list_next[0] == key and \
            arg != "." else None
        lines, following = source.listing(self._focused().origin, st.user_code, start)
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
        self.say(f"{text.formula(node, st.names)}   shape {tuple(node.shape)}")
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
                self.say(_help_line(names, args, what))
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
