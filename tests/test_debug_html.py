"""The HTML player: one self-contained page, played in headless Chromium (skipped when Chromium
or Playwright is missing)."""
import os
import re
import shutil

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import cli
from tinygrad_rnn.debug import Stepper
from tinygrad_rnn.debug.frame import CURRENT_FILL

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def stepper(T=3, **kw):
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.5 * t) for t in range(1, T + 1)]
    ys, _ = tr.rnn.unroll(cell, xs, labels=["John", "lives", "here", "now"][:T])
    return Stepper(tr.stack(ys).sum(), **kw)


def test_page_is_self_contained(tmp_path):
    st = stepper()
    path = st.to_html(tmp_path / "p.html")
    page = open(path, encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", page)
    assert not re.search(r"url\(", page) and "@import" not in page
    # the only http strings are XML namespace names, never fetched
    assert set(re.findall(r"https?://[^\s\"']+", page)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "default-src 'none'" in page
    assert f'max="{len(st) - 1}"' in page
    assert st.index == 0                                # writing the page moved nothing


def test_page_size_stays_reasonable(tmp_path):
    st = stepper(T=4)
    size = os.path.getsize(st.to_html(tmp_path / "p.html"))
    big = Stepper(_lstm_loss(12))
    big_size = os.path.getsize(big.to_html(tmp_path / "big.html", view="cells"))
    assert size < 200_000
    assert big_size < 30 * len(big) * 30               # ~text per event, not a picture each
    longer = Stepper(_lstm_loss(24))                   # twice the steps: about twice the page
    longer_size = os.path.getsize(longer.to_html(tmp_path / "longer.html", view="cells"))
    assert longer_size < 2.3 * big_size


def _lstm_loss(T):
    tr.manual_seed(0)
    cell = tr.rnn.LSTMCell(2, 3)
    ys, _ = tr.rnn.unroll(cell, [np.ones((1, 2)) * t for t in range(T)])
    return tr.stack(ys).sum()


def test_cli_html(tmp_path, capsys):
    out = tmp_path / "debug.html"
    code = cli.main(["debug", "--sentence", "a b c", "--html", str(out)])
    assert code == 0 and out.exists() and "events" in capsys.readouterr().out


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # a Chromium Playwright cannot drive
            pytest.skip(f"cannot start Chromium: {exc}")
        yield b
        b.close()


def rgb(color):
    """``#ffd92f`` as the browser's computed style writes it."""
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (1, 3, 5)))


def current_ids(page):
    return page.eval_on_selector_all("g.node.current", "els => els.map(e => e.id)")


@pytest.mark.parametrize("view", ["ops", "cells"])
def test_player_in_headless_chromium(browser, tmp_path, view):
    st = stepper(T=3)
    path = st.to_html(tmp_path / "p.html", view=view)
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("file://" + os.path.abspath(path))

    graph = st.frame(view=view)                          # tr.draw's ids, as on the page

    def expected(i):                                     # every node standing for the tensor
        node = st.events[i].node
        return sorted(nid for nid, ts in graph.node_tensors.items() if node in ts)

    assert page.text_content("#counter") == f"1 / {len(st)}"
    assert sorted(current_ids(page)) == expected(0)
    assert graph.node_ids[st.events[0].node] in expected(0)
    page.click("#next")
    assert page.text_content("#counter") == f"2 / {len(st)}"
    if view == "ops":
        assert current_ids(page) == expected(1) != expected(0)   # the highlight moved
    assert page.text_content("#text").startswith(f"[2/{len(st)}] forward")
    fill = page.eval_on_selector("g.node.current", "g => getComputedStyle(g.querySelector("
                                 "'.shape')).fill")
    assert fill == rgb(CURRENT_FILL)
    page.keyboard.press("ArrowRight")
    assert page.text_content("#counter") == f"3 / {len(st)}"
    page.keyboard.press("ArrowLeft")
    page.click("#prev")
    assert page.text_content("#counter") == f"1 / {len(st)}"
    pending = page.eval_on_selector_all("g.node.pending", "els => els.length")
    assert pending > 0
    k = len(st) - 3                                      # the slider jumps into the backward pass
    page.fill("#slider", str(k))
    assert page.text_content("#counter") == f"{k + 1} / {len(st)}"
    assert sorted(current_ids(page)) == expected(k)
    assert page.text_content("#text").startswith(f"[{k + 1}/{len(st)}] backward")
    assert page.eval_on_selector_all("g.node.pending", "els => els.length") == 0
    page.click("#last")
    assert page.get_attribute("body", "data-index") == str(len(st) - 1)
    page.click("#next")                                   # clamped at the end
    assert page.get_attribute("body", "data-index") == str(len(st) - 1)
    assert errors == []
    assert requests == ["file://" + os.path.abspath(path)]  # nothing else was fetched
    page.close()


