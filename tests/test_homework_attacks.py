"""Every attack class found on the grader, run as root as a submission of the example homework,
scores 0; the instructor's files stay byte-identical and nothing of a submission is alive
afterwards. All submissions are graded in ONE ``homework grade-all`` run (the grader's own
command line, as an attacker would find it), next to two controls: the solution, which gets
full marks (so a zero means something), and the wrong answers the attacks start from.

Each attack submission is the student version of the example homework whose functions return
wrong values (so that the honest score is 0), plus ``attack.py``, imported first by every
module, which prints ``ATTACK <kind>: what it did`` and tries to get marks another way."""
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from homework_support import (adopting_orphans, cli, example, grade_dirs, grader_user_processes,
                              private_folder, scratch, snapshot)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the grader's protections need root")

ATTACK = Path(__file__).with_name("homework_attack.py").read_text()

KINDS = ["patch", "frame", "fd", "cmdline", "hidden", "edit", "reference", "daemon", "network"]
HIDDEN_ONLY = ["default_rng(4)", "seed=5", "-40.0", "test_hidden", "BEGIN HIDDEN"]


def _submission(folder, kind, port, example_root):
    """The student version with ``attack.py`` imported first and ``finish`` called last by
    every module (``kind="junk"``: only the wrong answers, no attack)."""
    shutil.copytree(example_root / "student", folder)
    for name in ("elman", "lstm", "sigmoid", "transducer"):
        text = (folder / f"{name}.py").read_text()
        (folder / f"{name}.py").write_text(
            f"import attack  # noqa\n{text}\nattack.finish(globals(), __name__)\n")
    (folder / "attack.py").write_text(ATTACK.replace(
        'KIND = "junk"', f"KIND = {kind!r}", 1).replace("PORT = 0", f"PORT = {port}", 1))


@pytest.fixture(scope="module")
def attacked():
    """The grade-all run of every attack (and the controls), and what was around it."""
    root, work = example(), private_folder("tinygrad-rnn-test-attacks-")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    subs = work / "submissions"
    subs.mkdir()
    shutil.copytree(root / "solution", subs / "control_solution")
    _submission(subs / "control_junk", "junk", 0, root)
    for kind in KINDS:
        _submission(subs / kind, kind, listener.getsockname()[1], root)
    before = snapshot(root / "tests", root / "solution", root / "reference.json")
    tmp = scratch()
    with adopting_orphans():  # what this run leaves alive, not what another grader runs now
        result = cli("homework", "grade-all", subs, "--tests", root / "tests", "--reference",
                     root / "reference.json", "--csv", work / "grades.csv", "--jobs", "2",
                     "--timeout", "30", env={"TMPDIR": str(tmp)})
        assert result.returncode == 0, result.stderr
        written = (work / "grades.csv").read_text()
        time.sleep(3)  # a detached process would strike now
        alive = grader_user_processes()
    results = {p.parent.name: json.loads(p.read_text())
               for p in (work / "grades-results").glob("*/results.json")}
    try:
        connection = listener.accept()
    except socket.timeout:
        connection = None
    return {"rows": {r["submission"]: r for r in csv.DictReader(written.splitlines())},
            "results": results, "csv_before": written,
            "csv_after": (work / "grades.csv").read_text(), "before": before,
            "after": snapshot(root / "tests", root / "solution", root / "reference.json"),
            "dirs": grade_dirs(tmp), "alive": alive,
            "connection": connection, "stderr": result.stderr}


def _outputs(results):
    return "\n".join(t["output"] for t in results["tests"])


def test_the_controls(attacked):
    """The solution gets every point, so the zeros below are the attacks failing; the answers
    the attacks run with (the student version made to run, with wrong values) get none."""
    rows = attacked["rows"]
    assert float(rows["control_solution"]["score"]) == float(rows["control_solution"]["max_score"]) > 20
    assert float(rows["control_junk"]["score"]) == 0
    assert "11/11" in attacked["stderr"]  # tqdm's bar: every submission graded


@pytest.mark.parametrize("kind", KINDS)
def test_attack_scores_zero(attacked, kind):
    row, results = attacked["rows"][kind], attacked["results"][kind]
    assert row["status"] == "graded" and float(row["score"]) == 0, row
    assert results["score"] == 0 and results["extra_data"]["passed"] == 0
    assert f"ATTACK {kind}:" in _outputs(results), _outputs(results)[:2000]  # it did run


def test_no_hidden_source_reaches_any_output(attacked):
    said = _outputs(attacked["results"]["hidden"])
    assert "cannot read" in said or "cannot list" in said
    assert "ATTACK hidden: hidden tests in memory: []" in said  # a visible test's process
    for results in attacked["results"].values():
        for test in results["tests"]:
            for token in HIDDEN_ONLY:
                assert token not in test["output"], (test["name"], token)


def test_instructor_files_are_byte_identical(attacked):
    assert "cannot write" in _outputs(attacked["results"]["edit"])
    assert attacked["after"] == attacked["before"]


def test_nothing_of_a_submission_is_alive_or_left_behind(attacked):
    assert attacked["alive"] == []
    assert attacked["dirs"] == []
    assert attacked["csv_after"] == attacked["csv_before"]  # the detached process is gone


def test_no_network(attacked):
    from tinygrad_rnn.homework.sandbox import Sandbox
    with Sandbox() as sandbox:
        if not sandbox.network:
            pytest.skip("no network namespace can be made here")
    assert attacked["connection"] is None
    assert "ATTACK network: no network" in _outputs(attacked["results"]["network"])


def test_without_root_the_same_attacks_get_marks():
    """The attacks above are real: run by an ordinary user on files that user can read, the
    grader is fooled by the submissions that read the reference and the solution (as
    docs/grading.md says: only root, or a container, protects those files)."""
    root, work = example(), private_folder("tinygrad-rnn-test-unprotected-")
    for part in ("tests", "solution", "reference.json"):
        copy = shutil.copytree if (root / part).is_dir() else shutil.copy
        copy(root / part, work / part)
    for kind in ("reference", "cmdline"):
        _submission(work / "submissions" / kind, kind, 0, root)
    for path in [work, *work.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
         "tinygrad_rnn", "homework", "grade-all", work / "submissions", "--tests", work / "tests",
         "--reference", work / "reference.json", "--csv", work / "grades.csv", "--quiet"],
        capture_output=True, text=True, cwd=work, timeout=600,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1", HOME=str(work)))
    assert result.returncode == 0, result.stderr
    assert "not protected here: user separation" in result.stderr
    rows = {r["submission"]: r for r in csv.DictReader((work / "grades.csv").read_text().splitlines())}
    assert float(rows["reference"]["score"]) == float(rows["reference"]["max_score"])
    assert float(rows["cmdline"]["score"]) == float(rows["cmdline"]["max_score"])
