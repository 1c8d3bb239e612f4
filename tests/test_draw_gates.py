"""tr.draw(view="gates"): the cell state's path (the LSTM's "conveyor belt") and the gates,
read from the recorded graph and the declared roles, never from tensor names."""
import re
import shutil
import subprocess

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.models import build_model
from tinygrad_rnn.draw.api import GraphTooLarge

from cli_support import one_error_line, run_cli
from test_draw_support import WORDS, cluster_blocks, edges, nodes

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def run(cell, T=3, batch=1, seed=0, **options):
    tr.manual_seed(seed)
    rnn = {"lstm": tr.rnn.LSTMCell, "gru": tr.rnn.GRUCell, "elman": tr.rnn.ElmanCell}[cell](4, 3)
    xs = numpy.random.default_rng(seed).standard_normal((T, batch, 4))
    return tr.rnn.unroll(rnn, xs, labels=(WORDS * T)[:T], **options)


def named(ys, name):
    """The recorded tensors called ``name``, in the order they were made (for the test only:
    the view itself never reads names)."""
    return [t for t in tr.topological_order(tr.stack(ys).sum()) if t.name == name]


def column_of(source, nid):
    """The index of the step cluster that declares node ``nid``."""
    for name, (_, block) in cluster_blocks(source).items():
        if re.search(rf"^\s*{nid} \[", block, re.M):
            return int(name.split("_")[1])
    return None


def port_of(label, text):
    """The PORT of the belt cell that holds the first ``text`` (an op symbol)."""
    at = label.index(text)
    return [m.group(1) for m in re.finditer(r'<TD PORT="(\w+)">', label) if m.start() < at][-1]


def belt_edges(source):
    """The thick edges of the belt, (tail, head) in declaration order."""
    return [(a, b) for a, b, attrs in edges(source) if "penwidth=3" in attrs]


def test_lstm_belt_runs_c0_to_cT_in_time_order():
    ys, states = run("lstm", T=4)
    g = tr.draw(ys, view="gates")
    src = g.source
    cs = [s[0] for s in states]                   # c_0 .. c_4, as unroll returned them
    belt = [g.node_ids[c] for c in cs]
    assert belt[0] == belt[1]                     # c_0 is the first cell of step 1's belt
    assert [column_of(src, b) for b in belt[1:]] == [0, 1, 2, 3]
    assert belt_edges(src) == list(zip(belt[1:], belt[2:]))     # one straight line, t -> t+1
    for t in range(1, 5):                         # f_t ⊙ c_{t-1}, then + i_t ⊙ g_t = c_t
        label = nodes(src)[belt[t]]
        assert label.index("&#8857;") < label.index("<B>+</B>")
        assert f"c<SUB>{t}</SUB>" in label
    assert "c<SUB>0</SUB> = 0" in nodes(src)[belt[1]]
    rows = [line for line in src.splitlines() if line.strip().startswith("{rank=same;")]
    assert any(all(f" {b};" in row for b in belt[1:]) for row in rows)     # one row


def test_lstm_gates_enter_their_own_step_at_their_op():
    ys, states = run("lstm", T=3)
    g = tr.draw(ys, view="gates")
    src, ids = g.source, g.node_ids
    into = {(a, b): attrs for a, b, attrs in edges(src)}
    for t, (f, i, gg, o) in enumerate(zip(*(named(ys, n) for n in "figo"))):
        belt = ids[states[t + 1][0]]
        for gate in (f, i, gg, o):
            assert column_of(src, ids[gate]) == t
        port = port_of(nodes(src)[belt], "&#8857;")                     # the ⊙ cell
        assert f"headport={port}" in into[(ids[f], belt)]               # f_t ⊙ c_{t-1}
        product = [b for a, b, _ in edges(src) if a == ids[i]]
        assert product and {a for a, b, _ in edges(src) if b == product[0]} == {ids[i], ids[gg]}
        assert (product[0], belt) in into                                # + i_t ⊙ g_t
        h = ids[states[t + 1][1]]                 # h_t = o_t ⊙ tanh(c_t) branches off
        assert (ids[o], h) in into and column_of(src, h) == t


def test_gates_view_needs_no_tensor_names():
    ys, _ = run("lstm", T=3)
    plain = tr.draw(ys, view="gates").source
    for t in tr.topological_order(tr.stack(ys).sum()):
        t.name = None
    anonymous = tr.draw(ys, view="gates").source
    assert edges(anonymous) == edges(plain)                  # the same picture, other labels
    assert set(nodes(anonymous)) == set(nodes(plain))
    assert "s<SUB>1</SUB>[0]" in anonymous                  # c_1, named by its role


