"""Beam search (``tr.rnn.beam_search``, ``EncoderDecoder.generate(beam_size=k)``), checked
against two independent references: exhaustive search over every possible sequence, and
greedy decoding written out by hand. Scores are checked against the teacher-forcing loss."""
import itertools

import numpy
import pytest

import tinygrad_rnn as tr

START, END = 0, 1


def table_step(table):
    """A 'model' given as a table: log P(next | step t, previous token) = table[t, prev]. The
    state is the step number, one row per hypothesis."""
    def step(state, tokens):
        t = state.numpy()[:, 0].astype(int)
        return tr.Tensor(t[:, None] + 1.0), table[t, tokens]
    return step


def random_table(rng, max_len, V):
    logits = rng.standard_normal((max_len, V, V)) * 2
    return tr.rnn.log_softmax(logits.reshape(-1, V)).reshape(max_len, V, V)


def exhaustive(score_of, V, max_len):
    """The best of every sequence the search may return: k < max_len tokens and the end token,
    or max_len tokens without it (none of them the end token)."""
    words = [v for v in range(V) if v != END]
    candidates = [(seq, True) for n in range(max_len) for seq in itertools.product(words, repeat=n)]
    candidates += [(seq, False) for seq in itertools.product(words, repeat=max_len)]
    scored = [(score_of(list(seq), ended), list(seq)) for seq, ended in candidates]
    best = max(score for score, _ in scored)
    return best, [seq for score, seq in scored if numpy.isclose(score, best, rtol=0, atol=1e-12)]


def table_score(table, seq, ended):
    tokens = [START] + seq + ([END] if ended else [])
    return sum(table[t, tokens[t], tokens[t + 1]] for t in range(len(tokens) - 1))


