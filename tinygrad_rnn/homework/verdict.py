"""The grader's decision on one test and the text a student reads about it.

``judge(case, outcome, expected)`` -> ``{"status": "passed"|"failed", "score", "label",
"message", "output"}``. With reference observations (``expected``), a test passes only when it
ran to its end and every observation agrees with the reference's; the test process's own word
("passed", an assertion message) can only make it fail. A test with ``# credit: partial`` earns
the fraction of its checks that agree (a checked graph counts its ops). Without a reference
(a student's local run) a test passes when it raises nothing and observes nothing.

A test students do not see yet (visibility other than ``visible``), and a hidden test whatever
its visibility, gets output without its source, expected values, exception messages, printed
output or anything else the test process chose (a value, a shape, a count, an exit status): the
submission's code runs in the test process and could put the test's source into any of them.
"""
import builtins

from .compare import NOT_OBSERVED, compare_observations

LABELS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT",
          "crashed": "CRASH", "unreadable": "ERROR"}  # by outcome status or reported result
_MAX_PROBLEMS = 10


def _clip(text, limit):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters cut]"


def _builtin_exception(name):
    cls = getattr(builtins, name, None) if isinstance(name, str) else None
    return name if isinstance(cls, type) and issubclass(cls, BaseException) else "an exception"


def _stopped(exc):
    return exc["message"] or exc["type"] or "the test failed"


def _raised(outcome):
    """FAIL for an assertion, ERROR for anything else (never PASS: the test did not finish)."""
    return "FAIL" if outcome["result"] == "failed" else "ERROR"


def judge(case, outcome, expected, limit=10000):
    """See the module docstring; ``expected`` is None without a reference."""
    exc = outcome.get("exception") if outcome["status"] == "ran" else None
    problems, right, total, from_exception = [], 0.0, 0.0, False
    if outcome["status"] != "ran":
        label, head = LABELS[outcome["status"]], outcome["message"]
        if outcome["status"] == "crashed" and not case.public:  # the signal, the exit status:
            head = "the test process crashed before the test finished"  # chosen by the code
    elif expected is not None:
        problems, right, total = compare_observations(expected, outcome["observations"],
                                                       case.public)
        if exc:  # what it observed wrong before the test stopped; else what stopped it
            problems = [p for p in problems if not p.endswith(NOT_OBSERVED)]
        if problems:
            label, head = "FAIL", problems.pop(0)
        elif exc:
            label, head, from_exception = _raised(outcome), _stopped(exc), True
        else:
            label, head = "PASS", ""
    elif exc:
        label, head, from_exception = _raised(outcome), _stopped(exc), True
    elif any(isinstance(o, dict) and o.get("call") == "observe" for o in outcome["observations"]):
        label, head = "FAIL", ("this test observes values, which only a reference can check "
                               "(grade with --reference or --solution)")
    else:
        label, head = "PASS", ""
    passed = label == "PASS"
    fraction = 1.0 if passed else (right / total if case.partial and total else 0.0)
    if case.public:
        lines = [f"{label}: {(head.splitlines() or [''])[0]}"] + _listed(problems)
        if exc and not from_exception:
            lines.append("then the test stopped: " + (_stopped(exc).splitlines() or [""])[0][:300])
        if exc and exc.get("traceback"):
            lines.append(_clip(exc["traceback"].rstrip(), limit))
        if outcome.get("output"):
            lines.append("--- printed output ---\n" + outcome["output"].rstrip())
    else:
        if from_exception:
            head = f"the test raised {_builtin_exception(exc.get('type'))}"
        lines = [f"{label}: {head}"] + _listed(problems) + [
            "(a hidden test: its source, expected values, exception messages and printed output "
            "are not shown)"]
    if passed:
        lines = [f"--- printed output ---\n{outcome['output'].rstrip()}"] if case.public and \
            outcome.get("output") else []
    elif case.partial and total:
        lines.insert(1, f"partial credit: {right:g} of {total:g} checks agree with the reference "
                        f"solution ({fraction * case.points:.4g} of {case.points:g} points)")
    return {"status": "passed" if passed else "failed", "score": round(fraction * case.points, 6),
            "label": label, "message": lines[0] if lines and not passed else "",
            "output": "\n".join(lines)}


def _listed(problems):
    """The other problems, indented."""
    lines = [f"  {p}" for p in problems[:_MAX_PROBLEMS]]
    if len(problems) > _MAX_PROBLEMS:
        lines.append(f"  ... and {len(problems) - _MAX_PROBLEMS} more")
    return lines
