"""The debugger's help: one entry per command (its names, arguments, what it does)."""
import textwrap

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


def help_line(names, args, what):
    head = ", ".join(names) + (f" {args}" if args else "")
    return textwrap.fill(f"  {head:<22} {what}", width=92, subsequent_indent=" " * 25)


HELP = "\n".join(
    [(entry[0] + ":") if entry[1] is None else help_line(*entry) for entry in ENTRIES] +
    [textwrap.fill("An empty line repeats the last command; Ctrl-C cancels the line; a line "
                   "that starts with a node or variable name runs as Python.", width=92)])
