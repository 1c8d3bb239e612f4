"""The documentation is tested: every code block of README.md and docs/*.md runs (or says why
it does not), page by page, in a temporary folder. How blocks are run: tests/docs_blocks.py
and docs/architecture.md ("Documentation that runs")."""
import pytest

import tinygrad_rnn as tr
from docs_blocks import (LANGUAGES, ROOT, SHELLS, Block, blocks, blocks_in, label,
                         missing_modules, pages, prepare, run_console, run_python, run_shell,
                         transcript)

PAGES = pages()


@pytest.fixture
def registry_restored():
    """Ops an example defines (a demo op, a broken sigmoid) leave the registry afterwards, so
    the registry-driven op tests never see them."""
    saved = dict(tr.Function.registry)
    yield
    tr.Function.registry.clear()
    tr.Function.registry.update(saved)


@pytest.mark.parametrize("page", PAGES, ids=label)
def test_page_examples_run(page, tmp_path, monkeypatch, registry_restored):
    prepare(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__docs__"}
    skipped = []
    for block in blocks(page):
        if block.lang in ("text", "") or block.not_run:
            continue
        if block.lang == "python":
            missing = missing_modules(block.code)
            if missing:
                skipped.append(f"{block.where} (needs {', '.join(missing)})")
                continue
            run_python(block, namespace)
        elif block.lang in SHELLS:
            run_shell(block, tmp_path)
        else:
            run_console(block, tmp_path)
    if skipped:
        pytest.skip("every other block ran; not installed here: " + "; ".join(skipped))


def test_every_block_has_a_known_language_and_every_skip_a_reason():
    for page in PAGES:
        for block in blocks(page):
            assert block.lang in LANGUAGES, f"{block.where}: unknown block language {block.lang!r}"
            assert block.not_run is None or block.not_run, \
                f"{block.where}: '# not run:' needs a reason"


def test_the_pages_hold_runnable_examples_of_every_kind():
    found = [b for page in PAGES for b in blocks(page) if not b.not_run]
    kinds = {b.lang for b in found}
    assert {"python", "bash", "console"} <= kinds, kinds
    assert sum(b.lang == "python" for b in found) >= 30


def test_blocks_are_found_with_their_lines_and_marks():
    text = ("text\n```python\na = 1\n```\n```bash\n# not run: needs a GPU\nls\n```\n"
            "```python title=\"x\"\nb = a\n```\n```text\nout\n```\n")
    found = blocks_in(text, "page.md")
    assert [(b.where, b.lang) for b in found] == [
        ("page.md:3", "python"), ("page.md:6", "bash"), ("page.md:10", "python"),
        ("page.md:13", "text")]
    assert [b.not_run for b in found] == [None, "needs a GPU", None, None]


def test_an_included_file_counts_as_part_of_the_page():
    # docs/performance.md includes bench/README.md (all but its title) with pymdownx.snippets
    found = blocks(ROOT / "docs" / "performance.md")
    included = [b for b in found if b.where.startswith("bench/README.md:")]
    assert included and all(b.lang in ("bash", "") for b in included)
    assert all(b.not_run for b in included if b.lang == "bash")
    first = int(included[0].where.split(":")[1])
    lines = (ROOT / "bench" / "README.md").read_text(encoding="utf-8").split("\n")
    assert lines[first - 2].startswith("```")   # the line number is where the code starts


def test_a_console_transcript_must_match(tmp_path):
    block = Block("page.md:1", "console", "$ echo one; echo two >&2\none\ntwo\n$ true\n")
    assert transcript(block.code) == [("echo one; echo two >&2", ["one", "two"]), ("true", [])]
    run_console(block, tmp_path)
    wrong = Block("page.md:1", "console", "$ echo one\nuno\n")
    with pytest.raises(AssertionError, match="instead of"):
        run_console(wrong, tmp_path)


def test_a_failing_example_names_its_page_and_line(tmp_path):
    with pytest.raises(AssertionError, match=r"page.md:7 fails: ZeroDivisionError"):
        run_python(Block("page.md:7", "python", "x = 1 / 0\n"), {})
    with pytest.raises(AssertionError, match=r"page.md:9 fail \(exit status 3\)"):
        run_shell(Block("page.md:9", "bash", "true\nexit 3\n"), tmp_path)
    # bash -e: a failing command in the middle fails the block
    with pytest.raises(AssertionError, match="exit status 1"):
        run_shell(Block("page.md:9", "bash", "false\necho never\n"), tmp_path)


def test_a_block_needing_a_missing_package_is_recognised():
    assert missing_modules("import numpy\nfrom tinygrad_rnn import data\n") == []
    assert missing_modules("import no_such_module_x.sub\nimport numpy") == ["no_such_module_x"]


def test_the_working_folder_has_the_tools_the_pages_use(tmp_path):
    prepare(tmp_path)
    run_shell(Block("page.md:1", "bash",
                    ".venv/bin/tinygrad-rnn --version\ntinygrad-rnn --version\n"
                    "test -f tutorials/homework/solution/elman.py\n"), tmp_path)
