"""The Stepper in Jupyter: with ipywidgets a slider and step/back/continue buttons that move the
Stepper and redraw its frame; without ipywidgets, the static frame and text."""
import shutil
import sys

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stepper():
    tr.manual_seed(0)
    ys, _ = tr.rnn.unroll(tr.rnn.ElmanCell(2, 3), [np.ones((1, 2))] * 3,
                          labels=["John", "lives", "here"])
    return Stepper(tr.stack(ys).sum())


def test_without_ipywidgets_the_display_is_the_static_frame(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)    # import ipywidgets fails
    st = stepper()
    bundle = st._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle
    assert bundle["text/plain"].startswith("<Stepper 1/") and "forward" in bundle["text/plain"]
    if shutil.which("dot"):
        assert bundle["image/svg+xml"].startswith("<svg") and "<svg" in bundle["text/html"]
    with pytest.raises(ImportError):
        st.widget()


def test_with_ipywidgets_buttons_and_slider_move_the_stepper_and_redraw():
    pytest.importorskip("ipywidgets")
    st = stepper()
    bundle = st._repr_mimebundle_()
    assert WIDGET_VIEW in bundle and "text/plain" in bundle   # the widget, and a fallback
    box = st.widget()
    controls, picture = box.children
    back, step, cont, slider = controls.children
    assert (slider.min, slider.max, slider.value) == (0, len(st) - 1, 0)
    first = picture.value
    assert "[1/" in first
    step.click()
    assert st.index == 1 and slider.value == 1
    assert "[2/" in picture.value and picture.value != first
    slider.value = 7                                         # dragging the slider
    assert st.index == 7 and "[8/" in picture.value
    back.click()
    assert st.index == 6 and slider.value == 6
    st.break_at("name=s_3 phase=backward")
    cont.click()                                             # to the breakpoint
    assert st.event.name == "s_3" and st.event.phase == "backward"
    assert slider.value == st.index and f"[{st.index + 1}/" in picture.value
    cont.click()                                             # no more: to the last event
    assert st.index == len(st) - 1 == slider.value
    if shutil.which("dot"):
        assert "<svg" in picture.value
