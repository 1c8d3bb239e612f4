"""Grade a submission: every test in its own process, with a time limit, in a fresh copy.

``grade(submission, tests, timeout=10.0, output_limit=10000) -> results dict`` (Gradescope's
``results.json`` format, see ``results.py``). For each test the grader

1. copies the submission into a new temporary folder (``__pycache__``/``.git`` left out; a
   notebook ``name.ipynb`` also becomes an importable ``name.py`` holding its code cells, unless
   the submission has one already), so no test sees what an earlier test wrote;
2. starts ``python -I harness.py`` there, in its own process group, and sends it the test file's
   source over stdin; the tests folder is never copied and its path is never given to the
   process;
3. waits at most ``timeout`` seconds, then kills the whole process group;
4. keeps the first ``output_limit`` characters of stdout and stderr and drains the rest;
5. reads the outcome from a separate pipe. No outcome (a crash, ``os._exit``, a time-out) is a
   failed test with a message saying which.

What this guarantees: a submission that crashes, loops, exits, prints without end or fails to
import costs only its own tests; it cannot edit the instructor's tests; hidden tests are not in
any file below its working directory. What it does not: the submission runs as the same
operating-system user, in the same process as the test, so a submission written to cheat could
read files by absolute path or inspect the test's frames; run the grader in a container (as
Gradescope does) when that matters. Memory is not limited.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .discover import discover
from .make import HomeworkError
from .results import build_results

HARNESS = Path(__file__).with_name("harness.py")
PACKAGE_DIR = Path(__file__).resolve().parent.parent
_IGNORED = shutil.ignore_patterns("__pycache__", ".git", ".ipynb_checkpoints", ".pytest_cache", "*.pyc")


def copy_submission(submission, work):
    """Copy the submission (a folder or one file) to the new folder ``work``."""
    submission = Path(submission)
    if submission.is_dir():
        shutil.copytree(submission, work, symlinks=True, ignore=_IGNORED)
    else:
        work.mkdir(parents=True)
        shutil.copy2(submission, work / submission.name)
    for notebook in sorted(work.glob("*.ipynb")):
        module = notebook.with_suffix(".py")
        if not module.exists():
            module.write_text(notebook_code(notebook), encoding="utf-8")


def notebook_code(path):
    """The code cells of a notebook as one module (IPython magics and shell lines commented out)."""
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"raise ImportError({f'{Path(path).name} is not a readable notebook: {exc}'!r})\n"
    chunks = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            lines = ("".join(source) if isinstance(source, list) else source).splitlines()
            chunks.append("\n".join("# " + l if l.lstrip().startswith(("%", "!")) else l
                                    for l in lines))
    return "\n\n".join(chunks) + "\n"


def _site_paths():
    """Folders holding the libraries tinygrad_rnn needs, for a test process started with -I."""
    paths = []
    for name in ("numpy", "graphviz"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except ImportError:
                continue
        folder = str(Path(module.__file__).resolve().parent.parent)
        if folder not in paths:
            paths.append(folder)
    return paths


def _drain(stream, limit, sink):
    """Read ``stream`` to its end, keeping the first ``limit`` bytes; count the rest."""
    kept, dropped = bytearray(), 0
    try:
        while True:
            chunk = os.read(stream, 65536)
            if not chunk:
                break
            room = limit - len(kept)
            kept += chunk[:max(room, 0)]
            dropped += max(len(chunk) - max(room, 0), 0)
    except OSError:
        pass
    sink.append((bytes(kept), dropped))


def run_test(case, submission, timeout=10.0, output_limit=10000):
    """Run one ``TestCase``; returns ``{"status", "message", "traceback", "output", "seconds"}``."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tinygrad-rnn-grade-") as tmp:
        work = Path(tmp) / "submission"
        copy_submission(submission, work)
        prefixes = {str(work) + os.sep, str(work.resolve()) + os.sep}
        report_read, report_write = os.pipe()
        out_read, out_write = os.pipe()
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")
        try:
            proc = subprocess.Popen([sys.executable, "-I", str(HARNESS)], cwd=work,
                                    stdin=subprocess.PIPE, stdout=out_write, stderr=out_write,
                                    pass_fds=(report_write,), start_new_session=True, env=env)
        finally:
            os.close(out_write)
            os.close(report_write)
        outputs, reports = [], []
        readers = [threading.Thread(target=_drain, args=(out_read, output_limit, outputs), daemon=True),
                   threading.Thread(target=_drain, args=(report_read, 1 << 20, reports), daemon=True)]
        for reader in readers:
            reader.start()
        request = {"source": case.source, "file": case.file, "function": case.function,
                   "hidden": case.hidden, "package_dir": str(PACKAGE_DIR),
                   "site_paths": _site_paths(), "report_fd": report_write}
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8"))
            proc.stdin.close()
        except OSError:
            pass
        timed_out = False
        try:
            proc.wait(timeout=max(timeout - (time.monotonic() - start), 0.1))
        except subprocess.TimeoutExpired:
            timed_out = True
        try:  # the whole group: also anything the submission started
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        for reader in readers:
            reader.join(timeout=5)
        for fd in (out_read, report_read):
            try:
                os.close(fd)
            except OSError:
                pass
    outcome = _outcome(outputs, reports, timed_out, proc.returncode, timeout)
    outcome["seconds"] = time.monotonic() - start
    for key in ("message", "traceback", "output"):  # "elman.py", not "/tmp/.../elman.py"
        for prefix in prefixes:
            outcome[key] = outcome[key].replace(prefix, "")
    return outcome


