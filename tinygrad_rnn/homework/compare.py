"""The verdict: a submission's observations against the reference solution's (in the grader).

Everything a test process sends is untrusted data; these functions read it defensively (wrong
types, missing keys and sizes that disagree with the reference count as wrong) and never
execute or trust anything in it. Values are compared elementwise within the tolerances the
REFERENCE observation carries (``|got - expected| <= atol + rtol |expected|``, NaN matching NaN,
an infinity only the same infinity); graphs node by node (``compare_graph``), so that a message
can say which op, which input and which time step is wrong. For a test whose process may hold
what students must not see (``shown=False``: see ``TestCase.public``) no message holds an
expected value, nor anything the test process chose (a value, a shape, a count, an index).
"""
import math
import re

import numpy

from .graphs import compare_graph

NUMERIC = ("tensor", "array", "number")
NOT_OBSERVED = "not observed (the test stopped before it)"


def _fmt(x):
    return f"{x:.8g}"


def _numbers(entry, size=None):
    """The array of a numeric observation, or None when it is malformed (or of another size)."""
    try:
        shape = tuple(int(n) for n in entry["shape"])
        values = entry["values"]
        count = math.prod(shape)
        if not isinstance(values, list) or len(values) != count or (size is not None and count != size):
            return None
        return numpy.asarray(values, dtype=float).reshape(shape)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def _what(entry, shown=True):
    """What a value is, in words; a type name the submission sent only if it is a plain
    identifier and the test is shown (it could carry anything, a hidden test's source too)."""
    kind = entry.get("kind") if isinstance(entry, dict) else None
    named = {"tensor": "a Tensor", "array": "a NumPy array", "number": "a number", "none": "None",
             "str": "a string", "graph": "a graph"}
    if kind in named:
        return named[kind]
    if kind == "sequence":
        return "a tuple" if entry.get("type") == "tuple" else "a list"
    name = entry.get("type") if kind == "object" else None
    if shown and isinstance(name, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,60}", name):
        return f"a {name}"
    return "something else" if kind else "something unreadable"


def agree(expected, got, rtol, atol):
    """Elementwise: ``got`` agrees with ``expected`` (``|got - expected| <= atol + rtol
    |expected|`` where ``expected`` is finite; exactly the same infinity, or NaN for NaN, where
    it is not: a tolerance of ``rtol * inf`` would let any number pass)."""
    with numpy.errstate(invalid="ignore", over="ignore"):
        close = numpy.abs(got - expected) <= atol + rtol * numpy.abs(expected)
        special = (got == expected) | (numpy.isnan(expected) & numpy.isnan(got))
        return numpy.where(numpy.isfinite(expected), close, special)


def first_difference(expected, got, rtol, atol):
    """``(index, expected, got, count)`` of the worst of the differing elements, or None."""
    wrong = ~agree(expected, got, rtol, atol)
    if not wrong.any():
        return None
    with numpy.errstate(invalid="ignore", over="ignore"):
        excess = numpy.where(wrong, numpy.nan_to_num(numpy.abs(got - expected), nan=numpy.inf),
                             -1.0)
    at = numpy.unravel_index(int(numpy.argmax(excess)), expected.shape)
    return tuple(int(i) for i in at), float(expected[at]), float(got[at]), int(wrong.sum())


def compare_value(name, ref, got, rtol, atol, shown):
    """The problems (strings) of the observed value ``got`` against ``ref``."""
    kind = ref.get("kind")
    got_kind = got.get("kind") if isinstance(got, dict) else None
    if kind == "tensor" and got_kind != "tensor" or kind in NUMERIC and got_kind not in NUMERIC \
            or kind not in NUMERIC and got_kind != kind:
        return [f"{name}: expected {_what(ref)}, got {_what(got, shown)}"]
    if kind == "sequence":
        items, got_items = ref.get("items", []), got.get("items")
        if not isinstance(got_items, list) or len(got_items) != len(items):
            if not shown:  # the count is the test process's choice: no channel out of it
                return [f"{name}: not as many values as the reference solution's"]
            count = len(got_items) if isinstance(got_items, list) else "?"
            return [f"{name}: expected {len(items)} values, got {count}"]
        return [p for i, (r, g) in enumerate(zip(items, got_items))
                for p in compare_value(f"{name}[{i}]", r, g, rtol, atol, shown)]
    if kind == "str":
        same = got.get("value") == ref.get("value")
        return [] if same else [f"{name}: the text differs" + (
            f": expected {ref.get('value')!r}" if shown else "")]
    if kind in ("none", "object"):
        return [] if got.get("type") == ref.get("type") else [f"{name}: expected {_what(ref)}, "
                                                               f"got {_what(got, shown)}"]
    expected = _numbers(ref)
    got_shape = got.get("shape")
    if list(expected.shape) != got_shape:
        if not shown:  # the shape sent could spell out anything (a hidden test's source)
            return [f"{name}: another shape than the reference solution's"]
        shape = tuple(got_shape) if isinstance(got_shape, list) else "unreadable"
        return [f"{name}: shape {shape}"[:300] + f", expected {expected.shape}"]
    values = _numbers(got, expected.size)
    if values is None:
        return [f"{name}: unreadable values"]
    diff = first_difference(expected, values, rtol, atol)
    if diff is None:
        return []
    index, e, g, count = diff
    where = f"index {index}" if index else "its value"
    if not shown:  # which and how many differ is the test process's choice too
        return [f"{name}: values differ from the reference solution's"]
    return [f"{name}: wrong at {where}: expected {_fmt(e)}, got {_fmt(g)} ({count} of "
            f"{expected.size} values differ)"]


def compare_observations(reference, got, shown):
    """``(problems, right, total)``: every reference observation against the one the
    submission recorded at the same position. ``right / total`` is the partial credit: a graph
    counts its ops (the fraction whose gradients are right), any other observation counts one."""
    got = got if isinstance(got, list) else []
    problems, right, total = [], 0.0, 0.0
    for i, ref in enumerate(reference):
        name = ref["name"]
        weight = sum("op" in n for n in ref["value"]["nodes"]) if ref["call"] == "graph" else 1
        weight = max(weight, 1)
        total += weight
        if i >= len(got):
            problems.append(f"{name}: {NOT_OBSERVED}")
            continue
        other = got[i] if isinstance(got[i], dict) else {}
        try:
            if ref["call"] == "graph":
                found, good, _ = compare_graph(name, ref["value"], other.get("value"),
                                               ref["rtol"], ref["atol"], shown)
                right += weight if not found else min(good, weight)
            else:
                found = compare_value(name, ref["value"], other.get("value"), ref["rtol"],
                                      ref["atol"], shown)
                right += not found
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError):
            found = [f"{name}: the test process sent an unreadable observation"]
        problems += found
    if len(got) > len(reference):
        problems.append(f"the test observed {len(got)} values, the reference solution "
                        f"{len(reference)}" if shown else "the test observed more values than "
                                                          "the reference solution")
        right = max(min(right, total - 1), 0)
    return problems, right, total
