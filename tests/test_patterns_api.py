"""Usage patterns: results against hand-written NumPy, padding, greedy decoding, scopes, errors."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import data


def np_elman(cell, xs, lengths=None, s=None):
    """Elman by hand: s_t = tanh(x_t W^x + s_{t-1} W^s + b); outputs zero and the state kept
    after each sequence's end. Returns (ys [T, B, H], final state [B, H])."""
    W_x, W_s, b = cell.W_x.numpy(), cell.W_s.numpy(), cell.b.numpy()
    T, B = xs.shape[:2]
    s = numpy.zeros((B, cell.hidden_size)) if s is None else s
    lengths = numpy.full(B, T) if lengths is None else numpy.asarray(lengths)
    ys = []
    for t in range(T):
        alive = (t < lengths)[:, None]
        new = numpy.tanh(xs[t] @ W_x + s @ W_s + b)
        s = numpy.where(alive, new, s)
        ys.append(numpy.where(alive, new, 0.0))
    return numpy.stack(ys), s


def np_cross_entropy(z, targets, keep):
    """Mean over the kept positions of -log softmax(z)[target]."""
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - numpy.log(numpy.exp(z).sum(axis=-1, keepdims=True))
    picked = numpy.take_along_axis(logp, numpy.where(keep, targets, 0)[..., None], axis=-1)[..., 0]
    return -(picked * keep).sum() / keep.sum()


IDS = numpy.array([[1, 2, 3], [4, 5, 6], [2, 0, 1], [3, 0, 0]])   # [T=4, B=3]
LENGTHS = numpy.array([4, 2, 3])
TARGETS = numpy.array([[0, 1, 2], [1, 1, 0], [2, 0, 1], [0, 0, 0]])


def small_transducer():
    tr.manual_seed(2)
    return tr.rnn.Transducer(tr.rnn.ElmanCell(3, 4), 3, vocab_size=7)


def test_transducer_loss_matches_numpy_with_padding():
    model = small_transducer()
    E, W, b = model.embedding.E.numpy(), model.output.W.numpy(), model.output.b.numpy()
    ys, _ = np_elman(model.rnn, E[IDS], LENGTHS)
    keep = numpy.arange(4)[:, None] < LENGTHS[None, :]
    expected = np_cross_entropy(ys @ W + b, TARGETS, keep)
    assert model.loss(IDS, TARGETS, LENGTHS).item() == pytest.approx(expected, rel=1e-12)
    # padded positions do not matter: other targets there give the same loss
    other = numpy.where(keep, TARGETS, 2)
    assert model.loss(IDS, other, LENGTHS).item() == pytest.approx(expected, rel=1e-12)


def test_transducer_gradients_by_finite_differences():
    model = small_transducer()
    assert tr.gradcheck(lambda *params: model.loss(IDS, TARGETS, LENGTHS), model.parameters())


def test_acceptor_uses_each_sequence_own_last_step():
    for make in (lambda: tr.rnn.ElmanCell(3, 4),
                 lambda: tr.rnn.BiRNN(tr.rnn.ElmanCell(3, 4), tr.rnn.GRUCell(3, 2)),
                 lambda: tr.rnn.Stacked([tr.rnn.LSTMCell(3, 4), tr.rnn.ElmanCell(4, 3)])):
        tr.manual_seed(3)
        model = tr.rnn.Acceptor(make(), 2, vocab_size=7)
        padded = model(IDS, LENGTHS).numpy()
        for b, n in enumerate(LENGTHS):  # the same sequence alone, without padding
            alone = model(IDS[:n, b:b + 1]).numpy()
            numpy.testing.assert_allclose(padded[b:b + 1], alone, rtol=1e-12)


def test_acceptor_matches_numpy():
    tr.manual_seed(4)
    model = tr.rnn.Acceptor(tr.rnn.ElmanCell(3, 4), 2, vocab_size=7)
    _, final = np_elman(model.rnn, model.embedding.E.numpy()[IDS], LENGTHS)
    z = final @ model.output.W.numpy() + model.output.b.numpy()
    labels = numpy.array([1, 0, 1])
    expected = np_cross_entropy(z, labels, numpy.ones(3, dtype=bool))
    assert model.loss(IDS, labels, LENGTHS).item() == pytest.approx(expected, rel=1e-12)
    numpy.testing.assert_array_equal(model.predict(IDS, LENGTHS), z.argmax(axis=-1))


