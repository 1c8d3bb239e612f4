"""How nodes look: HTML-table labels, the lecture's names with sub/superscripts, the heat scale.

Labels are Graphviz HTML labels (``shape=plain`` nodes holding a ``<TABLE>``), as in the
reference pictures: op name on top, the tensor's name with ``<SUB>``, its shape in small grey,
optionally its values and a |grad| cell coloured on a log heat scale.
"""
import html
import math

import numpy

FONT = "Helvetica"
X_FILL = "#dbe9f6"        # inputs x_t
S_FILL = "#d9f0d3"        # forward states s_t
B_FILL = "#e5d8ef"        # backward states (BiRNN)
Y_FILL = "#fde0c5"        # outputs y_t
LOSS_FILL = "#fdd0a2"     # losses
OP_FILL = "#e8e8e8"
ACT_FILL = "#c7e9c0"      # activations that make a state
S_EDGE = "#238b45"
B_EDGE = "#6a51a3"
CLUSTER = 'style="rounded,filled"; fillcolor=gray97; color=gray70;'
LOSS_OPS = ("cross_entropy", "mse")
LEVELS = 9                # /reds9/1 .. /reds9/9: one colour per decade below the largest |grad|
# Graphviz refuses a quoted string, or a run of text in an HTML label, longer than 16,384
# characters ("syntax error ... longer than 16384?"), and an edge longer than 65,535 points (a
# node or cluster some 9,000 characters wide): longer text is cut, ending in an ellipsis.
MAX_QUOTED = 2_000        # a title, a word, a hook's value
MAX_HTML_TEXT = 1_000     # one piece of a node's label (a label joins a few of them)
ELLIPSIS = "\u2026"


