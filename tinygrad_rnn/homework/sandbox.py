"""Where a submission runs: its own user, session, limits and network, and how it is stopped.

As root (Gradescope, CI) every test process runs as a user id of its own that no account uses
(no entry in /etc/passwd or /etc/group, no process running as it when picked), with no
supplementary groups, in a new session and process group, with ``no_new_privs`` (set-user-ID
programs gain nothing), and without network when a network namespace can be made. Its working
folder is a fresh copy of the submission owned by that user; its environment holds no path of
the grader's. The test processes are forked by a fork server (``forkserver.py``). After each
test every process of that user is killed (``setsid`` and double-fork escapes included: they
keep the user id) and its files in /tmp, /var/tmp and /dev/shm removed, before the grader goes
on. The grader checks (``grade.secure``) that this user can neither read the tests, the
solution and the reference nor write the results.

Not as root, only what an ordinary user can do is done (process group kill, the resource limits
but the process count) and ``missing()`` says what is not protected.
"""
import grp
import math
import os
import pwd
import signal
import stat
import threading
import time

from . import tree
from .errors import HomeworkError

DEFAULT_MEMORY = 4 << 30
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_FIRST_ID = 2_000_000_000   # well above the ids distributions hand out, below 2**31


class Identity:
    """One unprivileged user (and group) id for the test processes of one slot."""

    def __init__(self, uid):
        self.uid = self.gid = uid

    def __repr__(self):
        return f"uid {self.uid}"


