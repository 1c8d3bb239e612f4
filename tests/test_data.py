"""tr.data: Vocab, padding, the named-entity generator, the adding and copy tasks, the corpus."""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import data


# ---- Vocab --------------------------------------------------------------------------------
def test_vocab_specials_first_then_frequency_then_alphabet():
    v = data.Vocab.build(["b a c a", "c a d"])
    # counts: a 3, c 2, b 1, d 1 (ties alphabetical)
    assert v.itos == ["<pad>", "<unk>", "a", "c", "b", "d"]
    assert (v.pad_id, v.unk_id) == (0, 1)
    assert len(v) == 6 and "a" in v and "z" not in v


def test_vocab_encode_decode_and_unknown():
    v = data.Vocab.build([["John", "lives", "in", "Salt", "Lake", "City"]], specials=("<s>",))
    ids = v.encode("John lives in Paris")
    assert ids[-1] == v.unk_id and v["<s>"] == 2
    assert v.decode(ids) == ["John", "lives", "in", "<unk>"]
    assert v.decode([v.pad_id] + ids[:2], join=True) == "John lives"
    assert v.decode([v.pad_id], strip_pad=False) == ["<pad>"]
    with pytest.raises(IndexError, match="outside"):
        v.decode([len(v)])


def test_vocab_without_unknown_token_names_the_token():
    tags = data.Vocab(data.TAGS, pad=None, unk=None)
    assert tags.encode(["O", "B-LOC"]) == [0, 3]
    with pytest.raises(KeyError, match="B-ORG"):
        tags.encode(["B-ORG"])


def test_vocab_build_is_deterministic_and_min_count():
    sents = [w for w, _ in data.tagged_sentences(200, seed=3)]
    assert data.Vocab.build(sents).itos == data.Vocab.build(list(sents)).itos
    rare = data.Vocab.build(sents, min_count=5)
    assert len(rare) < len(data.Vocab.build(sents))


def test_char_vocab_round_trip():
    v = data.char_vocab()
    assert v.pad is None and v.unk is None
    text = "the keeper"
    assert v.decode(v.encode(text), join=True) == text
    assert set(v.itos) == set(data.CORPUS)


# ---- padding and batching -----------------------------------------------------------------
def test_pad_batch_time_first():
    ids, lengths = data.pad_batch([[5, 6, 7], [8], [9, 10]], pad_id=0)
    assert ids.shape == (3, 3) and ids.dtype == numpy.int64
    numpy.testing.assert_array_equal(ids[:, 0], [5, 6, 7])
    numpy.testing.assert_array_equal(ids[:, 1], [8, 0, 0])
    numpy.testing.assert_array_equal(lengths, [3, 1, 2])


def test_pad_batch_rejects_empty():
    with pytest.raises(ValueError, match="sequence 1 is empty"):
        data.pad_batch([[1], []])
    with pytest.raises(ValueError, match="no sequences"):
        data.pad_batch([])


