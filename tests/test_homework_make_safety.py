"""``homework make`` never loses or leaks a file: it never writes over its own source, never
replaces a folder by a file (or the reverse), never follows a FIFO, and recreates only the links
that stay inside the homework. Every refusal is one named error and writes nothing."""
import os
import socket
import threading

import pytest

from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, make_student

SOLUTION = "def f():\n    # BEGIN SOLUTION\n    return 42\n    # END SOLUTION\n"


@pytest.fixture
def src(tmp_path):
    folder = tmp_path / "solution"
    folder.mkdir()
    (folder / "e.py").write_text(SOLUTION)
    return folder


def _refused(capsys, *args):
    assert main(["homework", "make", *map(str, args)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") >= 1, err
    return err


def test_make_never_writes_over_its_source(src, capsys):
    err = _refused(capsys, src / "e.py", src / "e.py", "--force")
    assert "is" in err and "itself" in err
    assert (src / "e.py").read_text() == SOLUTION
    err = _refused(capsys, src / "e.py", src, "--force")  # DEST holds SRC
    assert "contains" in err and (src / "e.py").read_text() == SOLUTION
    err = _refused(capsys, src, src / "student", "--force")
    assert "must not contain" in err and not (src / "student").exists()


def test_force_never_replaces_a_folder_by_a_file(src, tmp_path, capsys):
    stud = tmp_path / "stud"
    stud.mkdir()
    (stud / "notes.txt").write_text("my notes")
    err = _refused(capsys, src / "e.py", stud, "--force")
    assert "never one by the other" in err
    assert (stud / "notes.txt").read_text() == "my notes"
    plain = tmp_path / "plain.txt"
    plain.write_text("a file")
    _refused(capsys, src, plain, "--force")  # nor a file by a folder
    assert plain.read_text() == "a file"


def test_force_replaces_a_file_by_a_file(src, tmp_path):
    out = tmp_path / "e_student.py"
    out.write_text("old")
    make_student(src / "e.py", out, force=True)
    assert out.read_text() == 'def f():\n    raise NotImplementedError("YOUR CODE HERE")\n'


def test_a_symbolic_link_destination_is_refused(src, tmp_path, capsys):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    assert "symbolic link" in _refused(capsys, src, tmp_path / "link", "--force")
    assert (tmp_path / "link").is_symlink() and list(target.iterdir()) == []


def test_fifo_socket_in_src_are_refused_without_hanging(src, tmp_path, capsys):
    os.mkfifo(src / "pipe.py")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(src / "sock.ipynb"))
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault(
        "rc", main(["homework", "make", str(src), str(tmp_path / "out")])), daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "make waited on a FIFO"
    err = capsys.readouterr().err
    assert result["rc"] == 2 and "pipe.py: a FIFO (named pipe), not a file" in err
    assert "sock.ipynb: a socket" in err and not (tmp_path / "out").exists()
    server.close()


def test_links_inside_are_recreated_outside_refused(src, tmp_path):
    (src / "data").mkdir()
    (src / "data" / "words.txt").write_text("John lives in Salt Lake City")
    (src / "alias.py").symlink_to("e.py")
    (src / "words").symlink_to(src / "data")  # absolute, inside: becomes relative
    make_student(src, tmp_path / "out")
    out = tmp_path / "out"
    assert os.readlink(out / "alias.py") == "e.py" and os.readlink(out / "words") == "data"
    assert "NotImplementedError" in (out / "alias.py").read_text()
    secret = tmp_path / "instructor_notes.txt"
    secret.write_text("the answer is 42")
    (src / "notes.txt").symlink_to(secret)
    (src / "gone.py").symlink_to(src / "missing.py")
    with pytest.raises(HomeworkError) as info:
        make_student(src, tmp_path / "out2")
    message = str(info.value)
    assert "notes.txt: a symbolic link" in message and "outside" in message
    assert "gone.py: a symbolic link" in message and "missing" in message
    assert not (tmp_path / "out2").exists()