def _running_uids():
    """``{pid: set of uids}`` of every live (not zombie) process, from /proc."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                fields = dict(line.split(b":", 1) for line in f.read().splitlines() if b":" in line)
        except OSError:
            continue
        if fields.get(b"State", b"").strip().startswith(b"Z"):
            continue
        found[int(name)] = {int(u) for u in fields.get(b"Uid", b"").split()}
    return found


def _unused(uid, running):
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return False
        except KeyError:
            pass
    return not any(uid in uids for uids in running.values())


def kill_user(uid, attempts=200):
    """Kill every process running as ``uid`` (as root); True once none is left."""
    for attempt in range(attempts):
        pids = [pid for pid, uids in _running_uids().items() if uid in uids]
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(min(0.001 * attempt, 0.05))
    return False


class Sandbox:
    """The protections of one grading run (see the module docstring); close it (or use it as
    a context manager) to stop its fork server."""

    def __init__(self, memory=DEFAULT_MEMORY, file_size=64 << 20, processes=64, network=True):
        self.root = os.geteuid() == 0
        self.memory, self.file_size, self.processes = memory, file_size, processes
        self._want_network, self._server, self._lock = network, None, threading.Lock()
        self._identities = []

    def server(self):
        """The fork server, started on first use."""
        from .forkserver import ForkServer
        from .runner import PACKAGE_DIR, site_paths
        with self._lock:
            if self._server is None:
                try:
                    self._server = ForkServer(PACKAGE_DIR, site_paths(),
                                              self.root and self._want_network,
                                              self.environment("/"))
                except RuntimeError as exc:
                    raise HomeworkError(str(exc)) from None
            return self._server

    @property
    def network(self):
        """Whether test processes run without network."""
        return self.server().network

    def spawn(self, identity, cwd, fds):
        """A test process (a ``forkserver.Child``) in ``cwd`` as ``identity``, whose stdin,
        stdout/stderr and report pipe are ``fds``."""
        return self.server().spawn({"uid": None if identity is None else identity.uid,
                                    "cwd": str(cwd), "env": self.environment(cwd)}, fds)

    def close(self):
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def missing(self):
        """What is not protected here, one line each (empty as root with network isolation)."""
        if self.root:
            filtered = [] if self.server().filter else [
                "kernel keyrings and IPC: no system call filter (seccomp) can be installed "
                "here, so a test process can leave a kernel key for a later test of its user"]
            return filtered + ([] if self.network else [
                "network: test processes may use the network (no network namespace can be "
                "made here); only the container's network settings stop that"])
        return [f"user separation: not running as root, so the submission runs as you (uid "
                f"{os.getuid()}) and could read the tests, the solution and the reference and "
                "write results.json",
                "detached processes: a process the submission starts in a new session "
                "(setsid, double fork) can outlive its test",
                "process count and network: not limited"]

    def identities(self, count):
        """``count`` identities, picked once per run (as root; ``None`` each otherwise)."""
        if not self.root:
            return [None] * count
        running = _running_uids()
        uid = _FIRST_ID + (os.getpid() % 2_000_000) * 64 + len(self._identities)
        while len(self._identities) < count:
            if _unused(uid, running):
                self._identities.append(Identity(uid))
            uid += 1
        return self._identities[:count]

    def limits(self, timeout):
        return {"cpu": math.ceil(timeout) + 1, "memory": self.memory,
                "file_size": self.file_size, "core": 0, "open_files": 1024,
                "processes": self.processes if self.root else None}

    @staticmethod
    def environment(work):
        """The test process's whole environment: no path of the grader's in it."""
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work),
                "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "PYTHONHASHSEED": "0",
                "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    @staticmethod
    def give(folder, identity):
        """Make ``folder`` (a fresh copy) belong to ``identity``, links not followed, and
        closed to everyone else: a test user graded at the same time (``--jobs``, or another
        grader's) must not read it, nor a solution being run by a grader started next to it."""
        if identity is None:
            return
        for root, dirs, files in tree.walk(folder):
            os.chown(root, identity.uid, identity.gid, follow_symlinks=False)
            for name in dirs + files:
                os.chown(os.path.join(root, name), identity.uid, identity.gid,
                         follow_symlinks=False)
        os.chmod(folder, 0o700)

    def stop(self, process, identity):
        """Kill the test's process group, and as root every process of ``identity``; returns
        once none is left (zombies excepted: they are dead)."""
        for kill in (os.killpg, os.kill):
            try:
                kill(process.pid, signal.SIGKILL)
            except OSError:
                pass
        if identity is None:
            return
        if not kill_user(identity.uid):
            raise HomeworkError(f"could not stop the processes of the submission ({identity})")
        self._remove_files(identity)

    @staticmethod
    def _remove_files(identity):
        """Files and folders ``identity`` left in the world-writable folders (and in their
        world-writable subfolders, such as /tmp/.X11-unix), however deep. Everything relative
        to open folders: a concurrent test user could swap a subfolder for a link to /etc."""
        folders = {"/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue",
                   os.environ.get("TMPDIR", "/tmp")}
        for folder in sorted(folders):
            try:
                fd = os.open(folder, _FOLDER)
            except OSError:
                continue
            try:
                for name, info in _entries(fd):
                    if info.st_uid == identity.uid:
                        tree.remove_tree(name, dir_fd=fd)
                    elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH:
                        _remove_owned(fd, name, identity)
            finally:
                os.close(fd)


def _entries(fd):
    """``(name, lstat)`` of each entry of the open folder ``fd``."""
    try:
        with os.scandir(fd) as entries:
            names = [entry.name for entry in entries]
    except OSError:
        return []
    found = []
    for name in names:
        try:
            found.append((name, os.stat(name, dir_fd=fd, follow_symlinks=False)))
        except OSError:
            pass
    return found


def _remove_owned(parent, name, identity):
    """What ``identity`` owns in the subfolder ``name`` of the open folder ``parent``."""
    try:
        fd = os.open(name, _FOLDER | os.O_NOFOLLOW, dir_fd=parent)
    except OSError:
        return
    try:
        for entry, info in _entries(fd):
            if info.st_uid == identity.uid:
                tree.remove_tree(entry, dir_fd=fd)
    finally:
        os.close(fd)


def protect(paths):
    """``chmod go-rwx`` the tests, solution and reference (``"read"``), ``go-w`` the folder of
    the results (``"write"``): what ``--protect`` does before grading as root."""
    for path, mode in paths:
        target = path if mode == "read" else os.path.dirname(os.path.abspath(path))
        current = stat.S_IMODE(os.stat(target).st_mode)
        os.chmod(target, current & ~(0o077 if mode == "read" else 0o022))
