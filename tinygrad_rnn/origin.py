"""Where in the user's code a tensor was made: the first frame outside the library.

The step debugger shows it ("which RNN step made the node that went NaN?"). Recording is on by
default; ``set_record_origins(False)`` turns it off for benchmarks.

Recording is cheap because it keeps only what the interpreter already has: the code object and
the instruction offset of the user's frame (and of the library frame that made the op, such as
a cell's R). The file name, line and function are worked out when someone asks (``origin[1]``,
``describe``). One ``Origin`` object stands for each site, so the T steps of an unroll share
theirs. An ``Origin`` reads like the tuple ``(file, line, function)``, or
``(file, line, function, lib_file, lib_line, lib_function)`` when a library layer made the op.
"""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_record = True


def set_record_origins(enabled):
    """Turn creation-site recording on or off; returns the previous setting."""
    global _record
    previous, _record = _record, bool(enabled)
    return previous


# A module of the autograd machinery itself (tensor, function, the ops, ...) says so with
#     AUTOGRAD_CORE = True    # origin.py: a frame here is never a creation site
# at its top; every other module of the package is a library layer (cells, unroll, ...), and
# everything outside the package is the user's code.
MARKER = "AUTOGRAD_CORE"
AUTOGRAD_CORE = True    # origin.py: a frame here is never a creation site

_USER, _CORE, _LIBRARY = 0, 1, 2
_KINDS = {}  # co_filename -> its kind, worked out once per file (capture runs on every op)


def _kind_of(filename, module_globals):
    """``_USER``, ``_CORE`` (the autograd machinery) or ``_LIBRARY`` (cells, unroll, ...) for
    a frame running code of ``filename`` with ``module_globals``."""
    kind = _KINDS[filename] = (_USER if not filename.startswith(_PACKAGE_DIR) else
                               _CORE if module_globals.get(MARKER) is True else _LIBRARY)
    return kind


def _line(code, offset):
    """The source line of the instruction at byte ``offset`` of ``code`` (PEP 626)."""
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line if line is not None else code.co_firstlineno
    return code.co_firstlineno


class Origin:
    """A creation site: read it as a tuple, ``(file, line, function)`` plus ``(lib_file,
    lib_line, lib_function)`` when a library layer (a cell's R) made the op. ``code`` is None
    when no user frame was found (the file reads ``"<unknown>"``)."""
    __slots__ = ("code", "offset", "lib_code", "lib_offset", "_items")

    def __init__(self, code, offset, lib_code=None, lib_offset=0):
        self.code, self.offset = code, offset
        self.lib_code, self.lib_offset = lib_code, lib_offset
        self._items = None

    def _resolve(self):
        items = self._items
        if items is None:
            code = self.code
            items = ("<unknown>", 0, "?") if code is None else (
                code.co_filename, _line(code, self.offset), code.co_name)
            lib = self.lib_code
            if lib is not None:
                items += (lib.co_filename, _line(lib, self.lib_offset), lib.co_name)
            self._items = items
        return items

    def __getitem__(self, index):
        return self._resolve()[index]

    def __len__(self):
        return 3 if self.lib_code is None else 6

    def __iter__(self):
        return iter(self._resolve())

    def __eq__(self, other):
        if isinstance(other, Origin):
            other = other._resolve()
        return self._resolve() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self):
        return hash(self._resolve())

    def __repr__(self):
        return f"Origin{self._resolve()!r}"

    def __reduce__(self):  # pickled and deep-copied as the plain tuple (code objects are not)
        return tuple, (self._resolve(),)


# One Origin per site. Keyed by the code objects' ids (hashing a code object hashes its whole
# bytecode): safe, because the Origin in the entry keeps its code objects, so their ids cannot
# be reused while the entry exists.
_SITES = {}
_MAX_SITES = 100_000  # then start again (notebooks make new code objects on every run)


def _site(key, code, offset, lib_code, lib_offset):
    if len(_SITES) >= _MAX_SITES:
        _SITES.clear()
    found = _SITES[key] = Origin(code, offset, lib_code, lib_offset)
    return found


def capture():
    """Where the tensor being made comes from (an ``Origin``), or None when recording is off:
    the innermost frame outside tinygrad_rnn (the user's code) and, when a library layer such
    as a cell made the op, the innermost library frame."""
    if not _record:
        return None
    frame = sys._getframe(2)
    lib_code = None
    kinds = _KINDS
    while frame is not None:
        code = frame.f_code
        kind = kinds.get(code.co_filename)
        if kind is None:
            kind = _kind_of(code.co_filename, frame.f_globals)
        if kind == _USER:
            offset = frame.f_lasti
            if lib_code is None:
                key = (id(code), offset)
                found = _SITES.get(key)
                return found if found is not None else _site(key, code, offset, None, 0)
            key = (id(code), offset, id(lib_code), lib_offset)
            found = _SITES.get(key)
            return found if found is not None else _site(key, code, offset, lib_code, lib_offset)
        if kind == _LIBRARY and lib_code is None:
            lib_code, lib_offset = code, frame.f_lasti
        frame = frame.f_back
    if lib_code is None:
        return None
    key = (None, 0, id(lib_code), lib_offset)
    found = _SITES.get(key)
    return found if found is not None else _site(key, None, 0, lib_code, lib_offset)


def rebase(inner, outer):
    """``inner``'s library frame with ``outer``'s user frame: an op that a library function
    (the expansion of a fused step) made again for the user's line that made ``outer``."""
    if not isinstance(inner, Origin) or not isinstance(outer, Origin):
        return outer if inner is None else inner
    key = (id(outer.code) if outer.code is not None else None, outer.offset,
           id(inner.lib_code) if inner.lib_code is not None else None, inner.lib_offset)
    found = _SITES.get(key)
    return found if found is not None else _site(key, outer.code, outer.offset, inner.lib_code,
                                                 inner.lib_offset)


def describe(origin):
    """``file.py:12 in fn (via tinygrad_rnn/rnn/elman.py:41 in R)`` for an origin
    (``"unknown"`` for None)."""
    if origin is None:
        return "unknown"
    filename, lineno, function = origin[:3]
    text = f"{os.path.basename(filename)}:{lineno} in {function}"
    if len(origin) > 3:
        lib_file, lib_line, lib_function = origin[3:6]
        root = os.path.dirname(_PACKAGE_DIR.rstrip(os.sep))
        text += f" (via {os.path.relpath(lib_file, root)}:{lib_line} in {lib_function})"
    return text
