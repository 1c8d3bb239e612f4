"""``tinygrad-rnn homework``: student versions, grading, gradebooks, Gradescope bundles.

    tinygrad-rnn homework make solution/ student/ [--force]
    tinygrad-rnn homework grade submission/ --tests tests/ --solution solution/ [--json results.json]
    tinygrad-rnn homework grade-all submissions/ --tests tests/ --solution solution/ --csv grades.csv
    tinygrad-rnn homework reference solution/ --tests tests/ -o reference.json
    tinygrad-rnn homework autograder --tests tests/ --solution solution/ -o autograder.zip
"""
import contextlib
import json
import math
import os
import re
import signal
import stat
import sys
import threading
from pathlib import Path

from ..cli import CommandError

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def add_parser(sub):
    p = sub.add_parser("homework", help="make student versions, grade submissions",
                       description="Homework scaffolding: solution markers, student versions, and "
                                   "an autograder that writes Gradescope's results.json.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    make = actions.add_parser(
        "make", help="write the student version of a solution folder or file",
        description="Copy SRC to DEST, replacing each '# BEGIN SOLUTION' ... '# END SOLUTION' "
                    "block (nbgrader's '### BEGIN SOLUTION' too) by 'raise NotImplementedError', "
                    "otter's 'x = 1  # SOLUTION' by 'x = ...', and removing '# BEGIN HIDDEN "
                    "TESTS' ... '# END HIDDEN TESTS' blocks (.py files and notebook cells).")
    make.add_argument("src", metavar="SRC", help="solution folder (or one .py/.ipynb file)")
    make.add_argument("dest", metavar="DEST", help="where to write the student version")
    make.add_argument("--force", action="store_true", help="replace DEST if it exists")
    grade = actions.add_parser(
        "grade", help="grade one submission",
        description="Run every test_* function of TESTS/*.py on SUBMISSION, each in its own "
                    "process, and compare what it observes with the reference solution's.")
    grade.add_argument("submission", metavar="SUBMISSION", help="the submission folder (or file)")
    _grading_options(grade)
    grade.add_argument("--json", metavar="PATH", help="write Gradescope's results.json here")
    grade.add_argument("--quiet", action="store_true", help="print only the total")
    batch = actions.add_parser(
        "grade-all", help="grade a folder of submissions into a gradebook CSV",
        description="Grade every folder or file in SUBMISSIONS; write OUT/<name>/results.json "
                    "for each and a gradebook CSV.")
    batch.add_argument("submissions", metavar="SUBMISSIONS", help="folder of submissions")
    _grading_options(batch)
    batch.add_argument("--csv", required=True, metavar="PATH", help="the gradebook to write")
    batch.add_argument("--out", metavar="DIR", help="results folder (default: next to the CSV)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    ref = actions.add_parser(
        "reference", help="compute the reference observations of a solution",
        description="Run the tests on SOLUTION and write what they observe (for --reference; "
                    "for students: make it from their copy of the tests).")
    ref.add_argument("solution", metavar="SOLUTION", help="the reference solution")
    ref.add_argument("--tests", required=True, metavar="TESTS", help="folder of test files")
    ref.add_argument("-o", "--output", required=True, metavar="PATH", help="reference.json to write")
    _limits(ref)
    bundle = actions.add_parser(
        "autograder", help="build Gradescope's autograder.zip",
        description="Bundle the tests, the reference observations and this tinygrad-rnn into "
                    "an autograder.zip for Gradescope.")
    bundle.add_argument("--tests", required=True, metavar="TESTS", help="folder of test files")
    _reference_options(bundle)
    bundle.add_argument("-o", "--output", default="autograder.zip", metavar="PATH",
                        help="the zip to write (default autograder.zip)")
    _limits(bundle)
    _visibility(bundle)
    p.set_defaults(run=run, homework_parser=p)


def _reference_options(parser):
    parser.add_argument("--solution", metavar="DIR", help="the reference solution to run first")
    parser.add_argument("--reference", metavar="PATH", help="reference observations "
                                                            "(from 'homework reference')")


