"""Reference observations: what each test observes when it runs on the solution.

The grader compares a submission's observations with these. They are computed by running every
test on the solution (in test processes, before any submission runs), or loaded from a
``reference.json`` made earlier (``tinygrad-rnn homework reference``; the autograder bundle
ships one, so the solution itself is never uploaded)::

    {"format": "tinygrad-rnn reference observations", "version": 1,
     "tinygrad_rnn": "0.1.0", "numpy": "2.2.6",
     "tests": {"test_elman.py::test_R_matches_the_formula":
               {"source_sha256": "...", "observations": [{"name": "R(s, x)", ...}]}}}

A test file that changed since its reference was made is an error, not a silent mismatch.
"""
import json
from pathlib import Path

import numpy

from .. import __version__
from .errors import HomeworkError
from .make import read_regular
from .markers import blank_lines

FORMAT = "tinygrad-rnn reference observations"


def test_request(case):
    """What the test process gets for ``case``: the test file without the hidden-tests blocks
    (a hidden test keeps its own block), lines blanked so that line numbers stay right."""
    ranges = [r for r in case.hidden_ranges if not r[0] <= case.line <= r[1]]
    return {"source": blank_lines(case.source, ranges), "file": case.file,
            "function": case.function, "hidden": case.hidden}


def describe_failure(outcome):
    """One line saying why a test run did not pass (for the instructor)."""
    if outcome["status"] != "ran":
        return outcome["message"]
    exc = outcome.get("exception") or {}
    return (exc.get("message") or exc.get("type") or "failed").splitlines()[0][:300]


def _uncomparable(value):
    """Why an observed value (encoded) lets any submission pass, or None: it holds an object
    the grader compares by type name only (a cell, a complex number), or no number or text."""
    leaves, stack = [], [value]
    while stack:
        item = stack.pop()
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == "sequence":
            stack += item.get("items", [])
        else:
            leaves.append(item)
    for leaf in leaves:
        if not isinstance(leaf, dict) or leaf.get("kind") == "object":
            name = leaf.get("type") if isinstance(leaf, dict) else None
            name = name if isinstance(name, str) else "value"
            return f"a {name[:60]} object, compared by its type only (any {name[:60]} passes)"
    if not any(leaf.get("kind") in ("str", "graph") or leaf.get("kind") in ("tensor", "array",
               "number") and leaf.get("values") for leaf in leaves):  # an empty array has none
        return "no number and no text (any answer passes)"
    return None


def vacuous(name, observations):
    """A problem line for the first observation of test ``name`` that any answer would
    match (see ``_uncomparable``), or None."""
    for obs in observations:
        why = _uncomparable(obs.get("value")) if isinstance(obs, dict) else "not an observation"
        if why:
            return (f"{name}: observes {obs.get('name')!r} as {why}; observe numbers (a Tensor, "
                    "an array, a number)")
    return None


def build(cases, outcomes):
    """The reference dict of the solution's ``outcomes``; raises ``HomeworkError`` when the
    solution fails a test, a test observes nothing, or observes something any submission
    could match (it could then never be passed fairly, or always be)."""
    problems, tests = [], {}
    for case, outcome in zip(cases, outcomes):
        matched_by_any = vacuous(case.name, outcome["observations"])
        if outcome["status"] != "ran" or outcome["result"] != "passed":
            problems.append(f"{case.name}: the solution does not pass it: "
                            f"{describe_failure(outcome)}")
        elif not outcome["observations"]:
            problems.append(f"{case.name}: observes nothing, so the grader has nothing to compare "
                            "(call observe(...) or a tr.testing check in it)")
        elif matched_by_any:
            problems.append(matched_by_any)
        else:
            tests[case.name] = {"source_sha256": case.source_hash,
                                "observations": outcome["observations"]}
    if problems:
        raise HomeworkError("the reference solution cannot be used:\n" + "\n".join(problems))
    return document(cases, {name: entry["observations"] for name, entry in tests.items()})


def document(cases, expected):
    """The reference dict (what ``reference.json`` holds) of ``{test name: observations}``."""
    return {"format": FORMAT, "version": 1, "tinygrad_rnn": __version__,
            "numpy": numpy.__version__,
            "tests": {c.name: {"source_sha256": c.source_hash, "observations": expected[c.name]}
                      for c in cases}}


def _valid_observation(obs):
    return (isinstance(obs, dict) and isinstance(obs.get("name"), str) and
            obs.get("call") in ("observe", "assert_grad_close", "graph") and
            isinstance(obs.get("value"), dict) and
            all(isinstance(obs.get(k), (int, float)) for k in ("rtol", "atol")))


def load(reference):
    """A reference dict from a path or a dict, checked."""
    where = "the reference"
    if not isinstance(reference, dict):
        where = str(reference)
        try:
            reference = json.loads(read_regular(Path(reference)).decode("utf-8"))
        except (OSError, HomeworkError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise HomeworkError(f"{where}: cannot read the reference observations ({exc})") from None
    if not isinstance(reference, dict) or reference.get("format") != FORMAT or \
            not isinstance(reference.get("tests"), dict):
        raise HomeworkError(f"{where}: not a reference made by 'tinygrad-rnn homework reference'")
    for name, entry in reference["tests"].items():
        if not (isinstance(entry, dict) and isinstance(entry.get("observations"), list) and
                all(_valid_observation(o) for o in entry["observations"])):
            raise HomeworkError(f"{where}: the entry of {name} is damaged; make the reference again")
        problem = vacuous(name, entry["observations"])
        if problem:
            raise HomeworkError(f"{where}: {problem}")
    return reference


def expected_for(cases, reference, where="the reference"):
    """``{test name: observations}`` for every case; an error names the tests that have no
    reference or whose file changed since it was made."""
    missing = [c.name for c in cases if c.name not in reference["tests"]]
    changed = sorted({c.file for c in cases if c.name not in missing and
                      reference["tests"][c.name]["source_sha256"] != c.source_hash})
    if missing or changed:
        lines = [f"{where} has no observations for {', '.join(missing)}"] if missing else []
        if changed:
            lines.append(f"{', '.join(changed)} changed since {where} was made")
        raise HomeworkError("; ".join(lines) + " (make it again: tinygrad-rnn homework "
                                               "reference SOLUTION --tests TESTS -o FILE)")
    return {c.name: reference["tests"][c.name]["observations"] for c in cases}