def test_gru_draws_z_times_h_previous_on_the_belt():
    ys, states = run("gru", T=3)
    g = tr.draw(ys, view="gates")
    src, ids = g.source, g.node_ids
    zs, ns = named(ys, "z"), named(ys, "n")
    for t in range(3):
        belt = ids[states[t + 1]]
        label = nodes(src)[belt]
        kept = re.search(r'<TD PORT="(k\d+)">', label)          # z_t ⊙ h_{t-1}: no recorded
        assert kept and 'STYLE="dashed"' in label               # tensor, so drawn dashed
        assert label.index(kept.group(0)) < label.index("<B>+</B>")
        heads = [attrs for a, b, attrs in edges(src) if a == ids[zs[t]] and b == belt]
        assert heads == [f"headport={kept.group(1)}"]
        one_minus = [b for a, b, _ in edges(src) if a == ids[zs[t]] and b != belt]
        assert len(one_minus) == 1 and "1 &#8722;" in nodes(src)[one_minus[0]]
        mix = [b for a, b, _ in edges(src) if a == one_minus[0]][0]
        assert {a for a, b, _ in edges(src) if b == mix} == {one_minus[0], ids[ns[t]]}
    assert belt_edges(src) == [(ids[states[1]], ids[states[2]]), (ids[states[2]], ids[states[3]])]
    key = nodes(src)["key"]
    assert "z<SUB>t</SUB> &#8857; h<SUB>t-1</SUB> + (1 &#8722; z<SUB>t</SUB>) &#8857; " \
        "n<SUB>t</SUB>" in key and "recorded as" in key


def test_gru_written_out_as_the_formula_needs_no_rewrite():
    class FormulaGRU(tr.rnn.GRUCell):
        def R(self, h, x):
            ax_r, ax_z, ax_n = tr.split(x @ self.W_x + self.b_x, 3, axis=-1)
            ah_r, ah_z, ah_n = tr.split(h @ self.W_h + self.b_h, 3, axis=-1)
            z = (ax_z + ah_z).sigmoid()
            n = (ax_n + (ax_r + ah_r).sigmoid() * ah_n).tanh()
            return (1 - z) * n + z * h

    tr.manual_seed(0)
    ys, states = tr.rnn.unroll(FormulaGRU(4, 3), numpy.ones((2, 1, 4)))
    src = tr.draw(ys, view="gates").source
    assert 'STYLE="dashed"' not in src and "recorded as" not in src
    assert len(belt_edges(src)) == 1                        # h_1 -> (⊙ z_2 ... + ) -> h_2


def test_elman_has_no_belt_and_says_so():
    ys, states = run("elman", T=3)
    g = tr.draw(ys, view="gates")
    assert belt_edges(g.source) == []
    assert "no elementwise path" in nodes(g.source)["key"]
    boxes = [a for a, b, attrs in edges(g.source) if b == g.node_ids[states[1]]
             and "dir=back" not in attrs]
    assert [column_of(g.source, b) for b in boxes] == [0]   # s_1 from step 1's W^x W^s b
    nxt = [(a, attrs) for a, b, attrs in edges(g.source) if b == g.node_ids[states[1]]
           and "dir=back" in attrs]                        # s_1 down into step 2's box
    assert nxt and column_of(g.source, nxt[0][0]) == 1


def test_a_students_cell_and_a_hand_written_loop():
    from test_viz_gallery import load_gallery
    tr.manual_seed(0)
    ys, states = tr.rnn.unroll(load_gallery().MemoryCell(4, 3), numpy.ones((3, 1, 4)))
    src = tr.draw(ys, view="gates").source
    assert len(belt_edges(src)) == 2 and "0.5" in src      # memory_t = 0.5 memory_{t-1} + ...
    W = tr.Tensor(numpy.full((2, 2), 0.3), requires_grad=True, name="W")
    s, outs = tr.Tensor(numpy.zeros((1, 2))), []
    with tr.scope("mine", kind="mine"):
        for t in (1, 2, 3):
            with tr.scope(f"t={t}", t=t, label=f"w{t}"):    # nothing declared
                s = 0.9 * s + (s @ W + 1.0).tanh()
            outs.append(s)
    src = tr.draw(outs, view="gates").source
    assert len(belt_edges(src)) == 2
    assert "s<SUB>0</SUB> = 0" in src and "s<SUB>3</SUB>" in src


def test_grad_shows_the_belts_gradient_on_the_heat_scale():
    ys, states = run("lstm", T=4)
    ys[-1].sum().backward()
    g = tr.draw(ys, view="gates", show=("shape", "grad"))
    for c in [s[0] for s in states[1:]]:
        norm = float(numpy.sqrt((c.grad ** 2).sum()))
        assert f"|grad| {norm:.1e}" in nodes(g.source)[g.node_ids[c]]
    assert "heat scale" in nodes(g.source)["heat"]


