"""The results of a grading run, in the format of Gradescope's ``results.json``.

::

    {"score": 7.0,                     # the total, what Gradescope records
     "execution_time": 4.2,            # seconds
     "output": "7/12 points, 5 of 9 tests passed",
     "output_format": "text",          # and "test_output_format": never HTML or Markdown
     "visibility": "visible",          # of the whole result (Gradescope's default)
     "stdout_visibility": "hidden",    # whether students see run_autograder's printout
     "tests": [{"name": "test_elman.py::test_R_matches_the_formula",
                "score": 0.0, "max_score": 2.0,
                "status": "failed",    # "passed" or "failed"
                "output": "what went wrong, where, the test's printed output",
                "visibility": "visible",   # hidden tests: "after_published" unless set
                "tags": ["hidden"],        # tests from a HIDDEN TESTS block, plus '# tags:'
                "number": "1.2"},          # only with '# number:'
               ...],
     "extra_data": {"max_score": 12.0, "passed": 5, "tests": 9, "reference": true,
                    "not_protected": []}}

``SCHEMA`` is Gradescope's documented format as a JSON schema (every field it documents,
``leaderboard`` and the output formats included); ``validate(data)`` checks a dict against it
without third-party packages and returns the list of problems (empty when valid).
"""
VISIBILITIES = ["visible", "hidden", "after_due_date", "after_published"]
FORMATS = ["text", "html", "simple_format", "md", "ansi"]
_VISIBILITY = {"type": "string", "enum": VISIBILITIES}
_FORMAT = {"type": "string", "enum": FORMATS}

SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "name_format": _FORMAT,
                    "number": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"type": "string", "enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "output_format": _FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": _VISIBILITY,
                    "extra_data": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
        "leaderboard": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {"name": {"type": "string"},
                               "value": {"type": ["number", "string"]},
                               "order": {"type": "string", "enum": ["asc", "desc"]}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

_TYPES = {"object": dict, "array": list, "string": str, "number": (int, float)}


def validate(data, schema=SCHEMA, where="results"):
    """Problems of ``data`` against the subset of JSON schema used by ``SCHEMA`` (and
    Gradescope's rule that a result without a top-level ``score`` needs a score per test)."""
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if not any(isinstance(data, _TYPES[t]) for t in types) or isinstance(data, bool):
        return [f"{where}: expected {' or '.join(types)}, got {type(data).__name__}"]
    problems = []
    if "minimum" in schema and data < schema["minimum"]:
        problems.append(f"{where}: {data} is below {schema['minimum']}")
    if "enum" in schema and data not in schema["enum"]:
        problems.append(f"{where}: {data!r} is not one of {schema['enum']}")
    if isinstance(data, dict):
        properties = schema.get("properties", {})
        problems += [f"{where}: missing {key!r}" for key in schema.get("required", ()) if key not in data]
        for key, value in data.items():
            if key in properties:
                problems += validate(value, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties", True) is False:
                problems.append(f"{where}: unexpected key {key!r}")
    if isinstance(data, list) and "items" in schema:
        for i, item in enumerate(data):
            problems += validate(item, schema["items"], f"{where}[{i}]")
    if schema is SCHEMA and isinstance(data, dict) and "score" not in data:
        tests = data.get("tests")
        if not isinstance(tests, list) or not tests or not all(isinstance(t, dict) and "score" in t
                                                                for t in tests):
            problems.insert(0, f"{where}: missing 'score' (needed unless every test has one)")
    return problems


def build_results(cases, entries, seconds, visibility="visible", stdout_visibility="hidden",
                  extra=None):
    """The results dict of ``TestCase``s and their ``verdict.judge`` entries."""
    tests, total, maximum, passed = [], 0.0, 0.0, 0
    for case, entry in zip(cases, entries):
        test = {"name": case.name, "score": entry["score"], "max_score": case.points,
                "status": entry["status"], "output": entry["output"],
                "visibility": case.visibility}
        if case.tags:
            test["tags"] = list(case.tags)
        if case.number:
            test["number"] = case.number
        tests.append(test)
        total += entry["score"]
        maximum += case.points
        passed += entry["status"] == "passed"
    return {"score": round(total, 6), "execution_time": round(seconds, 3),
            "output": f"{_num(total)}/{_num(maximum)} points, {passed} of {len(tests)} tests passed",
            # plain text: a test's output quotes what the submission printed or raised, which
            # rendered as HTML or Markdown would run in the page of whoever reads the results
            "output_format": "text", "test_output_format": "text",
            "visibility": visibility, "stdout_visibility": stdout_visibility,
            "tests": tests,
            "extra_data": dict({"max_score": maximum, "passed": passed, "tests": len(tests)},
                               **(extra or {}))}


def _num(x):
    return f"{x:.4g}" if x != int(x) else f"{x:g}"


def printable(text):
    """``text`` with every character a terminal could act on (escape sequences, carriage
    returns, bidirectional overrides) written as a Python escape: a message can quote what a
    submission raised, and the grader prints it on the instructor's terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def summary_line(case, entry):
    """One line per test: ``PASS  2/2  test_elman.py::test_R  first line of the message``."""
    points = f"{_num(entry['score'])}/{_num(case.points)}"
    line = f"{entry['label']:<7} {points:>7}  {case.name}{'  (hidden)' if case.hidden else ''}"
    message = entry.get("message", "")
    if entry["status"] != "passed" and message:
        first = printable(message.split(": ", 1)[-1].split("\n")[0])
        line += f"\n{'':17}{first[:150]}{'...' if len(first) > 150 else ''}"
    return line


def summary(results):
    """The closing line of the readable report."""
    return f"score: {results['output']}"
