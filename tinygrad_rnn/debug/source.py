"""``l``/``list``: the source lines around where a node was made.

A node's ``origin`` is the line of the user's code that made it, and for a node a library layer
made (a cell's R), that layer's line too (``origin.py``). ``list`` shows the user's line with
its neighbours; a graph with no user code (built by the command line) shows the library's line
instead, and says so.
"""
import linecache
import os

from .text import library_site

CONTEXT = 5            # lines shown before and after, as pdb's ``list`` (11 in all)


def site_of(origin, user_code=True):
    """``(filename, line, note)`` of the code to list, or None when there is none."""
    if origin is None:
        return None
    if user_code and not origin[0].startswith("<"):
        return origin[0], origin[1], None
    if len(origin) > 3:
        return origin[3], origin[4], ("no user code: the model was built by tinygrad_rnn; "
                                      f"the library's line is {library_site(origin)}")
    return None


def lines(filename, first, last, current):
    """pdb's listing: ``  12  ->    s = (x @ W).tanh()`` (``->`` marks ``current``); [] when
    the file cannot be read."""
    out = []
    for n in range(max(1, first), last + 1):
        text = linecache.getline(filename, n)
        if not text:
            break
        mark = "->" if n == current else "  "
        out.append(f"{n:4d} {mark} {text.rstrip()}")
    return out


def listing(origin, user_code=True, start=None):
    """``(lines to print, next start)`` around the node's site; ``start`` continues a listing
    (an ``l`` repeated shows the next 11 lines, as in pdb)."""
    site = site_of(origin, user_code)
    if site is None:
        return ["*** no source: this node records no creation site (set_record_origins was "
                "off)"], None
    filename, line, note = site
    first = start if start is not None else max(1, line - CONTEXT)
    body = lines(filename, first, first + 2 * CONTEXT, line)
    if not body:
        return [f"*** cannot read {os.path.basename(filename)} to list line {line}"
                if start is None else "(end of file)"], None
    head = [note] if note and start is None else []
    if start is None:
        head.append(f"{filename}:")
    return head + body, first + 2 * CONTEXT + 1
