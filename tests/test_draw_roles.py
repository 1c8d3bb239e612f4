"""Structure is declared: unroll records each step's roles on its scope, and the drawings and the
debugger read them, never tensor names. A student's own cell (its own names, unnamed ops, a
state of two parts) is drawn as the built-in cells are, in all three views."""
import gc
import re
import weakref

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.models import build_model

from test_draw_support import WORDS, cluster_blocks, edges, nodes


class TwoPartCell(tr.rnn.RNNCell):
    """What a student writes: a state (memory, out) with names of its own, every op unnamed."""
    state_parts = 2

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.A = self._uniform((input_size, hidden_size), "A")
        self.B = self._uniform((hidden_size, hidden_size), "B")

    def initial_state(self, batch_size):
        return self._zeros(batch_size, "memory"), self._zeros(batch_size, "out")

    def R(self, state, x):
        memory, out = state
        memory = 0.5 * memory + (x @ self.A + out @ self.B).tanh()
        return memory, memory.tanh()

    def O(self, state):
        return state[1] * 2.0


def run(cell, words=WORDS, **kwargs):
    tr.manual_seed(0)
    rng = numpy.random.default_rng(0)
    return tr.rnn.unroll(cell, [rng.standard_normal((1, cell.input_size)) for _ in words],
                         labels=list(words), **kwargs)


def step_scope(tensor):
    return next(s for s in reversed(tensor.scope) if "t" in s.attrs)


# ---- what unroll declares ---------------------------------------------------------------------
def test_unroll_declares_each_steps_roles():
    tr.manual_seed(0)
    cell = tr.rnn.LSTMCell(3, 2)
    X = numpy.random.default_rng(1).standard_normal((3, 2, 3))
    ys, states = tr.rnn.unroll(cell, X, lengths=[3, 2])
    assert step_scope(states[0][0]).role("state") == states[0]          # s_0 = (c_0, h_0)
    for t in (1, 2, 3):
        step = step_scope(ys[t - 1])
        assert step.role("state_in") == states[t - 1]
        assert step.role("state") == states[t]
        assert step.role("y") == (ys[t - 1],)
        (x,) = step.role("x")
        numpy.testing.assert_array_equal(x.numpy(), X[t - 1])
        assert bool(step.role("mask")) == (t == 3)       # only where a sequence has ended
    bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 2), tr.rnn.ElmanCell(3, 2))
    ys, (fwd, bwd) = bi(X[:, :1])
    assert step_scope(ys[0]).role("y") == (ys[0],)                       # [y^f_1 ; y^b_1]
    assert step_scope(fwd[1]).role("x") == step_scope(bwd[3]).role("x")  # one x_1, both read it


def test_patterns_declare_their_losses():
    tr.manual_seed(0)
    model = tr.rnn.Transducer(tr.rnn.ElmanCell(3, 4), 3, vocab_size=7)
    loss = model.loss(numpy.array([[1, 2], [3, 4]]), numpy.array([[0, 1], [2, 0]]))
    assert loss.scope[-1].role("loss") == (loss,)
    terms = [n for n in tr.topological_order(loss) if n.scope and "loss" in n.scope[-1].roles and
             "t" in n.scope[-1].attrs and n.scope[-1].role("loss") == (n,)]
    assert sorted(step_scope(n).attrs["t"] for n in terms) == [1, 2]


def test_roles_hold_no_graph_alive():
    """A scope is referenced by every tensor made in it: its roles must not refer back (the
    graph is freed by reference counting alone, the cycle collector off)."""
    gc.collect()
    gc.disable()
    try:
        ys, states = run(TwoPartCell(4, 3))
        probe = weakref.ref(states[-1][0])
        scope = step_scope(ys[-1])
        del ys, states
        assert probe() is None
        assert scope.role("state") == (None, None)
    finally:
        gc.enable()


def test_a_step_that_returns_no_tensor_is_named():
    class Broken(tr.rnn.ElmanCell):
        def R(self, state, x):
            return state.numpy()
    with pytest.raises(TypeError, match=r"Broken.R must return a Tensor"):
        run(Broken(4, 3))


# ---- the drawing reads roles, not names -------------------------------------------------------
def structure(source):
    """What a picture says about structure, without its labels: edges with their attributes
    (minus xlabels, which name parameters), the node ids of each column, the rows."""
    out = [(a, b, re.sub(r"xlabel=<.*?>(, |$)", "", attrs)) for a, b, attrs in edges(source)]
    blocks = cluster_blocks(source)
    out += [(name, tuple(re.findall(r"^\s*(\w+) \[", text, re.M))) for name, (_, text)
            in blocks.items()]
    return out + [line.strip() for line in source.splitlines() if "rank=same" in line]


