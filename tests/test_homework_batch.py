"""``homework grade-all``: one results.json per submission and a gradebook CSV; a crashing,
hostile or odd submission affects only its own row."""
import csv
import json
import os

from homework_support import TINY_SOLUTION, tiny
from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import validate


def test_gradebook(tmp_path, capsys):
    root = tiny(tmp_path)
    subs = tmp_path / "submissions"
    for name, text in [("alice", TINY_SOLUTION), ("bob", "def f(x):\n    return 3 * x\n"),
                       ("carol", "import os\nos._exit(3)\n"), ("=HYPERLINK(1)", TINY_SOLUTION)]:
        (subs / name).mkdir(parents=True)
        (subs / name / "mod.py").write_text(text)
    (subs / "dave.py").write_text(TINY_SOLUTION)  # a one-file submission (not named mod.py)
    (subs / "eve").symlink_to(root / "solution")   # a link is not followed
    (subs / ".DS_Store").write_text("skipped")
    out = tmp_path / "grades.csv"
    assert main(["homework", "grade-all", str(subs), "--tests", str(root / "tests"),
                 "--solution", str(root / "solution"), "--csv", str(out), "--jobs", "2"]) == 0
    captured = capsys.readouterr()
    assert "6/6" in captured.err and "graded 5 of 6 submissions" in captured.out
    rows = list(csv.reader(out.read_text().splitlines()))
    assert rows[0][:6] == ["submission", "score", "max_score", "passed", "tests", "status"]
    assert rows[0][6:] == ["test_mod.py::test_f", "test_mod.py::test_leaves_a_file",
                           "test_mod.py::test_sees_a_fresh_copy", "test_mod.py::test_hidden_f_of_ten"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"'=HYPERLINK(1)", "alice", "bob", "carol", "dave.py", "eve"}
    assert by_name["alice"][1:6] == ["6.0", "6.0", "4", "4", "graded"]
    assert by_name["alice"][6:] == ["3.0", "1.0", "1.0", "1.0"]
    assert by_name["bob"][1] == "0.0" and by_name["carol"][1] == "0.0"
    assert by_name["'=HYPERLINK(1)"][1] == "6.0"  # graded, and not a formula in a spreadsheet
    assert by_name["dave.py"][5] == "graded" and by_name["dave.py"][1] == "0.0"  # no mod.py
    assert by_name["eve"][5].startswith("error: not a folder or a regular file")
    for name in ("alice", "bob", "carol", "=HYPERLINK(1)", "dave.py"):
        results = json.loads((tmp_path / "grades-results" / name / "results.json").read_text())
        assert not validate(results)
    assert not (tmp_path / "grades-results" / "eve").exists()
    carol = json.loads((tmp_path / "grades-results" / "carol" / "results.json").read_text())
    assert "exit status 3" in carol["tests"][0]["output"]


def test_bad_folders(tmp_path, capsys):
    root = tiny(tmp_path)
    (tmp_path / "empty").mkdir()
    for folder, words in [(tmp_path / "nope", "no such folder of submissions"),
                          (tmp_path / "empty", "no submissions in it")]:
        assert main(["homework", "grade-all", str(folder), "--tests", str(root / "tests"),
                     "--csv", str(tmp_path / "g.csv")]) == 2
        assert words in capsys.readouterr().err
    assert main(["homework", "grade-all", str(tmp_path / "empty"), "--tests", str(root / "tests"),
                 "--csv", str(tmp_path / "no" / "g.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "g.csv")
