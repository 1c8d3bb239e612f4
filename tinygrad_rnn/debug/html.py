"""The browser player: one self-contained HTML page that plays a Stepper's events.

The graph is drawn once by ``tr.draw`` (inline SVG; each node's ``<title>`` is its DOT id, which
the script makes the element's id), with empty lines reserved below each node for its value and
gradient (the frame's ``slots``). The page's script (``player.py``) restyles the nodes for the
chosen event (grey and dashed before they run, filled after, pink/salmon once gradients
arrive, yellow with a red outline for the current one; for a parameter, its row of the
parameters' table), writes each node's v= and g= into its lines, and shows the event's text.
Nothing is fetched: no CDN, no fonts, no network (a Content-Security-Policy says so).

Size: the page grows with the number of boxes and of distinct text lines, never with one
picture per event. Every string is stored once (``strings``) and each event lists the numbers
of its lines; a 200-step LSTM (6,800 events) makes a page under 3 MB.
"""
import html
import json

from ..draw.api import dot_available, layout
from ..draw.style import FONT, OP_FILL
from ..files import atomic_write, check_writable
from . import text
from .frame import (CURRENT_EDGE, CURRENT_FILL, GRAD_FILL, PARTIAL_FILL, grad_text, is_legend,
                    slots, value_text)
from .player import PAGE
from .svg import first_state, prepare

MAX_LINE = 300         # characters of one text line (a user's tensor name can be long)
PLACEHOLDER = "\u2007" * 30   # figure spaces: the room kept for a value after "v=" / "g="


class Strings:
    """Each distinct string once; ``add`` gives its number."""

    def __init__(self):
        self.list, self.number = [], {}

    def add(self, s):
        s = s if len(s) <= MAX_LINE else s[:MAX_LINE - 3] + "..."
        k = self.number.get(s)
        if k is None:
            k = self.number[s] = len(self.list)
            self.list.append(s)
        return k


def neutral_graph(stepper, view):
    """The one picture the page restyles: every node as computed, no values, and below each
    node an empty line for each of its ``slots`` (v= and g=)."""
    from ..draw import draw

    def reserve(tensors):
        return [prefix + kind + "=" + PLACEHOLDER
                for node, prefix, kinds in slots(stepper, tensors) for kind in kinds]
    return draw(stepper.root, view=view, node_style=lambda tensors: {}, node_text=reserve)


def player_data(stepper, graph):
    """The JSON the page's script reads (see ``player.py`` for how it is used)."""
    number = {node: k for k, node in enumerate(stepper.order)}
    strings = Strings()
    first, values, grads = [], [], []
    for node in stepper.order:
        b = stepper.backward_at.get(node)
        senders = [stepper.backward_at[s] for s, _ in stepper.ops[b].contributions
                   if s is not None] if b is not None else []
        first.append(min(senders) if senders else b)
    shown = {}
    boxes = []
    for nid, tensors in graph.node_tensors.items():
        if not tensors:
            continue
        box_slots = []
        for node, prefix, kinds in slots(stepper, tensors):
            shown[node] = True
            box_slots.append([number[node], strings.add(prefix), kinds])
        boxes.append({"id": nid, "m": [number[n] for n in tensors],
                      "ng": sum(1 for n in tensors if n in stepper.backward_at),
                      "s": box_slots, "legend": is_legend(tensors)})
    for node in stepper.order:
        values.append(strings.add(value_text(stepper.values[node])) if node in shown else -1)
        grads.append(_grad_steps(stepper, node, strings) if node in shown else 0)
    return {
        "strings": strings.list, "boxes": boxes, "values": values, "grads": grads,
        "fwd": [stepper.forward_at.get(n, -1) for n in stepper.order],
        "bwd": [stepper.backward_at.get(n) for n in stepper.order],
        "first": first, "boxOf": {number[n]: nid for n, nid in graph.node_ids.items()},
        "events": _events(stepper, number, strings),
        "colors": {"grad": GRAD_FILL, "partial": PARTIAL_FILL, "current": CURRENT_FILL,
                   "currentEdge": CURRENT_EDGE},
    }


def _grad_steps(stepper, node, strings):
    """``[progress, string, ...]``: the node's g= text from each op-event on (0: none)."""
    at = stepper.backward_at.get(node)
    if at is None:
        return 0
    steps, total = [], None
    arrivals = sorted(((stepper.backward_at[s] if s is not None else at, g)
                       for s, g in stepper.ops[at].contributions), key=lambda a: a[0])
    for k, (when, g) in enumerate(arrivals, 1):
        total = g if total is None else total + g
        if when < at:
            steps += [when, strings.add(grad_text(total, k, False))]
    steps += [at, strings.add(grad_text(stepper.ops[at].grad, len(arrivals), True))]
    return steps


def _events(stepper, number, strings):
    """Per event ``[progress, [current tensors], [line, ...]]``; a line is a string number or
    a list of them to join (the scope path and the creation site, each stored once)."""
    out, names, user_code = [], stepper.names, stepper.user_code
    for k, event in enumerate(stepper.events):
        if stepper.granularity == "op":
            lines = [[strings.add(part) for part in text.event_parts(event, names)]]
            lines += [strings.add(line) for line in
                      text.detail_lines(event, names, user_code, where_line=False)]
            lines.append([strings.add("  " + text.in_scope(event.node)),
                          strings.add("; " + text.site(event.node.origin, user_code))])
        else:
            lines = [strings.add(line)
                     for line in text.describe_group(event, names).split("\n")]
        out.append([stepper._spans[k][1], [number[e.node] for e in event.events], lines])
    return out


def render_page(stepper, view="ops", title=None):
    """The page as a string."""
    graph = neutral_graph(stepper, view)
    if not dot_available():
        raise OSError("to_html: Graphviz's dot program is needed to draw the graph "
                      "(apt-get install graphviz)")
    # dot runs in its own process group, killed if this is interrupted (see draw.api.layout)
    svg = layout(graph.source.encode("utf-8", "backslashreplace"), "svg").decode("utf-8")
    data = player_data(stepper, graph)
    svg = prepare(svg[svg.find("<svg"):], *first_state(data), PLACEHOLDER)
    data = script_json(data)
    title = title or f"tinygrad_rnn step debugger: {stepper.names[stepper.root]}"
    return PAGE.format(title=html.escape(title), last=len(stepper) - 1, svg=svg, data=data,
                       fill_op=OP_FILL, partial=PARTIAL_FILL, grad=GRAD_FILL,
                       current=CURRENT_FILL, current_edge=CURRENT_EDGE, view=view, font=FONT)


def script_json(value):
    """``value`` as JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` are
    written as ``\\u003c``, ``\\u003e``, ``\\u0026`` (the same string to JSON.parse), so no text,
    such as a word ``</script>`` or ``<!--<script>``, can end the element or comment it out."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_html(stepper, path, view="ops", title=None):
    """Write the player to ``path`` (atomically: on any failure the old file is intact);
    returns the path."""
    check_writable(path)                  # before the (possibly long) drawing
    page = render_page(stepper, view, title)
    atomic_write(path, page.encode("utf-8", "backslashreplace"))
    return path
