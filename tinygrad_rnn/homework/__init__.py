"""Homework scaffolding: make a student version from a solution, grade submissions.

    from tinygrad_rnn.homework import make_student, grade, observe
    make_student("solution", "student")                 # markers -> NotImplementedError
    results = grade("student", "tests", solution="solution")   # Gradescope's results dict

In a test, ``observe("R(s, x)", cell.R(s, x))`` records a value; the grader compares it with
what the same test observed on the reference solution (see ``observations.py``).

The command line: ``tinygrad-rnn homework make SRC DEST``, ``homework grade SUBMISSION --tests
TESTS --solution SOLUTION --json results.json``, ``homework grade-all``, ``homework reference``
and ``homework autograder``.
"""
from .errors import HomeworkError  # noqa: F401
from .make import make_student  # noqa: F401
from .markers import MarkerError, strip_text  # noqa: F401
from .discover import TestCase, discover  # noqa: F401
from .observations import observe  # noqa: F401
from .grade import grade, run_test  # noqa: F401
from .results import SCHEMA, validate  # noqa: F401
from .batch import grade_all  # noqa: F401
from .autograder import build_autograder  # noqa: F401
