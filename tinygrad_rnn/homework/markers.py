"""Solution and hidden-test markers: find them, check they pair up, and cut them out.

Three dialects are understood, in any case and with any spacing or number of ``#``::

    # BEGIN SOLUTION / # END SOLUTION          ours and otter's
    ### BEGIN SOLUTION / ### END SOLUTION      nbgrader's
    # BEGIN HIDDEN TESTS / # END HIDDEN TESTS  (### for nbgrader)
    x = 2 * y  # SOLUTION                      otter's one-line solution

In Python code a marker is a comment token (found with ``tokenize``, so a marker inside a
string literal is text, not a marker) alone on its line; the inline ``# SOLUTION`` ends a
one-line statement. In the student version a solution block becomes one
``raise NotImplementedError("YOUR CODE HERE")`` line at the indentation of its BEGIN line (in a
markdown or raw notebook cell: ``YOUR ANSWER HERE``), a hidden-tests block disappears with its
markers, and an inline solution line becomes ``x = ...`` (an assignment keeps its target) or
``...``. Blocks do not nest; every BEGIN needs its END. A comment that looks like a marker but
is not one of these (``# BEGIN PROMPT``, ``# SOLUTION NO PROMPT``, a marker after code) is an
error: guessing would copy a solution into the student version.
"""
import ast
import io
import re
import tokenize

PLACEHOLDER = 'raise NotImplementedError("YOUR CODE HERE")'
ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"

_BLOCK = re.compile(r"#+\s*(begin|end)\s+(solution|hidden\s+tests?)\s*", re.IGNORECASE)
_INLINE = re.compile(r"#+\s*solution\s*", re.IGNORECASE)
_OTTER_NO_PROMPT = re.compile(r"#+\s*solution\s+no\s+prompt\s*", re.IGNORECASE)
_BEGIN_END = re.compile(r"#+\s*(begin|end)\b\s*([A-Za-z_]*)", re.IGNORECASE)
_MARKER_WORDS = {"solution", "solutions", "hidden", "test", "tests", "prompt", "question",
                 "answer", "answers", "code"}
UNDERSTOOD = ("understood: '# BEGIN SOLUTION' / '# END SOLUTION', '# BEGIN HIDDEN TESTS' / "
              "'# END HIDDEN TESTS' (any case, any number of '#'), and '# SOLUTION' after a "
              "one-line statement")


class MarkerError(ValueError):
    """Markers that do not pair up; ``problems`` lists ``(line, message)`` pairs."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {msg}" for line, msg in problems))


def split_lines(text):
    """``text`` cut after each ``\\n`` (not at form feeds or other Unicode line breaks, which
    ``str.splitlines`` would also cut at, shifting every line number after them)."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _kind(comment):
    """Classify one comment's text: ``("BEGIN"|"END", "SOLUTION"|"HIDDEN TESTS")``,
    ``"INLINE"``, ``"SUSPECT"`` (looks like a marker, is not one) or None (a comment)."""
    comment = comment.rstrip()
    block = _BLOCK.fullmatch(comment)
    if block:
        kind = "SOLUTION" if block.group(2).lower() == "solution" else "HIDDEN TESTS"
        return block.group(1).upper(), kind
    if _INLINE.fullmatch(comment):
        return "INLINE"
    if _OTTER_NO_PROMPT.fullmatch(comment):
        return "SUSPECT"
    words = _BEGIN_END.match(comment)
    if words and (words.group(2).lower() in _MARKER_WORDS or comment.lstrip("# ").isupper()):
        return "SUSPECT"
    return None


_NOT_CODE = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)


def _python_comments(lines):
    """``[(index, column, text, own line)]`` of the comment tokens of Python source ``lines``
    (``own line``: the statement the comment ends began on the comment's line, not on an
    earlier one continued with a backslash); None when the source does not tokenize (then
    every ``#`` line is taken for a comment)."""
    found, began = [], None
    try:
        for tok in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if tok.type == tokenize.COMMENT:
                found.append((tok.start[0] - 1, tok.start[1], tok.string,
                              began in (None, tok.start[0])))
            elif tok.type == tokenize.NEWLINE:
                began = None
            elif tok.type not in _NOT_CODE and began is None:
                began = tok.start[0]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return found


def _text_comments(lines, python):
    """Comments of lines that do not tokenize (a markdown cell, broken code): a line whose
    text starts with ``#``; in code also a trailing ``# SOLUTION``."""
    found = []
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        stripped = body.lstrip()
        if stripped.startswith("#"):
            found.append((i, len(body) - len(stripped), stripped, True))
        elif python:
            inline = re.search(r"\s(#+\s*solution\s*)$", body, re.IGNORECASE)
            if inline:
                own = i == 0 or not lines[i - 1].rstrip("\r\n").endswith("\\")
                found.append((i, inline.start(1), inline.group(1), own))
    return found


