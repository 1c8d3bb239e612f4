"""The documentation site: `mkdocs build --strict` passes, and its settings make a broken link,
a broken anchor or a page missing from the nav fail the build. Skipped without mkdocs
(`pip install -e '.[docs]'`; `.ci/run` installs it), so `./test.sh` does not need it. Also,
without mkdocs: the README a newcomer reads first keeps its shape, and CI runs its command."""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

from docs_blocks import DOCS, ROOT, blocks

HAVE_MKDOCS = all(importlib.util.find_spec(m) is not None for m in ("mkdocs", "material"))
needs_mkdocs = pytest.mark.skipif(not HAVE_MKDOCS, reason="mkdocs and mkdocs-material are not "
                                  "installed (pip install -e '.[docs]')")
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted(p.name for p in DOCS.glob("*.md"))


def build(config, site, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config),
                           "-d", str(site)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))


@needs_mkdocs
def test_the_site_builds_in_strict_mode_with_every_page_and_picture(tmp_path):
    done = build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    site = tmp_path / "site"
    for page in PAGES:
        html = site / ("index.html" if page == "index.md" else f"{page[:-3]}/index.html")
        assert html.is_file(), f"{page} was not built"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'src="viz/unrolled_6.svg"' in home and (site / "viz" / "unrolled_6.svg").is_file()
    drawing = (site / "drawing" / "index.html").read_text(encoding="utf-8")
    pictures = re.findall(r'src="\.\./viz/([\w]+\.svg)"', drawing)
    assert len(pictures) >= 20 and all((site / "viz" / p).is_file() for p in pictures)
    # docs/performance.md includes bench/README.md: its sections are on the page
    performance = (site / "performance" / "index.html").read_text(encoding="utf-8")
    assert 'id="benchrenderpy-drawing-an-unrolled-rnn-issue-4"' in performance
    assert not (site / "viz" / "make_gallery.py").exists()   # the gallery's pictures only


def mini_site(tmp_path, pages, nav):
    """A two-page site with this project's mkdocs.yml settings (INHERIT) and its own nav."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {docs}\nnav:\n"
                      + "".join(f"  - {n}\n" for n in nav), encoding="utf-8")
    return build(config, tmp_path / "site", cwd=tmp_path)


GOOD = {"index.md": "# Home\n\nSee [the other page](other.md#a-section).\n",
        "other.md": "# Other\n\n## A section\n\ntext\n"}


@needs_mkdocs
@pytest.mark.parametrize("pages, nav, complaint", [
    (GOOD, ["index.md", "other.md"], None),
    (dict(GOOD, **{"index.md": "# Home\n\n[gone](missing.md)\n"}), ["index.md", "other.md"],
     "missing.md"),
    (dict(GOOD, **{"index.md": "# Home\n\n[x](other.md#no-such-section)\n"}),
     ["index.md", "other.md"], "no-such-section"),
    (dict(GOOD, **{"index.md": "# Home\n\n[out](../README.md)\n"}), ["index.md", "other.md"],
     "README.md"),
    (GOOD, ["index.md"], "other.md"),                      # a page missing from the nav
], ids=["clean", "broken link", "broken anchor", "link outside docs", "orphan page"])
def test_strict_build_fails_on_what_a_reader_would_trip_over(tmp_path, pages, nav, complaint):
    done = mini_site(tmp_path, pages, nav)
    if complaint is None:
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode != 0 and complaint in done.stderr, done.stderr


def test_every_page_is_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s*- (?:[^:\n]+: )?([\w-]+\.md)\s*$", config, re.MULTILINE))
    assert listed == set(PAGES)


def test_the_readme_reads_in_five_minutes():
    lines = README.split("\n")
    assert len(lines) <= 250
    first = blocks(ROOT / "README.md")[0]
    assert first.where == "README.md:4" and lines[0].startswith("# ")
    commands = first.code.split("\n")
    assert commands[0].startswith("./demo.sh ") and "john.svg" in commands[0]
    assert commands[1].startswith("./test.sh ")
    first_screen = "\n".join(lines[:25])
    assert "](viz/unrolled_6.svg)" in first_screen
    assert re.search(r"^A small, exact autograd framework", first_screen, re.MULTILINE)


def test_the_readmes_link_to_pages_that_exist():
    for readme in (ROOT / "README.md", ROOT / "tutorials" / "README.md"):
        links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme.read_text(encoding="utf-8"))
        assert any("docs/" in link for link in links), readme
        for link in links:
            assert (readme.parent / link).exists(), f"{readme} links to {link}: not there"
    for page in ("debugger.md", "grading.md", "tutorials.md", "devices.md", "training.md",
                 "drawing.md", "architecture.md", "api.md"):
        assert f"](docs/{page}" in README, f"README.md should link to docs/{page}"


def test_ci_runs_exactly_the_readme_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().split("\n")
          if line.strip() and not line.strip().startswith("#")]
    assert ci[-1] == "./test.sh"
    assert "./test.sh" in blocks(ROOT / "README.md")[0].code
    assert any("'.[docs]'" in line for line in ci), "CI installs the docs extra (mkdocs)"
