"""The results of a grading run, in the format of Gradescope's ``results.json``.

::

    {"score": 7.0,                     # the total, what Gradescope records
     "execution_time": 4.2,            # seconds
     "output": "7/12 points, 5 of 9 tests passed",
     "tests": [{"name": "test_elman.py::test_R_matches_the_formula",
                "score": 0.0, "max_score": 2.0,
                "status": "failed",    # "passed" or "failed"
                "output": "what went wrong, the traceback, the test's printed output",
                "tags": ["hidden"]},   # only on tests from a HIDDEN TESTS block
               ...],
     "extra_data": {"max_score": 12.0, "passed": 5, "tests": 9}}

``SCHEMA`` is that format as a JSON schema; ``validate(data)`` checks a dict against it without
third-party packages and returns the list of problems (empty when valid).
"""

SCHEMA = {
    "type": "object",
    "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "output"],
                "properties": {
                    "name": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"type": "string", "enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

_TYPES = {"object": dict, "array": list, "string": str, "number": (int, float)}

_LABELS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT",
           "crashed": "CRASH"}


def validate(data, schema=SCHEMA, where="results"):
    """Problems of ``data`` against the subset of JSON schema used by ``SCHEMA``."""
    expected = _TYPES[schema["type"]]
    if not isinstance(data, expected) or isinstance(data, bool):
        return [f"{where}: expected {schema['type']}, got {type(data).__name__}"]
    problems = []
    if "minimum" in schema and data < schema["minimum"]:
        problems.append(f"{where}: {data} is below {schema['minimum']}")
    if "enum" in schema and data not in schema["enum"]:
        problems.append(f"{where}: {data!r} is not one of {schema['enum']}")
    if schema["type"] == "object":
        properties = schema.get("properties", {})
        problems += [f"{where}: missing {key!r}" for key in schema.get("required", ()) if key not in data]
        for key, value in data.items():
            if key in properties:
                problems += validate(value, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties", True) is False:
                problems.append(f"{where}: unexpected key {key!r}")
    if schema["type"] == "array" and "items" in schema:
        for i, item in enumerate(data):
            problems += validate(item, schema["items"], f"{where}[{i}]")
    return problems


def _clip(text, limit):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters cut]"


def student_output(case, outcome, limit):
    """The ``output`` a student reads for one test."""
    parts = []
    if outcome["status"] != "passed":
        message = outcome.get("message", "")
        if outcome.get("traceback"):  # which ends with the whole message: show its first line
            message = (message.splitlines() or [""])[0]
        parts.append(f"{_LABELS.get(outcome['status'], outcome['status'].upper())}: {message}")
        if outcome.get("traceback"):
            parts.append(_clip(outcome["traceback"].rstrip(), limit))
    if outcome.get("output"):
        parts.append("--- printed output ---\n" + outcome["output"].rstrip())
    return "\n".join(parts)


def build_results(cases, outcomes, seconds, limit=10000):
    """The results dict of ``TestCase``s and their outcomes (see the module docstring)."""
    tests, total, maximum, passed = [], 0.0, 0.0, 0
    for case, outcome in zip(cases, outcomes):
        ok = outcome["status"] == "passed"
        score = case.points if ok else 0.0
        entry = {"name": case.name, "score": score, "max_score": case.points,
                 "status": "passed" if ok else "failed", "output": student_output(case, outcome, limit)}
        if case.hidden:
            entry["tags"] = ["hidden"]
        tests.append(entry)
        total += score
        maximum += case.points
        passed += ok
    return {"score": total, "execution_time": round(seconds, 3),
            "output": f"{_num(total)}/{_num(maximum)} points, {passed} of {len(tests)} tests passed",
            "tests": tests,
            "extra_data": {"max_score": maximum, "passed": passed, "tests": len(tests)}}


def _num(x):
    return f"{x:g}"


def summary_line(case, outcome):
    """One line per test: ``PASS  2/2  test_elman.py::test_R  first line of the message``."""
    ok = outcome["status"] == "passed"
    label = _LABELS.get(outcome["status"], outcome["status"].upper())
    points = f"{_num(case.points if ok else 0)}/{_num(case.points)}"
    line = f"{label:<7} {points:>7}  {case.name}{'  (hidden)' if case.hidden else ''}"
    if not ok:
        message = (outcome.get("message") or "").strip().splitlines()
        if message:
            first = message[0]
            line += f"\n{'':17}{first[:150]}{'...' if len(first) > 150 else ''}"
    return line


def summary(results):
    """The closing lines of the readable report."""
    return f"score: {results['output']}"
