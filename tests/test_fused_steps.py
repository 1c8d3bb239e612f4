"""Training mode (``fused=True``): each step of a built-in cell is one node, and every number is
the one teaching mode gives (1e-10, float64) on every test device; gradchecked; inputs shared
without copies; a cell without a fused step says so and runs op by op."""
import warnings

import numpy
import pytest

import tinygrad_rnn as tr

TOL = 1e-10
CELLS = {"elman": lambda: tr.rnn.ElmanCell(3, 4), "relu": lambda: tr.rnn.ElmanCell(3, 4, "relu"),
         "lstm": lambda: tr.rnn.LSTMCell(3, 4), "gru": lambda: tr.rnn.GRUCell(3, 4)}
STEP_OPS = {"elman": "elman_step", "relu": "elman_step", "lstm": "lstm_step", "gru": "gru_step"}


def make_cell(kind, device):
    tr.manual_seed(5)
    return CELLS[kind]().to(device)


def run(cell, xs, fused, state=None, lengths=None, weights=None):
    """Outputs, final state and every gradient (parameters, inputs, initial state), as NumPy."""
    cell.zero_grad()
    for x in xs if isinstance(xs, list) else [xs]:
        x.zero_grad()
    ys, states = tr.rnn.unroll(cell, xs, state=state, lengths=lengths, fused=fused)
    w = numpy.random.default_rng(9).standard_normal((len(ys),) + tuple(ys[0].shape))
    loss = (tr.stack(ys) * tr.Tensor(w, device=cell.device)).sum()
    final = states[-1] if isinstance(states[-1], tuple) else (states[-1],)
    loss = loss + sum((p * p).sum() for p in final)  # dL/ds_T from outside too
    loss.backward()
    out = {"y": tr.stack(ys).numpy(), "loss": loss.numpy()}
    out.update({f"s_T[{k}]": p.numpy() for k, p in enumerate(final)})
    out.update({f"d{name}": p.grad for name, p in cell.named_parameters()})
    for k, x in enumerate(xs if isinstance(xs, list) else [xs]):
        out[f"dx{k}"] = x.grad
    for k, s in enumerate(state if isinstance(state, tuple) else (state,)):
        if isinstance(s, tr.Tensor):
            out[f"ds0[{k}]"] = s.grad
    return {k: tr.Tensor(v).numpy() if v is not None else None for k, v in out.items()}, ys


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert (a[key] is None) == (b[key] is None), key
        if a[key] is not None:
            err = numpy.abs(a[key] - b[key]).max()
            assert err < TOL, f"{key}: teaching and fused differ by {err:.3g}"


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("lengths", [None, [5, 2, 4]])
def test_fused_equals_teaching(kind, lengths, device):
    cell = make_cell(kind, device)
    rng = numpy.random.default_rng(1)
    X = rng.standard_normal((5, 3, 3))
    parts = 2 if kind == "lstm" else 1
    s0 = rng.standard_normal((parts, 3, 4))
    results = []
    for fused in (False, True):
        xs = [tr.Tensor(x, requires_grad=True, device=device) for x in X]
        state = tuple(tr.Tensor(s, requires_grad=True, device=device) for s in s0)
        out, ys = run(cell, xs, fused, state if parts == 2 else state[0], lengths)
        results.append(out)
        assert (ys[0].op == STEP_OPS[kind]) == fused or lengths is not None
    assert_same(*results)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_each_step_is_one_node(kind):
    cell = make_cell(kind, "cpu")
    ys, states = tr.rnn.unroll(cell, numpy.ones((4, 2, 3)), fused=True)
    nodes = tr.topological_order(tr.stack(ys), requires_grad_only=False)
    steps = [t for t in nodes if t.op == STEP_OPS[kind]]
    assert len({id(t.function) for t in steps}) == 4
    final = states[-1]
    if kind == "lstm":  # (c, h): two outputs of one op, no getitem between
        assert final[0].function is final[1].function and final[0].op == "lstm_step"
        assert not any(t.op == "getitem" for t in nodes)
    ops_per_step = {t.op for t in nodes if t.function is not None} - {"stack"}
    assert ops_per_step == {STEP_OPS[kind]}


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_fused_unroll_gradchecks(kind, device):
    cell = make_cell(kind, device)
    rng = numpy.random.default_rng(2)
    x = tr.Tensor(rng.standard_normal((3, 2, 3)), requires_grad=True, device=device)

    def f(x, *params):
        ys, _ = tr.rnn.unroll(cell, x, fused=True)
        return tr.stack(ys)
    assert tr.gradcheck(f, [x] + cell.parameters())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_whole_tensor_that_requires_grad_gets_its_gradient(kind, device):
    cell = make_cell(kind, device)
    X = numpy.random.default_rng(3).standard_normal((4, 2, 3))
    results = []
    for fused in (False, True):
        whole = tr.Tensor(X, requires_grad=True, device=device)
        out, _ = run(cell, whole, fused)
        results.append(out)
    assert_same(*results)


