"""Build the tutorial notebooks ``tutorials/NN_name.ipynb`` from their Python sources
``tutorials/source/NN_name.py``, without outputs.

    python tutorials/build_notebooks.py            # (re)write every notebook
    python tutorials/build_notebooks.py --check    # exit 1 if a notebook is out of date

A source is a plain Python file in the "percent" format: ``# %%`` starts a code cell and
``# %% [markdown]`` a markdown cell whose lines are comments (``# `` is stripped). The sources
are what reviewers read and edit; the notebooks are generated, committed without outputs (so
the repository stays small and diffs stay readable), and executed by
``tests/test_tutorials.py``. Needs ``nbformat`` (``pip install -e '.[notebooks]'``).
"""
import argparse
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = HERE / "source"
MARKER = "# %%"


def parse(text):
    """``[(kind, source)]`` with kind ``"markdown"`` or ``"code"``, from a percent-format file."""
    cells, kind, lines = [], None, []

    def flush():
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind is not None and lines:
            cells.append((kind, "\n".join(lines)))

    for line in text.splitlines():
        if line.startswith(MARKER):
            flush()
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        elif kind == "markdown":
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif kind == "code":
            lines.append(line)
    flush()
    return cells


def build(source):
    """The notebook (an ``nbformat.NotebookNode``, no outputs) of one source file."""
    import nbformat
    from nbformat import v4

    cells = []
    for i, (kind, text) in enumerate(parse(source.read_text(encoding="utf-8")), start=1):
        make = v4.new_markdown_cell if kind == "markdown" else v4.new_code_cell
        cells.append(make(text, id=f"{source.stem[:40]}-{i:02d}"))
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nb


def notebook_text(source):
    import nbformat
    return nbformat.writes(build(source)) + "\n"


def sources():
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def target(source):
    return HERE / (source.stem + ".ipynb")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook differs from its source")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        text, path = notebook_text(source), target(source)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python tutorials/build_notebooks.py",
              file=sys.stderr)
        return 1
    print(f"{len(sources())} notebooks, {len(stale)} {'stale' if args.check else 'written'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
