"""``tinygrad-rnn homework``: make a student version of a homework, grade a submission.

    tinygrad-rnn homework make solution/ student/ [--force]
    tinygrad-rnn homework grade submission/ --tests tests/ [--json results.json] [--timeout 10]
"""
import json
import os
import sys
from pathlib import Path

from ..cli import CommandError


def add_parser(sub):
    p = sub.add_parser("homework", help="make a student version from a solution, grade a submission",
                       description="Homework scaffolding: solution markers, student versions and "
                                   "an autograder that writes Gradescope's results.json.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    make = actions.add_parser(
        "make", help="write the student version of a solution folder",
        description="Copy SRC to DEST, replacing each '# BEGIN SOLUTION' ... '# END SOLUTION' "
                    "block by 'raise NotImplementedError' and removing '# BEGIN HIDDEN TESTS' ... "
                    "'# END HIDDEN TESTS' blocks (.py files and notebook code cells).")
    make.add_argument("src", metavar="SRC", help="solution folder (or one .py/.ipynb file)")
    make.add_argument("dest", metavar="DEST", help="where to write the student version")
    make.add_argument("--force", action="store_true", help="replace DEST if it exists")
    grade = actions.add_parser(
        "grade", help="run the tests against a submission",
        description="Run every test_* function of TESTS/*.py against SUBMISSION, each in its own "
                    "process with a time limit, in a fresh temporary copy of the submission.")
    grade.add_argument("submission", metavar="SUBMISSION", help="the submission folder (or file)")
    grade.add_argument("--tests", required=True, metavar="TESTS", help="folder of test files")
    grade.add_argument("--json", metavar="PATH", help="write Gradescope's results.json here")
    grade.add_argument("--timeout", type=float, default=10.0, metavar="S",
                       help="seconds each test may run (default 10)")
    grade.add_argument("--output-limit", type=int, default=10000, metavar="N",
                       help="characters of printed output kept per test (default 10000)")
    grade.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="tests run at the same time (default 1)")
    grade.add_argument("--quiet", action="store_true", help="print only the total")
    p.set_defaults(run=run, homework_parser=p)


def run(args):
    from ..homework import HomeworkError

    if args.action is None:
        args.homework_parser.print_help()
        return 2
    try:
        return _make(args) if args.action == "make" else _grade(args)
    except HomeworkError as exc:
        raise CommandError(str(exc).replace("\n", "\n  ")) from None


def _make(args):
    from ..homework import make_student

    written = make_student(args.src, args.dest, force=args.force)
    print(f"wrote the student version of {args.src} to {args.dest} ({len(written)} files)")
    return 0


def _grade(args):
    from ..homework import grade
    from ..homework.results import summary, summary_line

    if args.timeout <= 0:
        raise CommandError(f"--timeout must be positive, got {args.timeout:g}")
    if args.jobs < 1:
        raise CommandError(f"--jobs must be at least 1, got {args.jobs}")
    if args.output_limit < 100:
        raise CommandError(f"--output-limit must be at least 100, got {args.output_limit}")
    out = Path(args.json) if args.json else None
    if out is not None:
        if not out.parent.is_dir():
            raise CommandError(f"--json {out}: folder {out.parent} does not exist")
        if out.is_dir() or not os.access(out.parent, os.W_OK):
            raise CommandError(f"--json {out}: cannot write there")
    for what, path in (("submission", args.submission), ("test folder", args.tests)):
        if not Path(path).exists():
            raise CommandError(f"{path}: no such {what}")
    if not args.quiet:
        print(f"grading {args.submission} with the tests in {args.tests} "
              f"({args.timeout:g} s per test)")

    def progress(case, outcome):
        if not args.quiet:
            print(summary_line(case, outcome), flush=True)

    results = grade(args.submission, args.tests, timeout=args.timeout,
                    output_limit=args.output_limit, progress=progress, jobs=args.jobs)
    print(summary(results))
    if out is not None:
        try:
            out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--json {out}: cannot write ({exc.strerror})") from None
    sys.stdout.flush()
    return 0
