"""Where a submission runs: its own user, session, limits and network, and how it is stopped.

As root (Gradescope, CI) every test process runs as a user id of its own that no account uses
(no entry in /etc/passwd or /etc/group, no process running as it when picked), with no
supplementary groups, in a new session and process group, with ``no_new_privs`` (set-user-ID
programs gain nothing), and without network when ``unshare --net`` works. Its working folder is
a fresh copy of the submission owned by that user; its environment holds no path of the
grader's. After each test every process of that user is killed (``setsid`` and double-fork
escapes included: they keep the user id) and its files in /tmp, /var/tmp and /dev/shm removed,
before the grader goes on. ``check_private`` makes sure that user can neither read the tests,
the solution and the reference nor write the results.

Not as root, only what an ordinary user can do is done (process group kill, the resource limits
but the process count) and ``missing()`` says what is not protected.
"""
import grp
import json
import math
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time

from .errors import HomeworkError

DEFAULT_MEMORY = 4 << 30
_FIRST_ID = 2_000_000_000   # well above the ids distributions hand out, below 2**31
_network = None             # whether ``unshare --net`` + ``setpriv`` work here (probed once)


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


def network_isolation():
    """Whether test processes can be started without network (root, ``unshare`` and
    ``setpriv`` present, and the kernel allowing a new network namespace)."""
    global _network
    if _network is None:
        _network = False
        if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("setpriv"):
            try:
                _network = subprocess.run(
                    ["unshare", "--net", "--", "setpriv", f"--reuid={_FIRST_ID}",
                     f"--regid={_FIRST_ID}", "--clear-groups", "--", "true"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, timeout=20).returncode == 0
            except (OSError, subprocess.SubprocessError):
                pass
    return _network


class Sandbox:
    """The protections of one grading run (see the module docstring)."""

    def __init__(self, memory=DEFAULT_MEMORY, file_size=64 << 20, processes=64, network=None):
        self.root = os.geteuid() == 0
        self.memory, self.file_size, self.processes = memory, file_size, processes
        self.network = self.root and (network_isolation() if network is None else network)
        self._identities = []

    def missing(self):
        """What is not protected here, one line each (empty as root with network isolation)."""
        if self.root:
            return [] if self.network else [
                "network: test processes may use the network ('unshare --net' is not available "
                "here); only the container's network settings stop that"]
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
        uid = _FIRST_ID + (os.getpid() % 1_000_000) * 64 + len(self._identities)
        while len(self._identities) < count:
            if _unused(uid, running):
                self._identities.append(Identity(uid))
            uid += 1
        return self._identities[:count]

    def limits(self, timeout):
        return {"cpu": math.ceil(timeout) + 1, "memory": self.memory,
                "file_size": self.file_size, "core": 0, "open_files": 1024,
                "processes": self.processes if self.root else None}

    def command(self, argv, identity):
        """``(argv, Popen keyword arguments)`` that start ``argv`` as ``identity``."""
        if identity is None:
            return argv, {}
        if self.network:
            return ["unshare", "--net", "--", "setpriv", f"--reuid={identity.uid}",
                    f"--regid={identity.gid}", "--clear-groups", "--no-new-privs", "--"] + argv, {}
        return argv, {"user": identity.uid, "group": identity.gid, "extra_groups": []}

    @staticmethod
    def environment(work):
        """The test process's whole environment: no path of the grader's in it."""
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work),
                "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "PYTHONHASHSEED": "0",
                "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    @staticmethod
    def give(folder, identity):
        """Make ``folder`` (a fresh copy) belong to ``identity``, links not followed."""
        if identity is None:
            return
        for root, dirs, files in os.walk(folder):
            os.chown(root, identity.uid, identity.gid, follow_symlinks=False)
            for name in dirs + files:
                os.chown(os.path.join(root, name), identity.uid, identity.gid,
                         follow_symlinks=False)

    def stop(self, process, identity):
        """Kill the test's process group, and as root every process of ``identity``; returns
        once none is left (zombies excepted: they are dead)."""
        for target in (lambda: os.killpg(process.pid, signal.SIGKILL),
                       lambda: process.kill()):
            try:
                target()
            except (ProcessLookupError, PermissionError, OSError):
                pass
        if identity is None:
            return
        for attempt in range(200):
            pids = [pid for pid, uids in _running_uids().items() if identity.uid in uids]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(min(0.001 * attempt, 0.05))
        else:
            raise HomeworkError(f"could not stop the processes of the submission ({identity})")
        self._remove_files(identity)

    @staticmethod
    def _remove_files(identity):
        """Files and folders ``identity`` left in the shared temporary folders."""
        for folder in {"/tmp", "/var/tmp", "/dev/shm", os.environ.get("TMPDIR", "/tmp")}:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.stat(follow_symlinks=False).st_uid != identity.uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
                except OSError:
                    pass

    def check(self, paths, identity, package_dir, site_paths):
        """``(exposed, import_error)``: the paths among ``paths`` (``[(path, "read"|"write")]``)
        that ``identity`` could read (or change), and why it cannot import tinygrad_rnn (or
        None), found by a process running as that user."""
        if identity is None:
            return [], None
        paths = [(os.path.abspath(path), mode) for path, mode in paths]  # the probe runs in /
        listing = []
        for path, mode in paths:
            if mode == "write":
                listing.append((str(path), "write"))
            elif os.path.isdir(path):
                for root, dirs, files in os.walk(path):
                    listing += [(root, "dir")] + [(os.path.join(root, f), "file") for f in files]
            else:
                listing.append((str(path), "file"))
        request = {"paths": listing, "package_dir": str(package_dir), "site_paths": site_paths}
        argv, extra = self.command([sys.executable, "-I", "-S", "-c", _PROBE], identity)
        result = subprocess.run(argv, input=json.dumps(request).encode(), capture_output=True,
                                start_new_session=True, timeout=120, cwd="/",
                                env=self.environment("/"), **extra)
        try:
            found = json.loads(result.stdout.decode())
        except ValueError:
            raise HomeworkError(f"the test user ({identity}) cannot run {sys.executable}: "
                                f"{result.stderr.decode(errors='replace')[-300:]}") from None
        exposed = [(str(root), item) for root, _ in paths for item in found["exposed"]
                   if item == str(root) or item.startswith(str(root).rstrip(os.sep) + os.sep)]
        return exposed, found["import_error"]


