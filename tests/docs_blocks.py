"""The code blocks of the documentation (README.md and docs/*.md), found and run for
tests/test_docs.py. The conventions are the ones docs/architecture.md states under
"Documentation that runs":

- ```python blocks of a page run in order in one namespace, in the page's working folder;
- ```bash / ```sh blocks run as one ``bash -euo pipefail`` script each, in the same folder;
- ```console blocks are transcripts: each ``$ command`` runs, and what it prints must equal the
  lines below it, up to the next ``$``;
- a block with a comment line ``# not run: REASON`` is not run (the reason is required);
- ```text blocks and blocks without a language are never run.

A page may include another file with pymdownx.snippets' ``--8<-- "path:start:end"`` line (how
docs/performance.md includes bench/README.md); its blocks count as the page's and are named by
the included file and line.
"""
import ast
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
from typing import NamedTuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
SNIPPET = re.compile(r'^--8<-- "([^"]+)"[ \t]*$', re.MULTILINE)
NOT_RUN = re.compile(r"^[ \t]*#[ \t]*not run:(.*)$", re.MULTILINE)
LANGUAGES = {"python", "bash", "sh", "console", "text", ""}
SHELLS = {"bash", "sh"}
TIMEOUT = 600   # seconds for one shell block or one console command


class Block(NamedTuple):
    where: str   # "docs/cli.md:42": the file and the line the block's code starts on
    lang: str
    code: str

    @property
    def not_run(self):
        """The reason given by a ``# not run: REASON`` line, or None when the block runs."""
        m = NOT_RUN.search(self.code)
        return m.group(1).strip() if m else None


def pages():
    """README.md and every Markdown page under docs/ (not through the docs/viz link)."""
    found = [ROOT / "README.md"]
    for folder, subfolders, files in os.walk(DOCS):   # os.walk does not follow links
        found += [pathlib.Path(folder) / f for f in sorted(files) if f.endswith(".md")]
        subfolders.sort()
    return found


def label(path):
    return pathlib.Path(path).resolve().relative_to(ROOT).as_posix()


def blocks_in(text, name, first_line=1):
    """The fenced blocks of ``text`` (a file ``name`` whose line ``first_line`` starts it)."""
    return [Block(f"{name}:{first_line + text.count(chr(10), 0, m.start()) + 1}",
                  m.group(1).strip().split(" ")[0], m.group(2))
            for m in FENCE.finditer(text)]


def snippet_lines(spec, base=ROOT):
    """The lines a ``--8<-- "path:start:end"`` line includes (1-based, both ends included, as
    pymdownx.snippets counts them), and the number of the first."""
    path, _, span = spec.partition(":")
    lines = (base / path).read_text(encoding="utf-8").split("\n")
    start, _, end = span.partition(":")
    first = int(start) if start else 1
    last = int(end) if end else len(lines)
    return path, first, "\n".join(lines[first - 1:last])


def blocks(path):
    """Every block of a page, in reading order, with included files' blocks in place."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    name, found, done = label(path), [], 0
    for m in SNIPPET.finditer(text):
        found += blocks_in(text[done:m.start()], name, text.count("\n", 0, done) + 1)
        path, first, included = snippet_lines(m.group(1))
        found += blocks_in(included, path, first)
        done = m.end()
    return found + blocks_in(text[done:], name, text.count("\n", 0, done) + 1)


def missing_modules(code):
    """Top-level modules the block imports that are not installed (e.g. torch, cupy)."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return sorted(n for n in names if importlib.util.find_spec(n) is None)


def prepare(folder):
    """A page's working folder: ``.venv/bin`` links to this interpreter's scripts (so that
    ``.venv/bin/tinygrad-rnn`` works), and a copy of the example homework."""
    (folder / ".venv").mkdir()
    (folder / ".venv" / "bin").symlink_to(pathlib.Path(sys.executable).parent)
    shutil.copytree(ROOT / "tutorials" / "homework", folder / "tutorials" / "homework",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))


def environment():
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_python(block, namespace):
    try:
        exec(compile(block.code, block.where, "exec"), namespace)
    except Exception as exc:
        raise AssertionError(f"the example at {block.where} fails: "
                             f"{type(exc).__name__}: {exc}") from exc


def run_shell(block, folder):
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=folder,
                          env=environment(), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(f"the commands at {block.where} fail (exit status "
                             f"{done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def transcript(code):
    """``[(command, expected output lines)]`` of a console block."""
    steps = []
    for line in code.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"console block: output before the first '$ ' command: {line!r}")
    return steps


def run_console(block, folder):
    for command, expected in transcript(block.code):
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=environment(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
        got = done.stdout.rstrip("\n").split("\n") if done.stdout.strip() else []
        if got != expected:
            raise AssertionError(f"at {block.where}, `{command}` printed\n"
                                 + "\n".join(got) + "\ninstead of\n" + "\n".join(expected))
