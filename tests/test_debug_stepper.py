"""The Stepper's events: order, phases, counts, values and gradients against independent
references (hand-written NumPy, Tensor.backward, PyTorch when installed)."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.debug import Stepper


def shared_weight_graph():
    """a = x W, h = tanh(a), b = h W, L = sum(b * b): W is used twice."""
    rng = np.random.default_rng(0)
    x = tr.Tensor(rng.normal(size=(2, 3)), requires_grad=True, name="x")
    W = tr.Tensor(rng.normal(size=(3, 3)) * 0.5, requires_grad=True, name="W")
    a = x @ W
    h = a.tanh()
    h.name = "h"
    b = h @ W
    L = (b * b).sum()
    return x, W, a, h, b, L


def elman_graph(T=4, seed=0):
    tr.manual_seed(seed)
    cell = tr.rnn.ElmanCell(3, 4)
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=(2, 3)) for _ in range(T)]
    words = ["John", "lives", "in", "Salt", "Lake", "City"][:T]
    ys, states = tr.rnn.unroll(cell, xs, labels=words)
    loss = tr.stack(ys).sum()
    return cell, xs, ys, states, loss


def test_forward_then_backward_order_and_counts():
    x, W, a, h, b, L = shared_weight_graph()
    st = Stepper(L)
    phases = [e.phase for e in st.events]
    n_forward = phases.count("forward")
    assert n_forward == 5                              # matmul, tanh, matmul, mul, sum
    assert phases == ["forward"] * 5 + ["backward"] * 7  # 5 ops + the leaves x and W
    ops = [e.op for e in st.events[:5]]
    assert ops == ["matmul", "tanh", "matmul", "mul", "sum"]
    assert [e.node for e in st.events[:3]] == [a, h, b]
    # every node comes after its inputs; backward visits op nodes in reverse forward order
    seen = set()
    for e in st.events[:5]:
        assert all(i in seen or i.op is None for i in e.inputs)
        seen.add(e.node)
    backward_ops = [e.node for e in st.events[5:] if e.op is not None]
    assert backward_ops == [e.node for e in reversed(st.events[:5])]
    assert {e.node for e in st.events[5:] if e.op is None} == {x, W}
    assert st.events[0].inputs == (x, W) and st.events[3].inputs == (b, b)


def test_forward_values_are_the_real_values():
    x, W, a, h, b, L = shared_weight_graph()
    xn, Wn = x.data.copy(), W.data.copy()
    an = xn @ Wn
    hn = np.tanh(an)
    bn = hn @ Wn
    expected = [an, hn, bn, bn * bn, (bn * bn).sum()]
    st = Stepper(L)
    for e, want in zip(st.events[:5], expected):
        assert e.grad is None
        assert np.allclose(e.value, want, rtol=1e-12, atol=1e-12)


def test_gradients_equal_backward_and_no_grad_changes():
    x, W, a, h, b, L = shared_weight_graph()
    st = Stepper(L)
    for t in (x, W, a, h, b, L):
        assert t.grad is None                          # the Stepper touched no .grad
    grads = {e.node: e.grad for e in st.events if e.phase == "backward"}
    # hand-written NumPy: dL/db = 2b; dL/dW = h^T dL/db + x^T (dL/db W^T (1 - h^2))
    xn, Wn = x.data, W.data
    hn = np.tanh(xn @ Wn)
    db = 2 * (hn @ Wn)
    da = (db @ Wn.T) * (1 - hn ** 2)
    assert np.allclose(grads[W], hn.T @ db + xn.T @ da, rtol=1e-10)
    assert np.allclose(grads[x], da @ Wn.T, rtol=1e-10)
    L.backward()
    for node, g in grads.items():
        assert np.allclose(g, node.grad, rtol=1e-12, atol=1e-14)


def test_shared_weight_accumulation_is_shown():
    x, W, a, h, b, L = shared_weight_graph()
    st = Stepper(L)
    w_event = next(e for e in st.events if e.phase == "backward" and e.node is W)
    assert len(w_event.contributions) == 2             # one partial gradient per use of W
    senders = [c for c, _ in w_event.contributions]
    assert senders == [b, a]                           # b = h W runs backward first
    assert np.allclose(sum(g for _, g in w_event.contributions), w_event.grad)
    # the second use sends its partial and shows what it was added to
    a_event = next(e for e in st.events if e.phase == "backward" and e.node is a)
    send = next(s for s in a_event.sends if s.input is W)
    assert send.before is not None
    assert np.allclose(send.before + send.partial, send.total)
    assert np.allclose(send.total, w_event.grad)
    mul_event = next(e for e in st.events if e.phase == "backward" and e.op == "mul")
    assert len(mul_event.sends) == 2 and mul_event.sends[0].before is None  # b * b: b twice
    assert np.allclose(mul_event.sends[1].total, 2 * mul_event.sends[0].partial)


def test_unrolled_elman_gradients_match_backward_and_torch():
    cell, xs, ys, states, loss = elman_graph()
    st = Stepper(loss)
    grads = {e.node: e.grad for e in st.events if e.phase == "backward"}
    loss.backward()
    for p in cell.parameters():
        assert np.allclose(grads[p], p.grad, rtol=1e-12, atol=1e-14)
    for s in states[1:]:
        assert np.allclose(grads[s], s.grad, rtol=1e-12, atol=1e-14)
    torch = pytest.importorskip("torch")
    Wx = torch.tensor(cell.W_x.data, requires_grad=True)
    Ws = torch.tensor(cell.W_s.data, requires_grad=True)
    bt = torch.tensor(cell.b.data, requires_grad=True)
    s = torch.zeros(2, 4, dtype=torch.float64)
    total = 0
    for x in xs:
        s = torch.tanh(torch.tensor(x) @ Wx + s @ Ws + bt)
        total = total + s.sum()
    total.backward()
    assert np.allclose(grads[cell.W_s], Ws.grad.numpy(), rtol=1e-10)
    assert np.allclose(grads[cell.W_x], Wx.grad.numpy(), rtol=1e-10)


def test_replay_is_step_by_step_and_names_are_readable():
    cell, xs, ys, states, loss = elman_graph(T=3)
    st = Stepper(loss)
    forward = [e for e in st.events if e.phase == "forward"]
    ts = [e.t for e in forward if e.t is not None]
    assert ts == sorted(ts)                            # step 1 entirely before step 2
    names = {e.name for e in st.events}
    assert {"s_1", "s_2", "s_3", "W^x", "W^s", "b"} <= names
    assert "matmul@t=2#1" in names
    assert st.node("s_2") is states[2]
    assert st.node("W_x") is cell.W_x                  # W_x finds the parameter W^x
    with pytest.raises(KeyError, match="s_2"):
        st.node("s2")
    s2 = next(e for e in forward if e.name == "s_2")
    assert (s2.t, s2.label, s2.op) == (2, "lives", "tanh")


def test_step_granularity_groups_by_time_step():
    cell, xs, ys, states, loss = elman_graph(T=3)
    fine = Stepper(loss)
    st = Stepper(loss, granularity="step")
    assert [(e.phase, e.node) for g in st.events for e in g.events] == \
        [(e.phase, e.node) for e in fine.events]
    forward_steps = [g.t for g in st.events if g.phase == "forward" and g.t is not None]
    assert forward_steps == [1, 2, 3]
    for g in st.events:
        assert len({(e.phase, e.t) for e in g.events}) == 1
    g2 = st.events[1]
    assert g2.node is states[2] and np.allclose(g2.value, states[2].data)


def test_navigation_is_clamped():
    *_, loss = elman_graph(T=2)
    st = Stepper(loss)
    assert st.index == 0 and len(st) == len(st.events)
    assert st.back().index == 0
    assert st.step(3).index == 3 and st.index == 3
    assert st.back(2).index == 1
    assert st.goto(10 ** 6).index == len(st) - 1
    assert st.step().index == len(st) - 1
    assert st.goto(-5).index == 0
    assert st.event.phase == "forward"


def test_progress_values_and_partial_grads():
    cell, xs, ys, states, loss = elman_graph(T=3)
    st = Stepper(loss)
    assert st.value_of("s_3") is None                  # not computed yet at event 0
    assert st.value_of("W^x") is not None              # leaves are given
    st.run_to(name="s_3")
    assert np.allclose(st.value_of("s_3"), states[3].data)
    st.run_to(phase="backward", op="matmul", t=2)      # W^s has partial sums from t=3, t=2
    grad, parts, done = st.grad_of("W^s")
    assert not done and parts == 2
    st.goto(len(st) - 1)
    grad, parts, done = st.grad_of("W^s")
    loss.backward()
    assert done and parts == 3 and np.allclose(grad, cell.W_s.grad)


def test_bad_arguments():
    x, W, a, h, b, L = shared_weight_graph()
    with pytest.raises(ValueError, match="granularity"):
        Stepper(L, granularity="word")
    with pytest.raises(TypeError, match="Tensor"):
        Stepper([L])
    with pytest.raises(ValueError, match="non-scalar"):
        Stepper(b)
    st = Stepper(b, grad=np.ones(b.shape))
    assert st.events[-1].phase == "backward"
    with pytest.raises(ValueError, match="leaf"):
        Stepper(tr.Tensor([1.0]))


def test_broadcast_and_float32_gradients_match_backward():
    x = tr.Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, dtype="float32",
                  name="x")
    W = tr.Tensor(np.full((3, 2), 0.5), requires_grad=True, name="W")
    c = tr.Tensor([1.0, 2.0], requires_grad=True, name="c")   # broadcast over the batch
    L = ((x @ W).tanh() + c).sum()
    st = Stepper(L)
    grads = {e.node: e.grad for e in st.events if e.phase == "backward"}
    assert np.allclose(grads[c], [2.0, 2.0])                  # summed back to shape (2,)
    L.backward()
    for node, g in grads.items():
        assert g.shape == node.shape and g.dtype == node.grad.dtype
        assert np.allclose(g, node.grad, rtol=1e-6)


# ---- names ------------------------------------------------------------------------------------
def test_step_granularity_backward_names_the_steps_state():
    cell, xs, ys, states, loss = elman_graph(T=3)
    st = Stepper(loss, granularity="step")
    back = [g for g in st.events if g.phase == "backward" and g.t is not None]
    assert [(g.t, g.name) for g in back] == [(3, "s_3"), (2, "s_2"), (1, "s_1")]
    assert back[0].node is states[3] and np.allclose(back[0].grad, np.ones((2, 4)))
    assert st.goto(back[0].index) and "t=3 'in': s_3," in st.summary().splitlines()[0]
    assert "matmul" not in repr(back[0])                 # the finding: matmul@t=3#1
    tr.manual_seed(0)
    ys, lstm_states = tr.rnn.unroll(tr.rnn.LSTMCell(3, 2), xs[:2])
    groups = [g for g in Stepper(tr.stack(ys).sum(), granularity="step").events
              if g.t == 2]
    assert [g.name for g in groups] == ["c_2, h_2"] * 2  # forward and backward
    assert all(g.node is lstm_states[2][1] for g in groups)


def test_birnn_and_stacked_parameters_carry_direction_and_layer():
    tr.manual_seed(0)
    fwd, bwd = tr.rnn.ElmanCell(2, 3), tr.rnn.ElmanCell(2, 3)
    xs = [np.ones((1, 2)) * t for t in range(3)]
    ys, _ = tr.rnn.BiRNN(fwd, bwd)(xs, labels=["a", "b", "c"])
    root = tr.stack(ys).sum()
    names = Stepper(root).names
    assert (names[fwd.W_x], names[bwd.W_x]) == ("forward/W^x", "backward/W^x")
    assert names[bwd.W_s] == "backward/W^s" and not any("#" in names[p] for p in
                                                           fwd.parameters() + bwd.parameters())
    legend = tr.draw(root).source                      # the drawing tells them apart the same
    assert "&#8594;" in legend and "&#8592;" in legend   # way: a direction arrow each
    tr.manual_seed(0)
    layers = [tr.rnn.ElmanCell(2, 3), tr.rnn.ElmanCell(3, 3)]
    ys = tr.rnn.Stacked(layers)(xs)[0]
    st = Stepper(tr.stack(ys).sum())
    assert [st.names[c.W_s] for c in layers] == ["layer=1/W^s", "layer=2/W^s"]
    assert st.node("layer_2_W_s") is layers[1].W_s     # its Python spelling finds it too


def test_long_sequences_are_summarised_never_one_huge_line():
    tr.manual_seed(0)
    cell = tr.rnn.ElmanCell(2, 3)
    ys, states = tr.rnn.unroll(cell, [np.ones((1, 2)) * 0.01] * 600)
    st = Stepper(tr.stack(ys).sum())
    w_s = st.backward_at[cell.W_s]
    st.goto(w_s)
    text = st.summary()
    assert "= sum of 600 partial gradients, from matmul@t=600#2, " in text
    assert "... and 596 more" in text
    stack = st.events[st.forward_at[st.root.inputs[0]]]
    assert len(st.goto(stack.index) and st.summary().splitlines()[0]) < 200
    assert max(len(line) for e in range(len(st)) if st.goto(e)
               for line in st.summary().splitlines()) < 200


# ---- after an optimizer step ------------------------------------------------------------------
def test_a_stepper_never_replays_values_changed_by_an_optimizer_step():
    from tinygrad_rnn.debug.evaluate import evaluate
    cell, xs, ys, states, loss = elman_graph(T=3)
    st = Stepper(loss)
    st.goto(len(st) - 1)
    forward_ws, stepper_grad = cell.W_s.numpy().copy(), st.grad_of("W^s")[0].copy()
    old_wx, old_b = cell.W_x.numpy().copy(), cell.b.numpy().copy()
    loss.backward()
    true_grad = cell.W_s.grad.copy()
    tr.optim.SGD(cell.parameters(), lr=0.5).step()     # W^s changes now
    assert not np.allclose(cell.W_s.numpy(), forward_ws)
    assert np.array_equal(evaluate(st, "W_s"), forward_ws)          # p W_s: the forward's
    assert np.array_equal(st.value_of("W_s"), forward_ws)
    assert np.allclose(st.grad_of("W_s")[0], true_grad) and np.allclose(stepper_grad, true_grad)
    assert np.allclose(evaluate(st, "np.tanh(x_1 @ W_x + b)"), np.tanh(xs[0] @ old_wx + old_b))
    assert np.allclose(evaluate(st, "s_1"), np.tanh(xs[0] @ old_wx + old_b))   # s_0 = 0
    with pytest.raises(tr.StaleValueError, match="Stepper: the tensor W"):
        Stepper(loss)                                   # a new replay is refused


def test_expressions_cannot_change_what_the_replay_shows():
    from tinygrad_rnn.debug.evaluate import evaluate, execute
    cell, xs, ys, states, loss = elman_graph(T=2)
    st = Stepper(loss)
    st.goto(len(st) - 1)
    before = st.value_of("s_1").copy()
    with pytest.raises(ValueError, match="read-only"):
        execute(st, "s_1[0, 0] = 5.0")
    with pytest.raises(ValueError, match="read-only"):
        execute(st, "grad('W_s')[0, 0] = 5.0")
    assert np.array_equal(st.value_of("s_1"), before)
    execute(st, "a = s_1 * 2")
    assert np.allclose(evaluate(st, "a"), 2 * before) and "a" in st.variables
    st.goto(0)
    from tinygrad_rnn.debug.evaluate import NotYet
    with pytest.raises(NotYet, match="s_2 is not computed yet"):
        evaluate(st, "s_2.T")
    with pytest.raises(NameError, match="did you mean s_2"):
        evaluate(st, "s_22 + 1")
