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
    return logits - numpy.log(numpy.exp(logits).sum(axis=-1, keepdims=True))   # log P


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
    return sum(float(tr.log_softmax(logits[t]).numpy()[0, token])
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


# ---- the trace of a search, and its drawing -------------------------------------------------
WORDS = ["<s>", "</s>", "a", "b"]


def toy_table():
    """The lecture-style example where greedy decoding says "a" (0.17) and a beam of two "b"
    (0.36), with ids <s>=0, </s>=1, a=2, b=3."""
    probs = numpy.full((2, 4, 4), 1e-9)
    probs[0, START, [END, 2, 3]] = [0.1, 0.5, 0.4]
    probs[1, 2, [END, 2, 3]] = [0.34, 0.33, 0.33]
    probs[1, 3, [END, 2, 3]] = [0.9, 0.05, 0.05]
    return numpy.log(probs / probs.sum(axis=-1, keepdims=True))


def traced(beam_size, shown=None, max_len=2):
    trace = tr.rnn.BeamTrace(shown=shown)
    tr.rnn.beam_search(table_step(toy_table()), tr.Tensor([[0.0]]), START, END, max_len,
                       beam_size, trace=trace)
    return trace


def test_the_trace_of_greedy_decoding_keeps_the_runner_up_it_dropped():
    trace = traced(beam_size=1)
    assert [[(prefix, token, status) for prefix, token, _, status in step]
            for step in trace.steps] == [[((), 2, "kept"), ((), 3, "dropped")],
                                         [((2,), END, "ended"), ((2,), 2, "dropped")]]
    assert trace.best == ((2,), True)
    assert trace.stopped == "every sequence in the beam ended"
    assert numpy.exp(trace.steps[0][1][2]) == pytest.approx(0.4)


def test_the_trace_says_why_the_search_stopped():
    assert traced(beam_size=2, shown=0, max_len=5).stopped == "every sequence in the beam ended"
    trace = tr.rnn.BeamTrace(shown=0)
    table = numpy.log(numpy.full((3, 4, 4), 0.25))
    table[:, :, END] = numpy.log(0.7)            # ends first, and nothing open can beat it
    table[:, :, 2:] = numpy.log(0.15)
    tr.rnn.beam_search(table_step(table), tr.Tensor([[0.0]]), START, END, 3, 2, trace=trace)
    assert trace.stopped == "no open sequence can beat the best finished one"
    trace = tr.rnn.BeamTrace()
    never_ends = numpy.log(numpy.full((2, 4, 4), 0.3))
    never_ends[:, :, END] = numpy.log(0.1)
    tr.rnn.beam_search(table_step(never_ends), tr.Tensor([[0.0]]), START, END, 2, 2, trace=trace)
    assert trace.stopped == "max_len=2 tokens" and trace.best[1] is False


def test_the_drawing_shows_every_extension_and_the_answer_in_bold():
    source = traced(beam_size=2).draw(WORDS).source
    boxes = [line for line in source.splitlines() if "[label=<" in line]
    assert len(boxes) == 1 + 4 + 4                # start; 2 kept and 2 dropped at each step
    bold = [line for line in boxes if "<B>" in line]
    assert len(bold) == 3 and all("penwidth=2" in line for line in bold)    # <s>, b, </s>
    assert "P = 0.36" in bold[-1] and "&lt;/s&gt;" in bold[-1]
    assert sum("dashed" in line for line in boxes) == 4
    assert source == traced(beam_size=2).draw(WORDS).source      # deterministic


def test_a_drawn_search_renders(tmp_path):
    pytest.importorskip("graphviz")
    from tinygrad_rnn.draw import write_graph
    from tinygrad_rnn.draw.api import dot_available
    if not dot_available():
        pytest.skip("no dot program")
    path = write_graph(traced(beam_size=2).draw(WORDS), tmp_path / "beam.svg")
    svg = path.read_text() if hasattr(path, "read_text") else open(path).read()
    assert "P = 0.36" in svg and "did not make the" in svg


def test_hostile_words_are_escaped_and_a_huge_search_is_refused():
    words = ['<b>"x', "</TD>&", "a\\", "}; digraph {"]
    source = traced(beam_size=2).draw(words).source
    assert "<b>&quot;x" not in source and "&lt;b&gt;&quot;x" in source
    assert "&lt;/TD&gt;&amp;" in source
    big = tr.rnn.BeamTrace()
    table = random_table(numpy.random.default_rng(0), 12, 40)
    table[:, :, END] = -50.0                     # it never ends: 12 steps of 400 boxes
    tr.rnn.beam_search(table_step(table), tr.Tensor([[0.0]]), START, END, 12, 200, trace=big)
    with pytest.raises(ValueError, match=r"BeamTrace.draw: \d+ boxes \(beam_size=200"):
        big.draw()


def test_generate_hands_back_one_trace_per_sequence():
    model = small_seq2seq(2, vocab=6)
    traces = []
    found = model.generate(numpy.array([[2, 3], [4, 4]]), 4, END, START, beam_size=2,
                           return_scores=True, traces=traces)
    assert len(traces) == 2
    for (tokens, _), trace in zip(found, traces):
        assert trace.best[0] == tuple(tokens) and trace.beam_size == 2


@pytest.mark.parametrize("call, message", [
    (lambda: tr.rnn.BeamTrace().draw(), r"BeamTrace.draw: nothing to draw yet"),
    (lambda: tr.rnn.BeamTrace(shown=-1), r"BeamTrace: shown must be None .* got -1"),
    (lambda: traced(2).draw(words=42), r"BeamTrace.draw: words must be a tr.data.Vocab"),
    (lambda: tr.rnn.beam_search(table_step(toy_table()), tr.Tensor([[0.0]]), START, END, 2, 2,
                                trace=[]), r"beam_search: trace must be a tr.rnn.BeamTrace"),
    (lambda: small_seq2seq().generate(numpy.array([[2]]), 3, END, START, traces=()),
     r"generate: traces must be a list"),
])
def test_misused_traces_are_refused_by_name(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("returned, error, message", [
    (lambda state, tokens: numpy.zeros(4), TypeError, r"step must return \(state, log_probs\)"),
    (lambda state, tokens: (state, numpy.log(numpy.full(4, 0.25))), ValueError,
     r"log_probs must have shape \[N, V\] with N = 1 .* got \(4,\)"),
    (lambda state, tokens: (state, numpy.zeros((1, 0))), ValueError, r"got \(1, 0\)"),
    (lambda state, tokens: (state, numpy.array([[0.5, 2.0, -1.0]])), ValueError,
     r"must be log-probabilities .* tr.log_softmax"),
    (lambda state, tokens: (state, numpy.array([[numpy.nan, -1.0]])), ValueError, r"no NaN"),
    (lambda state, tokens: (state, [["a", "b"]]), TypeError, r"log_probs must be numbers"),
])
def test_a_careless_step_function_gets_an_error_that_says_what_it_returned(returned, error,
                                                                          message):
    with pytest.raises(error, match=r"^beam_search: ") as caught:
        tr.rnn.beam_search(returned, tr.Tensor([[0.0]]), START, END, 3, beam_size=2)
    assert caught.match(message)


def test_a_step_may_return_its_log_probabilities_as_a_tensor():
    table = toy_table()

    def step(state, tokens):
        state, log_p = table_step(table)(state, tokens)
        return state, tr.Tensor(log_p)
    assert tr.rnn.beam_search(step, tr.Tensor([[0.0]]), START, END, 2, beam_size=2)[0] == [3]


@pytest.mark.parametrize("start, end", [("0", END), (START, 1.0), (True, END), (START, None)])
def test_start_and_end_tokens_must_be_token_ids(start, end):
    with pytest.raises(TypeError, match=r"beam_search: (start|end)_token must be one int token id"):
        tr.rnn.beam_search(table_step(toy_table()), tr.Tensor([[0.0]]), start, end, 2)