def strip_names(root):
    """Every tensor's name gone, except the parameters' (what a drawing may still label)."""
    for node in tr.topological_order(root, requires_grad_only=False):
        if not (node.function is None and node.requires_grad):
            node.name = None


@pytest.mark.parametrize("options", [dict(cell="elman"), dict(cell="lstm"), dict(cell="gru"),
                                     dict(bidirectional=True), dict(layers=2, cell="lstm"),
                                     dict(pattern="acceptor"), dict(pattern="transducer"),
                                     dict(pattern="encoder-decoder", cell="lstm")],
                         ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("view", ["cells", "ops", "rolled"])
def test_the_picture_does_not_change_when_no_tensor_has_a_name(options, view):
    options = dict(options)
    cell = options.pop("cell", "elman")
    root, _ = build_model(cell, WORDS[:4], **options)
    named = tr.draw(root, view=view).source
    strip_names(root)
    assert structure(tr.draw(root, view=view).source) == structure(named)


def test_a_students_cell_draws_like_the_builtin_cells():
    ys, states = run(TwoPartCell(4, 3))
    elman_ys, _ = run(tr.rnn.ElmanCell(4, 3))
    src, ref = tr.draw(ys).source, tr.draw(elman_ys).source
    assert structure(src) == structure(ref)          # s_0 -> s_1 -> ... x_t below, y_t above
    for t in range(1, len(WORDS) + 1):               # the parts, named by their roles
        assert f"(s<SUB>{t}</SUB>[0], s<SUB>{t}</SUB>[1])" in src
    assert "?" not in src
    rolled = tr.draw(ys, view="rolled").source
    assert len([1 for a, b, _ in edges(rolled) if a == b]) == 1


def test_a_students_cell_ops_view_keeps_time_left_to_right():
    ys, states = run(TwoPartCell(4, 3))
    g = tr.draw(ys, view="ops")
    src = g.source
    blocks = cluster_blocks(src)
    assert [title for title, _ in blocks.values()] == \
        [f't={t}  \\"{w}\\"' for t, w in enumerate(WORDS, start=1)]
    # each state part enters the next step through its own junction: 2 per step
    assert src.count("shape=point") == 2 * len(WORDS)
    # the legend sits above the last step's output, not beside s_0 at the far left
    legend_from = [a for a, b, _ in edges(src) if b == "params"]
    last_column = blocks[f"cluster_{len(WORDS) - 1}"][1]
    assert legend_from and f"{legend_from[0]} [" in last_column
    labels = nodes(src)
    assert "memory<SUB>0</SUB>" in labels[g.node_ids[states[0][0]]]
    assert "s<SUB>3</SUB>[1]" in labels[g.node_ids[states[3][1]]]


def test_a_hand_written_loop_without_roles_is_still_one_chain():
    """No roles, no names: a loop the student wrote with tr.scope is grouped from the graph."""
    W = tr.Tensor(numpy.full((2, 2), 0.3), requires_grad=True)
    with tr.scope("mine"):
        s = tr.Tensor(numpy.zeros((1, 2)) + 0.1)
        outs = []
        for t in (1, 2, 3):
            with tr.scope(f"t={t}", t=t):
                s = (s @ W + 1.0).tanh()
                outs.append(s)
    src = tr.draw(outs).source
    chain = [(a, b) for a, b, attrs in edges(src) if "weight=10" in attrs]
    assert len(chain) == 3 and chain[0][0].startswith("init")


# ---- the debugger names by role too -----------------------------------------------------------
def test_debugger_names_a_students_state_by_its_role():
    ys, states = run(TwoPartCell(4, 3), words=WORDS[:3])
    names = tr.debug.Stepper(tr.stack(ys).sum()).names
    assert names[states[2][0]] == "s_2[0]" and names[states[2][1]] == "s_2[1]"
    assert names[states[0][0]] == "memory_0"        # a name given wins
    root, _ = build_model("elman", WORDS[:2], pattern="encoder-decoder")
    names = tr.debug.Stepper(root).names.values()
    assert any(n.startswith("encoder/") for n in names)
    assert any(n.startswith("decoder/") for n in names)
