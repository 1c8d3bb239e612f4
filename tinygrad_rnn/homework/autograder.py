"""Gradescope's ``autograder.zip``: ``build_autograder(tests, output, solution=...)``.

The bundle holds everything Gradescope needs and nothing it should not have (the solution is
not in it: its observations are)::

    setup.sh        run once when Gradescope builds the image: a virtual environment in
                    /autograder/venv with this very tinygrad-rnn (the wheel below) and the
                    numpy, graphviz and tqdm versions the reference was computed with
    run_autograder  run as root for every submission; "--root DIR" uses DIR instead of
                    /autograder (for a trial run); TINYGRAD_RNN_PYTHON chooses the interpreter
    tests/          the instructor's test files, hidden tests included
    reference.json  the reference solution's observations of every test
    tinygrad_rnn-VERSION-py3-none-any.whl

``run_autograder`` calls ``tinygrad-rnn homework grade`` with ``--protect``, so the tests, the
reference and the results folder are made private before the submission runs.
"""
import base64
import hashlib
import importlib.metadata
import io
import json
import shlex
import zipfile
from pathlib import Path

from .. import __version__
from .discover import discover
from .errors import HomeworkError, write
from .grade import check_jobs, check_timeout, load_reference, owned
from .reference import document
from .runner import PACKAGE_DIR
from .sandbox import DEFAULT_MEMORY

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this as root for every submission: it grades /autograder/submission and
# writes /autograder/results/results.json. "run_autograder --root DIR" uses DIR instead.
set -euo pipefail
ROOT=/autograder
if [ "${{1:-}}" = "--root" ]; then ROOT="$2"; fi
PYTHON="${{TINYGRAD_RNN_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m tinygrad_rnn homework grade "$ROOT/submission" \\
    --tests "$ROOT/source/tests" --reference "$ROOT/source/reference.json" \\
    --json "$ROOT/results/results.json" --protect {options}
"""

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir {requirements} ./{wheel}
"""


def wheel_name():
    return f"tinygrad_rnn-{__version__}-py3-none-any.whl"


def build_wheel():
    """A wheel of the installed tinygrad_rnn package (pure Python: the package's .py files and
    the metadata pip needs), made here so that Gradescope runs exactly this version."""
    files = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" not in path.parts:
            files["tinygrad_rnn/" + path.relative_to(PACKAGE_DIR).as_posix()] = path.read_bytes()
    info = f"tinygrad_rnn-{__version__}.dist-info"
    requires = "".join(f"Requires-Dist: {r}\n" for r in _requirements(pinned=False))
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: tinygrad-rnn\nVersion: "
                                 f"{__version__}\nRequires-Python: >=3.10\n{requires}").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: tinygrad-rnn homework "
                              b"autograder\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = b"[console_scripts]\ntinygrad-rnn = tinygrad_rnn.cli:main\n"
    record = "".join(f"{name},sha256={_digest(data)},{len(data)}\n" for name, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    return _zip(files)


def _digest(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _requirements(pinned=True):
    """numpy, graphviz and tqdm: ``==`` the versions here (pinned) or the package's ranges."""
    if not pinned:
        return ["numpy>=1.24", "graphviz>=0.20", "tqdm>=4.60"]
    found = []
    for name in ("numpy", "graphviz", "tqdm"):
        try:
            found.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(name)
    return found


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            entry.external_attr = (0o755 if name.endswith(("setup.sh", "run_autograder")) else
                                   0o644) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return buffer.getvalue()


def build_autograder(tests, output, solution=None, reference=None, timeout=10.0,
                     memory=DEFAULT_MEMORY, jobs=1, visibility="visible",
                     stdout_visibility="hidden", sandbox=None):
    """Write ``autograder.zip`` to ``output``; returns the names in it. The reference
    observations come from running ``solution`` now, or from a ``reference`` made before."""
    timeout, jobs = check_timeout(timeout), check_jobs(jobs)
    if solution is None and reference is None:
        raise HomeworkError("the autograder needs the reference: give --solution (or "
                            "--reference)")
    tests = Path(tests)
    cases = discover(tests)
    with owned(sandbox, memory) as sandbox:
        expected = load_reference(cases, solution, reference, sandbox, timeout, jobs)
    observations = document(cases, expected)
    test_files = [tests] if tests.is_file() else sorted({tests / c.file for c in cases})
    options = " ".join(shlex.quote(str(o)) for o in (
        "--timeout", f"{timeout:g}", "--memory", str(memory), "--jobs", jobs,
        "--visibility", visibility, "--stdout-visibility", stdout_visibility))
    files = {"setup.sh": SETUP.format(requirements=" ".join(_requirements()),
                                      wheel=wheel_name()).encode(),
             "run_autograder": RUN_AUTOGRADER.format(options=options).encode(),
             "reference.json": (json.dumps(observations) + "\n").encode(),
             wheel_name(): build_wheel()}
    files.update({f"tests/{path.name}": path.read_bytes() for path in test_files})
    write(output, _zip(files))
    return sorted(files)

