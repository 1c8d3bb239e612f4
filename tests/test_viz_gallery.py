"""viz/: the committed gallery is what viz/make_gallery.py draws today (stale figures fail)."""
import importlib.util
import os
import xml.etree.ElementTree as ET

import pytest

VIZ = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "viz")


def load_gallery():
    spec = importlib.util.spec_from_file_location("make_gallery", os.path.join(VIZ, "make_gallery.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIGURES = load_gallery().figures()


@pytest.mark.parametrize("name, caption, graph", FIGURES, ids=[f[0] for f in FIGURES])
def test_committed_figure_is_up_to_date(name, caption, graph):
    dot_path = os.path.join(VIZ, f"{name}.dot")
    assert os.path.exists(dot_path), f"{name}.dot missing: run viz/make_gallery.py"
    with open(dot_path, encoding="utf-8") as f:
        committed = f.read()
    assert committed == graph.source, f"viz/{name}.dot is stale: run viz/make_gallery.py"
    svg = os.path.join(VIZ, f"{name}.svg")
    assert os.path.exists(svg), f"viz/{name}.svg missing: run viz/make_gallery.py"
    ET.parse(svg)


def test_gallery_covers_the_lecture():
    names = [f[0] for f in FIGURES]
    for needed in ["unrolled_1", "unrolled_6", "rolled", "elman_ops", "lstm_ops", "birnn", "deep",
                   "acceptor", "transducer", "encoder_decoder", "grad_elman", "grad_lstm",
                   "custom_cells", "custom_ops", "custom_rolled", "gates_lstm",
                   "gates_lstm_grad", "gates_gru"]:
        assert needed in names
