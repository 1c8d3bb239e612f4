"""Fuzzing ``tr.data``: the vocabulary, padding, batching and every data generator with odd
counts, seeds, fractions, texts and sentences.

The promise is the one ``test_fuzz_api.py`` checks for the core: a valid result, or a named
error (a ``ValueError`` / ``TypeError`` / ``KeyError`` / ``IndexError``, or an error of the
library) whose message names the function that was called; an absurd size is a
``tr.TooLargeError`` that says "too large" and the size asked for. Never an exception from
inside NumPy (``SeedSequence expects int ...``, a ``MemoryError``), never ``AttributeError`` or
``'<=' not supported ...`` from deep inside, and never an endless loop. Valid results are
checked too: as many examples as asked for, and the same seed gives the same data.
Derandomized with few examples: deterministic and quick.
"""
import numpy
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn import data

FUZZ = settings(max_examples=120, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
NAMED = (ValueError, TypeError, KeyError, IndexError)

# counts: small ones (a result is built), absurd ones (refused at once), and wrong types
counts = st.one_of(st.integers(-2, 4), st.just(2 ** 40), st.just(10 ** 15),
                   st.floats(-1, 3), st.booleans(), st.none(), st.text(max_size=2),
                   st.just(numpy.int64(3)))
seeds = st.one_of(st.none(), st.integers(-3, 2 ** 70), st.floats(-1, 3), st.booleans(),
                  st.text(max_size=2), st.just([1, 2]), st.just(numpy.int64(5)))
fractions = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 2),
                      st.none(), st.text(max_size=2), st.booleans())


def promise(where, call):
    """``call()``'s result, or None after a named error mentioning ``where``."""
    try:
        return call()
    except NAMED as exc:
        if isinstance(exc, tr.TooLargeError):
            assert "too large" in str(exc) and where in str(exc), str(exc)
            return None
        kind = type(exc)
        assert kind.__module__ in ("builtins", "tinygrad_rnn.errors"), \
            f"a raw {kind.__module__}.{kind.__name__} escaped: {exc}"
        assert where in str(exc), f"{kind.__name__} does not name {where}: {exc}"
        return None


def check_same_again(result, call):
    """The same arguments give the same data (the generators are seeded)."""
    again = call()
    if isinstance(result, tuple) and isinstance(result[0], numpy.ndarray):
        for a, b in zip(result, again):
            numpy.testing.assert_array_equal(a, b)
    else:
        assert again == result


GENERATORS = {
    "tagged_sentences": lambda n, seed, f: data.tagged_sentences(n, seed=seed, with_place=f),
    "review_sentences": lambda n, seed, f: data.review_sentences(n, seed=seed, contrast=f),
    "ambiguous_sentences": lambda n, seed, f: data.ambiguous_sentences(n, seed=seed,
                                                                       ambiguous=f),
    "adding_problem": lambda n, seed, f: data.adding_problem(n, 4, seed=seed),
    "copy_task": lambda n, seed, f: data.copy_task(n, length=2, delay=3, seed=seed),
}


@FUZZ
@given(name=st.sampled_from(sorted(GENERATORS)), n=counts, seed=seeds, fraction=fractions)
def test_generators(name, n, seed, fraction):
    def call():
        return GENERATORS[name](n, seed, fraction)
    result = promise(name, call)
    if result is None:
        return
    size = len(result[1]) if name in ("adding_problem", "copy_task") else len(result)
    if name == "copy_task":
        size = result[1].shape[1]
    assert size == n
    if seed is not None:
        check_same_again(result, call)


@FUZZ
@given(length=counts, n=counts, seed=seeds)
def test_sizes_of_the_synthetic_tasks(length, n, seed):
    for name, call in (("adding_problem", lambda: data.adding_problem(n, length, seed=seed)),
                       ("copy_task", lambda: data.copy_task(n, length=length, seed=seed)),
                       ("copy_task", lambda: data.copy_task(n, delay=length, seed=seed)),
                       ("copy_task", lambda: data.copy_task(n, n_symbols=length, seed=seed))):
        result = promise(name, call)
        if result is not None:
            assert result[0].shape[1] == n


words = st.one_of(st.text(max_size=4), st.integers(), st.none(), st.floats(), st.just(["x"]))
sentences = st.one_of(st.text(max_size=8), st.lists(words, max_size=4), st.none(),
                      st.integers(), st.just(b"ab"))


@FUZZ
@given(tokens=st.one_of(st.lists(words, max_size=4), st.text(max_size=4), st.none(),
                        st.integers()),
       corpus=st.one_of(st.lists(sentences, max_size=3), st.text(max_size=8), st.none(),
                        st.integers()),
       min_count=counts)
def test_vocab_construction(tokens, corpus, min_count):
    vocab = promise("Vocab", lambda: data.Vocab(tokens))
    if vocab is not None:
        assert all(isinstance(t, str) for t in vocab.itos)
        assert vocab.decode(vocab.encode(list(vocab.itos[2:]))) == list(vocab.itos[2:])
    built = promise("Vocab.build", lambda: data.Vocab.build(corpus, min_count=min_count))
    if built is not None:
        assert all(isinstance(t, str) for t in built.itos)


