"""Markers in three dialects (ours, nbgrader's, otter's), in .py files and in every kind of
notebook cell: the student version never contains solution text, and a line that looks like a
marker but is not understood is an error with file and line, never copied in silence."""
import json

import pytest

from tinygrad_rnn.cli import main
from tinygrad_rnn.homework import HomeworkError, make_student, strip_text
from tinygrad_rnn.homework.markers import MarkerError

SECRET = "SECRET_ANSWER_42"


def _student(tmp_path, name, data):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    make_student(src, tmp_path / "out", force=True)
    return (tmp_path / "out" / name).read_bytes()


@pytest.mark.parametrize("begin, end", [
    ("# BEGIN SOLUTION", "# END SOLUTION"),          # ours and otter's
    ("### BEGIN SOLUTION", "### END SOLUTION"),      # nbgrader's
    ("# begin solution", "# end solution"),          # any case
    ("#BEGIN   SOLUTION  ", "##  End Solution"),     # any spacing, any number of '#'
])
def test_solution_block_dialects(begin, end):
    text = f"def f(x):\n    {begin}\n    return '{SECRET}'\n    {end}\n"
    assert strip_text(text) == 'def f(x):\n    raise NotImplementedError("YOUR CODE HERE")\n'


@pytest.mark.parametrize("marker", ["### BEGIN HIDDEN TESTS", "# begin hidden tests",
                                    "# BEGIN HIDDEN TEST"])
def test_hidden_tests_dialects(marker):
    end = marker.replace("BEGIN", "END").replace("begin", "end")
    text = f"def test_a():\n    pass\n{marker}\ndef test_b():\n    assert '{SECRET}'\n{end}\nx = 1\n"
    assert strip_text(text) == "def test_a():\n    pass\nx = 1\n"


@pytest.mark.parametrize("line, student", [
    (f"x = '{SECRET}'  # SOLUTION", "x = ..."),
    (f"    total += len('{SECRET}')  # solution", "    total += ..."),
    (f"y: str = '{SECRET}'  #SOLUTION", "y: str = ..."),
    (f"print('{SECRET}')  # SOLUTION", "..."),
    (f"    return '{SECRET}'  # Solution", "    ..."),
])
def test_otter_inline_solution(line, student):
    assert strip_text(f"a = 1\n{line}\nb = 2\n") == f"a = 1\n{student}\nb = 2\n"


@pytest.mark.parametrize("text, line, words", [
    ("x = 1\n# BEGIN PROMPT\ny = 2\n", 2, "looks like a marker"),
    (f"x = '{SECRET}'  # SOLUTION NO PROMPT\n", 1, "looks like a marker"),
    ("# END QUESTION\n", 1, "looks like a marker"),
    (f"x = 1  # BEGIN SOLUTION\ny = '{SECRET}'\n", 1, "alone on its line"),
    ("# SOLUTION\nx = 1\n", 1, "must follow code"),
    (f"y = f(1,\n      '{SECRET}')  # SOLUTION\n", 2, "fits on its line"),
    ("# BEGIN SOLUTION\nx = 1\n", 1, "never closed"),
    ("x = 1\n  # END HIDDEN TESTS\n", 2, "without a matching"),
])
def test_marker_errors_name_the_line(text, line, words):
    with pytest.raises(MarkerError) as info:
        strip_text(text)
    assert (line, ) == info.value.problems[0][:1] and words in info.value.problems[0][1]


def test_markers_inside_string_literals_are_text():
    text = (f'DOC = """\n# BEGIN SOLUTION\n{SECRET}\n# END SOLUTION\n"""\n'
            "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n")
    assert strip_text(text) == (f'DOC = """\n# BEGIN SOLUTION\n{SECRET}\n# END SOLUTION\n"""\n'
                                'def f():\n    raise NotImplementedError("YOUR CODE HERE")\n')


def test_form_feed_does_not_shift_lines():
    text = "a = 1\x0c  # a form feed inside a line\n# BEGIN SOLUTION\nb = 2\n# END SOLUTION\n"
    assert strip_text(text) == ('a = 1\x0c  # a form feed inside a line\n'
                                'raise NotImplementedError("YOUR CODE HERE")\n')