def scan(lines, python=True, first_line=1):
    """The markers of ``lines``: ``(blocks, inline)`` where ``blocks`` is
    ``[(kind, begin_index, end_index, indent)]`` and ``inline`` the indices of one-line
    solutions. Raises ``MarkerError`` listing every problem with its line number."""
    comments = _python_comments(lines) if python else None
    if comments is None:
        comments = _text_comments(lines, python)
    problems, markers, inline = [], [], []
    continued = set()
    for i, column, text, own_line in comments:
        kind = _kind(text)
        if kind is None:
            continue
        number = first_line + i
        alone = not lines[i][:column].strip()
        if kind == "SUSPECT":  # after code, only otter's marker counts (prose is a comment)
            if alone or _OTTER_NO_PROMPT.fullmatch(text.rstrip()):
                problems.append((number, f"{text.strip()!r} looks like a marker but is not one "
                                         f"({UNDERSTOOD})"))
        elif kind == "INLINE":
            if alone or not python:
                if python:
                    problems.append((number, f"{text.strip()!r} must follow code on the same line"))
            else:
                inline.append((i, column))
                if not own_line:  # "x = 2 * \\" then "    y  # SOLUTION": line 1 would stay
                    continued.add(i)
        elif not alone:
            problems.append((number, f"{text.strip()!r} is a marker only alone on its line"))
        else:
            markers.append((i, lines[i][:column]) + kind)
    blocks = _pair(markers, problems, first_line)
    inside = [(b, e) for _, b, e, _ in blocks]
    inline = [(i, c) for i, c in inline if not any(b <= i <= e for b, e in inside)]
    for i, column in inline:
        if i in continued or not _one_line_statement(lines[i][:column]):
            problems.append((first_line + i, "'# SOLUTION' must end a statement that fits on "
                                             "its line; use BEGIN/END SOLUTION for more"))
    if problems:
        raise MarkerError(sorted(problems))
    return blocks, inline


def _pair(markers, problems, first_line):
    blocks, open_block = [], None
    for i, indent, action, kind in markers:
        number = first_line + i
        if action == "BEGIN":
            if open_block is not None:
                problems.append((number, f"'BEGIN {kind}' inside the 'BEGIN {open_block[0]}' "
                                         f"block opened at line {first_line + open_block[1]} "
                                         "(blocks cannot nest; close it first)"))
                continue
            open_block = (kind, i, indent)
        elif open_block is None:
            problems.append((number, f"'END {kind}' without a matching 'BEGIN {kind}'"))
        elif open_block[0] != kind:
            problems.append((number, f"'END {kind}' closes the 'BEGIN {open_block[0]}' "
                                     f"block opened at line {first_line + open_block[1]}"))
            open_block = None
        else:
            blocks.append((kind, open_block[1], i, open_block[2]))
            open_block = None
    if open_block is not None:
        problems.append((first_line + open_block[1],
                         f"'BEGIN {open_block[0]}' is never closed by 'END {open_block[0]}'"))
    return blocks


def _one_line_statement(code):
    try:
        return len(ast.parse(code.strip()).body) >= 1
    except SyntaxError:
        return False


def _inline_solution(line, column):
    """``x = ...`` for an assignment, else ``...``, at the line's indentation."""
    code = line[:column]
    indent = code[:len(code) - len(code.lstrip())]
    ending = line[len(line.rstrip("\r\n")):]
    statement = ast.parse(code.strip()).body[0]
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and statement.value:
        start = statement.value.col_offset
        target = code.strip().encode("utf-8")[:start].decode("utf-8").rstrip()
        return f"{indent}{target} ...{ending}"
    return indent + "..." + ending


def strip_lines(lines, first_line=1, python=True):
    """The student version of ``lines`` (strings with their line endings)."""
    blocks, inline = scan(lines, python, first_line)
    inline = dict(inline)
    out, start = [], 0
    for kind, begin, end, indent in blocks + [(None, len(lines), len(lines), "")]:
        for i in range(start, begin):
            out.append(_inline_solution(lines[i], inline[i]) if i in inline else lines[i])
        if kind == "SOLUTION":
            ending = lines[end][len(lines[end].rstrip("\r\n")):]  # none at a cell's end
            out.append(indent + (PLACEHOLDER if python else ANSWER_PLACEHOLDER) + ending)
        start = end + 1
    return out


def strip_text(text, python=True):
    """The student version of a source text (``str``); unchanged if it has no markers."""
    return "".join(strip_lines(split_lines(text), python=python))


def has_markers(text, python=True):
    """Whether ``text`` has any marker (raises ``MarkerError`` on bad ones)."""
    blocks, inline = scan(split_lines(text), python)
    return bool(blocks or inline)


def hidden_line_ranges(text):
    """``[(first, last)]`` 1-based line ranges of the hidden-tests blocks, markers included."""
    blocks, _ = scan(split_lines(text))
    return [(begin + 1, end + 1) for kind, begin, end, _ in blocks if kind == "HIDDEN TESTS"]


def blank_lines(text, ranges):
    """``text`` with the 1-based line ``ranges`` emptied (line numbers stay as they were)."""
    lines = split_lines(text)
    for first, last in ranges:
        for i in range(first - 1, min(last, len(lines))):
            lines[i] = "\n"
    return "".join(lines)
