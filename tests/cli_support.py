"""Helpers for the command-line tests: run the CLI in a subprocess (optionally with a file-size
limit), find the ``dot`` children of a process, and check the promise on failure."""
import os
import resource
import signal
import stat
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, cwd, file_limit=None, timeout=120):
    """``python -m tinygrad_rnn ARGS`` in ``cwd``; ``file_limit`` bytes: ``ulimit -f``."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
    return subprocess.run([sys.executable, "-m", "tinygrad_rnn", *args], cwd=cwd,
                          capture_output=True, timeout=timeout,
                          preexec_fn=limit if file_limit is not None else None,
                          env={**os.environ, "PYTHONPATH": ROOT})


def one_error_line(done, command):
    """Non-zero exit, no traceback, and the last stderr line is the command's error."""
    err = done.stderr.decode("utf-8", "replace") if isinstance(done.stderr, bytes) \
        else done.stderr
    assert done.returncode != 0, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith((f"tinygrad-rnn {command}: ",
                                           "tinygrad-rnn: error:")), err
    return lines[-1]


def children(pid):
    """``[(pid, name)]`` of the processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid:
            found.append((int(entry), name))
    return found


def alive(pid):
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def signal_while_dot_runs(argv, cwd, signum, wait=90):
    """Start the CLI, wait until its ``dot`` child runs, send ``signum``; returns
    ``(completed process, dot's pid)``."""
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_rnn", *argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": ROOT})
    dot = None
    try:
        deadline = time.monotonic() + wait
        while dot is None and time.monotonic() < deadline and proc.poll() is None:
            dot = next((p for p, name in children(proc.pid) if name == "dot"), None)
            time.sleep(0.02)
        assert dot is not None, "dot never started (or the command ended first)"
        time.sleep(0.2)                       # well inside the layout
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), dot


def wait_gone(pid, seconds=5):
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


SIGNALS = [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)]


def device_link(folder, name, device_folder=None):
    """``ln -s DEVICE folder/name``, like a link to ``/dev/full``, but to a device node made
    in ``device_folder`` (default ``folder``; the same kind: a character device, major 1,
    minor 7), so that a command that wrongly replaced the link's target could harm nothing
    outside the test's folders. Where this user may not make device nodes, a FIFO stands in.
    Returns ``(target, what)``, ``what`` being the words the error message uses for it."""
    target = os.path.join(device_folder or folder, "full-device")
    if not os.path.lexists(target):
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        except OSError:
            os.mkfifo(target)
    what = "a device" if stat.S_ISCHR(os.lstat(target).st_mode) else "a FIFO (named pipe)"
    os.symlink(target, os.path.join(folder, name))
    return target, what
