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
    assert big_size < 60 * len(big) * 30               # ~text per event, not a picture each


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
    fill = page.eval_on_selector("g.node.current", "g => g.querySelector('polygon,ellipse,path')"
                                 ".getAttribute('fill')")
    assert fill == CURRENT_FILL
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
    words = page.evaluate("JSON.parse(document.getElementById('data').textContent).events"
                          ".map(e => e.text).join(' ')")
    assert "<!--<script>" in words and "</script>" in words
    assert errors == []
    page.close()
