"""The player's picture: dot's SVG, slimmed, and put in the state of the first event.

The page restyles nodes by CSS classes on their ``<g>`` (``pending``, ``gpart``, ``gdone``,
``lit``; ``off`` on an edge), which the page's style turns into colours over the node's own
(``.shape`` marks the outline of each node). Written here for the first event, they make the
page the browser lays out the first time the page it shows: the script changes nothing at
load, and a 200-step LSTM's page is ready in well under a second.
"""
import re

from ..draw.style import FONT

_NODE = re.compile(r'<g id="node\d+" class="node">\n<title>([^<]*)</title>\n'
                   r'(<(?:polygon|path|ellipse) )?')
_EDGE = re.compile(r'<g id="edge\d+" class="edge">\n<title>([^<]*)</title>\n')
_SLOT = re.compile(r'(<text [^>]*font-family="Courier,monospace"[^>]*>)[^<]*[vg]=</text>')
_CLUSTER = re.compile(r'(<g id="clust\d+" class="cluster">\n)<title>[^<]*</title>\n')


def node_class(current, done, grads=0, grads_done=0, wanted=0, legend=False):
    """The classes of a node's ``<g>``; the page's script computes the same ones."""
    return ("node" + (" current" if current else "") + (" done" if done else " pending") +
            ((" gdone" if grads_done == wanted else " gpart") if grads else "") +
            (" lit" if current and not legend else ""))


def first_state(data):
    """``(classes, pending)``: each box's classes at the first event (a forward event: no
    gradient has arrived yet), and the ids of the boxes not computed yet."""
    progress, current = data["events"][0][0], set(data["events"][0][1])
    fwd, classes, pending = data["fwd"], {}, set()
    for box in data["boxes"]:
        done = all(fwd[k] < 0 or fwd[k] <= progress for k in box["m"])
        lit = any(k in current for k in box["m"])
        classes[box["id"]] = node_class(lit, done, legend=box["legend"])
        if not done:
            pending.add(box["id"])
    return classes, pending


def prepare(svg, classes, pending, placeholder):
    """dot's SVG for the page: without comments, ``<title>`` elements (hover text showing DOT
    ids), the placeholders that kept room for values (laid out already; the script writes
    the values) and the attributes that the SVG default (``text-anchor="start"``) or the
    page's style (the font, for a text that names no other) give anyway; each node's DOT id
    as its group's id, with the classes of the first event and its outline marked
    ``.shape``; each edge's ends as ``data-ends``, ``off`` when an end is not computed yet."""
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S).replace(placeholder, "")
    svg = _SLOT.sub(r"\1</text>", svg)     # v= and g= lines: empty until the script fills them
    svg = svg.replace(' text-anchor="start"', "").replace(f' font-family="{FONT},sans-Serif"', "")

    def node(match):
        nid, shape = match.group(1), match.group(2) or ""
        marked = shape.replace(" ", ' class="shape" ', 1) if shape else ""
        return f'<g id="{nid}" class="{classes.get(nid, "node")}">\n{marked}'

    def edge(match):
        ends = match.group(1)
        off = any(end in pending for end in ends.replace("&#45;&gt;", "->").split("->"))
        return f'<g class="edge{" off" if off else ""}" data-ends="{ends}">\n'

    svg = _NODE.sub(node, svg)
    svg = _EDGE.sub(edge, svg)
    return _CLUSTER.sub(r"\1", svg)
