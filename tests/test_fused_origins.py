"""Cheap origins: ``tensor.origin`` keeps code objects and offsets and works out file, line and
function only when read, one shared record per site; what a user reads is unchanged."""
import copy
import pickle
import sys

import numpy

import tinygrad_rnn as tr
from tinygrad_rnn import origin


def test_an_origin_reads_as_the_tuple_it_was():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    line = sys._getframe().f_lineno + 1
    y = x * 2
    assert len(y.origin) == 3 and tuple(y.origin) == (__file__, line, "test_an_origin_reads_"
                                                       "as_the_tuple_it_was")
    assert y.origin == (__file__, line, y.origin[2]) and y.origin[:2] == (__file__, line)
    filename, lineno, function = y.origin
    assert origin.describe(y.origin) == f"test_fused_origins.py:{lineno} in {function}"


def test_an_op_made_by_a_cell_names_both_lines():
    cell = tr.rnn.LSTMCell(2, 3)
    line = sys._getframe().f_lineno + 1
    ys, _ = tr.rnn.unroll(cell, numpy.ones((3, 1, 2)))
    where = ys[2].origin
    assert len(where) == 6 and where[1] == line and where[4] > 0
    assert where[3].endswith("lstm.py") and where[5] == "R"
    text = origin.describe(where)
    assert text.startswith(f"test_fused_origins.py:{line} in ") and "rnn/lstm.py:" in text


def test_every_step_of_an_unroll_names_the_same_lines_and_other_calls_their_own():
    cell = tr.rnn.ElmanCell(2, 3)
    first = sys._getframe().f_lineno + 1
    a, _ = tr.rnn.unroll(cell, numpy.ones((4, 1, 2)))
    second = sys._getframe().f_lineno + 1
    b, _ = tr.rnn.unroll(cell, numpy.ones((4, 1, 2)))
    assert {y.origin[1] for y in a} == {first} and {y.origin[1] for y in b} == {second}
    assert len({tuple(y.origin) for y in a}) == 1


def test_code_made_on_the_fly_gets_its_own_origin_every_time():
    """Each exec makes a new code object, possibly where a freed one was: an origin must name
    the code that ran, never a cached site of an older one."""
    x = tr.Tensor([1.0], requires_grad=True)
    seen = []
    for k in range(30):
        scope = {"x": x}
        exec(compile("\n" * k + "y = x * 3", f"cell_{k}.py", "exec"), scope)
        seen.append(tuple(scope["y"].origin))
    assert seen == [(f"cell_{k}.py", k + 1, "<module>") for k in range(30)]


def test_an_origin_pickles_and_copies_as_its_tuple():
    y = tr.Tensor([1.0], requires_grad=True) * 2
    assert pickle.loads(pickle.dumps(y.origin)) == tuple(y.origin)
    assert copy.deepcopy(y.origin) == tuple(y.origin)


def test_recording_can_be_turned_off_and_on():
    previous = origin.set_record_origins(False)
    try:
        assert (tr.Tensor([1.0]) * 2).origin is None
    finally:
        origin.set_record_origins(previous)
    assert (tr.Tensor([1.0]) * 2).origin is not None
    assert origin.describe(None) == "unknown"


def test_every_way_of_making_a_tensor_names_only_the_users_line():
    """Operators, methods, the functions of tr and indexing all run inside the autograd
    machinery, which is never a creation site: the origin is this line, with no library
    frame (a cell's R would add one)."""
    x = tr.Tensor(numpy.ones((2, 3)), requires_grad=True)
    made = {"Tensor": lambda: tr.Tensor([1.0]), "mul": lambda: x * 2, "matmul": lambda: x @ x.T,
            "tanh": lambda: x.tanh(), "sum": lambda: x.sum(axis=0), "getitem": lambda: x[0],
            "reshape": lambda: x.reshape(3, 2), "softmax": lambda: tr.softmax(x),
            "log_softmax": lambda: tr.log_softmax(x), "stack": lambda: tr.stack([x, x]),
            "concat": lambda: tr.concat([x, x]), "split": lambda: tr.split(x, 3, axis=1)[0],
            "unstack": lambda: tr.unstack(x)[0], "mse": lambda: tr.mse(x, x),
            "cross_entropy": lambda: tr.cross_entropy(x, [0, 2])}
    for name, make in made.items():
        t = make()
        assert len(t.origin) == 3 and t.origin[0] == __file__, (name, tuple(t.origin))
        assert t.origin[2] == "<lambda>", (name, tuple(t.origin))
