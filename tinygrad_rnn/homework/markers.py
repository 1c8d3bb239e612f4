"""Solution and hidden-test markers: find them, check they pair up, and cut them out.

A marker is a line holding only a comment (any indentation, any line ending)::

    # BEGIN SOLUTION        ...code the student writes...        # END SOLUTION
    # BEGIN HIDDEN TESTS    ...tests only the grader runs...      # END HIDDEN TESTS

In the student version a solution block becomes one ``raise NotImplementedError(...)`` line at
the indentation of its ``# BEGIN SOLUTION`` line; a hidden-tests block disappears with its
markers. Blocks do not nest; every BEGIN needs its END. Everything else is kept byte for byte.
"""
import re

PLACEHOLDER = 'raise NotImplementedError("YOUR CODE HERE")'
_MARKER = re.compile(r"^([ \t]*)#[ \t]*(BEGIN|END)[ \t]+(SOLUTION|HIDDEN TESTS)[ \t]*$")


class MarkerError(ValueError):
    """Markers that do not pair up; ``problems`` lists ``(line, message)`` pairs."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {msg}" for line, msg in problems))


def parse_marker(line):
    """``(indent, "BEGIN"|"END", "SOLUTION"|"HIDDEN TESTS")`` for a marker line, else None."""
    match = _MARKER.match(line.rstrip("\r\n"))
    return match.groups() if match else None


def find_blocks(lines, first_line=1):
    """Pair the markers of ``lines`` (each with its line ending).

    Returns ``[(kind, begin_index, end_index, indent)]`` (indices into ``lines``) or raises
    ``MarkerError`` listing every problem with its line number (``first_line`` numbers the first).
    """
    blocks, problems, open_block = [], [], None
    for i, line in enumerate(lines):
        marker = parse_marker(line)
        if marker is None:
            continue
        indent, action, kind = marker
        number = first_line + i
        if action == "BEGIN":
            if open_block is not None:
                problems.append((number, f"'# BEGIN {kind}' inside the '# BEGIN {open_block[0]}' "
                                         f"block opened at line {first_line + open_block[1]} "
                                         "(blocks cannot nest; close it first)"))
                continue
            open_block = (kind, i, indent)
        elif open_block is None:
            problems.append((number, f"'# END {kind}' without a matching '# BEGIN {kind}'"))
        elif open_block[0] != kind:
            problems.append((number, f"'# END {kind}' closes the '# BEGIN {open_block[0]}' "
                                     f"block opened at line {first_line + open_block[1]}"))
            open_block = None
        else:
            blocks.append((kind, open_block[1], i, open_block[2]))
            open_block = None
    if open_block is not None:
        problems.append((first_line + open_block[1],
                         f"'# BEGIN {open_block[0]}' is never closed by '# END {open_block[0]}'"))
    if problems:
        raise MarkerError(problems)
    return blocks


def strip_lines(lines, first_line=1):
    """The student version of ``lines`` (a list of strings with their line endings)."""
    out, start = [], 0
    for kind, begin, end, indent in find_blocks(lines, first_line):
        out.extend(lines[start:begin])
        if kind == "SOLUTION":
            ending = lines[begin][len(lines[begin].rstrip("\r\n")):] or "\n"
            out.append(indent + PLACEHOLDER + ending)
        start = end + 1
    out.extend(lines[start:])
    return out


def strip_text(text):
    """The student version of a source text (``str``); unchanged if it has no markers."""
    return "".join(strip_lines(text.splitlines(keepends=True)))


def hidden_line_ranges(text):
    """``[(first, last)]`` 1-based line ranges of the hidden-tests blocks, markers included."""
    return [(begin + 1, end + 1) for kind, begin, end, _ in
            find_blocks(text.splitlines(keepends=True)) if kind == "HIDDEN TESTS"]