def test_script_json_cannot_end_or_comment_out_its_script():
    import json
    from tinygrad_rnn.debug.html import script_json
    words = ["<!--<script>", "</script>", "a&b", "<b>", "-->", "\u2028"]
    text = script_json({"events": words})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"events": words}              # the same data to JSON.parse


def test_hostile_words_keep_the_page_alive(browser, tmp_path):
    out = tmp_path / "p.html"
    code = cli.main(["debug", "--sentence", "John <!--<script> </script> lives",
                     "--granularity", "step", "--html", str(out)])
    assert code == 0
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("file://" + str(out))
    assert page.eval_on_selector_all("script", "els => els.length") == 2
    total = page.text_content("#counter").split(" / ")[1]
    assert page.text_content("#counter") == f"1 / {total}" and int(total) > 1
    page.click("#last")
    assert page.text_content("#counter") == f"{total} / {total}"
    words = page.evaluate("JSON.parse(document.getElementById('data').textContent).strings"
                          ".join(' ')")
    assert "<!--<script>" in words and "</script>" in words
    page.click("#first")
    page.click("#next")                                  # step 2: the word '<!--<script>'
    assert "t=2 '<!--<script>'" in page.text_content("#text")   # text, never markup
    assert errors == []
    page.close()


# ---- the player you can watch ---------------------------------------------------------------
def open_page(browser, path, errors):
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("file://" + os.path.abspath(path))
    return page


def wait_until(page, condition, seconds=10):
    for _ in range(int(seconds * 20)):       # (the page's CSP forbids wait_for_function's eval)
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page never got there")


def index_of(page):
    return int(page.get_attribute("body", "data-index"))


def test_play_pause_and_speed(browser, tmp_path):
    st = stepper(T=2)
    errors = []
    page = open_page(browser, st.to_html(tmp_path / "p.html"), errors)
    assert page.get_attribute("body", "data-playing") == "false"
    page.select_option("#speed", "10")
    page.click("#play")
    assert page.get_attribute("body", "data-playing") == "true"
    wait_until(page, lambda: index_of(page) >= 3)
    page.click("#play")                                  # pause
    assert page.get_attribute("body", "data-playing") == "false"
    stopped = index_of(page)
    page.wait_for_timeout(400)                           # 4 events' worth at 10/s
    assert index_of(page) == stopped and 3 <= stopped < len(st) - 1
    assert page.text_content("#counter") == f"{stopped + 1} / {len(st)}"
    page.select_option("#speed", "100")
    page.keyboard.press(" ")                             # space plays, to the end, then stops
    wait_until(page, lambda: page.get_attribute("body", "data-playing") == "false")
    assert index_of(page) == len(st) - 1
    assert page.text_content("#text").startswith(f"[{len(st)}/{len(st)}] backward")
    assert errors == []
    page.close()


def test_zoom_and_fit_to_window(browser, tmp_path):
    st = stepper(T=3)
    errors = []
    page = open_page(browser, st.to_html(tmp_path / "p.html"), errors)
    size = "() => { const r = document.querySelector('#graph svg').getBoundingClientRect();" \
           " return [r.width, r.height]; }"
    natural = page.evaluate(size)
    page.click("#zoomin")
    assert page.evaluate(size)[0] == pytest.approx(natural[0] * 1.25, rel=0.01)
    assert page.text_content("#zoomlabel") == "125%"
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert page.evaluate(size)[0] == pytest.approx(natural[0] / 1.25, rel=0.01)
    page.click("#fit")
    w, h = page.evaluate(size)
    box = page.evaluate("() => [document.getElementById('graph').clientWidth, "
                        "document.getElementById('graph').clientHeight]")
    assert w <= box[0] and h <= box[1]                   # all of it in view ...
    assert w >= box[0] - 10 or h >= box[1] - 10          # ... as large as the window allows
    page.click("#zoom100")
    assert page.evaluate(size) == pytest.approx(natural, rel=0.01)
    assert errors == []
    page.close()


def slot_texts(page, node_id):
    return page.eval_on_selector_all(f"[id='{node_id}'] text.slot", "els => els.map(e => "
                                     "e.textContent)")


def test_values_and_gradients_on_the_nodes(browser, tmp_path):
    from tinygrad_rnn.debug.text import compact
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.5 * t) for t in range(1, 4)]
    ys, states = tr.rnn.unroll(cell, xs, labels=["John", "lives", "here"])
    loss = tr.stack(ys).sum()
    st = Stepper(loss)
    errors = []
    page = open_page(browser, st.to_html(tmp_path / "p.html"), errors)
    ids = st.frame().node_ids
    assert slot_texts(page, ids[states[2]]) == ["", ""]  # not computed yet: nothing shown
    page.fill("#slider", str(st.forward_at[states[2]]))
    assert slot_texts(page, ids[states[2]]) == ["v=" + compact(states[2].data), ""]
    page.click("#last")
    loss.backward()                                      # the numbers of the real backward
    assert slot_texts(page, ids[states[1]]) == ["v=" + compact(states[1].data),
                                                "g=" + compact(states[1].grad)]
    legend = slot_texts(page, "params")
    assert "W^s: g=" + compact(cell.W_s.grad) in legend
    assert errors == []
    page.close()


