"""The NaN hunt stops where a non-finite value is first produced and names the op whose forward
or backward produced it (as PyTorch's anomaly mode names PowBackward0), never just the first
node whose value or gradient already holds one."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0 ** -0.5, log(-1)

WORDS = ["John", "lives", "in", "Salt"]


def sqrt_recurrence():
    """s_t = sqrt(s_{t-1} - c_t) + 1 over four words; at t=3 ('in') s_2 - c_3 has a 0, so the
    forward is finite (sqrt(0) = 0) but the backward of pow gives 0 ** -0.5 = inf."""
    s = tr.Tensor([[2.0, 5.0]], requires_grad=True, name="s_0")
    states = [s]
    for t, word in enumerate(WORDS, 1):
        with tr.scope(f"t={t}", t=t, label=word):
            c = s.data[0, 0] if t == 3 else 0.5           # makes s - c exactly 0 at t=3
            s = (s - c) ** 0.5 + 1.0
        states.append(s)
    return s.sum(), states


def test_backward_nan_names_the_op_whose_backward_produced_it():
    loss, states = sqrt_recurrence()
    st = Stepper(loss)
    st.break_at("nan")
    e = st.cont()
    assert e.phase == "backward" and e.op == "pow" and e.t == 3
    assert e.culprit.startswith("the backward of pow at t=3 ('in') produced inf (in dL/dsub@t=3")
    assert np.isfinite(e.grad).all()                   # it received a finite gradient ...
    assert any(np.isinf(s.partial).any() for s in e.sends)   # ... and sent on an inf
    assert "the backward of pow at t=3 ('in') produced inf" in st.where()
    assert "the backward of pow at t=3 ('in') produced inf" in st.summary()
    assert "produced inf" in repr(e) and st.first_nonfinite() is e
    # every later event only passes the inf on: the hunt does not stop there again
    assert st.cont() is None
    later = [ev for ev in st.events[e.index + 1:] if not ev.is_finite()]
    assert later and all(ev.culprit is None for ev in later)


def test_pytorch_anomaly_mode_and_the_stepper_blame_the_same_op():
    """PyTorch's anomaly mode names the backward function whose output held a NaN; the NaN hunt
    names the same op: 0 * d sqrt(x)/dx at x = 0 is 0 * inf = nan, made by pow's backward."""
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.0, 4.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="PowBackward0"):
        with pytest.warns(UserWarning), torch.autograd.detect_anomaly(check_nan=True):
            (x ** 0.5 * torch.tensor([0.0, 1.0], dtype=torch.float64)).sum().backward()
    x = tr.Tensor([0.0, 4.0], requires_grad=True, name="x")
    e = Stepper((x ** 0.5 * np.array([0.0, 1.0])).sum()).first_nonfinite()
    assert e.op == "pow" and e.culprit == "the backward of pow produced nan (in dL/dx)"


def test_forward_nan_names_the_op_that_made_it():
    s = tr.Tensor([[0.5, 2.0]], requires_grad=True, name="s_0")
    for t, word in enumerate(WORDS, 1):
        with tr.scope(f"t={t}", t=t, label=word):
            s = (s * 0.9 + 1.0 - (5.0 if t == 3 else 0.0)).log() + 1.5
    st = Stepper(s.sum())
    e = st.run_to("nan")
    assert (e.phase, e.op, e.t) == ("forward", "log", 3)
    assert e.culprit == "the forward of log at t=3 ('in') produced nan"
    forward_culprits = [ev for ev in st.ops if ev.phase == "forward" and ev.culprit]
    assert forward_culprits == [e]                     # add, later steps: passed on


def test_a_nan_in_the_data_is_blamed_on_the_leaf_where_it_enters():
    tr.manual_seed(1)
    cell = tr.rnn.ElmanCell(2, 3)
    xs = [np.full((1, 2), 0.1 * t) for t in range(1, 5)]
    xs[2][0, 1] = np.nan
    ys, _ = tr.rnn.unroll(cell, xs, labels=WORDS)
    st = Stepper(tr.stack(ys).sum())
    e = st.run_to(nan=True)
    assert (e.op, e.t) == ("matmul", 3)
    assert e.culprit == "x_3 (an input, a leaf) holds nan; the matmul at t=3 ('in') is the " \
                        "first op to read it"
    assert [ev for ev in st.ops if ev.phase == "forward" and ev.culprit] == [e]


def test_a_non_finite_seed_and_an_overflowing_sum():
    y = tr.Tensor([1.0, 2.0], requires_grad=True, name="y") * 3.0
    st = Stepper(y, grad=[np.nan, 1.0])
    e = st.first_nonfinite()
    assert e.phase == "backward" and e.node is y
    assert e.culprit.startswith("the seed gradient dL/dmul#1 holds nan")
    x = tr.Tensor([1e-300], requires_grad=True, name="x")   # x * 1e308 is finite, and so is
    loss = (x * 1e308).sum() + (x * 1e308).sum()            # each partial 1e308; their sum not
    st = Stepper(loss)
    e = st.first_nonfinite()
    assert e.node is x and np.isinf(e.grad).all()
    assert e.culprit == "adding the 2 partial gradients of dL/dx overflowed to inf"
    assert all(np.isfinite(g).all() for _, g in e.contributions)


def test_a_finite_graph_has_no_culprit():
    tr.manual_seed(0)
    ys, _ = tr.rnn.unroll(tr.rnn.LSTMCell(2, 3), [np.ones((1, 2))] * 3)
    st = Stepper(tr.stack(ys).sum())
    assert st.first_nonfinite() is None and all(e.culprit is None for e in st.ops)
    st.break_at("nan")                                 # a question, not a typo: accepted
    assert st.cont() is None and st.index == len(st) - 1
