"""The browser player: one self-contained HTML page that plays a Stepper's events.

The graph is drawn once by ``tr.draw`` (inline SVG; each node's ``<title>`` is its DOT id, which
the script makes the element's id); a few lines of inline JavaScript restyle the nodes by id
for the chosen event (grey and dashed before they run, filled after,
pink/salmon once gradients arrive, yellow with a red outline for the current one) and show the
event's text. Nothing is fetched: no CDN, no fonts, no network. The page grows with the number
of boxes plus a short text per event, not with one picture per event.
"""
import html
import json

from ..draw.api import dot_available, layout
from ..draw.style import OP_FILL
from ..files import atomic_write, check_writable
from .frame import CURRENT_EDGE, CURRENT_FILL, GRAD_FILL, PARTIAL_FILL, build

MAX_TEXT = (700, 200)  # characters of summary kept per event (short graph, long graph)
LONG = 2000            # events from which a graph counts as long

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 0.8em; }}
#head {{ padding-bottom: 0.2em; }}
#bar {{ display: flex; gap: 0.5em; align-items: center; padding: 0.3em 0; }}
#slider {{ flex: 1; }}
#text {{ background: #f6f6f6; padding: 0.5em; font-size: 12px; white-space: pre-wrap;
         height: 9em; overflow: auto; margin: 0.4em 0 0 0; resize: vertical; }}
