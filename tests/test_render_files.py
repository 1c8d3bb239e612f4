"""tr.render: files by suffix, written atomically; the layouts dot makes (when dot exists):
well-formed SVG/PNG/PDF and time flowing left to right."""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.models import build_model
from tinygrad_rnn.draw import api

from test_draw_support import WORDS, elman

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def test_dot_file_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "dot_available", lambda: False)
    ys, _ = elman()
    for name in ("john.dot", "john.gv"):
        tr.render(ys, tmp_path / name)
        assert (tmp_path / name).read_text().startswith("digraph")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        tr.render(ys, tmp_path / "john.svg")
    assert sorted(os.listdir(tmp_path)) == ["john.dot", "john.gv"]


def test_unknown_suffix_and_missing_folder_write_nothing(tmp_path):
    ys, _ = elman(words=WORDS[:2])
    with pytest.raises(ValueError, match="suffix"):
        tr.render(ys, tmp_path / "john.jpg")
    with pytest.raises(ValueError, match="does not exist"):
        tr.render(ys, tmp_path / "no" / "john.dot")
    assert os.listdir(tmp_path) == []


def test_failed_layout_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "dot_available", lambda: True)

    def broken(source, fmt, timeout):
        raise RuntimeError("render: dot took longer than 1 s")
    monkeypatch.setattr(api, "layout", broken)
    ys, _ = elman(words=WORDS[:2])
    (tmp_path / "john.dot").write_text("mine")
    for keep_dot in (False, True):
        with pytest.raises(RuntimeError, match="longer"):
            tr.render(ys, tmp_path / "john.svg", keep_dot=keep_dot)
        assert os.listdir(tmp_path) == ["john.dot"]
        assert (tmp_path / "john.dot").read_text() == "mine"


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), 1e300, "10", True])
def test_timeout_must_be_a_finite_positive_number(tmp_path, timeout):
    ys, _ = elman(words=WORDS[:2])
    with pytest.raises(ValueError, match=r"timeout must be a number of seconds > 0"):
        tr.render(ys, tmp_path / "john.svg", timeout=timeout)
    with pytest.raises(ValueError, match=r"timeout must be"):
        api.layout(b"digraph {}", "svg", timeout=timeout)
    assert os.listdir(tmp_path) == []


def test_bytes_and_path_objects_as_paths(tmp_path):
    ys, _ = elman(words=WORDS[:2])
    assert tr.render(ys, os.fsencode(tmp_path / "a.dot")) == str(tmp_path / "a.dot")
    assert tr.render(ys, tmp_path / "b.gv") == str(tmp_path / "b.gv")
    assert (tmp_path / "a.dot").read_text() == (tmp_path / "b.gv").read_text()


def test_unknown_view_or_show_writes_nothing(tmp_path):
    ys, _ = elman(words=WORDS[:2])
    with pytest.raises(ValueError, match="view"):
        tr.render(ys, tmp_path / "a.dot", view="sideways")
    assert os.listdir(tmp_path) == []


@needs_dot
def test_keep_dot_writes_both_and_never_by_default(tmp_path):
    ys, _ = elman(words=WORDS[:2])
    tr.render(ys, tmp_path / "a.svg")
    assert os.listdir(tmp_path) == ["a.svg"]
    tr.render(ys, tmp_path / "b.svg", keep_dot=True)
    assert (tmp_path / "b.dot").read_text() == tr.draw(ys).source
    (tmp_path / "c.dot").mkdir()
    with pytest.raises(ValueError, match="c.dot.*it is a folder"):
        tr.render(ys, tmp_path / "c.svg", keep_dot=True)
    assert sorted(os.listdir(tmp_path)) == ["a.svg", "b.dot", "b.svg", "c.dot"]


@needs_dot
def test_dot_errors_and_timeouts_are_named(tmp_path):
    with pytest.raises(RuntimeError, match="dot failed: .*syntax error"):
        api.layout(b"digraph { a -> }", "svg")
    ys, _ = elman(words=WORDS[:2])
    with pytest.raises(api.LayoutTimeout, match="for a long sequence use view='cells'"):
        tr.render(ys, tmp_path / "a.svg", view="ops", timeout=1e-4)
    with pytest.raises(api.LayoutTimeout) as info:
        tr.render(ys, tmp_path / "a.svg", timeout=1e-4)       # already the cells view
    assert "view=" not in str(info.value) and info.value.timeout == 1e-4
    assert os.listdir(tmp_path) == []


@needs_dot
def test_svg_png_pdf_are_well_formed(tmp_path):
    ys, _ = elman()
    tr.render(ys, tmp_path / "john.svg")
    root = ET.parse(tmp_path / "john.svg").getroot()
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    for word in WORDS:
        assert f'"{word}"' in text
    tr.render(ys, tmp_path / "john.png", view="ops")
    assert (tmp_path / "john.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tr.render(ys, tmp_path / "john.pdf", view="rolled")
    assert (tmp_path / "john.pdf").read_bytes()[:5] == b"%PDF-"


def _x_of(source, ids):
    out = subprocess.run(["dot", "-Tplain"], input=source.encode(), capture_output=True,
                         check=True, timeout=60).stdout.decode()
    where = {line.split()[1]: float(line.split()[2]) for line in out.splitlines()
             if line.startswith("node ")}
    return [where[i] for i in ids]


@needs_dot
@pytest.mark.parametrize("options", [dict(), dict(bidirectional=True), dict(layers=2),
                                     dict(pattern="transducer"), dict(pattern="acceptor"),
                                     dict(pattern="encoder-decoder", cell="lstm")])
def test_time_flows_left_to_right_in_the_layout(options):
    cell = options.pop("cell", "elman")
    root, _ = build_model(cell, WORDS, **options)
    source = tr.draw(root).source
    from test_draw_support import nodes
    cells = [nid for nid in nodes(source) if nid.startswith("c")]
    chains = {}
    for nid in cells:
        chain, col = nid[1:].split("_")
        chains.setdefault(int(chain), []).append((int(col), nid))
    columns = sorted(c for chain in chains.values() for c in chain)
    xs = _x_of(source, [nid for _, nid in columns])
    by_col = {}
    for (col, _), x in zip(columns, xs):
        by_col.setdefault(col, []).append(x)
    order = sorted(by_col)
    for a, b in zip(order, order[1:]):       # every cell of column a left of every one of b
        assert max(by_col[a]) < min(by_col[b])


@needs_dot
@pytest.mark.parametrize("options", [dict(pattern="transducer", cell="gru"),
                                     dict(bidirectional=True, cell="lstm"),
                                     dict(pattern="encoder-decoder")])
def test_ops_view_columns_left_to_right(options):
    import re
    from test_draw_support import cluster_blocks
    cell = options.pop("cell", "elman")
    root, _ = build_model(cell, WORDS[:4], **options)
    source = tr.draw(root, view="ops").source
    blocks = cluster_blocks(source)
    members = [re.findall(r"^\s*(v\d+) \[", blocks[f"cluster_{k}"][1], re.M)
               for k in range(len(blocks)) if f"cluster_{k}" in blocks]
    xs = _x_of(source, [i for ids in members for i in ids])
    means, start = [], 0
    for ids in members:
        means.append(sum(xs[start:start + len(ids)]) / len(ids))
        start += len(ids)
    assert means == sorted(means)
