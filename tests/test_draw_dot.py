"""DOT-source tests of tr.draw (no Graphviz needed): columns, words, edge order, loss placement,
parameters as labels, determinism. References are computed from the recorded tensors."""
import subprocess
import sys

import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.models import build_model
from tinygrad_rnn.draw.api import GraphTooLarge

from test_draw_support import WORDS, cluster_blocks, edges, elman, node_with, nodes


def columns(source):
    blocks = cluster_blocks(source)
    return [blocks[f"cluster_{k}"] for k in range(len(blocks)) if f"cluster_{k}" in blocks]


def test_cells_view_one_column_per_word_in_order():
    ys, _ = elman()
    src = tr.draw(ys).source
    cols = columns(src)
    assert [title for title, _ in cols] == [f'\\"{w}\\"' for w in WORDS]
    for t, (_, block) in enumerate(cols, start=1):      # x_t, s_t and y_t in column t
        for name in ("x", "s", "y"):
            assert f"{name}<SUB>{t}</SUB>" in block


def test_cells_view_state_chain_follows_the_recorded_graph():
    ys, states = elman()
    # independent reference: in the recorded graph, s_t reads s_{t-1}
    for t in range(1, len(WORDS)):
        stack, seen, found = [states[t + 1]], set(), False
        while stack:
            n = stack.pop()
            if n is states[t]:
                found = True
                break
            if id(n) in seen or (n.scope and n.scope[-1].attrs.get("t") != t + 1):
                continue
            seen.add(id(n))
            stack.extend(n.inputs)
        assert found
    src = tr.draw(ys).source
    state_ids = [node_with(src, f"s<SUB>{t}</SUB>") for t in range(len(WORDS) + 1)]
    assert all(len(ids) == 1 for ids in state_ids)
    chain = [(a, b) for a, b, attrs in edges(src) if "weight=10" in attrs]
    assert chain == [(state_ids[t][0], state_ids[t + 1][0]) for t in range(len(WORDS))]
    assert "initial state" in nodes(src)[state_ids[0][0]] and "dashed" in src


def test_parameters_are_labels_never_one_node_wired_to_every_step():
    ys, _ = elman(words=[f"w{i}" for i in range(20)])
    src = tr.draw(ys).source
    out_degree = {}
    for a, _, _ in edges(src):
        out_degree[a] = out_degree.get(a, 0) + 1
    assert max(out_degree.values()) <= 2
    assert src.count("W<SUP>x</SUP>") >= 20 and "shared parameters" in src
    ops = tr.draw(ys, view="ops").source
    assert ops.count('style=dashed, color=gray60') == 20 * 3     # W^x, W^s, b at every step


def test_ops_view_draws_every_recorded_op_one_cluster_per_step():
    ys, _ = elman()
    src = tr.draw(ys, view="ops").source
    cols = columns(src)
    assert len(cols) == len(WORDS)
    for t, ((title, block), word) in enumerate(zip(cols, WORDS), start=1):
        assert word in title and f"t={t}" in title
        # Elman: s_t = tanh(x_t W^x + s_{t-1} W^s + b): 2 matmuls, 2 adds, 1 tanh per step
        assert block.count("<B>matmul</B>") == 2 and block.count("<B>tanh</B>") == 1
        assert block.count("<B>add</B>") == 2
    assert src.count('shape=point') == len(WORDS)       # one state junction per step


def test_lstm_gates_are_named_in_the_ops_view():
    root, _ = build_model("lstm", WORDS[:3])
    src = tr.draw(root, view="ops").source
    for t in (1, 2, 3):
        for gate in ("i", "f", "g", "o", "c", "h"):
            assert f">{gate}<SUB>{t}</SUB>" in src


def test_birnn_two_rows_backward_chain_drawn_with_dir_back():
    root, _ = build_model("elman", WORDS, bidirectional=True)
    src = tr.draw(root).source
    back = [(a, b) for a, b, attrs in edges(src) if "dir=back" in attrs]
    assert len(back) == len(WORDS)          # b_1 -> ... -> b_T -> s_{T+1}, all dir=back
    assert back[-1][1].startswith("init")
    assert src.count("&#8592;") >= len(WORDS) and src.count("&#8594;") >= len(WORDS)
    for _, block in columns(src):            # y_t = [y_t^f ; y_t^b] in every column
        assert block.count("concat") == 1


def test_stacked_one_row_per_layer():
    root, _ = build_model("elman", WORDS, layers=3)
    src = tr.draw(root).source
    rows = [line for line in src.splitlines() if "rank=same; init" in line]
    assert len(rows) == 3 and all(line.count("; c") == len(WORDS) for line in rows)


