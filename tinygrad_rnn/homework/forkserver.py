"""The fork server: starts every test process, already holding numpy and tinygrad_rnn.

Starting Python and importing numpy costs about half a second; a test often takes less. So the
grader starts ONE server per grading run (``python -I -S forkserver.py FD``, as the grader's
user), which imports the libraries and then forks a test process per request. The server never
sees a test's source or a submission (the grader sends those straight to the test process), so
a test process finds nothing in the memory it inherits. A forked test process:

* becomes a session of its own (``setsid``), without network and System V IPC (new network and
  IPC namespaces) when the server could make them, and, as root, the unprivileged user of the
  request with no supplementary groups; gets the system call filter of ``syscalls.py`` (no
  kernel keyrings, no System V or POSIX IPC) where one can be installed; then runs
  ``harness.main``;
* gets its stdin, stdout/stderr and report pipe from the grader (passed over a Unix socket) as
  descriptors 0, 1/2 and 3, and no other descriptor.

The server reports each test process's exit status. If the grader goes away (the socket
closes, also when the grader is killed with SIGKILL), the server kills every test process it
started, and every process of the users it started them as, and exits.
"""
import json
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_CLONE_NEWNET, _CLONE_NEWIPC = 0x40000000, 0x08000000
# Standard modules a homework may use, imported by the server so that a test process has them
# even where its user cannot read Python's library (e.g. a Python installed under /root).
_PRELOAD = ("abc", "argparse", "array", "ast", "base64", "bisect", "codecs", "collections",
            "collections.abc", "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal",
            "difflib", "dis", "encodings.ascii", "encodings.idna", "encodings.latin_1",
            "encodings.utf_16", "encodings.utf_32", "enum", "fractions", "functools", "gc",
            "glob", "gzip", "hashlib", "heapq", "inspect", "io", "itertools", "json", "locale",
            "logging", "math", "numbers", "operator", "pathlib", "pickle", "pprint", "queue",
            "random", "re", "shutil", "signal", "socket", "statistics", "string", "struct",
            "tempfile", "textwrap", "threading", "time", "timeit", "traceback", "typing",
            "unicodedata", "uuid", "warnings", "weakref", "zlib")


def _unshare_network():
    """A network and an IPC namespace of its own: no network, and no System V shared memory
    or message queue that outlives the test (one would let a hidden test pass its source to
    a later, visible one)."""
    import ctypes
    return ctypes.CDLL(None, use_errno=True).unshare(_CLONE_NEWNET | _CLONE_NEWIPC) == 0


def _child(order, fds):
    """In the forked test process: drop privileges, wire the pipes, run the harness."""
    try:
        for target, fd in zip((0, 1, 3), fds):
            os.dup2(fd, target)
        os.dup2(1, 2)
        os.closerange(4, 1 << 16)
        os.setsid()
        if order["network"] and not _unshare_network():
            os.write(2, b"the grader could not cut the network off\n")
            os._exit(71)
        if order["uid"] is not None:
            os.setgroups([])
            os.setresgid(order["uid"], order["uid"], order["uid"])
            os.setresuid(order["uid"], order["uid"], order["uid"])
        from tinygrad_rnn.homework import syscalls  # loaded by the server already
        if order["filter"] and not syscalls.install():
            os.write(2, b"the grader could not install its system call filter\n")
            os._exit(71)
        os.chdir(order["cwd"])
        os.umask(0o077)
        os.environ.clear()
        os.environ.update(order["env"])
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        from tinygrad_rnn.homework import harness
        harness.main()
    except BaseException as exc:  # noqa: BLE001 - reported on stderr, the grader sees a crash
        os.write(2, f"test process failed to start: {exc!r}\n".encode())
    os._exit(70)


