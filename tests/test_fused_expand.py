"""A fused step stays explainable: ``tr.rnn.expand`` gives its ops with their values and inner
gradients; every drawing of a fused graph is the drawing of teaching mode (the same DOT); the
Stepper shows every op of every step with the values and gradients teaching mode shows."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import origin

WORDS = "John lives in Salt Lake City".split()


def build(kind, fused, lengths=None):
    """A model's loss (and what the caller keeps alive), the same numbers in both modes."""
    tr.manual_seed(0)
    rng = numpy.random.default_rng(1)
    if kind in ("elman", "lstm", "gru"):
        cell = {"elman": tr.rnn.ElmanCell, "lstm": tr.rnn.LSTMCell, "gru": tr.rnn.GRUCell}[kind]
        ys, states = tr.rnn.unroll(cell(4, 3), rng.standard_normal((6, 2, 4)), labels=WORDS,
                                   lengths=lengths, fused=fused)
        return tr.stack(ys).sum(), states
    if kind == "birnn":
        net = tr.rnn.BiRNN(tr.rnn.LSTMCell(4, 3), tr.rnn.ElmanCell(4, 2))
        ys, states = net(rng.standard_normal((6, 2, 4)), labels=WORDS, lengths=lengths,
                         fused=fused)
        return tr.stack(ys).sum(), states
    if kind == "stacked":
        net = tr.rnn.Stacked([tr.rnn.GRUCell(4, 3), tr.rnn.LSTMCell(3, 3)])
        ys, states = net(rng.standard_normal((6, 2, 4)), labels=WORDS, lengths=lengths,
                         fused=fused)
        return tr.stack(ys).sum(), states
    if kind == "transducer":  # the final states are dropped: the LSTM's last c_T is gone
        model = tr.rnn.Transducer(tr.rnn.LSTMCell(4, 3), 5, vocab_size=10)
        return model.loss(rng.integers(0, 10, (6, 2)), rng.integers(0, 5, (6, 2)),
                          lengths=lengths, labels=WORDS, fused=fused), None
    model = tr.rnn.EncoderDecoder(tr.rnn.GRUCell(4, 3), tr.rnn.GRUCell(4, 3), 10, 10)
    return model.loss(rng.integers(0, 10, (6, 2)), rng.integers(0, 10, (4, 2)),
                      src_lengths=lengths, src_labels=WORDS, fused=fused), None