def test_padded_batch_and_one_step_draw():
    ys, _ = run("lstm", T=3, batch=2, lengths=[3, 2])
    src = tr.draw(ys, view="gates").source
    assert len(belt_edges(src)) == 2 and "mask" in src
    ys, _ = run("lstm", T=1)
    assert belt_edges(tr.draw(ys, view="gates").source) == []


def test_deterministic_and_hooks_apply():
    a = tr.draw(run("lstm")[0], view="gates").source
    ys, states = run("lstm")
    assert tr.draw(ys, view="gates").source == a
    g = tr.draw(ys, view="gates", highlight={states[2][0]: "look"})
    assert "look" in nodes(g.source)[g.node_ids[states[2][0]]]


def test_what_the_view_cannot_draw_is_named():
    with pytest.raises(ValueError, match="view='gates' draws the steps of a recurrent cell"):
        tr.draw(tr.Tensor(numpy.ones(3), requires_grad=True).sum(), view="gates")
    for options in (dict(bidirectional=True), dict(layers=2)):
        root, _ = build_model("lstm", WORDS[:3], **options)
        with pytest.raises(ValueError, match="2 chains share these columns"):
            tr.draw(root, view="gates")
    tr.manual_seed(0)
    bi = tr.rnn.BiRNN(tr.rnn.LSTMCell(4, 3), tr.rnn.GRUCell(4, 3))
    _, (forward, backward) = bi(numpy.ones((3, 1, 4)))
    src = tr.draw(backward[-1], view="gates").source          # one direction: drawn
    assert len(belt_edges(src)) == 2 and 'dir=back' in src


def test_a_long_sequence_is_refused_before_dot_runs():
    ys, _ = run("lstm", T=30)
    with pytest.raises(GraphTooLarge, match="gates view of .* nodes is too large.*view='cells'"):
        tr.draw(ys, view="gates", max_nodes=100)
    assert tr.draw(ys, view="gates").source          # 30 steps: under the default limit


def test_cli_renders_the_gates_view_and_refuses_a_birnn(tmp_path):
    done = run_cli("render", "--cell", "gru", "--view", "gates", "-o", "g.dot", cwd=tmp_path)
    assert done.returncode == 0 and "rnn_gates" in (tmp_path / "g.dot").read_text()
    done = run_cli("render", "--cell", "lstm", "--view", "gates", "--bidirectional", "-o",
                   "b.svg", cwd=tmp_path)
    assert "share these columns" in one_error_line(done, "render")
    assert not (tmp_path / "b.svg").exists()


def _layout(source):
    out = subprocess.run(["dot", "-Tplain"], input=source.encode(), capture_output=True,
                         check=True, timeout=60).stdout.decode()
    return {line.split()[1]: (float(line.split()[2]), float(line.split()[3]))
            for line in out.splitlines() if line.startswith("node ")}


@needs_dot
@pytest.mark.parametrize("cell", ["lstm", "gru", "memory", "backward"])
def test_layout_belt_left_to_right_on_one_row(cell):
    """In the laid-out picture the belt is straight and runs with time (dot 2.43 turned
    parts of it around, or put s_0 on the wrong side, before the belt was one node a step)."""
    tr.manual_seed(0)
    xs = numpy.random.default_rng(0).standard_normal((4, 1, 4))
    if cell == "memory":
        from test_viz_gallery import load_gallery
        ys, states = tr.rnn.unroll(load_gallery().MemoryCell(4, 3), xs, labels=WORDS[:4])
    elif cell == "backward":
        bi = tr.rnn.BiRNN(tr.rnn.LSTMCell(4, 3), tr.rnn.GRUCell(4, 3))
        _, (_, states) = bi(xs, labels=WORDS[:4])
        ys = states[-1]
    else:
        ys, states = run(cell, T=4)
    g = tr.draw(ys, view="gates")
    where = _layout(g.source)
    parts = [s[0] if isinstance(s, tuple) else s for s in states[1:]]
    xs_, ys_ = zip(*(where[g.node_ids[p]] for p in parts))
    assert len(set(ys_)) == 1
    assert list(xs_) == sorted(xs_, reverse=cell == "backward")
    blocks = cluster_blocks(g.source)
    centre = {c: numpy.mean([where[n][0] for n in re.findall(r"^\s*(\w+) \[", b, re.M)])
              for c, (_, b) in blocks.items()}
    order = [centre[f"cluster_{k}"] for k in range(4)]
    assert order == sorted(order)                            # the words left to right