def test_acceptor_birnn_final_output_is_forward_last_and_backward_first():
    tr.manual_seed(5)
    forward, backward = tr.rnn.ElmanCell(3, 4), tr.rnn.ElmanCell(3, 2)
    model = tr.rnn.Acceptor(tr.rnn.BiRNN(forward, backward), 2, vocab_size=7)
    ids = IDS[:, :1]
    x = model.embedding.E.numpy()[ids]
    _, s_forward = np_elman(forward, x)
    _, s_backward = np_elman(backward, x[::-1])
    z = numpy.concatenate([s_forward, s_backward], axis=1) @ model.output.W.numpy()
    numpy.testing.assert_allclose(model(ids).numpy(), z + model.output.b.numpy(), rtol=1e-12)


def test_vector_inputs_without_embedding():
    x, y = data.adding_problem(5, 6, seed=0)
    tr.manual_seed(0)
    model = tr.rnn.Acceptor(tr.rnn.ElmanCell(2, 3), 2)
    assert model.embedding is None and model(x).shape == (5, 2)
    with pytest.raises(tr.ShapeError, match="input_size=2"):
        model(numpy.zeros((6, 5, 3)))  # wrong width
    with pytest.raises(ValueError, match="empty sequence"):
        model(numpy.zeros((0, 5, 2)))


# ---- EncoderDecoder -------------------------------------------------------------------------
def small_seq2seq(hidden=4):
    tr.manual_seed(6)
    return tr.rnn.EncoderDecoder(tr.rnn.ElmanCell(3, hidden), tr.rnn.ElmanCell(2, hidden), 7, 6)


def test_encoder_decoder_teacher_forcing_matches_numpy():
    model = small_seq2seq()
    src, src_lengths = IDS, LENGTHS
    tgt = numpy.array([[1, 1, 1], [3, 4, 5], [2, 5, 4], [0, 2, 2], [0, 0, 2]])  # start .. end
    tgt_lengths = numpy.array([3, 4, 5])
    _, s_n = np_elman(model.encoder.rnn, model.encoder.embedding.E.numpy()[src], src_lengths)
    ys, _ = np_elman(model.decoder.rnn, model.decoder.embedding.E.numpy()[tgt[:-1]],
                     tgt_lengths - 1, s=s_n)  # the decoder reads the true previous tokens
    z = ys @ model.output.W.numpy() + model.output.b.numpy()
    keep = numpy.arange(4)[:, None] < (tgt_lengths - 1)[None, :]
    expected = np_cross_entropy(z, tgt[1:], keep)
    loss = model.loss(src, tgt, src_lengths, tgt_lengths)
    assert loss.item() == pytest.approx(expected, rel=1e-12)


def test_generate_stops_at_the_end_token_or_max_len():
    model = small_seq2seq()
    end, start = 2, 1
    bias = numpy.zeros(model.output.b.shape)
    model.output.W.assign(numpy.zeros(model.output.W.shape))
    bias[end] = 10.0                           # the end token is always the most likely
    model.output.b.assign(bias)
    assert model.generate(IDS, 5, end, start, LENGTHS) == [[], [], []]
    bias[4] = 20.0                             # now token 4, and never the end token
    model.output.b.assign(bias)
    assert model.generate(IDS, 5, end, start, LENGTHS) == [[4] * 5] * 3


def test_generate_feeds_back_its_own_prediction():
    model = small_seq2seq()
    outputs = model.generate(IDS[:, :1], 4, end_token=99, start_token=1)[0]
    # the same steps by hand: s_0 from the encoder, then x_t = E[previous prediction]
    _, s = np_elman(model.encoder.rnn, model.encoder.embedding.E.numpy()[IDS[:, :1]])
    token, expected = 1, []
    for _ in range(4):
        ys, s = np_elman(model.decoder.rnn, model.decoder.embedding.E.numpy()[[[token]]], s=s)
        token = int((ys[0] @ model.output.W.numpy() + model.output.b.numpy()).argmax())
        expected.append(token)
    assert outputs == expected


def test_encoder_decoder_with_birnn_and_lstm_state():
    tr.manual_seed(7)
    encoder = tr.rnn.BiRNN(tr.rnn.LSTMCell(3, 2), tr.rnn.LSTMCell(3, 3))
    model = tr.rnn.EncoderDecoder(encoder, tr.rnn.LSTMCell(2, 5), 7, 6)
    c, h = model.encode(IDS, LENGTHS)
    assert c.shape == h.shape == (3, 5)
    tgt = numpy.array([[1, 1, 1], [3, 4, 5], [2, 2, 2]])
    model.loss(IDS, tgt, LENGTHS).backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(tr.ShapeError, match="does not fit the decoder"):
        tr.rnn.EncoderDecoder(encoder, tr.rnn.LSTMCell(2, 4), 7, 6)
    with pytest.raises(tr.ShapeError, match="does not fit the decoder"):
        tr.rnn.EncoderDecoder(tr.rnn.GRUCell(3, 5), tr.rnn.LSTMCell(2, 5), 7, 6)
    with pytest.raises(TypeError, match="decoder must be a cell"):
        tr.rnn.EncoderDecoder(tr.rnn.GRUCell(3, 5), encoder, 7, 6)


