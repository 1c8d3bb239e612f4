"""The test process of ``homework grade``: runs ONE test function against a submission.

It is forked by the grader's fork server (``forkserver.py``), which has dropped its privileges
(as root: a user of its own), made it a session of its own and put a fresh copy of the
submission in its working directory. The grader writes a JSON request to stdin: the test
file's source (never a path: the tests are not on disk where the submission could read them; a
visible test gets the file without its hidden tests), the function to call, the resource
limits and the file descriptor to report on.

The harness sets the limits (CPU seconds, address space, file size, processes, and no new
privileges through set-user-ID programs) before anything of the submission runs, puts /dev/null
on stdin, makes ``tr.testing`` and ``tr.gradcheck`` record observations (tinygrad_rnn is
loaded before the submission's folder is on ``sys.path``, so a submission cannot shadow it),
runs the test file as a module and calls the test. It reports one JSON object on the report
pipe: ``{"status": "passed" | "failed" | "error", "exception": ..., "observations": [...]}`` and
ends with ``os._exit``. None of this is trusted: the submission runs in this process and could
send anything. The grader treats the report as data and decides (see ``compare.py``).

A request ``{"probe": ...}`` instead asks which of a list of paths this user can read or write
(see ``probe``): the grader's check that the instructor's files are out of reach.
"""
import json
import linecache
import os
import resource
import sys
import traceback
import types

# Everything the harness needs is imported above (and traceback's lazy imports warmed up),
# before the submission's folder is put first on sys.path: a submission's own traceback.py or
# types.py cannot break the report.
traceback.format_exception(ValueError, ValueError("warm-up"), None)

_LIBRARY = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LIMITS = {"cpu": resource.RLIMIT_CPU, "memory": resource.RLIMIT_AS,
           "file_size": resource.RLIMIT_FSIZE, "processes": resource.RLIMIT_NPROC,
           "open_files": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}


def set_limits(limits):
    """Lower this process's resource limits (soft and hard: the submission cannot raise them)
    and forbid gaining privileges through set-user-ID programs."""
    for key, value in limits.items():
        if value is not None and key in _LIMITS:
            value = int(value)
            soft, hard = resource.getrlimit(_LIMITS[key])
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(_LIMITS[key], (value, value if key != "cpu" else value + 1))
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    except (OSError, AttributeError):
        pass


def _format(exc):
    """The traceback of ``exc`` through the test's and the submission's frames only (not the
    harness's, not tinygrad_rnn's: its messages name the op and shapes already)."""
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)[1:]
                  if not os.path.abspath(f.filename).startswith(_LIBRARY)]
        lines = ["Traceback (most recent call last):\n"] if frames else []
        return "".join(lines + traceback.format_list(frames) +
                       traceback.format_exception_only(type(exc), exc))
    except Exception:  # noqa: BLE001 - an exception whose str() fails, say
        return type(exc).__name__ + "\n"


def _text(exc):
    """``Type: message`` of an exception, even one whose ``__str__`` fails."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except BaseException:  # noqa: BLE001
        return type(exc).__name__


def _describe_exit(exc):
    return (f"the code called sys.exit({exc.code!r}) (or raised SystemExit) during the test; "
            "a submission must not exit the interpreter")


def probe(listing):
    """The paths of ``listing`` (``[(path, "file"|"dir"|"write"|"library")]``) this user could
    read, list or change (for ``"write"``: replace, unless the folder is sticky), and the
    ``"library"`` folders it could NOT read."""
    import stat
    found = []
    for path, kind in listing:
        if kind == "library":
            bad = not os.access(path, os.R_OK | os.X_OK)
        elif kind == "file":
            bad = os.access(path, os.R_OK) or os.access(path, os.W_OK)
        elif kind == "dir":
            bad = os.access(path, os.R_OK) or os.access(path, os.W_OK | os.X_OK)
        else:
            folder = os.path.dirname(os.path.abspath(path))
            sticky = os.path.isdir(folder) and os.stat(folder).st_mode & stat.S_ISVTX
            bad = os.access(path, os.W_OK) or (os.access(folder, os.W_OK | os.X_OK) and not sticky)
        if bad:
            found.append(path)
    return found


class _Report:
    """The one report this process sends, ``report(status, message, trace, kind)``: the status,
    the exception (unless passed) and the observations recorded so far, written whole to the
    report pipe; then the process ends (``os._exit``), whatever the submission left running."""

    def __init__(self, fd):
        self.fd, self.recorder = fd, None

    def __call__(self, status, message="", trace="", kind=""):
        observations = self.recorder.recorded() if self.recorder is not None else []
        exception = None if status == "passed" else {
            "type": kind, "message": message[:20000], "traceback": trace[-20000:]}
        try:
            data = json.dumps({"status": status, "exception": exception,
                               "observations": observations}).encode("utf-8")
        except (TypeError, ValueError, RecursionError):
            data = json.dumps({"status": "error", "exception": {
                "type": "", "message": "the observations could not be sent", "traceback": ""},
                "observations": []}).encode("utf-8")
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - the submission may have replaced them
            pass
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        finally:
            os._exit(0)


def _answer_probe(request):
    data = json.dumps({"exposed": probe(request["probe"])}).encode()
    os.write(request["report_fd"], data)
    os._exit(0)


def _stdin_from_devnull():
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(0, closefd=False)


def _load_test(request, report):
    """Run the test file (its source from the request) as a module; returns the test function
    (reports an error and ends the process when there is none)."""
    filename = f"<test {request['file']}>"
    source = request.pop("source")
    if not request.get("hidden"):
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(request["file"][:-3] if request["file"].endswith(".py") else "tests")
    module.__file__ = filename
    sys.modules[module.__name__] = module
    try:
        code = compile(source, filename, "exec")
        del source  # (a hidden test's source is kept nowhere the submission could find it)
        exec(code, module.__dict__)
    except SystemExit as exc:
        report("error", "while loading the test file: " + _describe_exit(exc), _format(exc),
               "SystemExit")
    except BaseException as exc:  # noqa: BLE001 - e.g. the submission's module does not import
        report("error", "while loading the test file: " + _text(exc), _format(exc),
               type(exc).__name__)
    test = module.__dict__.get(request["function"])
    if not callable(test):
        report("error", f"{request['function']} is not a function of {request['file']}")
    return test


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    set_limits(request.get("limits", {}))
    if "probe" in request:
        _answer_probe(request)
    _stdin_from_devnull()
    report = _Report(request["report_fd"])
    sys.dont_write_bytecode = True
    try:
        package = sys.modules["tinygrad_rnn"]  # loaded by the fork server
        from tinygrad_rnn.homework import observations as recorder
        recorder.install(package)
        recorder.start()
        report.recorder = recorder
    except BaseException as exc:  # noqa: BLE001 - an installation problem, not the student's
        report("error", f"the grader could not import tinygrad_rnn: {exc!r}", _format(exc),
               "GraderError")
    sys.path.insert(0, os.getcwd())
    test = _load_test(request, report)
    try:
        test()
    except AssertionError as exc:
        report("failed", _text(exc), _format(exc), "AssertionError")
    except SystemExit as exc:
        report("error", _describe_exit(exc), _format(exc), "SystemExit")
    except BaseException as exc:  # noqa: BLE001 - NotImplementedError, TypeError, MemoryError...
        report("error", _text(exc), _format(exc), type(exc).__name__)
    report("passed")