def test_per_step_inputs_share_one_array():
    """x_t of one [T, B, I] tensor or array are read-only views of one array; an array the
    caller keeps is copied once, so reusing it changes nothing."""
    cell = tr.rnn.ElmanCell(3, 4)
    X = tr.Tensor(numpy.random.default_rng(4).standard_normal((5, 2, 3)))
    for fused in (False, True):
        ys, states = tr.rnn.unroll(cell, X, fused=fused)
        xs = [step.role("x")[0] for step in (s.scope[-1] for s in states[1:])]
        assert all(numpy.shares_memory(x.data, X.data) for x in xs)
        assert [x.requires_grad for x in xs] == [False] * 5
    ys, _ = tr.rnn.unroll(cell, X, fused=True)
    xs = [y.inputs[0] for y in ys]
    assert [x.name for x in xs] == ["x"] * 5
    buffer = X.numpy()
    ys, _ = tr.rnn.unroll(cell, buffer, fused=True)
    xs = [y.inputs[0] for y in ys]
    assert not numpy.shares_memory(xs[0].data, buffer)
    whole = xs[0].data.base                     # one copy of the buffer, T views of it
    assert whole is not None and whole.shape == (5, 2, 3)
    assert all(x.data.base is whole for x in xs)
    before = [y.numpy() for y in ys]
    buffer[:] = 7.0                              # the caller reuses the buffer
    loss = tr.stack(ys).sum()
    loss.backward()
    assert all(numpy.array_equal(x.data, X.data[k]) for k, x in enumerate(xs))
    assert all(numpy.array_equal(b, y.numpy()) for b, y in zip(before, ys))
    with pytest.raises(ValueError):
        xs[0].data[0, 0] = 1.0                   # read-only, as every tensor's array


def test_wrong_inputs_are_named_in_training_mode_too():
    cell = tr.rnn.LSTMCell(3, 4)
    with pytest.raises(tr.ShapeError, match="input_size 3"):
        tr.rnn.unroll(cell, numpy.ones((2, 1, 5)), fused=True)
    with pytest.raises(tr.ShapeError, match="hidden_size is 4"):
        tr.rnn.unroll(cell, numpy.ones((2, 1, 3)), state=(numpy.ones((1, 3)),) * 2, fused=True)
    with pytest.raises(TypeError, match="fused must be True, False or None"):
        tr.rnn.unroll(cell, numpy.ones((2, 1, 3)), fused="yes")


class Mine(tr.rnn.RNNCell):
    """A student's cell with names of its own: no fused step."""
    kind = "mine"

    def __init__(self):
        super().__init__(3, 4)
        self.U, self.V = self._uniform((3, 4), "U"), self._uniform((4, 4), "V")

    def initial_state(self, batch_size):
        return self._zeros(batch_size, "q")

    def R(self, state, x):
        return (x @ self.U + state @ self.V).tanh()

    def O(self, state):
        return state


class MyElman(tr.rnn.ElmanCell):
    """A subclass that changes R: the built-in fused step would compute the parent's R."""

    def R(self, state, x):
        return super().R(state, x) * 0.5


class SameElman(tr.rnn.ElmanCell):
    """A subclass that keeps R keeps the fused step."""


@pytest.mark.parametrize("make", [Mine, lambda: MyElman(3, 4)])
def test_a_cell_without_a_fused_step_runs_op_by_op_and_says_so(make):
    tr.manual_seed(1)
    cell = make()
    X = numpy.random.default_rng(5).standard_normal((3, 2, 3))
    with pytest.warns(tr.rnn.NotFusedWarning, match=type(cell).__name__) as caught:
        ys, _ = tr.rnn.unroll(cell, X, fused=True)
    assert caught[0].filename == __file__      # the warning points at the user's line
    assert ys[0].op in ("tanh", "mul")
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # teaching mode asks for nothing: no warning
        ys_teaching, _ = tr.rnn.unroll(cell, X)
    assert all(numpy.array_equal(a.numpy(), b.numpy()) for a, b in zip(ys, ys_teaching))


def test_a_subclass_that_keeps_r_keeps_the_fused_step():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ys, _ = tr.rnn.unroll(SameElman(3, 4), numpy.ones((2, 1, 3)), fused=True)
    assert ys[0].op == "elman_step"


def test_fused_mode_sets_the_default_and_an_explicit_flag_wins():
    cell = tr.rnn.GRUCell(3, 4)
    X = numpy.ones((2, 1, 3))
    assert tr.rnn.unroll(cell, X)[0][0].op == "add"
    with tr.rnn.fused_mode():
        assert tr.rnn.unroll(cell, X)[0][0].op == "gru_step"
        assert tr.rnn.unroll(cell, X, fused=False)[0][0].op == "add"
        with tr.rnn.fused_mode(False):
            assert tr.rnn.unroll(cell, X)[0][0].op == "add"
        assert tr.rnn.unroll(cell, X)[0][0].op == "gru_step"
    assert tr.rnn.unroll(cell, X)[0][0].op == "add"
    with pytest.raises(TypeError, match="fused_mode"):
        with tr.rnn.fused_mode(1):
            pass


def test_a_changed_parameter_is_refused_as_in_teaching_mode():
    cell = tr.rnn.LSTMCell(3, 4)
    ys, _ = tr.rnn.unroll(cell, numpy.ones((3, 1, 3)), fused=True)
    loss = tr.stack(ys).sum()
    cell.W_h.assign(cell.W_h.numpy() * 2)
    with pytest.raises(tr.StaleValueError, match="lstm_step"):
        loss.backward()


def test_training_mode_records_nothing_under_no_grad():
    cell = tr.rnn.LSTMCell(3, 4)
    with tr.no_grad():
        ys, _ = tr.rnn.unroll(cell, numpy.ones((3, 1, 3)), fused=True)
    assert ys[-1].op is None and not ys[-1].requires_grad
    expected, _ = tr.rnn.unroll(cell, numpy.ones((3, 1, 3)))
    assert numpy.abs(ys[-1].numpy() - expected[-1].numpy()).max() < TOL


def test_float32_training_mode_stays_float32():
    cell = tr.rnn.LSTMCell(3, 4, dtype="float32")
    ys, states = tr.rnn.unroll(cell, numpy.ones((3, 2, 3)), fused=True)
    tr.stack(ys).sum().backward()
    assert ys[0].dtype == numpy.float32 and states[-1][0].dtype == numpy.float32
    assert all(p.grad.dtype == numpy.float32 for p in cell.parameters())