def _limits(parser):
    parser.add_argument("--timeout", default="10", metavar="S",
                        help="seconds each test may run (default 10)")
    parser.add_argument("--memory", default="4G", metavar="SIZE",
                        help="address space of each test process, e.g. 4G, 512M (default 4G)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="tests (grade-all: submissions) run at the same time (default 1)")


def _visibility(parser):
    parser.add_argument("--visibility", choices=VISIBILITIES, default="visible",
                        help="Gradescope's visibility of the whole result (default visible)")
    parser.add_argument("--stdout-visibility", choices=VISIBILITIES, default="hidden",
                        help="whether students see the grader's printout (default hidden)")


def _grading_options(parser):
    parser.add_argument("--tests", required=True, metavar="TESTS", help="folder of test files")
    _reference_options(parser)
    _limits(parser)
    parser.add_argument("--output-limit", type=int, default=10000, metavar="N",
                        help="characters of printed output kept per test (default 10000)")
    parser.add_argument("--protect", action="store_true",
                        help="as root: make the tests, solution and reference private "
                             "(chmod go-rwx) before grading")
    _visibility(parser)


def parse_size(text):
    """Bytes of ``4G``, ``512M``, ``100000000`` (at least 256M); a ``CommandError`` else."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?\s*", str(text))
    if not match:
        raise CommandError(f"--memory {text!r}: give a size such as 4G or 512M")
    size = float(match.group(1)) * 1024 ** " KMGT".index(match.group(2).upper() or " ")
    if not math.isfinite(size) or size < 256 << 20 or size > 1 << 50:
        raise CommandError(f"--memory {text}: must be between 256M and 1P")
    return int(size)


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM raises KeyboardInterrupt here (unless the CLI already handles it), so that the
    grader's clean-up (stop the test processes, remove temporary folders) runs."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt("terminated")
    installed = (threading.current_thread() is threading.main_thread()
                 and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
    if installed:
        signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run(args):
    from ..homework import HomeworkError

    if args.action is None:
        args.homework_parser.print_help()
        return 2
    try:
        with terminate_as_interrupt():
            return {"make": _make, "grade": _grade, "grade-all": _grade_all,
                    "reference": _reference, "autograder": _autograder}[args.action](args)
    except HomeworkError as exc:
        raise CommandError(str(exc).replace("\n", "\n  ")) from None
    except OSError as exc:  # an output that cannot be written, a file that went away
        raise CommandError(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None


def _make(args):
    from ..homework import make_student

    written = make_student(args.src, args.dest, force=args.force)
    print(f"wrote the student version of {args.src} to {args.dest} ({len(written)} files)")
    return 0


def _check_common(args):
    """The checked ``(timeout, memory)``; every path argument named in a one-line error."""
    from ..homework.grade import check_jobs, check_timeout
    timeout = check_timeout(args.timeout)
    check_jobs(args.jobs)
    if getattr(args, "output_limit", 100) < 100:
        raise CommandError(f"--output-limit must be at least 100, got {args.output_limit}")
    for option in ("tests", "solution", "reference"):
        path = getattr(args, option, None)
        if path is not None and not os.path.exists(path):
            raise CommandError(f"--{option} {path}: no such file or folder")
    if getattr(args, "solution", None) and getattr(args, "reference", None):
        raise CommandError("give --solution or --reference, not both")
    return timeout, parse_size(args.memory)


def _output_path(option, path):
    """``path`` as a ``Path`` if a file can be written there (checked before any grading): its
    folder exists, and it is new, a regular file, or a link to one (a FIFO or a device would
    block or swallow the output, and is never replaced)."""
    if path is None:
        return None
    out = Path(path)
    try:
        os.lstat(out)
        info = os.stat(out)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise CommandError(f"{option} {out}: {exc.strerror}") from None
    if not out.parent.is_dir():
        raise CommandError(f"{option} {out}: folder {out.parent} does not exist")
    if info is not None and not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise CommandError(f"{option} {out}: is {what}; give a file name to write")
    return out


def _sandbox(memory):
    from ..homework.sandbox import Sandbox
    sandbox = Sandbox(memory)
    for line in sandbox.missing():
        print(f"not protected here: {line}", file=sys.stderr)
    return sandbox


def _grade(args):
    from ..homework import grade
    from ..homework.errors import write
    from ..homework.results import summary, summary_line

    timeout, memory = _check_common(args)
    out = _output_path("--json", args.json)
    if not os.path.exists(args.submission):
        raise CommandError(f"{args.submission}: no such submission")
    sandbox = _sandbox(memory)
    if not args.quiet:
        print(f"grading {args.submission} with the tests in {args.tests} ({timeout:g} s per test)")
    if args.solution is None and args.reference is None:
        print("no reference given: each test passes or fails by its own assertions, in the "
              "submission's process (a check for students, not tamper-proof grading)")

    def progress(case, entry):
        if not args.quiet:
            print(summary_line(case, entry), flush=True)

    with sandbox:
        results = grade(args.submission, args.tests, timeout=timeout,
                        output_limit=args.output_limit, progress=progress, jobs=args.jobs,
                        solution=args.solution, reference=args.reference, memory=memory,
                        visibility=args.visibility, stdout_visibility=args.stdout_visibility,
                        protect=args.protect, results_path=out, sandbox=sandbox)
    for note in results["extra_data"].get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    print(summary(results))
    if out is not None:
        write(out, (json.dumps(results, indent=2) + "\n").encode("utf-8"), "--json")
    sys.stdout.flush()
    return 0


def _grade_all(args):
    from ..homework.batch import grade_all

    timeout, memory = _check_common(args)
    csv_path = _output_path("--csv", args.csv)
    with _sandbox(memory) as sandbox:
        rows = grade_all(args.submissions, args.tests, csv_path, out=args.out, jobs=args.jobs,
                         timeout=timeout, output_limit=args.output_limit,
                         solution=args.solution, reference=args.reference, memory=memory,
                         protect=args.protect, visibility=args.visibility,
                         stdout_visibility=args.stdout_visibility, progress=not args.quiet,
                         sandbox=sandbox)
    errors = sum(row["status"] != "graded" for row in rows)
    print(f"graded {len(rows) - errors} of {len(rows)} submissions; gradebook: {csv_path}")
    return 0


def _reference(args):
    from ..homework import discover
    from ..homework.errors import write
    from ..homework.grade import load_reference
    from ..homework.reference import document

    timeout, memory = _check_common(args)
    out = _output_path("-o", args.output)
    cases = discover(args.tests)
    with _sandbox(memory) as sandbox:
        expected = load_reference(cases, args.solution, None, sandbox, timeout, args.jobs)
    write(out, (json.dumps(document(cases, expected)) + "\n").encode("utf-8"))
    print(f"wrote the observations of {len(cases)} tests on {args.solution} to {out}")
    hidden = [case.name for case in cases if case.hidden]
    if hidden:  # what hidden tests should compute, which students must never see
        print(f"note: {out} holds the observations of {len(hidden)} hidden tests "
              f"({', '.join(hidden[:3])}{', ...' if len(hidden) > 3 else ''}): keep it from "
              "students (for them, make it from the student version of the tests)",
              file=sys.stderr)
    return 0


def _autograder(args):
    from ..homework.autograder import build_autograder

    timeout, memory = _check_common(args)
    out = _output_path("-o", args.output)
    with _sandbox(memory) as sandbox:
        names = build_autograder(args.tests, out, solution=args.solution,
                                 reference=args.reference, timeout=timeout, memory=memory,
                                 jobs=args.jobs, visibility=args.visibility,
                                 stdout_visibility=args.stdout_visibility, sandbox=sandbox)
    print(f"wrote {out} ({len(names)} files): upload it as the autograder of a Gradescope "
          "programming assignment")
    return 0