def test_only_the_current_parameters_row_is_highlighted(browser, tmp_path):
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)                        # W^x (2,3), W^s (3,3), b (3,)
    ys, _ = tr.rnn.unroll(cell, [np.ones((1, 2))] * 2)
    st = Stepper(tr.stack(ys).sum())
    errors = []
    page = open_page(browser, st.to_html(tmp_path / "p.html"), errors)
    marks = "els => els.filter(e => e.getAttribute('display') !== 'none')"
    assert page.eval_on_selector_all("rect.rowmark", marks + ".length") == 0
    page.fill("#slider", str(st.backward_at[cell.W_s]))
    assert page.eval_on_selector_all("rect.rowmark", marks + ".length") == 1
    row = page.eval_on_selector_all("rect.rowmark", "els => { const r = els.filter(e => "
                                    "e.getAttribute('display') !== 'none')[0].getBBox(); "
                                    "return [r.y, r.y + r.height]; }")
    shapes = page.eval_on_selector_all("[id='params'] text", "els => els.filter(e => "
                                       "/^\\(\\d/.test(e.textContent)).map(e => [e.textContent,"
                                       " e.getBBox().y + e.getBBox().height / 2])")
    inside = [text for text, y in shapes if row[0] <= y <= row[1]]
    assert inside == ["(3,3)"]                           # W^s's row, and no other
    fill = page.eval_on_selector("[id='params']", "g => getComputedStyle(g.querySelector("
                                 "'.shape')).fill")
    assert fill != rgb(CURRENT_FILL)                     # the table itself is not lit
    assert "\u25b6 W^s: g=" in " ".join(slot_texts(page, "params"))
    assert errors == []
    page.close()


def test_the_cells_view_is_the_default_when_the_ops_view_is_too_big(tmp_path, capsys):
    big = Stepper(_lstm_loss(200))
    assert big.default_view == "cells" and Stepper(_lstm_loss(3)).default_view == "ops"
    page = open(big.to_html(tmp_path / "big.html"), encoding="utf-8").read()
    assert "cells view" in page
    words = " ".join(map(str, range(200)))
    code = cli.main(["debug", "--cell", "lstm", "--sentence", words, "--html",
                     str(tmp_path / "cli.html")])
    out = capsys.readouterr().out
    assert code == 0 and "the cells view: the ops view of 3807 nodes is too large" in out


def test_a_200_step_lstm_player_is_small_and_loads_in_under_a_second(browser, tmp_path):
    """The finding's case: `debug --cell lstm --sentence "<200 words>" --html`."""
    path = tmp_path / "lstm.html"
    code = cli.main(["debug", "--cell", "lstm", "--sentence", " ".join(map(str, range(200))),
                     "--html", str(path)])
    assert code == 0 and os.path.getsize(path) <= 3_000_000
    errors, loads = [], []
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.on("pageerror", lambda e: errors.append(str(e)))
    for _ in range(3):                                   # the best of three: a busy machine
        page.goto("file://" + str(path))
        loads.append(page.evaluate("performance.getEntriesByType('navigation')[0]"
                                   ".loadEventEnd"))
    assert min(loads) < 1000, loads
    assert page.text_content("#counter") == "1 / 7207"
    page.click("#last")
    text = page.text_content("#text")
    assert text.startswith("[7207/7207] backward W^x (leaf)")
    assert "= sum of 200 partial gradients, from " in text and "... and 196 more" in text
    assert text.rstrip().endswith("in parameter")        # whole lines: not cut mid-array
    assert errors == []
    page.close()


def test_hostile_tensor_names_stay_text(browser, tmp_path):
    evil = '"><script>document.title="owned"</script><!--'
    W = tr.Tensor(np.full((2, 2), 0.5), requires_grad=True, name=evil)
    c = tr.Tensor(np.zeros(2), requires_grad=True, name="c")   # two rows in the table
    x = tr.Tensor(np.ones((1, 2)), name="x&<y>")
    st = Stepper((x @ W + c).tanh().sum())
    errors = []
    page = open_page(browser, st.to_html(tmp_path / "p.html"), errors)
    assert page.eval_on_selector_all("script", "els => els.length") == 2
    assert page.title().startswith("tinygrad_rnn step debugger")
    page.fill("#slider", str(st.backward_at[W]))         # the parameter's own event
    assert evil in page.text_content("#text")
    assert any(evil in t for t in slot_texts(page, "params"))
    assert errors == []
    page.close()