def test_batches_are_seeded_and_complete():
    items = list(range(10))
    a, b = data.batches(items, 4, seed=1), data.batches(items, 4, seed=1)
    assert a == b and [len(x) for x in a] == [4, 4, 2]
    assert sorted(sum(a, [])) == items
    assert data.batches(items, 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


# ---- the named-entity task ----------------------------------------------------------------
def test_tagged_sentences_deterministic_and_lecture_first():
    a, b = data.tagged_sentences(50, seed=7), data.tagged_sentences(50, seed=7)
    assert a == b and a != data.tagged_sentences(50, seed=8)
    assert a[0] == (["John", "lives", "in", "Salt", "Lake", "City"],
                    ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC"])
    assert data.tagged_sentences(3, include_lecture=False)[0] != a[0]


def test_tags_are_valid_bio():
    for words, tags in data.tagged_sentences(300, seed=0):
        assert len(words) == len(tags) > 0
        for prev, tag in zip(["O"] + tags, tags):
            assert tag in data.TAGS
            if tag.startswith("I-"):  # an inside tag continues an entity of the same type
                assert prev in ("B-" + tag[2:], tag)


def test_entities_have_several_words_and_ambiguous_names():
    sents = data.tagged_sentences(500, seed=0)
    locs, per_words, loc_words = [], set(), set()
    for words, tags in sents:
        for w, t in zip(words, tags):
            (per_words if t.endswith("PER") else loc_words if t.endswith("LOC") else set()).add(w)
        for i, t in enumerate(tags):
            if t == "B-LOC":
                n = 1
                while i + n < len(tags) and tags[i + n] == "I-LOC":
                    n += 1
                locs.append(n)
    assert {1, 2, 3} <= set(locs)              # cities of one to three words
    assert {"Austin", "Sydney"} <= per_words & loc_words  # only the context tells
    labels = [data.has_location(t) for _, t in sents]
    assert 0.5 < numpy.mean(labels) < 0.95


# ---- adding problem and copy task ---------------------------------------------------------
def test_adding_problem_shapes_and_targets():
    x, y = data.adding_problem(64, 20, seed=2)
    assert x.shape == (20, 64, 2) and y.shape == (64,)
    markers = x[:, :, 1]
    assert numpy.all(markers.sum(axis=0) == 2)
    assert numpy.all(markers[:10].sum(axis=0) == 1)  # one marker in each half
    numpy.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(axis=0))
    x2, y2 = data.adding_problem(64, 20, seed=2)
    numpy.testing.assert_array_equal(x, x2)
    with pytest.raises(ValueError, match="length"):
        data.adding_problem(3, 1)


def test_copy_task_layout():
    length, delay, symbols = 4, 6, 5
    x, y = data.copy_task(30, length, delay, symbols, seed=1)
    assert x.shape == y.shape == (2 * length + delay, 30) and x.dtype == numpy.int64
    assert numpy.all((x[:length] >= 1) & (x[:length] <= symbols))
    assert numpy.all(x[length + delay - 1] == symbols + 1)           # the delimiter
    assert numpy.all(numpy.delete(x, list(range(length)) + [length + delay - 1], axis=0) == 0)
    numpy.testing.assert_array_equal(y[-length:], x[:length])         # repeat after the delay
    assert numpy.all(y[:-length] == 0)
    with pytest.raises(ValueError, match="delay"):
        data.copy_task(2, 3, 0)


# ---- character corpus ---------------------------------------------------------------------
def test_char_lm_data_streams():
    vocab, inputs, targets = data.char_lm_data(4)
    assert inputs.shape == targets.shape and inputs.shape[1] == 4
    text = data.CORPUS
    n = inputs.shape[0]
    for b in range(4):  # column b is the text from b*n on, and targets are shifted by one
        assert vocab.decode(inputs[:, b], join=True) == text[b * n:(b + 1) * n]
        assert vocab.decode(targets[:, b], join=True) == text[b * n + 1:(b + 1) * n + 1]
    assert len(text.split()) > 300
    with pytest.raises(ValueError, match="too short"):
        data.char_lm_data(10, text="abc")


def test_data_is_exported():
    assert tr.data.Vocab is data.Vocab and callable(tr.data.tagged_sentences)


# ---- bad input: a named error, never a truncated or silently different data set ------------
@pytest.mark.parametrize("call, error, message", [
    (lambda v: v.encode(None), TypeError, "expected a string or a list of tokens, got None"),
    (lambda v: v.encode(5), TypeError, "expected a string or a list of tokens"),
    (lambda v: v.encode([["x"]]), TypeError, r"a token must be a string, got \['x'\] \(list\)"),
    (lambda v: v.encode([7]), TypeError, "a token must be a string, got 7"),
    (lambda v: v.decode([1.5]), ValueError, "ids must be whole numbers, got 1.5 at position 0"),
    (lambda v: v.decode(["a"]), TypeError, r"ids must be integers, got 'a' \(str\)"),
    (lambda v: v.decode([True]), TypeError, r"got True \(bool\)"),
    (lambda v: v.decode([[2, 3], [4]]), TypeError, "flat sequence of integer ids"),
])
def test_vocab_refuses_what_is_not_a_sentence_or_ids(call, error, message):
    v = data.Vocab("a b c".split())
    with pytest.raises(error, match=message):
        call(v)


def test_vocab_still_takes_arrays_and_whole_floats():
    v = data.Vocab("a b c".split())
    assert v.decode(numpy.array([[2, 3], [4, 0]])) == ["a", "b", "c"]
    assert v.decode(numpy.array([2.0, 3.0])) == ["a", "b"] and v.decode(4) == ["c"]
    assert v.encode(numpy.array(["a", "zz"])) == [2, v.unk_id]


@pytest.mark.parametrize("sequences, error, message", [
    ([[1.7, 2.9]], ValueError, "sequence 0: ids must be whole numbers, got 1.7"),
    ([[1], [2, float("nan")]], ValueError, "sequence 1: ids must be whole numbers, got nan"),
    (["abc"], TypeError, "sequence 0: expected a sequence of integer ids, got 'abc'"),
    ([[[1, 2]]], TypeError, r"sequence 0: expected a flat sequence .* \(2-dimensional\)"),
    ([None], TypeError, "sequence 0: expected a sequence of integer ids, got None"),
    ([[2 ** 70]], ValueError, "id 1180591620717411303424 does not fit int64"),
    ([[1, "a"]], TypeError, r"ids must be integers, got 'a' \(str\)"),
    ("abc", TypeError, "expected a list of id sequences, got 'abc'"),
    (5, TypeError, "expected a list of id sequences, got 5"),
])
def test_pad_batch_refuses_what_is_not_ids(sequences, error, message):
    with pytest.raises(error, match=message):
        data.pad_batch(sequences)


def test_pad_batch_keeps_whole_floats_and_refuses_a_float_pad_id():
    ids, _ = data.pad_batch([numpy.array([1.0, 2.0]), [3]])
    numpy.testing.assert_array_equal(ids, [[1, 3], [2, 0]])
    with pytest.raises(ValueError, match="pad_id: ids must be whole numbers"):
        data.pad_batch([[1]], pad_id=0.5)


@pytest.mark.parametrize("call, error, message", [
    (lambda: data.tagged_sentences(2.5), TypeError, r"n must be an int, got 2.5 \(float\)"),
    (lambda: data.tagged_sentences("3"), TypeError, r"n must be an int, got '3' \(str\)"),
    (lambda: data.tagged_sentences(-1), ValueError, "n must be at least 0"),
    (lambda: data.tagged_sentences(3, with_place=1.5), ValueError, r"with_place .* \[0, 1\]"),
    (lambda: data.adding_problem(-1, 5), ValueError, "adding_problem: n must be at least 0"),
    (lambda: data.adding_problem(2, 5.5), TypeError, "length must be an int"),
    (lambda: data.copy_task(2, length=0), ValueError, "copy_task: length must be at least 1"),
    (lambda: data.char_lm_data(0), ValueError, "char_lm_data: batch_size must be at least 1"),
    (lambda: data.char_lm_data(2.0), TypeError, "batch_size must be an int"),
    (lambda: data.batches([1, 2], 1.5), TypeError, "batches: batch_size must be an int"),
])
def test_generators_refuse_counts_that_are_not_ints(call, error, message):
    with pytest.raises(error, match=message):
        call()