def _outcome(outputs, reports, timed_out, returncode, timeout):
    """What happened to one test process, from its output, its report and its exit."""
    output, dropped = outputs[0] if outputs else (b"", 0)
    text = output.decode("utf-8", errors="replace")
    if dropped:
        text += f"\n[... {dropped} more bytes of output cut]"
    outcome = {"output": text, "traceback": "", "message": ""}
    report = reports[0][0] if reports else b""
    if timed_out:
        outcome.update(status="timeout", message=f"timed out after {timeout:g} s (an endless "
                       "loop, or far too slow) and was stopped")
    elif report:
        try:
            sent = json.loads(report.decode("utf-8"))
            outcome.update({key: str(sent.get(key, "")) for key in ("status", "message", "traceback")})
        except (ValueError, AttributeError):
            outcome.update(status="error", message="the test process sent an unreadable report")
        if outcome.get("status") not in ("passed", "failed", "error"):
            outcome.update(status="error", message="the test process sent an unreadable report")
    elif returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        outcome.update(status="crashed", message=f"the test process crashed ({name})")
    else:
        outcome.update(status="crashed", message=f"the test process ended with exit status "
                       f"{returncode} before the test finished (os._exit, or the "
                       "interpreter failed)")
    return outcome


def grade(submission, tests, timeout=10.0, output_limit=10000, progress=None, jobs=1):
    """Grade ``submission`` with every test found in ``tests``; returns the results dict.

    ``progress(case, outcome)`` is called for each test, in test order (the command line prints
    a line). ``jobs`` tests run at the same time (each still in its own process and copy).
    """
    submission = Path(submission)
    if not submission.exists():
        raise HomeworkError(f"{submission}: no such submission folder or file")
    if timeout <= 0:
        raise HomeworkError(f"--timeout must be positive, got {timeout:g}")
    cases = discover(tests)
    start = time.monotonic()
    if not isinstance(jobs, int) or jobs < 1:
        raise HomeworkError(f"--jobs must be a positive integer, got {jobs!r}")
    outcomes = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_test, case, submission, timeout, output_limit) for case in cases]
        for case, future in zip(cases, futures):
            outcomes.append(future.result())
            if progress is not None:
                progress(case, outcomes[-1])
    return build_results(cases, outcomes, time.monotonic() - start, output_limit)
