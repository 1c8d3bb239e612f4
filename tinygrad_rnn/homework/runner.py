"""Run one test in a test process and collect what came back (no verdict here).

For each test the grader

1. copies the submission into a new temporary folder (``copies.py``), so no test sees what
   an earlier test wrote;
2. has the fork server start a test process there (see ``sandbox.py`` for the user, session,
   limits and network it gets) and sends it the request over stdin;
3. waits at most ``timeout`` seconds, then stops every process of the test (also when the
   grading is interrupted: ``cancel`` is set);
4. keeps the first ``output_limit`` characters of stdout and stderr and drains the rest;
5. reads the report from a separate pipe, and removes the temporary folder.

``run(...)`` returns an outcome dict: ``status`` (``"ran"``, ``"timeout"``, ``"crashed"``,
``"unreadable"``), ``result`` and ``exception`` as the test process reported them,
``observations``, ``output``, ``message`` and ``seconds``.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import tree
from .copies import copy_submission
from .errors import HomeworkError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPORT_LIMIT = 64 << 20
# What the grader parses of one report: JSON's lists and objects cost ~20 times their bytes in
# memory, so 64 MiB of "[]," would take 1.7 GB; a report never needs more than these.
REPORT_CONTAINERS = 1_000_000
REPORT_VALUES = 5_000_000   # observations.MAX_TOTAL numbers and the graphs' other fields
def site_paths():
    """Folders holding the libraries tinygrad_rnn needs (the test process runs with -I -S)."""
    paths = []
    for name in ("numpy", "graphviz", "tqdm"):
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
            room = max(limit - len(kept), 0)
            kept += chunk[:room]
            dropped += len(chunk) - len(chunk[:room])
    except OSError:
        pass
    sink.append((bytes(kept), dropped))


def run(request, submission, sandbox, identity, timeout, output_limit, cancel=None, exclude=()):
    """Run the test of ``request`` (source, file, function, hidden) on ``submission``
    (``exclude``: paths never copied, see ``copy_submission``)."""
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="tinygrad-rnn-grade-")
    try:
        os.chmod(tmp, 0o711)  # the test user may enter, not list
        work = Path(tmp) / "submission"
        copy_submission(submission, work, exclude)
        sandbox.give(work, identity)
        outcome = _start_and_wait(request, work, sandbox, identity, timeout, output_limit,
                                  cancel, start)
    finally:
        tree.remove_tree(tmp)
    prefixes = (str(work) + os.sep, str(work.resolve()) + os.sep)

    def relative(text):  # "elman.py", not "/tmp/tinygrad-rnn-grade-.../submission/elman.py"
        for prefix in prefixes:
            text = text.replace(prefix, "")
        return text

    outcome["message"], outcome["output"] = relative(outcome["message"]), relative(outcome["output"])
    if outcome["exception"]:
        outcome["exception"] = {k: relative(v) for k, v in outcome["exception"].items()}
    outcome["seconds"] = time.monotonic() - start
    return outcome


def _spawn(sandbox, identity, cwd, request):
    """Start a test process; returns ``(child, output pipe, report pipe)`` (read ends)."""
    stdin_read, stdin_write = os.pipe()
    out_read, out_write = os.pipe()
    report_read, report_write = os.pipe()
    try:
        child = sandbox.spawn(identity, cwd, [stdin_read, out_write, report_write])
    except BaseException:
        for fd in (stdin_write, out_read, report_read):
            os.close(fd)
        raise
    finally:
        for fd in (stdin_read, out_write, report_write):
            os.close(fd)
    # a thread, so that a request larger than the pipe cannot block the grader
    threading.Thread(target=_send, args=(stdin_write, json.dumps(request).encode("utf-8")),
                     daemon=True).start()
    return child, out_read, report_read


def _send(fd, data):
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        pass
    finally:
        os.close(fd)


def _start_and_wait(request, work, sandbox, identity, timeout, output_limit, cancel, start):
    message = dict(request, report_fd=3, limits=sandbox.limits(timeout))
    proc, out_read, report_read = _spawn(sandbox, identity, work, message)
    outputs, reports, timed_out = [], [], False
    readers = [threading.Thread(target=_drain, args=(out_read, output_limit, outputs), daemon=True),
               threading.Thread(target=_drain, args=(report_read, REPORT_LIMIT, reports), daemon=True)]
    try:
        for reader in readers:
            reader.start()
        while proc.poll() is None:
            if time.monotonic() - start > timeout:
                timed_out = True
                break
            if cancel is not None and cancel.is_set():
                raise HomeworkError("grading was interrupted")
            try:
                proc.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                pass
    finally:
        sandbox.stop(proc, identity)
        proc.wait()
        for reader in readers:
            reader.join(timeout=5)
        for fd in (out_read, report_read):
            try:
                os.close(fd)
            except OSError:
                pass
    return _outcome(outputs, reports, timed_out, proc.returncode, timeout)


def probe(paths, sandbox, identity, libraries=()):
    """``(exposed, unreadable)``: the paths among ``paths`` (``[(path, "read"|"write")]``) that
    ``identity`` could read (or change), and the ``libraries`` folders it cannot read; asked
    of a test process running as that user."""
    listing = [(str(folder), "library") for folder in libraries]
    for path, mode in paths:
        if mode == "write":
            listing.append((str(path), "write"))
        elif os.path.isdir(path):
            for root, _, files in tree.walk(path):
                listing += [(root, "dir")] + [(os.path.join(root, f), "file") for f in files]
        else:
            listing.append((str(path), "file"))
    request = {"probe": listing, "report_fd": 3, "limits": sandbox.limits(60)}
    proc, out_read, report_read = _spawn(sandbox, identity, "/", request)
    outputs, reports = [], []
    try:
        _drain(report_read, REPORT_LIMIT, reports)
        _drain(out_read, 10000, outputs)
    finally:
        sandbox.stop(proc, identity)
        proc.wait()
        os.close(out_read)
        os.close(report_read)
    try:
        found = json.loads(reports[0][0])["exposed"]
        return ([p for p in found if str(p) not in map(str, libraries)],
                [p for p in found if str(p) in map(str, libraries)])
    except (ValueError, KeyError, IndexError):
        raise HomeworkError("could not check what the test user can read: " +
                            outputs[0][0].decode(errors="replace")[-500:]) from None


def _too_complex(report):
    """Whether parsing ``report`` could take far more memory than any test's report needs
    (counted on the bytes: a bracket inside a string counts too, erring on the safe side)."""
    return (report.count(b"[") + report.count(b"{") > REPORT_CONTAINERS or
            report.count(b",") > REPORT_VALUES)


def _outcome(outputs, reports, timed_out, returncode, timeout):
    """What happened to one test process, from its output, its report and its exit."""
    output, dropped = outputs[0] if outputs else (b"", 0)
    text = output.decode("utf-8", errors="replace")
    if dropped:
        text += f"\n[... {dropped} more bytes of output cut]"
    outcome = {"output": text, "message": "", "exception": None, "observations": [],
               "result": None}
    report, report_dropped = reports[0] if reports else (b"", 0)
    if timed_out:
        outcome.update(status="timeout", message=f"timed out after {timeout:g} s (an endless "
                       "loop, or far too slow) and was stopped")
    elif report and _too_complex(report):
        outcome.update(status="unreadable", message="the test process sent a report too large "
                                                    "to read")
    elif report:
        try:
            sent = json.loads(report.decode("utf-8")) if not report_dropped else None
            if sent.get("status") not in ("passed", "failed", "error") or not isinstance(
                    sent.get("observations"), list):
                raise ValueError("bad report")
            exception = sent.get("exception")
            outcome.update(status="ran", result=sent["status"], observations=sent["observations"],
                           exception={k: str(exception.get(k, ""))[:20000]
                                      for k in ("type", "message", "traceback")}
                           if isinstance(exception, dict) else None)
        except (ValueError, AttributeError, TypeError, RecursionError):
            outcome.update(status="unreadable", message="the test process sent an unreadable "
                                                        "report")
    elif returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        why = {"SIGXCPU": " after using all the CPU time it may", "SIGXFSZ": " writing a file "
               "larger than it may", "SIGKILL": " (killed: out of memory, or stopped)"}.get(name, "")
        outcome.update(status="crashed", message=f"the test process crashed ({name}){why}")
    else:
        outcome.update(status="crashed", message=f"the test process ended with exit status "
                       f"{returncode} before the test finished (os._exit, or the "
                       "interpreter failed)")
    return outcome