# Run as the test user: which of the listed paths can it read, list, or change, and can it
# import tinygrad_rnn (the test processes must)?
_PROBE = r"""
import json, os, stat, sys
request = json.load(sys.stdin)
found = []
for path, kind in request["paths"]:
    if kind == "file":
        bad = os.access(path, os.R_OK) or os.access(path, os.W_OK)
    elif kind == "dir":
        bad = os.access(path, os.R_OK) or os.access(path, os.W_OK | os.X_OK)
    else:
        folder = os.path.dirname(os.path.abspath(path))
        sticky = os.path.isdir(folder) and os.stat(folder).st_mode & stat.S_ISVTX
        bad = os.access(path, os.W_OK) or (os.access(folder, os.W_OK | os.X_OK) and not sticky)
    if bad:
        found.append(path)
problem = None
try:
    sys.path += request["site_paths"]
    import importlib.util
    init = os.path.join(request["package_dir"], "__init__.py")
    spec = importlib.util.spec_from_file_location(
        "tinygrad_rnn", init, submodule_search_locations=[request["package_dir"]])
    module = importlib.util.module_from_spec(spec)
    sys.modules["tinygrad_rnn"] = module
    spec.loader.exec_module(module)
except BaseException as exc:
    problem = f"{type(exc).__name__}: {exc}"
print(json.dumps({"exposed": found, "import_error": problem}))
"""


def protect(paths):
    """``chmod go-rwx`` the tests, solution and reference (``"read"``), ``go-w`` the folder of
    the results (``"write"``): what ``--protect`` does before grading as root."""
    for path, mode in paths:
        target = path if mode == "read" else os.path.dirname(os.path.abspath(path))
        current = stat.S_IMODE(os.stat(target).st_mode)
        os.chmod(target, current & ~(0o077 if mode == "read" else 0o022))