def test_utf8_bom_is_kept_and_markers_found(tmp_path):
    data = b"\xef\xbb\xbf# BEGIN SOLUTION\nx = '" + SECRET.encode() + b"'\n# END SOLUTION\n"
    out = _student(tmp_path, "bom.py", data)
    assert out == b'\xef\xbb\xbfraise NotImplementedError("YOUR CODE HERE")\n'


def test_latin1_with_coding_line(tmp_path):
    source = ("# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\ndef f():\n    # BEGIN SOLUTION\n"
              f"    return '{SECRET}'\n    # END SOLUTION\n")
    out = _student(tmp_path, "latin.py", source.encode("latin-1"))
    assert out == ("# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\ndef f():\n"
                   '    raise NotImplementedError("YOUR CODE HERE")\n').encode("latin-1")


def test_non_utf8_without_markers_is_copied_byte_for_byte(tmp_path):
    data = b"x = '\xff\xfe not UTF-8 and no coding line'\n"
    assert _student(tmp_path, "bytes.py", data) == data


def test_non_utf8_with_markers_is_refused(tmp_path):
    data = b"x = '\xff'\n# BEGIN SOLUTION\ny = 1\n# END SOLUTION\n"
    with pytest.raises(HomeworkError, match=r"bytes.py: has markers but is not valid text"):
        _student(tmp_path, "bytes.py", data)


def _notebook(*cells):
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _cell(kind, source, outputs=None):
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=7, outputs=outputs or [])
    return cell


def test_notebook_cells_of_every_kind(tmp_path):
    printed = [{"output_type": "stream", "name": "stdout", "text": ["42\n"]}]
    nb = _notebook(
        _cell("markdown", ["Explain:\n", "### BEGIN SOLUTION\n", f"{SECRET} because\n",
                           "### END SOLUTION\n"]),
        _cell("raw", f"# BEGIN SOLUTION\n{SECRET}\n# END SOLUTION"),
        _cell("code", ["def f():\n", f"    return '{SECRET}'  # SOLUTION\n"], printed),
        _cell("code", "f()", printed),  # no marker, but its output shows the answer
        _cell("code", ["### BEGIN HIDDEN TESTS\n", f"assert f() == '{SECRET}'\n",
                       "### END HIDDEN TESTS\n"]))
    out = json.loads(_student(tmp_path, "work.ipynb", nb))
    cells = out["cells"]
    assert SECRET not in json.dumps(out)
    assert cells[0]["source"] == ["Explain:\n", "YOUR ANSWER HERE\n"]
    assert cells[1]["source"] == "YOUR ANSWER HERE"
    assert cells[2]["source"] == ["def f():\n", "    ...\n"]
    assert cells[4]["source"] == []
    for cell in cells[2:]:
        assert cell["outputs"] == [] and cell["execution_count"] is None


def test_notebook_marker_error_names_cell_and_line(tmp_path):
    nb = _notebook(_cell("code", "x = 1\n"), _cell("markdown", ["a\n", "# BEGIN PROMPT\n"]))
    with pytest.raises(HomeworkError, match=r"bad.ipynb: cell 2, line 2: .*looks like a marker"):
        _student(tmp_path, "bad.ipynb", nb)


@pytest.mark.parametrize("text, words", [
    ('{"cells": 5}', "expected an object with a 'cells' list, got int"),
    ('{"cells": [5]}', "cell 1 is a int, not a cell object"),
    ('{"cells": [{"cell_type": "code", "source": 5}]}', "'source' must be a string or a list"),
    ('{"cells": [{"cell_type": "code", "source": ["a", 5]}]}', "'source' must be a string"),
    ('{"cells": [{"cell_type": "image", "source": ""}]}', "cell_type 'image'"),
    ('[1, 2]', "got list"),
    ('{"cells": [', "not JSON"),
])
def test_broken_notebooks_are_named_errors(tmp_path, capsys, text, words):
    src = tmp_path / "src"
    src.mkdir()
    (src / "nb.ipynb").write_text(text)
    assert main(["homework", "make", str(src), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert words in err and "nb.ipynb" in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()
