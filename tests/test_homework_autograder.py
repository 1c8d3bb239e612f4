"""``homework autograder`` builds Gradescope's autograder.zip; unpacked into an autograder root
(``run_autograder --root DIR`` instead of /autograder), it grades a submission end to end and
writes results.json, having made the tests and the reference private first."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from homework_support import cli, example, private_folder
from tinygrad_rnn import __version__


@pytest.fixture(scope="module")
def bundle():
    root = example()
    out = private_folder() / "autograder.zip"
    result = cli("homework", "autograder", "--tests", root / "tests", "--reference",
                 root / "reference.json", "-o", out, "--timeout", "30", "--memory", "2G",
                 "--visibility", "after_due_date")
    assert result.returncode == 0, result.stderr
    return out


def test_bundle_contents(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        wheel = f"tinygrad_rnn-{__version__}-py3-none-any.whl"
        assert {"setup.sh", "run_autograder", "reference.json", wheel} <= names
        assert {n for n in names if n.startswith("tests/")} == {
            "tests/test_elman.py", "tests/test_lstm.py", "tests/test_sigmoid.py",
            "tests/test_transducer.py"}
        assert archive.getinfo("run_autograder").external_attr >> 16 & stat.S_IXUSR
        text = b"".join(archive.read(n) for n in names if not n.endswith(".whl"))
        assert b"BEGIN HIDDEN TESTS" in archive.read("tests/test_elman.py")
        for solution_line in (b"state @ self.W_s + self.b).tanh()", b"s * (1 - s),)"):
            assert solution_line not in text  # the solution itself is not shipped
        import numpy
        assert f"numpy=={numpy.__version__}".encode() in archive.read("setup.sh")
        assert b"--timeout 30 --memory 2147483648" in archive.read("run_autograder")


def test_the_wheel_installs_this_version(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        wheel = tmp_path / f"tinygrad_rnn-{__version__}-py3-none-any.whl"
        wheel.write_bytes(archive.read(wheel.name))
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps",
                             "--quiet", "--target", str(tmp_path / "site"), str(wheel)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, "-c", "import tinygrad_rnn, tinygrad_rnn.homework; "
                            "print(tinygrad_rnn.__version__, tinygrad_rnn.__file__)"],
                           capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(
                               tmp_path / "site")), cwd=tmp_path, timeout=300)
    version, where = check.stdout.split()
    assert version == __version__ and where.startswith(str(tmp_path / "site"))


@pytest.mark.parametrize("submission, score", [("solution", 21), ("student", 0)])
def test_run_autograder_end_to_end(bundle, submission, score):
    folder = Path(tempfile.mkdtemp(prefix="tinygrad-rnn-test-autograder-"))
    try:
        folder.chmod(0o755)  # like /autograder: reachable by every user
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(folder / "source")
        shutil.copytree(example() / submission, folder / "submission")
        result = subprocess.run(["bash", str(folder / "source" / "run_autograder"), "--root",
                                 str(folder)], capture_output=True, text=True, timeout=600,
                                env=dict(os.environ, TINYGRAD_RNN_PYTHON=sys.executable,
                                         OPENBLAS_NUM_THREADS="1"))
        assert result.returncode == 0, result.stderr
        results = json.loads((folder / "results" / "results.json").read_text())
        assert results["score"] == score and results["extra_data"]["max_score"] == 21
        assert results["visibility"] == "after_due_date" and len(results["tests"]) == 14
        if os.geteuid() == 0:  # --protect made the instructor's part private
            assert (folder / "source" / "tests").stat().st_mode & 0o077 == 0
            assert (folder / "source" / "reference.json").stat().st_mode & 0o077 == 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