#graph {{ overflow: auto; border: 1px solid #ddd; height: calc(100vh - 16em); min-height: 20em; }}
.legend span {{ display: inline-block; padding: 0 0.5em; margin-right: 0.3em; font-size: 12px;
               border: 1px solid #999; }}
</style></head><body>
<div id="head">
<h3 style="margin:0.2em 0">{title}</h3>
<div id="bar">
<button id="first" title="first event (Home)">|&lt;</button>
<button id="prev" title="previous event (left arrow)">&#x25C0; prev</button>
<button id="next" title="next event (right arrow)">next &#x25B6;</button>
<button id="last" title="last event (End)">&gt;|</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="event">
<span id="counter"></span>
<span style="font-size:11px;color:#777">keys: &larr; &rarr; Home End</span>
</div>
<div class="legend"><span style="border-style:dashed;color:#999">not run</span><span
 style="background:{fill_op}">computed</span><span style="background:{partial}">gradient so
 far</span><span style="background:{grad}">gradient done</span><span
 style="background:{current};border:2px solid {current_edge}">current</span></div>
<pre id="text"></pre>
</div>
<div id="graph">{svg}</div>
<script id="data" type="application/json">{data}</script>
<script>
(function () {{
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var slider = document.getElementById("slider"), index = 0;
  function shapeOf(el) {{ return el && el.querySelector("polygon, ellipse, path"); }}
  function titled(kind) {{
    var out = [];
    document.querySelectorAll("#graph g." + kind).forEach(function (el) {{
      var t = el.querySelector("title");
      if (t) out.push([el, t.textContent]);
    }});
    return out;
  }}
  var look = {{}}, edges = [];  // each node's and edge's own colours, restored once it has run
  function keep(s) {{
    return {{ fill: s.getAttribute("fill"), stroke: s.getAttribute("stroke"),
             width: s.getAttribute("stroke-width") || "1",
             dash: s.getAttribute("stroke-dasharray") || "" }};
  }}
  titled("node").forEach(function (p) {{
    p[0].id = p[1];
    var s = shapeOf(p[0]);
    if (s) look[p[1]] = keep(s);
  }});
  titled("edge").forEach(function (p) {{
    var ends = p[1].split("->"), parts = [];
    p[0].querySelectorAll("path, polygon").forEach(function (s) {{ parts.push([s, keep(s)]); }});
    edges.push({{ ends: ends, parts: parts }});
  }});
  function nodeState(k, p) {{
    var f = D.fwd[k], b = D.bwd[k], g0 = D.first[k];
    return {{ done: f < 0 || f <= p,
             grad: b !== null && b <= p ? "done" : (g0 !== null && g0 <= p ? "partial" : null) }};
  }}
  function show(i) {{
    index = Math.max(0, Math.min(D.events.length - 1, i));
    var ev = D.events[index], p = ev.p, cur = {{}};
    ev.cur.forEach(function (k) {{ cur[k] = true; }});
    var doneBox = {{}};
    D.boxes.forEach(function (box) {{
      var el = document.getElementById(box.id), shape = shapeOf(el), own = look[box.id];
      if (!shape || !own) return;
      var done = true, grads = 0, gradsDone = 0, current = false;
      box.m.forEach(function (k) {{
        var s = nodeState(k, p);
        done = done && s.done;
        if (s.grad) grads++;
        if (s.grad === "done") gradsDone++;
        if (cur[k]) current = true;
      }});
      doneBox[box.id] = done;
      var fill = done ? own.fill : "white";
      if (grads) fill = (gradsDone === box.ng) ? D.colors.grad : D.colors.partial;
      if (current) fill = D.colors.current;
      shape.setAttribute("fill", fill);
      var edge = done ? own.stroke : "#bfbfbf";
      shape.setAttribute("stroke", current ? D.colors.currentEdge : edge);
      shape.setAttribute("stroke-width", current ? "3" : own.width);
      shape.setAttribute("stroke-dasharray", done ? own.dash : "5,2");
      el.setAttribute("class",
                      "node" + (current ? " current" : "") + (done ? " done" : " pending"));
      el.style.opacity = done ? "1" : "0.55";
    }});
    edges.forEach(function (e) {{
      var on = doneBox[e.ends[0]] !== false && doneBox[e.ends[1]] !== false;
      e.parts.forEach(function (q) {{
        q[0].setAttribute("stroke", on ? q[1].stroke : "#cccccc");
        q[0].setAttribute("stroke-dasharray", on ? q[1].dash : "5,2");
      }});
    }});
    slider.value = index;
    document.getElementById("counter").textContent = (index + 1) + " / " + D.events.length;
    document.getElementById("text").textContent = ev.text;
    document.body.setAttribute("data-index", String(index));
    var first = ev.cur.length ? document.getElementById(D.boxOf[ev.cur[0]]) : null;
    if (first && first.scrollIntoView)
      first.scrollIntoView({{block: "nearest", inline: "nearest"}});
  }}
  document.getElementById("next").onclick = function () {{ show(index + 1); }};
  document.getElementById("prev").onclick = function () {{ show(index - 1); }};
  document.getElementById("first").onclick = function () {{ show(0); }};
  document.getElementById("last").onclick = function () {{ show(D.events.length - 1); }};
  slider.oninput = function () {{ show(parseInt(slider.value, 10)); }};
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight" || e.key === "ArrowDown") {{ show(index + 1); e.preventDefault(); }}
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") {{
      show(index - 1); e.preventDefault(); }}
    else if (e.key === "Home") {{ show(0); e.preventDefault(); }}
    else if (e.key === "End") {{ show(D.events.length - 1); e.preventDefault(); }}
  }});
  show(0);
}})();
</script></body></html>
"""


def player_data(stepper, graph):
    """The JSON the page's script reads: the nodes of ``graph`` (tr.draw's, with
    ``node_tensors``) with their tensors' numbers, each tensor's forward and backward event
    index (and when its first partial gradient arrives), each event's text."""
    number = {node: k for k, node in enumerate(stepper.order)}
    first = []
    for node in stepper.order:
        b = stepper.backward_at.get(node)
        senders = [stepper.backward_at[s] for s, _ in stepper.ops[b].contributions
                   if s is not None] if b is not None else []
        first.append(min(senders) if senders else b)
    events, keep = [], stepper.index
    max_text = MAX_TEXT[len(stepper) > LONG]
    try:
        for i in range(len(stepper)):
            stepper.goto(i)
            text = stepper.summary()
            if len(text) > max_text:
                text = text[:max_text] + "\n  ..."
            events.append({"p": stepper.progress, "text": text,
                           "cur": [number[e.node] for e in stepper.event.events]})
    finally:
        stepper.goto(keep)
    return {
        "boxes": [{"id": nid, "m": [number[n] for n in tensors],
                   "ng": sum(1 for n in tensors if n in stepper.backward_at)}
                  for nid, tensors in graph.node_tensors.items() if tensors],
        "fwd": [stepper.forward_at.get(n, -1) for n in stepper.order],
        "bwd": [stepper.backward_at.get(n) for n in stepper.order],
        "first": first, "boxOf": {number[n]: nid for n, nid in graph.node_ids.items()},
        "events": events,
        "colors": {"grad": GRAD_FILL, "partial": PARTIAL_FILL, "current": CURRENT_FILL,
                   "currentEdge": CURRENT_EDGE},
    }


def render_page(stepper, view="ops", title=None):
    """The page as a string."""
    graph = build(stepper, view, values=False, neutral=True)
    if not dot_available():
        raise OSError("to_html: Graphviz's dot program is needed to draw the graph "
                      "(apt-get install graphviz)")
    # dot runs in its own process group, killed if this is interrupted (see draw.api.layout)
    svg = layout(graph.source.encode("utf-8", "backslashreplace"), "svg").decode("utf-8")
    svg = svg[svg.find("<svg"):]
    data = script_json(player_data(stepper, graph))
    title = title or f"tinygrad_rnn step debugger: {stepper.names[stepper.root]}"
    return PAGE.format(title=html.escape(title), last=len(stepper) - 1, svg=svg, data=data,
                       fill_op=OP_FILL, partial=PARTIAL_FILL, grad=GRAD_FILL,
                       current=CURRENT_FILL, current_edge=CURRENT_EDGE)


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
