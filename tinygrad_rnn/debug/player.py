"""The HTML player's page: markup, style and the script that plays the events (``html.py``
fills in the SVG and the JSON it reads).

The JSON (``D``): ``strings`` (every text once), ``events`` (per event: the last op-event that
has run, the current tensors, the numbers of its text lines), per tensor of the Stepper's order
``fwd``/``bwd`` (its forward and backward event, -1/null for none), ``first`` (when its first
partial gradient arrives), ``values`` and ``grads`` (the v= text, and the g= texts with the
op-event from which each holds), and ``boxes`` (per drawn node: its DOT id, tensors, slots for
v= and g=, whether it is the parameters' table, whose rows the script finds by their cells).

Controls: play/pause (space) at a chosen speed, first/previous/next/last (Home, arrow keys,
End), a slider; zoom out/in (- and +), fit to the window (f), actual size (1). The script marks
its state on ``<body>`` (``data-index``, ``data-playing``, ``data-zoom``, ``data-ready``: the
milliseconds from navigation to the first frame) for tests and for the curious.
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 0.8em; }}
.bar {{ display: flex; gap: 0.5em; align-items: center; padding: 0.2em 0; flex-wrap: wrap; }}
#slider {{ flex: 1; min-width: 8em; }}
#text {{ background: #f6f6f6; padding: 0.5em; font-size: 12px; white-space: pre-wrap;
         height: 9em; overflow: auto; margin: 0.4em 0 0 0; resize: vertical; }}
#graph {{ overflow: auto; border: 1px solid #ddd; height: calc(100vh - 19em); min-height: 20em; }}
#graph svg {{ display: block; }}
#graph svg text:not([font-family]) {{ font-family: {font}, sans-serif; }}
g.node.pending > .shape {{ fill: white; stroke: #bfbfbf; stroke-dasharray: 5,2; }}
g.node.pending text {{ fill: #999999; }}
g.node.gpart > .shape {{ fill: {partial}; }}
g.node.gdone > .shape {{ fill: {grad}; }}
g.node.lit > .shape {{ fill: {current}; stroke: {current_edge}; stroke-width: 3px; }}
g.edge.off path, g.edge.off polygon {{ stroke: #cccccc; stroke-dasharray: 5,2; }}
.legend span {{ display: inline-block; padding: 0 0.5em; margin-right: 0.3em; font-size: 12px;
               border: 1px solid #999; }}
.keys {{ font-size: 11px; color: #777; }}
</style></head><body>
<div id="head">
<h3 style="margin:0.2em 0">{title}</h3>
<div class="bar">
<button id="first" title="first event (Home)">|&lt;</button>
<button id="prev" title="previous event (left arrow)">&#x25C0; prev</button>
<button id="play" title="play or pause (space)">&#x25B6; play</button>
<button id="next" title="next event (right arrow)">next &#x25B6;</button>
<button id="last" title="last event (End)">&gt;|</button>
<label for="speed">speed</label>
<select id="speed" title="events per second while playing">
<option value="1">1/s</option><option value="2">2/s</option><option value="5" selected>5/s</option>
<option value="10">10/s</option><option value="25">25/s</option><option value="50">50/s</option>
<option value="100">100/s</option></select>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="event">
<span id="counter"></span>
</div>
<div class="bar">
<button id="zoomout" title="zoom out (-)">&minus;</button><span id="zoomlabel">100%</span>
<button id="zoomin" title="zoom in (+)">+</button>
<button id="fit" title="fit the graph to the window (f)">fit</button>
<button id="zoom100" title="actual size (1)">1:1</button>
<span class="legend"><span style="border-style:dashed;color:#999">not run</span><span
 style="background:{fill_op}">computed</span><span style="background:{partial}">gradient so
 far</span><span style="background:{grad}">gradient done</span><span
 style="background:{current};border:2px solid {current_edge}">current</span></span>
<span class="keys">{view} view &middot; keys: space &larr; &rarr; Home End + &minus; f 1</span>
</div>
<pre id="text"></pre>
</div>
<div id="graph">{svg}</div>
<script id="data" type="application/json">{data}</script>
<script>
(function () {{
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var S = D.strings, N = D.events.length, NS = "http://www.w3.org/2000/svg";
  var slider = document.getElementById("slider"), graph = document.getElementById("graph");
  var svg = graph.querySelector("svg"), index = 0, timer = null, zoom = 1, initial = true;
  function $(id) {{ return document.getElementById(id); }}
  function set(el, name, value) {{      // only what changes: fewer style recalculations
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }}
  var edges = [];
  graph.querySelectorAll("g.edge").forEach(function (el) {{
    edges.push({{ el: el, ends: (el.getAttribute("data-ends") || "").split("->") }});
  }});
  function legendRows(box) {{   // one mark per parameter's row, found by the row's first cell
    var cells = [];
    box.el.querySelectorAll("polygon").forEach(function (p, i) {{
      if (i > 0 && p.getAttribute("fill") === "none") cells.push(p.getBBox());
    }});
    if (!cells.length) return [];
    var left = Math.min.apply(null, cells.map(function (b) {{ return b.x; }}));
    var right = Math.max.apply(null, cells.map(function (b) {{ return b.x + b.width; }}));
    var firsts = cells.filter(function (b) {{ return Math.abs(b.x - left) < 0.5; }})
                      .sort(function (a, b) {{ return a.y - b.y; }});
    return firsts.slice(Math.max(0, firsts.length - box.m.length)).map(function (b, i) {{
      var r = document.createElementNS(NS, "rect");
      r.setAttribute("x", left); r.setAttribute("y", b.y);
      r.setAttribute("width", right - left); r.setAttribute("height", b.height);
      r.setAttribute("fill", D.colors.current); r.setAttribute("fill-opacity", "0.55");
      r.setAttribute("stroke", D.colors.currentEdge); r.setAttribute("stroke-width", "2");
      r.setAttribute("class", "rowmark"); r.setAttribute("data-tensor", box.m[i]);
      r.setAttribute("display", "none");
      box.el.appendChild(r);
      return r;
    }});
  }}
  D.boxes.forEach(function (box) {{
    box.el = $(box.id);
    box.lines = [];
    box.rows = null;                          // the table's row marks, made when first needed
    if (!box.el) return;
    var texts = box.el.querySelectorAll("text"), wanted = 0;
    box.s.forEach(function (s) {{ wanted += s[2].length; }});
    var j = Math.max(0, texts.length - wanted);
    box.s.forEach(function (s) {{
      s[2].split("").forEach(function (kind) {{
        var t = texts[j++];
        if (t) t.setAttribute("class", "slot");
        box.lines.push([t, s[0], S[s[1]], kind]);
      }});
    }});
  }});
  function valueAt(k, p) {{
    var f = D.fwd[k];
    return (f < 0 || f <= p) && D.values[k] >= 0 ? S[D.values[k]] : "";
  }}
  function gradAt(k, p) {{
    var g = D.grads[k], out = "";
    for (var j = 0; g && j < g.length && g[j] <= p; j += 2) out = S[g[j + 1]];
    return out;
  }}
  function nodeState(k, p) {{
    var f = D.fwd[k], b = D.bwd[k], g0 = D.first[k];
    return {{ done: f < 0 || f <= p,
             grad: b !== null && b <= p ? "done" : (g0 !== null && g0 <= p ? "partial" : null) }};
  }}
  function lineText(l) {{
    return typeof l === "number" ? S[l] : l.map(function (x) {{ return S[x]; }}).join("");
  }}
  function show(i) {{
    index = Math.max(0, Math.min(N - 1, i));
    var ev = D.events[index], p = ev[0], cur = {{}};
    ev[1].forEach(function (k) {{ cur[k] = true; }});
    var doneBox = {{}};
    D.boxes.forEach(function (box) {{
      var el = box.el;
      if (!el) return;
      var done = true, grads = 0, gradsDone = 0, current = false;
      box.m.forEach(function (k) {{
        var s = nodeState(k, p);
        done = done && s.done;
        if (s.grad) grads++;
        if (s.grad === "done") gradsDone++;
        if (cur[k]) current = true;
      }});
      doneBox[box.id] = done;
      // the same classes as svg.node_class; the table marks the parameter's row instead
      set(el, "class", "node" + (current ? " current" : "") + (done ? " done" : " pending") +
          (grads ? (gradsDone === box.ng ? " gdone" : " gpart") : "") +
          (current && !box.legend ? " lit" : ""));
      if (box.legend) {{
        if (!box.rows) box.rows = legendRows(box);
        box.rows.forEach(function (r, n) {{
          set(r, "display", cur[box.m[n]] ? "inline" : "none");
        }});
      }}
      box.lines.forEach(function (L) {{
        if (!L[0]) return;
        var s = L[3] === "v" ? valueAt(L[1], p) : gradAt(L[1], p);
        var mark = box.legend && cur[L[1]];
        s = s ? (mark ? "\\u25b6 " : "") + L[2] + s : "";
        if (L[0].textContent !== s) L[0].textContent = s;
        set(L[0], "font-weight", mark ? "bold" : "normal");
      }});
    }});
    edges.forEach(function (e) {{
      var on = doneBox[e.ends[0]] !== false && doneBox[e.ends[1]] !== false;
      set(e.el, "class", on ? "edge" : "edge off");
    }});
    slider.value = index;
    $("counter").textContent = (index + 1) + " / " + N;
    var lines = ev[2].map(lineText);
    lines[0] = "[" + (index + 1) + "/" + N + "] " + lines[0];
    $("text").textContent = lines.join("\\n");
    document.body.setAttribute("data-index", String(index));
    var first = ev[1].length ? $(D.boxOf[ev[1][0]]) : null;
    if (first && first.scrollIntoView && !initial)  // (at the start: the view's left end)
      first.scrollIntoView({{block: "nearest", inline: "nearest"}});
    initial = false;
  }}
  function speed() {{ return parseFloat($("speed").value) || 5; }}
  function play(on) {{
    if (timer) clearInterval(timer);
    timer = null;
    if (on && index >= N - 1) show(0);        // play from the start again
    if (on) timer = setInterval(function () {{
      if (index >= N - 1) play(false); else show(index + 1);
    }}, 1000 / speed());
    $("play").innerHTML = timer ? "&#x275A;&#x275A; pause" : "&#x25B6; play";
    document.body.setAttribute("data-playing", timer ? "true" : "false");
  }}
  var natW = parseFloat(svg.getAttribute("width")) * 4 / 3;   // dot writes points
  var natH = parseFloat(svg.getAttribute("height")) * 4 / 3;
  function setZoom(z) {{
    zoom = Math.max(0.01, Math.min(8, z));
    svg.setAttribute("width", (natW * zoom).toFixed(1) + "px");
    svg.setAttribute("height", (natH * zoom).toFixed(1) + "px");
    $("zoomlabel").textContent = Math.round(zoom * 100) + "%";
    document.body.setAttribute("data-zoom", zoom.toFixed(4));
  }}
  function fit() {{
    setZoom(Math.min((graph.clientWidth - 4) / natW, (graph.clientHeight - 4) / natH));
  }}
  $("next").onclick = function () {{ play(false); show(index + 1); }};
  $("prev").onclick = function () {{ play(false); show(index - 1); }};
  $("first").onclick = function () {{ play(false); show(0); }};
  $("last").onclick = function () {{ play(false); show(N - 1); }};
  $("play").onclick = function () {{ play(!timer); }};
  $("speed").onchange = function () {{ if (timer) play(true); }};
  $("zoomin").onclick = function () {{ setZoom(zoom * 1.25); }};
  $("zoomout").onclick = function () {{ setZoom(zoom / 1.25); }};
  $("fit").onclick = fit;
  $("zoom100").onclick = function () {{ setZoom(1); }};
  slider.oninput = function () {{ play(false); show(parseInt(slider.value, 10)); }};
  document.addEventListener("keydown", function (e) {{
    var tag = e.target && e.target.tagName;
    if (tag === "SELECT" || (tag === "BUTTON" && (e.key === " " || e.key === "Enter"))) return;
    var keys = {{ "ArrowRight": function () {{ show(index + 1); }},
                 "ArrowDown": function () {{ show(index + 1); }},
                 "ArrowLeft": function () {{ show(index - 1); }},
                 "ArrowUp": function () {{ show(index - 1); }},
                 "Home": function () {{ show(0); }}, "End": function () {{ show(N - 1); }},
                 " ": function () {{ play(!timer); }}, "+": $("zoomin").onclick,
                 "=": $("zoomin").onclick, "-": $("zoomout").onclick, "f": fit,
                 "1": $("zoom100").onclick }};
    var act = keys[e.key];
    if (!act) return;
    if (e.key !== " ") play(false);
    act();
    e.preventDefault();
  }});
  setZoom(1);
  show(0);
  play(false);
  document.body.setAttribute("data-ready", String(Math.round(performance.now())));
}})();
</script></body></html>
"""
