"""Every user mistake gets a clear error naming what was wrong (checked by message content)."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend


def test_shape_mismatch_names_the_op_and_every_shape():
    a = tr.Tensor(numpy.ones((2, 3)))
    b = tr.Tensor(numpy.ones((4, 5)))
    with pytest.raises(tr.ShapeError, match=r"matmul: \(2, 3\) @ \(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"add: .*\(2, 3\).*\(4, 5\)"):
        a + b
    x = tr.Tensor(numpy.ones((2, 3)), name="x_t")
    W = tr.Tensor(numpy.ones((4, 5)), name="W_x")
    with pytest.raises(tr.ShapeError, match=r"matmul: .*x_t\(2, 3\).*W_x\(4, 5\)"):
        x @ W
    with pytest.raises(tr.ShapeError, match=r"reshape: .*\(2, 3\)"):
        a.reshape(4, 2)
    with pytest.raises(tr.ShapeError, match=r"concat: .*\(2, 3\).*\(4, 5\)"):
        tr.concat([a, b], axis=0)
    with pytest.raises(tr.ShapeError, match=r"split: .*length 3"):
        tr.split(a, 2, axis=1)
    with pytest.raises(tr.ShapeError, match=r"getitem: .*\(2, 3\)"):
        a[5]


def test_non_scalar_backward_needs_grad():
    x = tr.Tensor(numpy.ones((2, 3)), requires_grad=True)
    with pytest.raises(tr.ShapeError, match=r"non-scalar.*\(2, 3\).*grad="):
        (x * 2).backward()
    with pytest.raises(tr.ShapeError, match=r"grad has shape \(3,\).*\(2, 3\)"):
        (x * 2).backward(grad=numpy.ones(3))


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tr.Tensor([1.0]).sum().backward()


def test_mixing_devices_names_both_devices_and_the_op(monkeypatch):
    monkeypatch.setattr(backend, "_modules", dict(backend._modules))  # undone after the test
    backend.register_device("fake-gpu", numpy)
    a = tr.Tensor([1.0, 2.0], name="a")
    b = tr.Tensor([1.0, 2.0], name="b", device="fake-gpu")
    with pytest.raises(tr.DeviceError, match=r"mul: .*'cpu'.*'fake-gpu'"):
        a * b
    with pytest.raises(tr.DeviceError, match=r"matmul: .*a\(2,\) on 'cpu'.*b\(2,\) on 'fake-gpu'"):
        a @ b


def test_unknown_device():
    with pytest.raises(tr.DeviceError, match=r"unknown device 'tpu'.*'cpu'"):
        tr.Tensor([1.0], device="tpu")


def test_non_float_dtype_with_requires_grad():
    with pytest.raises(tr.DTypeError, match=r"requires_grad=True needs a float dtype, got int64"):
        tr.Tensor([1, 2], dtype="int64", requires_grad=True)
    with pytest.raises(TypeError, match=r"'ids'.*bool"):
        tr.Tensor([True], dtype=bool, requires_grad=True, name="ids")
    with pytest.raises(tr.DTypeError, match=r"cannot make an array from str"):
        tr.Tensor("hello")


def test_gradcheck_refuses_float32_and_reports_wrong_gradients():
    x32 = tr.Tensor([1.0, 2.0], requires_grad=True, dtype="float32")
    with pytest.raises(tr.DTypeError, match=r"input 0 is float32.*float64"):
        tr.gradcheck(lambda x: x.tanh(), [x32])
    with pytest.raises(ValueError, match="no input has requires_grad"):
        tr.gradcheck(lambda x: x.tanh(), [tr.Tensor([1.0])])

    class WrongTanh(tr.Function):
        """h = tanh(a);   dL/da = dL/dh * (1 - h)   (deliberately wrong)"""
        cases = [(((3,),), {})]

        def forward(self, a):
            h = self.xp.tanh(a)
            self.save(h=h)
            return h

        def backward(self, dh):
            return (dh * (1 - self.saved["h"]),)

    try:
        x = tr.Tensor([0.1, 0.5, -0.9], requires_grad=True, name="a")
        pattern = r"input 0 \('a'\).*index \(\d,\).*analytic.*numeric"
        with pytest.raises(tr.GradcheckError, match=pattern):
            tr.gradcheck(lambda t: WrongTanh.apply(t), [x])
        assert x.grad is None, "gradcheck must leave the inputs' gradients as they were"
    finally:
        del tr.Function.registry[WrongTanh.name]


def test_cross_entropy_bad_targets():
    logits = tr.Tensor(numpy.zeros((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 4\).*from 0 to 4"):
        tr.cross_entropy(logits, [0, 1, 4])
    with pytest.raises(ValueError, match=r"from -1 to 1"):
        tr.cross_entropy(logits, [0, 1, -1])
    with pytest.raises(tr.ShapeError, match=r"\(3, 4\) need targets of shape \(3,\), got \(2,\)"):
        tr.cross_entropy(logits, [0, 1])
    with pytest.raises(TypeError, match=r"integer class indices, got dtype float64"):
        tr.cross_entropy(logits, [0.0, 1.0, 2.0])


def test_pow_exponent_must_be_a_number():
    x = tr.Tensor([1.0])
    with pytest.raises(TypeError, match="exponent must be a real number"):
        x ** x


def test_an_op_needs_a_tensor():
    with pytest.raises(TypeError, match="add: needs at least one Tensor"):
        tr.Function.registry["add"].apply(1.0, 2.0)


def test_load_state_dict_checks_everything_before_changing_anything():
    tr.manual_seed(0)
    layer = tr.nn.Linear(3, 2)
    before = layer.state_dict()
    good = {"W": numpy.zeros((3, 2)), "b": numpy.zeros(2)}
    for bad, pattern in [
        ({"W": good["W"]}, r"missing key 'b'"),
        ({**good, "extra": numpy.zeros(1)}, r"unexpected key 'extra'"),
        ({"W": numpy.zeros((2, 3)), "b": good["b"]},
         r"'W' has shape \(2, 3\), expected \(3, 2\)"),
        ({"W": good["W"], "b": "zeros"}, r"'b'.*cannot make"),
    ]:
        with pytest.raises(ValueError, match=pattern) as info:
            layer.load_state_dict(bad)
        assert "nothing was changed" in str(info.value)
        for name, value in layer.state_dict().items():
            numpy.testing.assert_array_equal(value, before[name])


def test_embedding_and_linear_input_errors():
    emb = tr.nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"\[0, 5\).*from 0 to 7"):
        emb([0, 7])
    with pytest.raises(TypeError, match="ids must be integers"):
        emb([0.5])
    with pytest.raises(tr.ShapeError, match=r"Linear: input \(2, 4\).*in_features=3"):
        tr.nn.Linear(3, 1)(tr.Tensor(numpy.ones((2, 4))))


def test_optimizer_arguments():
    p = tr.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0"):
        tr.optim.SGD([p], lr=0)
    with pytest.raises(ValueError, match="empty parameter list"):
        tr.optim.Adam([])
    with pytest.raises(TypeError, match="requires_grad=True"):
        tr.optim.SGD([tr.Tensor([1.0])], lr=0.1)


def test_two_ops_cannot_share_a_name():
    with pytest.raises(ValueError, match=r"op name 'tanh' is taken by tinygrad_rnn.ops"):
        class Tanh(tr.Function):  # noqa: F841
            """h = tanh(a);   dL/da = dL/dh * (1 - h**2)"""


# ---- errors keep their cause ------------------------------------------------------------------
class _Parse(tr.Function):
    """b = a (after a bug in the forward);   dL/da = dL/db"""
    name = "test_errors_parse"

    def forward(self, a):
        return a * int("x")  # a student's bug, not a shape problem

    def backward(self, db):
        return (db,)


class _Broadcast(tr.Function):
    """c = a + b with shapes that cannot broadcast;   dL/da = dL/dc"""
    name = "test_errors_broadcast"

    def forward(self, a, b):
        return a + b

    def backward(self, dc):
        return dc, dc


for _op in (_Parse, _Broadcast):  # registered only while a test uses them
    tr.Function.registry.pop(_op.name)


@pytest.fixture
def user_ops():
    for op in (_Parse, _Broadcast):
        tr.Function.registry[op.name] = op
    yield
    for op in (_Parse, _Broadcast):
        tr.Function.registry.pop(op.name, None)


def test_an_error_in_a_users_forward_keeps_its_type_and_traceback(user_ops):
    x = tr.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="invalid literal for int") as info:
        _Parse.apply(x)
    assert not isinstance(info.value, tr.ShapeError)
    assert any(entry.name == "forward" and "int(\"x\")" in str(entry.statement)
               for entry in info.traceback)
    assert "test_errors_parse" in "".join(getattr(info.value, "__notes__", []))


def test_an_error_in_a_users_backward_keeps_its_type_and_traceback():
    x = tr.Tensor([1.0], requires_grad=True)

    class Fine(tr.Function):
        """b = a;   dL/da = a bug"""
        name = "test_errors_fine"

        def forward(self, a):
            return a * 1.0

        def backward(self, db):
            raise RuntimeError("the backward's own bug")
    try:
        with pytest.raises(RuntimeError, match="the backward's own bug") as info:
            Fine.apply(x).sum().backward()
        assert info.traceback[-1].name == "backward"
    finally:
        tr.Function.registry.pop("test_errors_fine", None)


def test_a_genuine_shape_mismatch_is_a_shape_error_chained_to_numpys(user_ops):
    a, b = tr.Tensor(numpy.ones((2, 3))), tr.Tensor(numpy.ones(4))
    with pytest.raises(tr.ShapeError, match=r"test_errors_broadcast: .*\(2, 3\), \(4,\).*broadcast") \
            as info:
        _Broadcast.apply(a, b)
    assert isinstance(info.value.__cause__, ValueError)  # NumPy's own error, with its traceback
    with pytest.raises(tr.ShapeError) as info:
        a + b
    assert info.value.__cause__ is not None


def test_missing_state_dict_keys_are_a_key_error():
    layer = tr.nn.Linear(2, 2)
    with pytest.raises(KeyError) as info:
        layer.load_state_dict({"W": numpy.zeros((2, 2))})
    assert isinstance(info.value, tr.StateDictKeyError) and isinstance(info.value, ValueError)
    assert str(info.value) == ("Linear.load_state_dict: missing key 'b' (nothing was changed)")
    cell = tr.rnn.ElmanCell(2, 2)
    with pytest.raises(KeyError, match="missing key 'bias_hh'"):
        cell.load_torch_state_dict({"weight_ih": numpy.zeros((2, 2)),
                                    "weight_hh": numpy.zeros((2, 2)), "bias_ih": numpy.zeros(2)})
    with pytest.raises(tr.ShapeError, match=r"'W' has shape \(3, 2\)") as info:
        layer.load_state_dict({"W": numpy.zeros((3, 2)), "b": numpy.zeros(2)})
    assert not isinstance(info.value, KeyError)  # a shape problem is not a key problem


def test_a_stack_reports_every_problem_of_its_state_dict_at_once():
    bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(2, 3), tr.rnn.ElmanCell(2, 3))
    good = bi.torch_state_dict()
    before = bi.torch_state_dict()
    bad = dict(good, weight_ih_l0=numpy.zeros((5, 5)), extra=numpy.zeros(1))
    del bad["bias_hh_l0_reverse"]
    with pytest.raises(tr.StateDictKeyError) as info:
        bi.load_torch_state_dict(bad)
    message = str(info.value)
    assert "missing key 'bias_hh_l0_reverse'" in message and "unexpected key 'extra'" in message
    assert "'weight_ih_l0' has shape (5, 5)" in message and "nothing was changed" in message
    for key, value in bi.torch_state_dict().items():
        numpy.testing.assert_array_equal(value, before[key])
