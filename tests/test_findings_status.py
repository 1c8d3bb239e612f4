"""docs/findings-status.md names, for each line of the findings, the test that keeps it fixed.
Every test it names must exist (a renamed or deleted test would leave the page claiming a
guard that is gone)."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "findings-status.md"
NAMED = re.compile(r"`(test_\w+\.py)?(?:::(\w+))?")


def named_tests(text):
    """``(file, test)`` pairs named in ``text``: `test_a.py::test_b`, then `::test_c` for
    another test of the same file (``test`` None where only a file is named)."""
    pairs, current = [], None
    for line in text.splitlines():
        current = None                      # a bare `::name` refers back within its row only
        for file, test in NAMED.findall(line):
            if file:
                current = file
            if file or test:
                if current is not None:
                    pairs.append((current, test or None))
    return pairs


def defines(path, test):
    return re.search(rf"^\s*(async\s+)?def {re.escape(test)}\(", path.read_text(), re.M)


def test_every_test_the_findings_page_names_exists():
    pairs = named_tests(PAGE.read_text())
    assert len(pairs) > 100
    missing = sorted({f"{file}::{test}" if test else file for file, test in pairs
                      if not (REPO / "tests" / file).exists()
                      or (test and not defines(REPO / "tests" / file, test))})
    assert missing == []


def test_the_check_reads_a_row_as_the_page_writes_it():
    row = ("| x | covered+fixed | now | `test_layering.py::test_every_module_can_be_imported_first`,"
           " `::test_nope`; `test_docs.py` |")
    assert named_tests(row) == [("test_layering.py", "test_every_module_can_be_imported_first"),
                                ("test_layering.py", "test_nope"), ("test_docs.py", None)]
    assert not defines(REPO / "tests" / "test_layering.py", "test_nope")
