"""Jupyter notebooks as the homework tools read them: checked cell by cell, never trusted.

``load(data, where)`` parses a notebook's bytes and checks the parts the tools use (a
``cells`` list of objects, each with a ``cell_type`` string and a ``source`` string or list of
strings); anything else is a ``HomeworkError`` naming the file, the cell and what is wrong.
``student_notebook`` makes the student version (markers cut from every cell, every output and
execution count cleared, and the saved widget state, which keeps widgets' outputs, dropped);
``code_module`` turns a submitted notebook into an importable module.
"""
import json

from .errors import HomeworkError
from .markers import MarkerError, split_lines, strip_lines

CELL_TYPES = ("code", "markdown", "raw")


def cell_text(source):
    return "".join(source) if isinstance(source, list) else source


def load(data, where):
    """The notebook dict of ``data`` (bytes); raises ``HomeworkError`` naming the problem."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise HomeworkError(f"{where}: not a Jupyter notebook (not JSON: {exc})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        got = type(notebook.get("cells")).__name__ if isinstance(notebook, dict) else \
            type(notebook).__name__
        raise HomeworkError(f"{where}: not a Jupyter notebook (expected an object with a "
                            f"'cells' list, got {got})")
    for number, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict):
            raise HomeworkError(f"{where}: cell {number} is a {type(cell).__name__}, not a cell "
                                "object")
        if cell.get("cell_type") not in CELL_TYPES:
            raise HomeworkError(f"{where}: cell {number} has cell_type "
                                f"{cell.get('cell_type')!r}; allowed: {', '.join(CELL_TYPES)}")
        source = cell.get("source", "")
        if not (isinstance(source, str) or isinstance(source, list)
                and all(isinstance(part, str) for part in source)):
            raise HomeworkError(f"{where}: cell {number}: 'source' must be a string or a list "
                                f"of strings, got {type(source).__name__}")
    return notebook


def student_notebook(data, where):
    """Student version of a notebook's bytes; the same bytes when nothing changes."""
    notebook = load(data, where)
    changed, problems = False, []
    for number, cell in enumerate(notebook["cells"], 1):
        source = cell.get("source", "")
        lines = split_lines(cell_text(source))
        try:
            new = "".join(strip_lines(lines, python=cell["cell_type"] == "code"))
        except MarkerError as exc:
            problems += [f"{where}: cell {number}, line {line}: {msg}" for line, msg in exc.problems]
            continue
        if new != cell_text(source):
            cell["source"] = split_lines(new) if isinstance(source, list) else new
            changed = True
        if cell["cell_type"] == "code":  # outputs would show the answer
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell["outputs"], cell["execution_count"] = [], None
    if problems:
        raise HomeworkError("\n".join(problems))
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict) and "widgets" in metadata:  # saved widget state holds the
        del metadata["widgets"]                                # outputs of Output widgets
        changed = True
    if not changed:
        return data
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def code_module(data, name):
    """The code cells of a submitted notebook as one module's source (IPython magics and shell
    lines commented out). A notebook that cannot be read becomes a module raising ImportError
    with the reason, so that every test fails with that message and grading goes on."""
    try:
        notebook = load(data, name)
    except HomeworkError as exc:
        return f"raise ImportError({str(exc)!r})\n"
    chunks = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            lines = cell_text(cell.get("source", "")).splitlines()
            chunks.append("\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line
                                    for line in lines))
    return "\n\n".join(chunks) + "\n"
