"""Grade a submission: ``grade(submission, tests, ...) -> results dict`` (Gradescope's format).

*Observations out, verdict in*: each test runs in a test process of its own (``runner.py``,
``sandbox.py``) and sends back only what it observed; this process compares that with the
reference solution's observations (``compare.py``, ``verdict.py``) and alone decides. The
reference comes from ``solution`` (a folder, run here first, before any submission) or from
``reference`` (a ``reference.json`` or its dict). Without either, tests pass or fail by their
own assertions, inside the submission's process: a convenience for students, not tamper-proof.

As root, the test user must not be able to read ``tests``, ``solution`` and ``reference`` nor
write ``results_path``: that is checked before anything runs (``protect=True`` makes them
private first), and results are returned only after every process of the submission is dead.
"""
import contextlib
import math
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import reference as references
from . import runner
from .discover import discover
from .errors import HomeworkError
from .results import build_results
from .sandbox import DEFAULT_MEMORY, Sandbox, protect as make_private
from .verdict import judge


def check_timeout(timeout, what="--timeout"):
    """``timeout`` as a float, or an error unless it is a finite number > 0."""
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 86400):
        raise HomeworkError(f"{what} must be a number of seconds > 0 and at most 86400 (a "
                            f"day), got {timeout!r}")
    return value


def check_jobs(jobs):
    if not isinstance(jobs, int) or isinstance(jobs, bool) or not 1 <= jobs <= 64:
        raise HomeworkError(f"--jobs must be a whole number from 1 to 64, got {jobs!r}")
    return jobs


def run_cases(cases, submission, sandbox, timeout, output_limit, jobs, on_done=None,
              identities=None, cancel=None, exclude=()):
    """The outcome of every case on ``submission`` (a list in case order; tests run ``jobs`` at
    a time, each in its own test process and as its own user: one of ``identities``, by
    default the sandbox's first ``jobs``). Every test whose results students see with what it
    printed (``TestCase.public``) runs first; the others (hidden tests) start only when those
    have all finished and been cleaned up after, so that nothing a hidden test's process
    leaves behind (a file where cleaning does not reach, a kernel key, shared memory) can reach
    the output of a test students see. ``on_done(i, outcome)`` is called in that order. An
    interruption (Ctrl-C, SIGTERM raised as an exception, ``cancel`` set) stops every test
    process first."""
    free = queue.Queue()
    for identity in identities or sandbox.identities(jobs):
        free.put(identity)
    identities = free
    cancel = cancel or threading.Event()

    def one(case):
        identity = identities.get()
        try:
            return runner.run(references.test_request(case), submission, sandbox, identity,
                              timeout, output_limit, cancel, exclude)
        finally:
            identities.put(identity)

    outcomes = [None] * len(cases)
    phases = ([i for i, case in enumerate(cases) if case.public],
              [i for i, case in enumerate(cases) if not case.public])
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for phase in phases:
            futures = [(i, pool.submit(one, cases[i])) for i in phase]
            try:
                for i, future in futures:
                    outcomes[i] = future.result()
                    if on_done is not None:
                        on_done(i, outcomes[i])
            except BaseException:
                cancel.set()
                for _, future in futures:
                    future.cancel()
                raise
    return outcomes


def private_paths(tests=None, solution=None, reference=None, results_path=None, others=()):
    """``[(path, "read"|"write")]`` the test user must not reach."""
    paths = [(Path(p), "read") for p in (tests, solution) if p is not None]
    if reference is not None and not isinstance(reference, dict):
        paths.append((Path(reference), "read"))
    paths += [(Path(p), "read") for p in others]
    if results_path is not None:
        paths.append((Path(results_path), "write"))
    return paths