def serve(control_fd):
    """The server loop (the process started by ``ForkServer``)."""
    del sys.path[0]  # this script's folder: tinygrad_rnn/homework is not a place to import from
    control = socket.socket(fileno=control_fd)
    init = json.loads(control.recv(1 << 16))
    sys.path += init["site_paths"]
    import importlib
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "tinygrad_rnn", os.path.join(init["package_dir"], "__init__.py"),
        submodule_search_locations=[init["package_dir"]])
    module = importlib.util.module_from_spec(spec)
    sys.modules["tinygrad_rnn"] = module
    spec.loader.exec_module(module)
    from tinygrad_rnn.homework import harness, observations  # noqa: F401 - loaded once, here
    for name in _PRELOAD:  # in case the test user cannot read Python's own library
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from tinygrad_rnn.homework import syscalls
    network = init["network"] and _can(_unshare_network)
    filtered = _can(syscalls.install)
    control.send(json.dumps({"ready": True, "network": network, "filter": filtered}).encode())
    from tinygrad_rnn.homework.sandbox import kill_user
    children, users = set(), set()
    while True:
        ready, _, _ = select.select([control], [], [], 0.02)
        _reap(children, control)
        if not ready:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 4)
        except OSError:
            message = b""
        if not message:  # the grader is gone (even killed): so is everything it started
            for pid in children:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            for uid in users:
                kill_user(uid, attempts=50)
            os._exit(0)
        order = dict(json.loads(message), network=network, filter=filtered)
        if order["uid"] is not None:
            users.add(order["uid"])
        pid = os.fork()
        if pid == 0:
            control.close()
            _child(order, fds)
        for fd in fds:
            os.close(fd)
        children.add(pid)
        control.send(json.dumps({"pid": pid}).encode())


def _can(protection):
    """Whether ``protection()`` succeeds in a child process (it changes the process)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if protection() else 1)
    return os.waitpid(pid, 0)[1] == 0


def _reap(children, control):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        control.send(json.dumps({"exit": pid, "status": os.waitstatus_to_exitcode(status)}).encode())


class Child:
    """A test process of the fork server, with the part of ``Popen``'s interface we use."""

    def __init__(self, server, pid):
        self.server, self.pid, self.returncode = server, pid, None

    def poll(self):
        if self.returncode is None:
            self.returncode = self.server.exit_status(self.pid, 0)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            self.returncode = self.server.exit_status(self.pid, timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(f"test process {self.pid}", timeout)
        return self.returncode


class ForkServer:
    """The grader's end: ``spawn(order, fds) -> Child``; ``close()`` ends the server."""

    def __init__(self, package_dir, site_paths, network, environment):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__)), str(theirs.fileno())],
            # the very interpreter running the grader, even where its path is not readable
            executable="/proc/self/exe" if os.path.exists("/proc/self/exe") else None,
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=self._errors,
            stderr=self._errors, start_new_session=True, env=environment, cwd="/")
        theirs.close()
        self._socket, self._lock = ours, threading.Lock()
        self._spawned, self._exits, self._done = queue.Queue(), {}, threading.Condition()
        ours.settimeout(120)
        try:
            ours.send(json.dumps({"package_dir": str(package_dir), "site_paths": site_paths,
                                  "network": network}).encode())
            ready = json.loads(ours.recv(1 << 16) or b"{}")
        except (OSError, ValueError):
            ready = {}
        if not ready.get("ready"):
            self.close()
            self._errors.seek(0)
            raise RuntimeError("the grader's fork server did not start: " +
                               self._errors.read().decode(errors="replace")[-2000:])
        self.network, self.filter = ready["network"], ready.get("filter", False)
        ours.settimeout(None)
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self):
        while True:
            try:
                message = self._socket.recv(1 << 16)
            except OSError:
                message = b""
            if not message:
                with self._done:
                    self._exits[None] = True  # the server is gone
                    self._done.notify_all()
                self._spawned.put(None)
                return
            data = json.loads(message)
            if "pid" in data:
                self._spawned.put(data["pid"])
            else:
                with self._done:
                    self._exits[data["exit"]] = data["status"]
                    self._done.notify_all()

    def spawn(self, order, fds):
        """Fork a test process (``order``: uid, cwd, env) with ``fds`` (stdin, stdout, report)."""
        with self._lock:
            socket.send_fds(self._socket, [json.dumps(order).encode()], fds)
            pid = self._spawned.get(timeout=120)
        if pid is None:
            raise RuntimeError("the grader's fork server stopped")
        return Child(self, pid)

    def exit_status(self, pid, timeout):
        """The exit status of test process ``pid`` (negative: killed by that signal), or None
        if it is still running after ``timeout`` seconds."""
        with self._done:
            self._done.wait_for(lambda: pid in self._exits or None in self._exits, timeout)
            return self._exits.pop(pid, -signal.SIGKILL if None in self._exits else None)

    def close(self):
        for end in (lambda: self._socket.shutdown(socket.SHUT_RDWR), self._socket.close):
            try:  # shutdown first: it also wakes the listening thread's recv
                end()
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._errors.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
