"""files.atomic_write, the one writer of every output file: all or nothing, links written
through, devices, FIFOs and folders refused, and every failure a WriteError naming the path."""
import errno
import os
import resource
import stat

import pytest

from tinygrad_rnn import files
from tinygrad_rnn.files import WriteError, atomic_write, check_writable

from cli_support import device_link


def test_writes_and_replaces_with_ordinary_permissions(tmp_path):
    path = tmp_path / "a.txt"
    assert atomic_write(path, b"one") == str(path)
    atomic_write(str(path), b"two")
    assert path.read_bytes() == b"two" and os.listdir(tmp_path) == ["a.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_a_symlink_is_written_through_and_kept(tmp_path):
    (tmp_path / "real.txt").write_bytes(b"old")
    os.symlink("real.txt", tmp_path / "link.txt")
    atomic_write(tmp_path / "link.txt", b"new")
    assert os.readlink(tmp_path / "link.txt") == "real.txt"
    assert (tmp_path / "real.txt").read_bytes() == b"new"
    os.symlink("made.txt", tmp_path / "dangling.txt")        # a dangling link creates its target
    atomic_write(tmp_path / "dangling.txt", b"x")
    assert os.path.islink(tmp_path / "dangling.txt")
    assert (tmp_path / "made.txt").read_bytes() == b"x"
    assert sorted(os.listdir(tmp_path)) == ["dangling.txt", "link.txt", "made.txt", "real.txt"]


def test_a_link_to_a_device_is_refused_and_kept(tmp_path):
    target, what = device_link(str(tmp_path), "link.svg")      # as a link to /dev/full
    kind = os.lstat(target).st_mode
    with pytest.raises(WriteError, match=rf"cannot write '.*link.svg': it is {what}"):
        atomic_write(tmp_path / "link.svg", b"data")
    assert os.readlink(tmp_path / "link.svg") == target and os.lstat(target).st_mode == kind
    assert sorted(os.listdir(tmp_path)) == ["full-device", "link.svg"]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.svg")
    with pytest.raises(WriteError, match="FIFO") as info:
        atomic_write(tmp_path / "pipe.svg", b"data")
    assert info.value.errno == errno.EINVAL
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.svg").st_mode)


def test_folders_missing_folders_and_odd_paths(tmp_path):
    (tmp_path / "d.svg").mkdir()
    os.symlink("d.svg", tmp_path / "to_dir.svg")
    for path, message in ((tmp_path / "d.svg", "it is a folder"),
                          (tmp_path / "to_dir.svg", "it is a folder"),
                          (tmp_path / "no" / "a.svg", "does not exist"),
                          (str(tmp_path / "a\0.svg"), "NUL"),
                          (tmp_path / ("x" * 300 + ".svg"), "too long")):
        with pytest.raises(WriteError, match=message):
            atomic_write(path, b"data")
        with pytest.raises(WriteError, match=message):
            check_writable(path)
    assert sorted(os.listdir(tmp_path)) == ["d.svg", "to_dir.svg"]


def test_file_too_large_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.svg"
    path.write_bytes(b"old")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))    # ulimit -f 1
    try:
        with pytest.raises(WriteError, match="File too large") as info:
            atomic_write(path, b"x" * 100_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert info.value.errno == errno.EFBIG and isinstance(info.value, OSError)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["a.svg"]


@pytest.mark.parametrize("stage", ["write", "replace"])
def test_an_interruption_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, stage):
    path = tmp_path / "a.svg"
    path.write_bytes(b"old")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    if stage == "replace":
        monkeypatch.setattr(files.os, "replace", interrupt)
        data = b"new"
    else:                                  # Ctrl-C (or SIGTERM under the CLI) mid-write
        data = b"new"
        monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: _Raising(fd))
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, data)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["a.svg"]


class _Raising:
    """A file object whose write is interrupted (after the temporary file exists)."""

    def __init__(self, fd):
        self.fd = fd

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

    def write(self, data):
        raise KeyboardInterrupt


def test_undecodable_file_names_are_shown_escaped(tmp_path):
    name = os.fsdecode(b"\xff.svg")
    with pytest.raises(WriteError) as info:
        atomic_write(tmp_path / "no" / name, b"x")
    message = str(info.value)
    message.encode("utf-8")                      # printable on any terminal
    assert "\\xff.svg" in message