# ---- scopes (what the drawing reads) ---------------------------------------------------------
def paths(root):
    return {tuple(s.name for s in node.scope): node for node in tr.topological_order(root)}


def test_transducer_scopes():
    model = small_transducer()
    words = ["John", "lives", "in", "Utah"]
    loss = model.loss(IDS, TARGETS, LENGTHS, labels=words)
    found = paths(loss)
    assert loss.scope[-1].name == "loss" and loss.name == "L" and len(loss.scope) == 1
    for t in (1, 2, 3, 4):
        for outer in ("embed", "elman", "output", "loss"):
            assert (outer, f"t={t}") in found, (outer, t)
        step = found[("output", f"t={t}")].scope[-1]
        assert step.attrs == {"t": t, "label": words[t - 1], "position": t}
    terms = [n for n in tr.topological_order(loss) if n.name == "L_t"]
    assert sorted(n.scope[-1].attrs["t"] for n in terms) == [1, 2, 3, 4]
    logits = [n for n in tr.topological_order(loss) if n.name == "z_t"]
    assert [n.scope[0].name for n in logits] == ["output"] * 4


def test_acceptor_and_encoder_decoder_scopes():
    tr.manual_seed(0)
    acceptor = tr.rnn.Acceptor(tr.rnn.ElmanCell(3, 4), 2, vocab_size=7)
    loss = acceptor.loss(IDS, [0, 1, 1], LENGTHS)
    assert [s.name for s in loss.scope] == ["loss"]
    assert ("output",) in paths(loss) and ("elman", "t=4") in paths(loss)
    output_names = {n.name for n in tr.topological_order(loss) if n.scope and
                    [x.name for x in n.scope] == ["output"]}
    assert {"y_n", "z"} <= output_names  # y_n: stack + getitem of the padded batch
    unpadded = acceptor.loss(IDS, [0, 1, 1])
    z = unpadded.inputs[0]
    assert z.name == "z" and z.inputs[0].inputs[0].name == "s"  # y_T = s_T keeps its name
    model = small_seq2seq()
    found = paths(model.loss(IDS, IDS[:3] % 6, LENGTHS, [3, 2, 3]))
    for path in [("encoder", "embed", "t=1"), ("encoder", "elman", "t=4"),
                 ("decoder", "embed", "t=2"), ("decoder", "elman", "t=2"),
                 ("decoder", "output", "t=2"), ("loss", "t=2"), ("loss",)]:
        assert path in found, path


def test_transducer_on_device(device):
    tr.manual_seed(0)
    model = tr.rnn.Transducer(tr.rnn.ElmanCell(3, 4, device=device), 3, vocab_size=7)
    loss = model.loss(IDS, TARGETS, LENGTHS)
    loss.backward()
    assert loss.device == device and model.embedding.E.grad is not None
    assert model.predict(IDS, LENGTHS).shape == (4, 3)


# ---- bad input ------------------------------------------------------------------------------
def test_bad_input_errors_name_the_problem():
    model = small_transducer()
    with pytest.raises(ValueError, match="empty sequence"):
        model(numpy.zeros((0, 2), dtype=int))
    with pytest.raises(ValueError, match=r"lengths\[1\] = 5 but the sequence has 4 steps"):
        model(IDS, [4, 5, 1])
    with pytest.raises(ValueError, match=r"lengths\[0\] = 0"):
        model(IDS, [0, 2, 1])
    with pytest.raises(tr.ShapeError, match="2 lengths for a batch of 3"):
        model(IDS, [4, 2])
    with pytest.raises(tr.ShapeError, match="batch size 3"):  # state batch != ids batch
        model(IDS, state=tr.Tensor(numpy.zeros((2, 4))))
    with pytest.raises(tr.ShapeError, match=r"targets have shape \(4, 2\)"):
        model.loss(IDS, TARGETS[:, :2])
    with pytest.raises(TypeError, match="integer token ids"):
        model(IDS + 0.5)
    with pytest.raises(IndexError, match="Embedding"):
        model(IDS + 10)
    with pytest.raises(tr.ShapeError, match="pad_batch"):
        model([[1, 2], [3]])  # ragged
    with pytest.raises(ValueError, match=r"targets\[0, 0\] = -1 is not a class id.*0\.\.2"):
        model.loss(IDS, numpy.full((4, 3), -1))
    with pytest.raises(ValueError, match="3 labels for a sequence of 4"):
        model(IDS, labels=["a", "b", "c"])
    acceptor = tr.rnn.Acceptor(tr.rnn.ElmanCell(3, 4), 2, vocab_size=7)
    with pytest.raises(tr.ShapeError, match="expected \\(3,\\)"):
        acceptor.loss(IDS, [0, 1])
    seq2seq = small_seq2seq()
    with pytest.raises(tr.ShapeError, match="mismatched batch sizes: src has 3"):
        seq2seq.loss(IDS, IDS[:, :2])
    with pytest.raises(ValueError, match="at least 2"):
        seq2seq.loss(IDS, IDS, LENGTHS, [4, 1, 2])


