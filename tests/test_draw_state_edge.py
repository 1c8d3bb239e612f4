"""The ops view's recurrence: s_{t-1} -> junction -> the op of step t that reads it is one
forward path (one arrowhead, at the reader), never a lens that looks like a loop."""
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.models import build_model

from test_draw_support import WORDS, edges

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
CASES = [("elman", {}), ("lstm", {}), ("gru", dict(pattern="transducer")),
         ("elman", dict(bidirectional=True))]


def junction_edges(source):
    """{junction: [(tail, head, attrs)]} of the state edges of the ops view."""
    out = {}
    for a, b, attrs in edges(source):
        for end in (a, b):
            if re.fullmatch(r"j\d+_\d+", end):
                out.setdefault(end, []).append((a, b, attrs))
    return out


@pytest.mark.parametrize("cell, options", CASES)
def test_state_edge_has_one_source_and_arrowheads_only_at_readers(cell, options):
    root, _ = build_model(cell, WORDS[:3], **options)
    g = tr.draw(root, view="ops")
    found = junction_edges(g.source)
    assert found
    for junction, touching in found.items():
        source = [e for e in touching if "dir=none" in e[2]]
        readers = [e for e in touching if "dir=none" not in e[2]]
        assert len(source) == 1                      # what s_{t-1} feeds: one line in
        assert readers and all(e[1] == junction and "dir=back" in e[2] for e in readers)
        a, b, _ = source[0]
        assert len(g.node_tensors[b if a == junction else a]) == 1   # from a state part
    rows = [line for line in g.source.splitlines() if "rank=same" in line]
    assert not any(re.search(r"\bj\d+_\d+;", row) for row in rows)   # never a flat edge in


def _paths(svg_bytes, title):
    root = ET.fromstring(svg_bytes)
    ns = {"s": "http://www.w3.org/2000/svg"}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        t = group.find("s:title", ns)
        if t is not None and t.text == title:
            return group.findall("s:path", ns)
    return None


@needs_dot
@pytest.mark.parametrize("cell, options", CASES[:3])
def test_laid_out_state_edge_is_one_curve_going_forward(cell, options):
    """dot drew the old flat edge into the junction as two curves (a lens); now each part of
    the path is one curve, the junction lies between s_{t-1} and its reader, to the right of
    s_{t-1} and below it."""
    root, _ = build_model(cell, WORDS[:3], **options)
    source = tr.draw(root, view="ops").source
    svg = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                         check=True, timeout=60).stdout
    plain = subprocess.run(["dot", "-Tplain"], input=source.encode(), capture_output=True,
                           check=True, timeout=60).stdout.decode()
    where = {line.split()[1]: (float(line.split()[2]), float(line.split()[3]))
             for line in plain.splitlines() if line.startswith("node ")}
    for junction, touching in junction_edges(source).items():
        for a, b, _ in touching:
            paths = _paths(svg, f"{a}&#45;&gt;{b}".replace("&#45;&gt;", "->"))
            assert paths is not None and len(paths) == 1, (a, b)
        (a, b, _), = [e for e in touching if "dir=none" in e[2]]
        src = b if a == junction else a
        (sx, sy), (jx, jy) = where[src], where[junction]
        assert jx > sx and jy < sy                  # BT: y grows upwards
        for reader, _, _ in (e for e in touching if "dir=none" not in e[2]):
            assert where[reader][1] < jy