def secure(sandbox, paths, protect=False):
    """As root: check that the test user can reach none of ``paths``; with ``protect`` make
    reachable paths private first. Returns notes for the instructor (e.g. a Python library
    the test user cannot read)."""
    if not sandbox.root:
        return []
    identity = sandbox.identities(1)[0]
    paths = [(Path(os.path.abspath(p)), mode) for p, mode in paths]
    libraries = sorted({os.path.dirname(os.__file__)} | set(runner.site_paths()))
    exposed, unreadable = runner.probe(paths, sandbox, identity, libraries)
    if exposed and protect:
        make_private([(p, mode) for p, mode in paths if any(
            item == str(p) or item.startswith(str(p) + os.sep) for item in exposed)])
        exposed, unreadable = runner.probe(paths, sandbox, identity, libraries)
    if exposed:
        first = {}
        for item in exposed:
            root = next(str(p) for p, _ in paths if item == str(p) or item.startswith(str(p) + os.sep))
            first.setdefault(root, item)
        listed = "; ".join(root + (f" (e.g. {item})" if item != root else "")
                           for root, item in first.items())
        raise HomeworkError(f"the submission runs as an unprivileged user, who could reach "
                            f"{listed}. Make the tests, solution and reference private and the "
                            "results' folder unwritable (chmod -R go-rwx PATH; chmod go-w "
                            "FOLDER), or pass --protect, which does that")
    return [f"the test user cannot read {folder}: a submission can import only what the "
            "grader loaded before it ran (numpy, tinygrad_rnn, common standard modules); "
            "install Python where every user can read it" for folder in unreadable]


def load_reference(cases, solution, reference, sandbox, timeout, jobs, output_limit=10000):
    """``{test name: observations}`` of the reference, or None without one."""
    if solution is not None and reference is not None:
        raise HomeworkError("give the reference solution (--solution) or reference "
                            "observations (--reference), not both")
    if solution is not None:
        if not Path(solution).exists():
            raise HomeworkError(f"{solution}: no such solution folder or file")
        outcomes = run_cases(cases, solution, sandbox, timeout, output_limit, jobs)
        return references.expected_for(cases, references.build(cases, outcomes))
    if reference is not None:
        where = "the reference" if isinstance(reference, dict) else str(reference)
        return references.expected_for(cases, references.load(reference), where)
    return None


def grade(submission, tests, timeout=10.0, output_limit=10000, progress=None, jobs=1,
          solution=None, reference=None, memory=DEFAULT_MEMORY, visibility="visible",
          stdout_visibility="hidden", protect=False, results_path=None, sandbox=None,
          expected=None, identities=None, cancel=None):
    """Grade ``submission`` (a folder or one file) with every test found in ``tests``.

    ``progress(case, entry)`` is called for each test, the tests students see first (see
    ``run_cases``). ``jobs`` tests run at the same time. ``memory`` bytes of address space
    per test process. ``expected`` (already loaded reference observations), ``identities``
    and ``cancel`` are what ``grade_all`` passes to share one reference and sandbox between
    submissions graded at the same time.
    """
    timeout, jobs = check_timeout(timeout), check_jobs(jobs)
    submission = Path(submission)
    if not submission.exists():
        raise HomeworkError(f"{submission}: no such submission folder or file")
    cases = discover(tests)
    with owned(sandbox, memory) as sandbox:
        notes = []
        if expected is None:
            notes = secure(sandbox, private_paths(tests, solution, reference, results_path),
                           protect)
            expected = load_reference(cases, solution, reference, sandbox, timeout, jobs,
                                      output_limit)
        start = time.monotonic()
        entries = [None] * len(cases)

        def done(i, outcome):
            entries[i] = judge(cases[i], outcome, None if expected is None else
                               expected[cases[i].name], output_limit)
            if progress is not None:
                progress(cases[i], entries[i])

        instructor = [p for p in (tests, solution, reference) if isinstance(p, (str, Path))]
        run_cases(cases, submission, sandbox, timeout, output_limit, jobs, done, identities,
                  cancel, instructor)
        extra = {"reference": expected is not None, "not_protected": sandbox.missing(),
                 "notes": notes}
    return build_results(cases, entries, time.monotonic() - start, visibility,
                         stdout_visibility, extra)


@contextlib.contextmanager
def owned(sandbox, memory=DEFAULT_MEMORY):
    """``sandbox``, or a new one that is closed (its fork server stopped) at the end."""
    if sandbox is not None:
        yield sandbox
        return
    with Sandbox(memory) as sandbox:
        yield sandbox


def run_test(case, submission, timeout=10.0, output_limit=10000):
    """Run one ``TestCase`` without a reference (its own assertions decide); returns
    ``{"status", "message", "output", "score", ...}`` (``verdict.judge``'s entry)."""
    with Sandbox() as sandbox:
        outcome = run_cases([case], submission, sandbox, check_timeout(timeout), output_limit,
                            1)[0]
    return dict(judge(case, outcome, None, output_limit), seconds=outcome["seconds"])