KINDS = ["elman", "lstm", "gru", "birnn", "stacked", "transducer", "encdec"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lengths", [None, [6, 4]])
@pytest.mark.parametrize("view,show", [("cells", ("shape",)), ("ops", ("shape",)),
                                       ("rolled", ("shape",)), ("cells", ("shape", "grad")),
                                       ("ops", ("shape", "grad")), ("ops", ("value",))])
def test_every_view_of_a_fused_graph_is_the_teaching_picture(kind, lengths, view, show):
    sources = []
    for fused in (False, True):
        loss, keep = build(kind, fused, lengths)
        loss.backward()
        sources.append(tr.draw(loss, view=view, show=show, max_nodes=10_000).source)
    assert sources[0] == sources[1]


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru", "transducer", "encdec"])
@pytest.mark.parametrize("show", [("shape",), ("shape", "grad")])
def test_the_gates_view_of_a_fused_graph_is_the_teaching_picture(kind, show):
    """The gates view (the state's path) reads the same ops from a fused step as teaching mode
    records (a BiRNN or a stacked RNN is refused by that view in both modes)."""
    sources = []
    for fused in (False, True):
        loss, keep = build(kind, fused)
        loss.backward()
        sources.append(tr.draw(loss, view="gates", show=show).source)
    assert sources[0] == sources[1]
    assert "lstm_step" not in sources[1] and "gru_step" not in sources[1]


def test_drawing_leaves_the_fused_graph_as_it_was():
    loss, states = build("lstm", True)
    loss.backward()
    order = tr.topological_order(loss, requires_grad_only=False)
    before = [(t.op, t.inputs, t.grad, t.origin) for t in order]
    tr.draw(loss, view="ops", show=("grad",))
    tr.debug.Stepper(loss).frame()
    assert [(t.op, t.inputs, t.grad, t.origin) for t in order] == before
    assert tr.topological_order(loss, requires_grad_only=False) == order
    assert {t.op for t in order} >= {"lstm_step"}


def test_expand_gives_the_ops_values_and_gradients_of_teaching_mode():
    teaching, t_states = build("lstm", False)
    teaching.backward()
    fused, f_states = build("lstm", True)
    fused.backward()
    ex = tr.rnn.expand(f_states[3])                    # (c_3, h_3): one lstm_step
    assert ex.step is f_states[3][0].function and ex.outputs == f_states[3]
    step_nodes = [t for t in tr.topological_order(t_states[3], requires_grad_only=False)
                  if t.function is not None and t.scope[-1] is t_states[3][1].scope[-1]]
    assert [t.op for t in ex.nodes] == [t.op for t in step_nodes]
    assert [t.name for t in ex.nodes] == [t.name for t in step_nodes]
    for mine, theirs in zip(ex.nodes, step_nodes):
        assert numpy.abs(mine.numpy() - theirs.numpy()).max() < 1e-12
        assert numpy.abs(ex.grads[mine] - theirs.grad).max() < 1e-10   # inner gradients
        assert mine.grad is ex.grads[mine]
    assert [t.scope[-1] for t in ex.nodes] == [f_states[3][0].scope[-1]] * len(ex.nodes)
    assert set(ex.inputs) == set(f_states[3][0].inputs)
    assert all(t.grad is not None for t in ex.nodes)
    # the graph's own gradients are untouched: c_3's .grad is still what the fused step got
    assert numpy.abs(f_states[3][0].grad - t_states[3][0].grad).max() > 1e-6


def test_expand_names_the_users_line_and_rs_line():
    import sys
    cell = tr.rnn.ElmanCell(2, 3)
    line = sys._getframe().f_lineno + 1
    ys, states = tr.rnn.unroll(cell, numpy.ones((2, 1, 2)), fused=True)
    ex = tr.rnn.expand(ys[1])
    tanh = ex.nodes[-1]
    assert tanh.op == "tanh" and tanh.origin[:3] == (
        __file__, line, "test_expand_names_the_users_line_and_rs_line")
    assert tanh.origin[3].endswith("elman.py") and tanh.origin[5] == "R"
    assert origin.describe(tanh.origin).startswith(f"test_fused_expand.py:{line} in test_")


def test_expand_without_gradients_and_with_given_ones():
    cell = tr.rnn.GRUCell(2, 3)
    ys, _ = tr.rnn.unroll(cell, numpy.ones((2, 1, 2)), fused=True)
    assert tr.rnn.expand(ys[0]).grads == {}           # no backward yet: no inner gradients
    ex = tr.rnn.expand(ys[0], grads=numpy.ones((1, 3)))
    assert numpy.array_equal(ex.grads[ex.replicas[0]], numpy.ones((1, 3)))
    assert tr.rnn.expand(ys[0], grads=False).grads == {}


def test_expand_refuses_what_it_cannot_explain():
    cell = tr.rnn.LSTMCell(2, 3)
    ys, states = tr.rnn.unroll(cell, numpy.ones((2, 1, 2)), fused=True)
    with pytest.raises(ValueError, match="expected an output of a fused step"):
        tr.rnn.expand(tr.stack(ys))
    with pytest.raises(ValueError, match="different ops"):
        tr.rnn.expand((states[1][0], states[2][1]))
    with pytest.raises(ValueError, match="2 outputs"):
        tr.rnn.expand(states[1], grads=(numpy.ones((1, 3)),))
    cell.W_x.assign(cell.W_x.numpy() + 1)               # the step's input changed since
    with pytest.raises(tr.StaleValueError, match="expand"):
        tr.rnn.expand(states[1])


def test_expanded_shows_op_by_op_and_restores():
    loss, states = build("gru", True)
    h = states[2]
    with tr.rnn.expanded(loss) as steps:
        assert h.op == "add" and h.function is not None
        assert len(steps.expansions) == 6
        with steps:                                      # re-entering: the same tensors
            assert h.inputs == steps.expansions[1].nodes[-1].inputs
    assert h.op == "gru_step"


@pytest.mark.parametrize("kind", ["stacked", "transducer", "birnn"])
@pytest.mark.parametrize("lengths", [None, [6, 3]])
def test_the_stepper_shows_every_op_of_a_fused_graph(kind, lengths):
    seen = []
    for fused in (False, True):
        loss, keep = build(kind, fused, lengths)
        st = tr.debug.Stepper(loss)
        events = [(e.phase, e.name, e.op, tuple(st.names[i] for i in e.inputs), e.t,
                   tuple(e.origin)) for e in st.ops]
        arrays = [e.value if e.phase == "forward" else e.grad for e in st.ops]
        texts = [st.goto(i) and st.summary() for i in range(0, len(st), 41)]
        frame = st.goto(len(st) // 2) and st.frame().source
        seen.append((events, arrays, texts, frame))
    (events, arrays, texts, frame), (f_events, f_arrays, f_texts, f_frame) = seen
    assert f_events == events and f_texts == texts and f_frame == frame
    assert max(numpy.abs(a - b).max() for a, b in zip(arrays, f_arrays)) < 1e-10
    assert not any(op in ("lstm_step", "gru_step", "elman_step") for _, _, op, *_ in f_events)


def test_the_stepper_names_and_prints_the_ops_of_a_fused_step():
    import io
    from tinygrad_rnn.debug.repl import Repl
    loss, _ = build("lstm", True)
    st = tr.debug.Stepper(loss, granularity="step")
    st.run_to(t=3)
    assert "c_3 = add(" in st.summary() and "h_3 = mul(" in st.summary()
    out = io.StringIO()
    Repl(tr.debug.Stepper(loss), out=out).script(["p c_3", "q"])
    printed = out.getvalue()
    assert "c_3 = add(mul@t=3" in printed and "rnn/lstm.py" in printed
