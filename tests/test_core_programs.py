"""Property tests: random small programs of ops (hypothesis) agree with central finite
differences and, when torch is installed, with PyTorch's forward and backward to 1e-10 (float64).

A program starts from up to three (2, 3) inputs; each instruction applies one op to one or two
earlier values and appends a (2, 3) result, so any instruction may reuse any value.
"""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_rnn as tr

# name, arity, ours, PyTorch's (each maps (2, 3) values to a (2, 3) value)
OPS = [
    ("add", 2, lambda a, b: a + b, lambda a, b: a + b),
    ("sub", 2, lambda a, b: a - b, lambda a, b: a - b),
    ("mul", 2, lambda a, b: a * b, lambda a, b: a * b),
    ("div", 2, lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    ("rdiv", 1, lambda a: 2.0 / (1 + a * a), lambda a: 2.0 / (1 + a * a)),
    ("neg", 1, lambda a: -a, lambda a: -a),
    ("square", 1, lambda a: a ** 2, lambda a: a ** 2),
    ("cube", 1, lambda a: 0.5 * a ** 3, lambda a: 0.5 * a ** 3),
    ("exp", 1, lambda a: (a * 0.5).exp(), lambda a: (a * 0.5).exp()),
    ("log", 1, lambda a: (a * a + 0.5).log(), lambda a: (a * a + 0.5).log()),
    ("tanh", 1, lambda a: a.tanh(), lambda a: a.tanh()),
    ("sigmoid", 1, lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    ("sum-bcast", 2, lambda a, b: a + b.sum(axis=0), lambda a, b: a + b.sum(dim=0)),
    ("mean-bcast", 2, lambda a, b: a * b.mean(axis=1, keepdims=True),
     lambda a, b: a * b.mean(dim=1, keepdim=True)),
    ("max-bcast", 2, lambda a, b: a - b.max(axis=0), lambda a, b: a - b.amax(dim=0)),
    ("matmul", 2, lambda a, b: (a @ b.T) @ a * 0.3, lambda a, b: (a @ b.T) @ a * 0.3),
    ("softmax", 1, lambda a: tr.softmax(a), lambda a: a.softmax(dim=-1)),
    ("log_softmax", 1, lambda a: tr.log_softmax(a, axis=0), lambda a: a.log_softmax(dim=0)),
    ("getitem", 1, lambda a: a[[1, 1]] + a[:, ::-1], lambda a: a[[1, 1]] + a.flip(1)),
    ("reshape", 1, lambda a: a.reshape(3, 2).T, lambda a: a.reshape(3, 2).T),
    ("concat", 2, lambda a, b: tr.concat([a, b], axis=1)[:, 1:4],
     lambda a, b: __import__("torch").cat([a, b], dim=1)[:, 1:4]),
    ("stack", 2, lambda a, b: tr.stack([a, b]).sum(axis=0), lambda a, b: a + b),
]

programs = st.tuples(
    st.integers(1, 3),                                   # number of inputs
    st.lists(st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 99), st.integers(0, 99)),
             min_size=1, max_size=6),                    # (op, first operand, second operand)
    st.integers(0, 2 ** 16),                             # seed of the input values
)


def _run(program, inputs, which):
    """Run the program on ``inputs`` with our ops (which=2) or PyTorch's (which=3)."""
    _, instructions, _ = program
    values = list(inputs)
    for op, i, j in instructions:
        entry = OPS[op]
        args = (values[i % len(values)], values[j % len(values)])[:entry[1]]
        values.append(entry[which](*args))
    return values[-1]


def _arrays(program):
    n_inputs, _, seed = program
    rng = numpy.random.default_rng(seed)
    return [rng.standard_normal((2, 3)) for _ in range(n_inputs)]


@settings(max_examples=60, deadline=None, derandomize=True)  # the same programs on every run
@given(programs)
def test_random_programs_agree_with_finite_differences(program):
    inputs = [tr.Tensor(a, requires_grad=True) for a in _arrays(program)]
    assert tr.gradcheck(lambda *xs: _run(program, xs, 2), inputs, atol=1e-5, rtol=1e-4)


@settings(max_examples=60, deadline=None, derandomize=True)  # the same programs on every run
@given(programs)
def test_random_programs_agree_with_pytorch(program):
    torch = pytest.importorskip("torch")
    arrays = _arrays(program)
    ours = [tr.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, out_t = _run(program, ours, 2), _run(program, theirs, 3)
    numpy.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = numpy.random.default_rng(0).standard_normal(out.shape)
    if not out.requires_grad:  # the program ended on a value that ignores every input
        return
    (out * weights).sum().backward()
    (out_t * torch.tensor(weights)).sum().backward()
    for x, x_t in zip(ours, theirs):
        expected = numpy.zeros(x.shape) if x_t.grad is None else x_t.grad.numpy()
        got = numpy.zeros(x.shape) if x.grad is None else x.grad
        numpy.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