def test_acceptor_loss_only_at_the_end_transducer_loss_at_every_step():
    root, _ = build_model("elman", WORDS, pattern="acceptor")
    cols = columns(tr.draw(root).source)
    assert [block.count("cross_entropy") for _, block in cols] == [0] * 5 + [1]
    root, _ = build_model("elman", WORDS, pattern="transducer")
    src = tr.draw(root).source
    cols = columns(src)
    assert [block.count("cross_entropy") for _, block in cols] == [1] * 6
    total = node_with(src, "stack, sum")
    assert len(total) == 1 and all(total[0] not in block for _, block in cols)


def test_encoder_decoder_columns_encoder_first():
    root, _ = build_model("elman", WORDS[:3], pattern="encoder-decoder")
    titles = [title for title, _ in columns(tr.draw(root).source)]
    assert titles == [f'\\"{w}\\"' for w in WORDS[:3] + ["<s>"] + WORDS[:3]]


def test_grad_show_prints_the_recorded_state_gradients():
    ys, states = elman(words=[f"w{i}" for i in range(8)])
    ys[-1].sum().backward()
    src = tr.draw(ys, show="grad").source
    for t in range(1, 9):
        norm = float(numpy.linalg.norm(states[t].grad))
        label = nodes(src)[node_with(src, f"s<SUB>{t}</SUB>")[0]]
        assert f"|grad| {norm:.1e}" in label
    assert "heat scale" in src


def test_value_show_prints_small_arrays():
    ys, states = elman(words=WORDS[:2])
    src = tr.draw(ys, show=("shape", "value")).source
    first = " ".join(f"{v:+.2f}" for v in states[1].numpy().ravel())
    assert first in nodes(src)[node_with(src, "s<SUB>1</SUB>")[0]]


def test_rolled_view_one_cell_with_a_loop():
    ys, _ = elman()
    src = tr.draw(ys, view="rolled").source
    loops = [(a, b) for a, b, _ in edges(src) if a == b]
    assert len(loops) == 1 and "6 steps: John lives in Salt Lake City" in src
    root, _ = build_model("elman", WORDS, bidirectional=True)
    assert len([1 for a, b, _ in edges(tr.draw(root, view="rolled").source) if a == b]) == 2


def test_deterministic_byte_identical_dot_across_processes():
    code = ("import tinygrad_rnn as tr; from tinygrad_rnn.models import build_model;"
            "r, _ = build_model('lstm', 'John lives in'.split(), pattern='transducer', grad=True);"
            "import sys; sys.stdout.write(tr.draw(r).source + tr.draw(r, view='ops').source)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and b"cluster_2" in runs[0]


def test_large_ops_view_refuses_and_suggests_cells():
    ys, _ = elman(words=[f"w{i}" for i in range(600)])
    with pytest.raises(GraphTooLarge, match="cells"):
        tr.draw(ys, view="ops")
    assert "cluster_599" in tr.draw(ys).source        # the cells view draws it


def test_bad_arguments_raise_clear_errors():
    ys, _ = elman(words=WORDS[:2])
    with pytest.raises(ValueError, match="view"):
        tr.draw(ys, view="cell")
    with pytest.raises(ValueError, match="show"):
        tr.draw(ys, show="gradient")
    with pytest.raises(TypeError, match="Tensor"):
        tr.draw("ys")


def test_hand_built_scopes_are_grouped_like_unroll():
    words = ["a", "b", "c"]
    W = tr.Tensor(numpy.full((2, 2), 0.3), requires_grad=True, name="W^s")
    with tr.scope("elman", kind="elman"):
        s = tr.Tensor(numpy.zeros((1, 2)), name="s")
        outs = []
        for t, w in enumerate(words, start=1):
            with tr.scope(f"t={t}", t=t, label=w):
                s = (s @ W + 1.0).tanh()
                s.name = "s"
                outs.append(s)
    src = tr.draw(outs).source
    assert [title for title, _ in columns(src)] == ['\\"a\\"', '\\"b\\"', '\\"c\\"']
    assert "initial state" in src and src.count("weight=10") == 3
    with pytest.raises(ValueError, match="direction"):
        tr.draw(outs, direction="TB")


def test_a_long_unroll_draws_without_recursion():
    ys, _ = elman(words=[f"w{i}" for i in range(2000)])
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        src = tr.draw(ys).source
    finally:
        sys.setrecursionlimit(limit)
    assert "cluster_1999" in src
