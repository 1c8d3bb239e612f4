"""Bad input to the core API (findings/bad-inputs.md, core cases): never a silently wrong number,
never a raw NumPy or Python traceback; a named error that says what was wrong and what is
allowed. Each case broke the promise before this file existed."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend

T = tr.Tensor


# ---- silent wrong results ----------------------------------------------------------------
@pytest.mark.parametrize("pred,target", [((4, 1), (4,)), ((2, 1), (1, 2)), ((3,), (1,))])
def test_mse_refuses_shapes_that_would_broadcast(pred, target):
    with pytest.raises(tr.ShapeError, match=rf"mse: pred {pred}.*target {target}.*same shape".replace(
            "(", r"\(").replace(")", r"\)")):
        tr.mse(T(numpy.ones(pred), requires_grad=True), T(numpy.ones(target)))


def test_mse_of_equal_shapes_is_the_mean_squared_error():
    p, t = numpy.array([[1.0], [3.0]]), numpy.array([[0.0], [1.0]])
    assert tr.mse(T(p), T(t)).item() == pytest.approx(((p - t) ** 2).mean())


@pytest.mark.parametrize("make,argument", [
    (lambda p: tr.optim.clip_grad_norm([p], -1), "max_norm"),
    (lambda p: tr.optim.clip_grad_norm([p], float("nan")), "max_norm"),
    (lambda p: tr.optim.clip_grad_norm([p], 0), "max_norm"),
    (lambda p: tr.optim.SGD([p], lr=float("nan")), "lr"),
    (lambda p: tr.optim.SGD([p], lr=-0.1), "lr"),
    (lambda p: tr.optim.SGD([p], lr=float("inf")), "lr"),
    (lambda p: tr.optim.SGD([p], lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: tr.optim.SGD([p], lr=0.1, momentum=1.0), "momentum"),
    (lambda p: tr.optim.Adam([p], betas=(1.0, 0.9)), r"betas\[0\]"),
    (lambda p: tr.optim.Adam([p], betas=(0.9, float("nan"))), r"betas\[1\]"),
    (lambda p: tr.optim.Adam([p], eps=0.0), "eps"),
    (lambda p: tr.optim.Adam([p], lr=float("nan")), "lr"),
])
def test_optimizer_arguments_are_finite_and_in_range(make, argument):
    p = T([1.0], requires_grad=True)
    p.grad = numpy.array([2.0])
    with pytest.raises(ValueError, match=rf"{argument} must be a finite number"):
        make(p)
    numpy.testing.assert_array_equal(p.grad, [2.0])  # nothing was scaled


@pytest.mark.parametrize("make,argument", [
    (lambda p: tr.optim.SGD([p], lr="0.1"), "lr"),
    (lambda p: tr.optim.SGD([p], lr=None), "lr"),
    (lambda p: tr.optim.Adam([p], betas=0.9), "betas"),
    (lambda p: tr.optim.clip_grad_norm([p], "1"), "max_norm"),
])
def test_optimizer_arguments_of_the_wrong_type(make, argument):
    with pytest.raises(TypeError, match=argument):
        make(T([1.0], requires_grad=True))


@pytest.mark.parametrize("make", [
    lambda: T(numpy.array([1 + 2j])),
    lambda: T([1.0], dtype="complex128"),
    lambda: T([1.0]) * numpy.array([1j]),
    lambda: tr.nn.Linear(1, 1).load_state_dict({"W": numpy.ones((1, 1)) + 1j,
                                                "b": numpy.ones(1)}),
    lambda: tr.rnn.ElmanCell(1, 1).load_torch_state_dict({
        "weight_ih": numpy.ones((1, 1)) + 1j, "weight_hh": numpy.ones((1, 1)),
        "bias_ih": numpy.ones(1), "bias_hh": numpy.ones(1)}),
])
def test_complex_values_are_refused_not_cut_to_their_real_part(make):
    with pytest.raises(tr.DTypeError, match="complex"):
        make()


@pytest.mark.parametrize("data", [None, {"a": 1}, "1.5", b"12", {1, 2}, [1, "a"], [None, 1.0]])
def test_tensor_of_something_that_is_not_numbers(data):
    with pytest.raises(tr.DTypeError, match="Tensor 'x'"):
        T(data, name="x")


@pytest.mark.parametrize("data,dtype,words", [
    ([300], "int8", "300 does not fit in int8"),
    ([1.5], "int64", "cannot hold fractions"),
    ([float("nan")], "int32", "non-finite"),
    ([1e6], "float16", "do not fit in float16"),
    (numpy.array([2 ** 40, 0]), "int16", "values from 0 to 1.09951e.12 do not fit in int16"),
    ([2.0], "bool", "only 0 and 1"),
    ([1.0], "float99", "unknown dtype"),
    ([1.0], "U3", "str"),
])
def test_a_value_that_would_not_survive_the_dtype_is_refused(data, dtype, words):
    with pytest.raises(tr.DTypeError, match=words):
        T(data, dtype=dtype)


@pytest.mark.parametrize("data", [[2 ** 70], [[1], [-2 ** 64]]])
def test_an_integer_beyond_int64_is_named(data):
    """NumPy keeps such an int as a Python object; the error says which number and why."""
    with pytest.raises(tr.DTypeError, match=r"the integer -?\d+ does not fit in int64"):
        T(data)


def test_conversions_that_keep_the_values_work():
    assert T([1.0, 2.0], dtype="int64").data.tolist() == [1, 2]
    assert T([0, 1], dtype="bool").data.tolist() == [False, True]
    assert T(numpy.array([1e6]), dtype="float32").item() == 1e6
    assert T([float("inf")], dtype="float16").item() == float("inf")  # inf stays inf


def test_ragged_lists_are_a_shape_error():
    with pytest.raises(tr.ShapeError, match="nested lists have different lengths"):
        T([[1.0, 2.0], [3.0]])


# ---- raw errors, now named --------------------------------------------------------------
@pytest.mark.parametrize("make,error,words", [
    (lambda x: tr.split(x, 2, axis=5), tr.ShapeError, r"split: axis 5 is out of range"),
    (lambda x: tr.split(T(1.0), 1), tr.ShapeError, "split: cannot split a 0-d tensor"),
    (lambda x: tr.split(x, 1.5), TypeError, "split: n_or_sizes must be an int"),
    (lambda x: tr.split(x, [1, 1.5]), TypeError, "n_or_sizes"),
    (lambda x: tr.split(x, 2, axis=1.0), TypeError, "split: axis must be an int"),
    (lambda x: tr.cross_entropy(T(1.0), 0), tr.ShapeError, "cross_entropy: logits must have"),
    (lambda x: tr.cross_entropy(x, None), tr.DTypeError, "cross_entropy: targets"),
    (lambda x: tr.nn.Linear(2, 3)(T(1.0)), tr.ShapeError, r"Linear: input \(\)"),
    (lambda x: x ** "a", TypeError, "pow: the exponent must be a real number"),
    (lambda x: x ** (1 + 2j), TypeError, "pow: the exponent"),
    (lambda x: x + "a", tr.DTypeError, "add: cannot make an array from str"),
    (lambda x: "a" * x, tr.DTypeError, "mul: cannot make an array from str"),
    (lambda x: -T([True], dtype=bool), tr.DTypeError, "neg: cannot apply to inputs of dtype bool"),
    (lambda x: T(["a"], dtype=str), tr.DTypeError, "str"),
    (lambda x: tr.nn.Linear(1, 1).load_state_dict(None), TypeError,
     "load_state_dict: expected a dict of arrays, got NoneType"),
    (lambda x: tr.nn.Linear(0, 3), ValueError, "Linear: in_features must be a positive int, got 0"),
    (lambda x: tr.nn.Linear(-1, 3), ValueError, "Linear: in_features must be a positive int"),
    (lambda x: tr.nn.Linear(2, 2.5), TypeError, "Linear: out_features must be a positive int"),
    (lambda x: tr.nn.Embedding(-1, 2), ValueError, "Embedding: num must be a positive int"),
    (lambda x: tr.nn.Embedding(3, True), TypeError, "Embedding: dim must be a positive int"),
    (lambda x: tr.manual_seed(-1), ValueError, "manual_seed: seed must be a non-negative int"),
    (lambda x: tr.manual_seed("a"), TypeError, "manual_seed: seed must be a non-negative int"),
    (lambda x: numpy.sum(x), TypeError, r"numpy.sum does not take Tensors.*t.sum\(\)"),
    (lambda x: numpy.stack([x, x]), TypeError, "numpy.stack does not take Tensors"),
    (lambda x: tr.concat([x, x], axis=5), tr.ShapeError, "concat: axis 5 is out of range"),
    (lambda x: tr.concat([T(1.0), T(2.0)]), tr.ShapeError, "concat: cannot join 0-d tensors"),
    (lambda x: tr.concat(x), TypeError, "concat: takes a list of tensors"),
    (lambda x: tr.stack([x, x], axis=-4), tr.ShapeError, "stack: axis -4 is out of range"),
    (lambda x: tr.softmax(x, axis=2), tr.ShapeError, "softmax: axis 2 is out of range"),
    (lambda x: x[1.5], IndexError, "getitem: an index must be an int"),
    (lambda x: x.sum(axis=1.5), TypeError, "sum: axis must be None, an int or a tuple of ints"),
    (lambda x: x.max(axis=(0, 0)), tr.ShapeError, r"max: axis \(0, 0\) does not fit"),
    (lambda x: T(1.0).sum(axis=0), tr.ShapeError, "sum: axis 0 does not fit a tensor of 0 dims"),
    (lambda x: x.reshape("a"), TypeError, r"reshape: cannot apply to inputs \(3, 4\) with shape"),
    (lambda x: bool(x), ValueError, r"truth value of a tensor of shape \(3, 4\) is ambiguous"),
])
def test_raw_errors_are_named(make, error, words):
    x = T(numpy.ones((3, 4)), requires_grad=True)
    with pytest.raises(error, match=words):
        make(x)


def test_bool_of_one_element_is_its_truth_value():
    assert bool(T(0.0)) is False and bool(T([[2.0]])) is True
    assert not T([0.0])


@pytest.mark.parametrize("data", [None, "1.5"])
def test_the_dtype_error_speaks_english(data):
    with pytest.raises(tr.DTypeError) as info:
        T(data, dtype="float32")
    assert "a array" not in str(info.value) and "cannot make an array" in str(info.value)


@pytest.mark.parametrize("make,words", [
    (lambda: tr.nn.Linear(10 ** 6, 10 ** 6), r"W: a \(1000000, 1000000\) float64 array would need 7.28 TiB"),
    (lambda: tr.nn.Embedding(10 ** 7, 10 ** 6), r"E: a \(10000000, 1000000\).*TiB"),
    (lambda: tr.rnn.ElmanCell(10, 200000), r"\(200000, 200000\).*298 GiB"),
    (lambda: T(numpy.ones((100000, 1))) * T(numpy.ones((1, 100000))), r"mul: .*too large.*74.5 GiB"),
])
def test_absurd_sizes_say_too_large_and_the_size(make, words):
    with pytest.raises(tr.TooLargeError, match=words) as info:
        make()
    assert isinstance(info.value, MemoryError) and isinstance(info.value, ValueError)
    assert "too large" in str(info.value)


def test_load_torch_state_dict_refuses_values_that_overflow_the_cells_dtype():
    cell = tr.rnn.ElmanCell(1, 1, dtype="float16")
    before = cell.torch_state_dict()
    with pytest.raises(tr.DTypeError, match="do not fit in float16.*nothing was changed"):
        cell.load_torch_state_dict({"weight_ih": numpy.ones((1, 1)), "bias_ih": numpy.ones(1),
                                    "weight_hh": numpy.full((1, 1), 1e6), "bias_hh": numpy.ones(1)})
    for key, value in cell.torch_state_dict().items():
        numpy.testing.assert_array_equal(value, before[key])


def test_inputs_on_a_device_are_checked_the_same_way(device):
    with pytest.raises(tr.DTypeError, match="complex"):
        T(numpy.array([1j]), device=device)
    with pytest.raises(tr.DTypeError, match="int8"):
        T([300], dtype="int8", device=device)
    x = T([1.0, 2.0], device=device)
    assert backend.to_numpy((x * numpy.array([2.0, 3.0])).data).tolist() == [2.0, 6.0]
