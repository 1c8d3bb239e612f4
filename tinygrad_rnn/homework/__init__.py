"""Homework scaffolding: make a student version from a solution, grade a submission.

    from tinygrad_rnn.homework import make_student, grade
    make_student("solution", "student")                       # markers -> NotImplementedError
    results = grade("student", "tests", timeout=10)           # Gradescope's results.json dict

The command line: ``tinygrad-rnn homework make SRC DEST`` and
``tinygrad-rnn homework grade SUBMISSION --tests TESTS --json results.json``.
"""
from .make import HomeworkError, make_student  # noqa: F401
from .markers import MarkerError, strip_text  # noqa: F401
from .discover import TestCase, discover  # noqa: F401
from .grade import grade, run_test  # noqa: F401
from .results import SCHEMA, validate  # noqa: F401