@FUZZ
@given(sentence=sentences, ids=st.one_of(st.lists(st.one_of(st.integers(-3, 2 ** 70),
                                                            st.floats(), st.text(max_size=1)),
                                                  max_size=4), st.none(), st.integers(-3, 9)))
def test_vocab_encode_decode(sentence, ids):
    vocab = data.Vocab("a b c".split())
    encoded = promise("Vocab", lambda: vocab.encode(sentence))
    if encoded is not None:
        assert all(0 <= i < len(vocab) for i in encoded)
    decoded = promise("Vocab.decode", lambda: vocab.decode(ids))
    if decoded is not None:
        assert all(isinstance(t, str) for t in decoded)


@FUZZ
@given(examples=st.one_of(st.lists(st.integers(), max_size=5), st.none(), st.integers(),
                          st.text(max_size=3)),
       batch_size=counts, seed=seeds)
def test_batches(examples, batch_size, seed):
    out = promise("batches", lambda: data.batches(examples, batch_size, seed=seed))
    if out is not None:
        assert sorted(x for b in out for x in b) == sorted(examples)
        assert all(0 < len(b) <= batch_size for b in out)


@FUZZ
@given(batch_size=counts, text=st.one_of(st.text(max_size=30), st.none(), st.integers(),
                                         st.just(data.CORPUS)))
def test_char_lm_data(batch_size, text):
    out = promise("char_lm_data", lambda: data.char_lm_data(batch_size, text=text))
    if out is not None:
        _, inputs, targets = out
        assert inputs.shape == targets.shape and inputs.shape[1] == batch_size


@FUZZ
@given(sentences_=st.one_of(st.none(), st.integers(), st.text(max_size=3),
                            st.just([(["John", "lives"], ["B-PER", "O"])]),
                            st.just([(["John"], ["B-PER", "O"])]), st.just([5])),
       rate=fractions, seed=seeds)
def test_unknown_names(sentences_, rate, seed):
    out = promise("unknown_names", lambda: data.unknown_names(sentences_, rate, seed=seed))
    if out is not None:
        assert len(out) == len(sentences_)


@FUZZ
@given(text=st.one_of(st.none(), st.integers(), st.text(max_size=20), st.just(data.STORIES)),
       held_out=counts)
def test_split_stories(text, held_out):
    out = promise("split_stories", lambda: data.split_stories(text, held_out=held_out))
    if out is not None:
        train, held = out
        assert train.strip() and held.strip()


@pytest.mark.parametrize("call, error, message", [
    (lambda: data.adding_problem(10 ** 9, 10 ** 9), tr.TooLargeError,
     r"adding_problem: .*\(1000000000, 1000000000, 2\) float64 .* too large"),
    (lambda: data.copy_task(10 ** 12, length=10 ** 6), tr.TooLargeError,
     r"copy_task: .*too large"),
    (lambda: data.tagged_sentences(2 ** 40), tr.TooLargeError,
     r"tagged_sentences: n=1099511627776 sentences .*too large"),
    (lambda: data.adding_problem(2, 4, seed=1.5), TypeError,
     r"adding_problem: seed must be None or an int >= 0, got 1.5 \(float\)"),
    (lambda: data.batches([1, 2], 1, seed="a"), TypeError, r"batches: seed must be"),
    (lambda: data.review_sentences(2, seed=-1), ValueError,
     r"review_sentences: seed must be None or an int >= 0, got -1"),
    (lambda: data.review_sentences(2, contrast="a"), TypeError,
     r"review_sentences: contrast must be a number in \[0, 1\], got 'a'"),
    (lambda: data.unknown_names([], None), TypeError, r"unknown_names: rate must be a number"),
    (lambda: data.Vocab.build(None), TypeError,
     r"Vocab.build: expected a list of sentences, got None"),
    (lambda: data.Vocab.build("John lives"), TypeError,
     r"Vocab.build: expected a list of sentences, got the string 'John lives'"),
    (lambda: data.Vocab([1, 2]), TypeError, r"Vocab: a token must be a string, got 1 \(int\)"),
    (lambda: data.Vocab("abc"), TypeError, r"Vocab: tokens must be a list of strings"),
    (lambda: data.split_stories(None), TypeError, r"split_stories: text must be a string"),
])
def test_cases_the_fuzz_found(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_what_is_still_accepted():
    """Seeds NumPy takes (None, an int, a NumPy int) and whole counts keep working."""
    assert data.adding_problem(2, 4, seed=numpy.int64(3))[0].shape == (4, 2, 2)
    assert len(data.tagged_sentences(numpy.int64(3), seed=None)) == 3
    assert data.Vocab.build(("a b", ["b", "c"])).itos[2:] == ["b", "a", "c"]
    assert data.Vocab(("x", "y")).itos[2:] == ["x", "y"]
