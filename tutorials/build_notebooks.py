"""Build the tutorial notebooks from their Python sources, without outputs.

    python tutorials/build_notebooks.py            # (re)write every notebook
    python tutorials/build_notebooks.py --check    # exit 1 if a notebook is out of date

One source, two notebooks:

    tutorials/source/NN_name.py         what reviewers read and edit (the "percent" format)
    tutorials/solutions/NN_name.ipynb   the notebook with the exercises' worked solutions
    tutorials/NN_name.ipynb             the student version: what students open

A source is a plain Python file: ``# %%`` starts a code cell and ``# %% [markdown]`` a markdown
cell whose lines are comments (``# `` is stripped). Each exercise at the end of a notebook has a
code cell whose worked solution sits between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` and a
check cell (``# Check ...``) that asserts the answer. The student version is made from the
solution notebook by the homework tool itself, exactly as
``tinygrad-rnn homework make tutorials/solutions/NN_name.ipynb tutorials/NN_name.ipynb --force``
does: every solution becomes ``raise NotImplementedError("YOUR CODE HERE")`` and the checks stay.
``tests/test_tutorials.py`` executes the solution notebooks (so every check passes on the worked
solution) and checks that the student notebooks are what the homework tool makes now.
Needs ``nbformat`` (``pip install -e '.[notebooks]'``).
"""
import argparse
import pathlib
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parent
SOURCES = HERE / "source"
SOLUTIONS = HERE / "solutions"
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
    """The solution notebook (an ``nbformat.NotebookNode``, no outputs) of one source file."""
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
    """The text of the solution notebook of ``source``."""
    import nbformat
    return nbformat.writes(build(source)) + "\n"


def student_bytes(solution_text, name):
    """The student version of a solution notebook, made by the homework tool (``homework make``)
    from a copy of it in a temporary folder."""
    from tinygrad_rnn.homework.make import make_student

    with tempfile.TemporaryDirectory() as tmp:
        src, dest = pathlib.Path(tmp) / name, pathlib.Path(tmp) / "student" / name
        src.write_text(solution_text, encoding="utf-8")
        make_student(src, dest)
        return dest.read_bytes()


def sources():
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def target(source):
    """Where the student notebook of ``source`` goes."""
    return HERE / (source.stem + ".ipynb")


def solution_target(source):
    """Where the solution notebook of ``source`` goes."""
    return SOLUTIONS / (source.stem + ".ipynb")


def expected_files(source):
    """``{path: bytes}``: the solution and student notebooks ``source`` should produce."""
    solution = notebook_text(source)
    return {solution_target(source): solution.encode("utf-8"),
            target(source): student_bytes(solution, target(source).name)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook differs from its source")
    args = parser.parse_args(argv)
    if str(REPOSITORY) not in sys.path:       # this checkout's tinygrad_rnn, installed or not
        sys.path.insert(0, str(REPOSITORY))
    stale = []
    for source in sources():
        for path, data in expected_files(source).items():
            if path.exists() and path.read_bytes() == data:
                continue
            stale.append(str(path.relative_to(HERE)))
            if not args.check:
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(data)
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python tutorials/build_notebooks.py",
              file=sys.stderr)
        return 1
    print(f"{len(sources())} sources, {len(stale)} notebooks "
          f"{'stale' if args.check else 'written'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