# ---- one rule for class ids, padding by lengths only --------------------------------------
def test_class_ids_follow_one_rule_everywhere():
    """Whole-number floats are ids (1.0 is 1); 1.9 is refused, never truncated to 1."""
    tr.manual_seed(0)
    acceptor = tr.rnn.Acceptor(tr.rnn.ElmanCell(3, 4), 2, vocab_size=7)
    assert acceptor.loss(IDS, [1.0, 0.0, 1.0]).item() == acceptor.loss(IDS, [1, 0, 1]).item()
    with pytest.raises(TypeError, match=r"Acceptor.loss: targets must be integer class ids, "
                                        r"got 1\.9"):
        acceptor.loss(IDS, [1.9, 0.2, 1.0])
    with pytest.raises(ValueError, match=r"targets\[1\] = 2 is not a class id.*0\.\.1"):
        acceptor.loss(IDS, [1, 2, 0])
    model = small_transducer()
    assert model.loss(IDS, TARGETS * 1.0).item() == model.loss(IDS, TARGETS).item()
    with pytest.raises(TypeError, match=r"targets must be integer class ids, got 0\.5"):
        model.loss(IDS, TARGETS + 0.5)


def test_a_target_outside_the_classes_is_an_error_padding_is_said_by_lengths():
    model = small_transducer()
    bad = TARGETS.copy()
    bad[2, 1] = -1                 # once silently ignored
    with pytest.raises(ValueError, match=r"targets\[2, 1\] = -1 is not a class id.*lengths="):
        model.loss(IDS, bad)
    bad[2, 1] = 3
    with pytest.raises(ValueError, match=r"targets\[2, 1\] = 3 .*0\.\.2"):
        model.loss(IDS, bad)
    padded = TARGETS.copy()
    padded[3, 1] = -1              # past sequence 1's end (length 2): not looked at
    assert model.loss(IDS, padded, LENGTHS).item() == model.loss(IDS, TARGETS, LENGTHS).item()
    seq2seq = small_seq2seq()
    with pytest.raises(ValueError, match=r"EncoderDecoder.loss: targets\[0, 0\] = 6"):
        seq2seq.loss(IDS, numpy.array([[1, 1, 1], [6, 0, 0]]))


@pytest.mark.parametrize("max_len", [2.5, None, 0, True, "3"])
def test_generate_refuses_a_max_len_that_is_no_positive_int(max_len):
    with pytest.raises(ValueError, match=r"generate: max_len must be a positive int"):
        small_seq2seq().generate(IDS, max_len, end_token=0, start_token=1)


def test_generate_refuses_a_start_token_outside_the_vocabulary():
    with pytest.raises(ValueError, match=r"start_token = 9 is not a class id"):
        small_seq2seq().generate(IDS, 3, end_token=0, start_token=9)


def test_encoder_decoder_loss_labels_both_sides():
    model = small_seq2seq()
    loss = model.loss(IDS[:, :1], IDS[:3, :1] % 6, src_labels=list("abcd"),
                      tgt_labels=["<s>", "x", "</s>"])
    labels = {}
    for node in tr.topological_order(loss, requires_grad_only=False):
        names = [s.name for s in node.scope]
        step = next((s for s in reversed(node.scope) if "t" in s.attrs), None)
        if step is not None and step.attrs["label"] is not None:
            labels.setdefault(names[0], set()).add((step.attrs["t"], step.attrs["label"]))
    assert {(1, "a"), (4, "d")} <= labels["encoder"]
    assert labels["decoder"] >= {(1, "<s>"), (2, "x")} and labels["loss"] == {(1, "<s>"), (2, "x")}
    with pytest.raises(ValueError, match="2 labels for a sequence of 3"):
        model.loss(IDS[:, :1], IDS[:3, :1] % 6, tgt_labels=["<s>", "x"])