def clip(text, limit, escape=str):
    """``escape(text)``, cut (before escaping, so no escape is split) to at most ``limit``
    characters with a trailing ellipsis."""
    text = str(text)
    if len(text) * 6 <= limit:      # no escape makes a character longer than "&quot;"
        return escape(text)
    out = escape(text)
    if len(out) <= limit:
        return out
    keep = limit - 1                # escaping never shortens, so at most this many characters
    while len(escape(text[:keep])) > limit - 1:
        keep = min(keep - 1, keep * (limit - 1) // len(escape(text[:keep])))
    return escape(text[:keep]) + ELLIPSIS


def esc(text):
    """Text for an HTML label: escaped, and short enough for Graphviz."""
    return clip(text, MAX_HTML_TEXT, lambda t: html.escape(t, quote=True))


def node_name(g, n, t=None):
    """The name a node shows: its tensor's name, else the role its step declared for it (an
    unnamed state of a student's cell is s_t, the parts of a composite one s_t[0], s_t[1]), as
    an HTML label piece; "" when it has neither."""
    node = g.nodes[n]
    if node.name:
        return pretty_name(node.name, t)
    role = g.role_of.get(n)
    if role is None:
        return pretty_name("L", t) if n in g.losses else ""
    from .graph import ROLE_SYMBOLS
    what, k, unit = role
    text = pretty_name(ROLE_SYMBOLS[what], t)
    return text + (f"[{k}]" if len(unit.step.roles.get(what, ())) > 1 else "")


def pretty_name(name, t=None):
    """``"W^x"`` -> W<SUP>x</SUP>, ``"b_y"`` -> b<SUB>y</SUB>; with ``t``: s -> s<SUB>t</SUB>."""
    base, sup = name, ""
    if "^" in base:
        base, sup = base.split("^", 1)
    sub = ""
    if "_" in base:
        base, sub = base.split("_", 1)
    if "_" in sup:
        sup, extra = sup.split("_", 1)
        sub = f"{sub},{extra}" if sub else extra
    if t is not None:
        if sub == "t" or sub.endswith(",t"):
            sub = sub[:-1] + str(t)
        elif sub == "n":
            pass
        else:
            sub = f"{sub},{t}" if sub else str(t)
    out = esc(base)
    if sub:
        out += f"<SUB>{esc(sub)}</SUB>"
    if sup:
        out += f"<SUP>{esc(sup)}</SUP>"
    return out


def shape_text(shape):
    return "(" + ",".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def quote_word(word):
    """A step label as a cluster title: the word in straight double quotes."""
    return '"\\"' + clip(word, MAX_QUOTED - 4, _quote_word_text) + '\\""'


def _quote_word_text(text):
    return text.replace("\\", "\\\\").replace('"', "'")


def dot_string(text):
    """Text as a DOT quoted string (escaped, and short enough for Graphviz)."""
    return '"' + clip(text, MAX_QUOTED, _escape_quoted) + '"'


def _escape_quoted(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def values_text(data, limit=6):
    """Small arrays printed (``+0.12 -0.50``), large ones summarised (mean, std, min, max)."""
    a = numpy.asarray(data.get() if hasattr(data, "get") else data, dtype=float).ravel()
    if a.size <= limit:
        return " ".join(f"{v:+.2f}" for v in a)
    return f"μ {a.mean():+.2f} σ {a.std():.2f} [{a.min():+.2f}, {a.max():+.2f}]"


class Heat:
    """|grad| on a log scale, one colour per decade: level 9 is the decade of the largest norm
    in the picture, each level below one decade smaller, level 1 everything smaller still (and
    exact zeros). Decades are absolute (1e-03 <= |grad| < 1e-02 ...), so two pictures whose
    largest gradients share a decade can be compared colour for colour."""

    def __init__(self, norms, norm=None):
        self.norm = norm                 # tensor -> its |grad| (the legend of parameters)
        finite = [n for n in norms if n is not None and n > 0 and math.isfinite(n)]
        self.top = 10.0 ** math.floor(math.log10(max(finite)) + 1) if finite else None

    def level(self, norm):
        if norm is None or self.top is None or not norm > 0:
            return 1
        if not math.isfinite(norm):
            return LEVELS
        below = math.floor(math.log10(self.top / norm))
        return max(1, min(LEVELS, LEVELS - below))

    def cell(self, norm, colspan=1):
        """A table cell ``|grad| 1.2e-03`` on its heat colour."""
        level = self.level(norm)
        ink = "white" if level >= 7 else "black"
        text = "no grad" if norm is None else f"|grad| {norm:.1e}"
        span = f' COLSPAN="{colspan}"' if colspan > 1 else ""
        return (f'<TD{span} BGCOLOR="/reds9/{level}"><FONT POINT-SIZE="9" COLOR="{ink}">'
                f"{text}</FONT></TD>")

    def legend(self):
        """A one-row table: the nine colours and the decade each stands for."""
        if self.top is None:
            return None
        cells = []
        for level in range(LEVELS, 0, -1):
            ink = "white" if level >= 7 else "black"
            value = self.top * 10.0 ** (level - LEVELS - 1)
            text = f"&#8805;{value:.0e}" if level > 1 else f"&lt;{value * 10:.0e}"
            cells.append(f'<TD BGCOLOR="/reds9/{level}"><FONT POINT-SIZE="9" COLOR="{ink}">'
                         f"{text}</FONT></TD>")
        return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
                f'<TR><TD COLSPAN="{LEVELS}" BGCOLOR="{OP_FILL}"><B>|grad| heat scale</B> '
                "(log, one colour per decade)</TD></TR>"
                f'<TR>{"".join(cells)}</TR></TABLE>>')


def table(rows, border=0):
    """An HTML label from ``<TR>`` rows."""
    return (f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def row(content, fill=None, align=None):
    attrs = (f' BGCOLOR="{fill}"' if fill else "") + (f' ALIGN="{align}"' if align else "")
    return f"<TR><TD{attrs}>{content}</TD></TR>"


def small(text, color="gray35", size=9):
    return f'<FONT POINT-SIZE="{size}" COLOR="{color}">{text}</FONT>'


def mono(text):
    return f'<FONT POINT-SIZE="8" FACE="Courier">{esc(text)}</FONT>'


def param_legend(params, heat, names, shared=True):
    """The one table of shared parameters: name, shape, |grad| (summed over time). Without
    time steps (``shared=False``) it is just the table of leaves that require grad."""
    show_grad = heat is not None
    head = '<TD><I>name</I></TD><TD><I>shape</I></TD>' + ('<TD><I>|grad|</I></TD>' if show_grad else "")
    if shared:
        title = "<B>shared parameters</B><BR/>" + small(
            "one tensor used at every step" + ("; |grad| summed over t" if show_grad else ""))
    else:
        title = "<B>parameters</B> " + small("(leaves that require grad)")
    rows = [f'<TR><TD COLSPAN="{3 if show_grad else 2}" BGCOLOR="{OP_FILL}">{title}</TD></TR>',
            f"<TR>{head}</TR>"]
    for p, label in zip(params, names):
        cells = f'<TD ALIGN="LEFT">{label}</TD><TD>{small(shape_text(p.shape), "black")}</TD>'
        if show_grad:
            cells += heat.cell(heat.norm(p))
        rows.append(f"<TR>{cells}</TR>")
    return table(rows)