@pytest.mark.parametrize("seed", range(12))
def test_a_beam_as_wide_as_every_sequence_is_exhaustive_search(seed):
    rng = numpy.random.default_rng(seed)
    V, max_len = 4, 3
    table = random_table(rng, max_len, V)
    tokens, score = tr.rnn.beam_search(table_step(table), tr.Tensor([[0.0]]), START, END,
                                       max_len, beam_size=V ** max_len)
    best, argmaxes = exhaustive(lambda seq, ended: table_score(table, seq, ended), V, max_len)
    assert score == pytest.approx(best, abs=1e-12)
    assert tokens in argmaxes
    assert score == pytest.approx(table_score(table, tokens, len(tokens) < max_len), abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_a_beam_of_one_is_greedy_decoding(seed):
    rng = numpy.random.default_rng(seed)
    V, max_len = 5, 6
    table = random_table(rng, max_len, V)
    greedy, previous = [], START
    for t in range(max_len):                     # greedy decoding, by hand
        previous = int(numpy.argmax(table[t, previous]))
        if previous == END:
            break
        greedy.append(previous)
    tokens, score = tr.rnn.beam_search(table_step(table), tr.Tensor([[0.0]]), START, END,
                                       max_len, beam_size=1)
    assert tokens == greedy
    assert score == pytest.approx(table_score(table, greedy, len(greedy) < max_len), abs=1e-12)


def test_beam_search_finds_the_sequence_that_greedy_decoding_misses():
    # Step 1: "a" 0.5, "b" 0.4, end 0.1. After "a" no next token is likely (end 0.34); after
    # "b" the end token is 0.9. Greedy takes "a" and ends: 0.5 * 0.34 = 0.17. A beam of two
    # keeps "b" too and finds "b" and the end: 0.4 * 0.9 = 0.36.
    a, b = 2, 3
    probs = numpy.full((2, 4, 4), 1e-9)
    probs[0, START, [END, a, b]] = [0.1, 0.5, 0.4]
    probs[1, a, [END, a, b]] = [0.34, 0.33, 0.33]
    probs[1, b, [END, a, b]] = [0.9, 0.05, 0.05]
    table = numpy.log(probs / probs.sum(axis=-1, keepdims=True))
    greedy, greedy_score = tr.rnn.beam_search(table_step(table), tr.Tensor([[0.0]]), START, END,
                                              2, beam_size=1)
    beam, score = tr.rnn.beam_search(table_step(table), tr.Tensor([[0.0]]), START, END, 2,
                                     beam_size=2)
    assert (greedy, beam) == ([a], [b])
    assert numpy.exp([greedy_score, score]) == pytest.approx([0.5 * 0.34, 0.4 * 0.9], rel=1e-6)


def small_seq2seq(seed=0, vocab=4):
    tr.manual_seed(seed)
    return tr.rnn.EncoderDecoder(tr.rnn.LSTMCell(3, 5), tr.rnn.LSTMCell(3, 5), 5, vocab)


def forced_log_prob(model, src, seq, ended):
    """log P(seq [, end] | src) from teacher forcing (``model.forward`` unrolls the decoder over
    the given tokens): an independent path from the decoder steps that the search takes."""
    tgt_in = numpy.array([START] + seq)[:, None]
    with tr.no_grad():
        logits = model.forward(src, tgt_in)
    targets = seq + [END] if ended else seq
    return sum(float(tr.rnn.log_softmax(logits[t].numpy())[0, token])
               for t, token in enumerate(targets))


@pytest.mark.parametrize("seed", range(4))
def test_generate_with_a_wide_beam_returns_the_most_likely_sequence(seed):
    model, max_len, V = small_seq2seq(seed), 3, 4
    src = numpy.array([[2], [4], [3]])
    (tokens, score), = model.generate(src, max_len, END, START, beam_size=V ** max_len,
                                      return_scores=True)
    best, argmaxes = exhaustive(lambda seq, ended: forced_log_prob(model, src, seq, ended),
                                V, max_len)
    assert score == pytest.approx(best, abs=1e-9)
    assert tokens in argmaxes


def test_the_score_of_a_finished_sequence_is_its_teacher_forcing_loss():
    model = small_seq2seq(1, vocab=6)
    model.output.b.assign(model.output.b.numpy() + 2.0 * (numpy.arange(6) == END))  # ends early
    src = numpy.array([[2], [4], [3]])
    (tokens, score), = model.generate(src, 8, END, START, beam_size=3, return_scores=True)
    assert len(tokens) < 8                       # it ended: the score includes log P(end)
    with tr.no_grad():
        loss = model.loss(src, numpy.array([START] + tokens + [END])[:, None])
    assert score == pytest.approx(-float(loss.numpy()) * (len(tokens) + 1), abs=1e-9)


def test_generate_with_a_beam_of_one_matches_the_scores_of_teacher_forcing():
    model = small_seq2seq(3, vocab=6)
    src = numpy.array([[2, 3], [4, 4], [3, 1]])
    found = model.generate(src, 5, END, START, beam_size=1, return_scores=True)
    assert [tokens for tokens, _ in found] == model.generate(src, 5, END, START)
    for b, (tokens, score) in enumerate(found):
        expected = forced_log_prob(model, src[:, b:b + 1], tokens, len(tokens) < 5)
        assert score == pytest.approx(expected, abs=1e-9)


def test_wider_beams_never_score_worse_here():
    model = small_seq2seq(5, vocab=6)
    src = numpy.array([[2, 3, 1, 4], [4, 4, 2, 2], [3, 1, 0, 4]])
    scores = [[s for _, s in model.generate(src, 4, END, START, beam_size=k, return_scores=True)]
              for k in (1, 2, 4, 6 ** 4)]
    exhaustive_scores = scores[-1]
    for row in scores:
        assert all(s <= best + 1e-12 for s, best in zip(row, exhaustive_scores))


@pytest.mark.parametrize("beam_size", [0, -2, 2.5, True, "3", None])
def test_a_beam_size_that_is_no_positive_int_is_refused_by_name(beam_size):
    model = small_seq2seq()
    with pytest.raises(ValueError, match=r"generate: beam_size must be a positive int"):
        model.generate(numpy.array([[2]]), 3, END, START, beam_size=beam_size)
    with pytest.raises(ValueError, match=r"beam_search: beam_size must be a positive int"):
        tr.rnn.beam_search(table_step(numpy.zeros((3, 2, 2))), tr.Tensor([[0.0]]), START, END,
                           3, beam_size=beam_size)


def test_a_beam_that_could_never_fit_in_memory_is_refused_before_the_search_grows():
    model = small_seq2seq(vocab=6)
    with pytest.raises(tr.TooLargeError, match=r"beam_search: beam_size=10+ .* too large for "
                                               r"this machine's memory"):
        model.generate(numpy.array([[2]]), 40, END, START, beam_size=10 ** 12)
    # a huge beam on a problem with few possible sequences is exhaustive search, and fine
    assert model.generate(numpy.array([[2]]), 3, END, START, beam_size=10 ** 12) == \
        model.generate(numpy.array([[2]]), 3, END, START, beam_size=6 ** 3)
