"""The data sets behind the tutorials' lessons: order-dependent reviews, names that only their
right context decides (with held-out names), and the story corpus with its held-out part.

Labels and tags are checked against an independent reading of each generated sentence, not
against the generator's own bookkeeping.
"""
from collections import Counter

import pytest

from tinygrad_rnn import data
from tinygrad_rnn.data import ambiguous, reviews


# ---- reviews ---------------------------------------------------------------------------
def read_verdict(words):
    """1 if the last clause of a review is positive: its adjective's polarity, flipped by a
    "not" in that clause."""
    clause = words[len(words) - words[::-1].index("but"):] if "but" in words else words
    adjective = next(w for w in clause if w in reviews.POSITIVE + reviews.NEGATIVE)
    return int((adjective in reviews.POSITIVE) != ("not" in clause))


def test_review_labels_are_the_verdict_of_the_last_clause():
    sample = data.review_sentences(500, seed=3)
    assert [label for _, label in sample] == [read_verdict(words) for words, _ in sample]
    contrasting = [w for w, _ in sample if data.has_contrast(w)]
    assert 150 < len(contrasting) < 350          # about half, as asked
    assert sum(label for _, label in sample) in range(200, 301)
    first_clause = [w[:w.index("but")] for w in contrasting]
    assert all(read_verdict(f) != read_verdict(w) for f, w in zip(first_clause, contrasting))


def test_no_single_word_decides_a_review():
    sample = data.review_sentences(2000, seed=0)
    for word in {w for words, _ in sample for w in words}:
        rule = sum((word in words) == bool(label) for words, label in sample) / len(sample)
        assert 0.4 < rule < 0.6, (word, rule)


def test_twins_have_the_same_words_and_opposite_labels():
    sample = data.review_sentences(401, seed=5, twins=True)
    assert len(sample) == 401
    i, pairs = 0, 0
    while i < len(sample):
        words, label = sample[i]
        if data.has_contrast(words):
            twin, twin_label = sample[i + 1]        # never cut off, even at the end
            assert Counter(twin) == Counter(words) and twin != words
            assert twin_label == 1 - label
            pairs, i = pairs + 1, i + 2
        else:
            i += 1
    assert pairs > 50


def test_reviews_are_seeded():
    assert data.review_sentences(50, seed=7) == data.review_sentences(50, seed=7)
    assert data.review_sentences(50, seed=7) != data.review_sentences(50, seed=8)
    assert data.review_sentences(0) == []


@pytest.mark.parametrize("kwargs, named", [
    ({"n": -1}, "n"), ({"n": 2.5}, "n"), ({"n": True}, "n"),
    ({"n": 3, "contrast": 1.5}, "contrast"), ({"n": 3, "negate_rate": -0.1}, "negate_rate"),
])
def test_bad_review_arguments_are_named(kwargs, named):
    with pytest.raises(ValueError, match=f"review_sentences: {named}"):
        data.review_sentences(**kwargs)


# ---- ambiguous names -------------------------------------------------------------------
def matches(frame, words, tags):
    """Whether words/tags are exactly the frame: {P} one B-PER word, {L} a B-LOC word and its
    I-LOC words, anything else that word tagged O."""
    pieces = frame.split()
    if not pieces:
        return not words
    if not words:
        return False
    head, rest = pieces[0], " ".join(pieces[1:])
    if head == "{P}":
        return tags[0] == "B-PER" and matches(rest, words[1:], tags[1:])
    if head == "{L}":
        end = 1
        while end < len(tags) and tags[end] == "I-LOC":
            end += 1
        return tags[0] == "B-LOC" and matches(rest, words[end:], tags[end:])
    return words[0] == head and tags[0] == "O" and matches(rest, words[1:], tags[1:])


def test_an_ambiguous_name_is_tagged_by_the_words_to_its_right():
    sample = data.ambiguous_sentences(400, seed=0)
    positions = Counter()
    for words, tags in sample:
        assert len(words) == len(tags) and set(tags) <= set(data.TAGS)
        for i, w in enumerate(words):
            if w in data.AMBIGUOUS_NAMES:
                positions[i + 1] += 1
                person = any(matches(f, words[i + 1:], tags[i + 1:]) for f in ambiguous.AS_PERSON)
                place = any(matches(f, words[i + 1:], tags[i + 1:]) for f in ambiguous.AS_PLACE)
                assert person != place, words
                assert tags[i] == ("B-PER" if person else "B-LOC"), (words, tags)
    assert set(positions) == {1, 2, 3, 4, 5}          # every position, first to fifth


def test_the_words_before_a_name_do_not_tell_what_it_is():
    """Every beginning occurs before persons and before places, so only the right decides."""
    sample = data.ambiguous_sentences(1500, seed=2)
    seen = {}
    for words, tags in sample:
        i = next(k for k, w in enumerate(words) if w in data.AMBIGUOUS_NAMES) \
            if any(w in data.AMBIGUOUS_NAMES for w in words) else None
        if i is None:
            continue
        prefix = tuple("{P}" if t == "B-PER" else w for w, t in zip(words[:i], tags[:i]))
        seen.setdefault(prefix, set()).add(tags[i])
    assert len(seen) == len(set(ambiguous.PREFIXES))
    assert all(kinds == {"B-PER", "B-LOC"} for kinds in seen.values()), seen


def test_held_out_names_never_occur_in_training():
    train = data.ambiguous_sentences(2000, seed=0)
    held_out = data.ambiguous_sentences(300, seed=1, held_out=True)
    train_words = {w for words, _ in train for w in words}
    held_names = {w for words, tags in held_out for w, t in zip(words, tags) if t != "O"}
    assert held_names and not held_names & train_words
    assert set(data.HELD_OUT_AMBIGUOUS_NAMES) <= held_names
    vocab = data.Vocab.build([w for w, _ in train])
    for words, tags in held_out:
        ids = vocab.encode(words)
        assert all(i == vocab.unk_id for i, t in zip(ids, tags) if t.startswith("B-"))
        assert all(i != vocab.unk_id for i, t in zip(ids, tags) if t == "O")


def test_name_positions_and_unknown_names():
    words, tags = ["yesterday", "Austin", "met", "Charlotte"], ["O", "B-PER", "O", "B-PER"]
    assert data.name_positions(words) == [False, True, False, True]
    assert data.name_positions(words, held_out=False) == [False, True, False, False]
    assert data.name_positions(words, held_out=True) == [False, False, False, True]
    sample = data.ambiguous_sentences(300, seed=4)
    dropped = data.unknown_names(sample, 0.3, seed=1)
    assert [t for _, t in dropped] == [t for _, t in sample]
    changed = [(a, b, t) for (ws, ts), (ds, _) in zip(sample, dropped)
               for a, b, t in zip(ws, ds, ts) if a != b]
    assert all(b == data.UNK and t != "O" for _, b, t in changed)
    names = sum(t != "O" for _, ts in sample for t in ts)
    assert 0.2 < len(changed) / names < 0.4
    assert data.unknown_names(sample, 0.0) == sample
    assert data.unknown_names(sample, 0.3, seed=1) == dropped


@pytest.mark.parametrize("call, named", [
    (lambda: data.ambiguous_sentences(-2), "n"),
    (lambda: data.ambiguous_sentences("5"), "n"),
    (lambda: data.ambiguous_sentences(3, ambiguous=2.0), "ambiguous"),
    (lambda: data.unknown_names([], 1.5), "rate"),
])
def test_bad_ambiguous_arguments_are_named(call, named):
    with pytest.raises(ValueError, match=named):
        call()


def test_ambiguous_sentences_are_seeded():
    assert data.ambiguous_sentences(40, seed=3) == data.ambiguous_sentences(40, seed=3)
    assert data.ambiguous_sentences(40, seed=3) != data.ambiguous_sentences(40, seed=9)


# ---- stories ---------------------------------------------------------------------------
def test_story_split_holds_out_whole_paragraphs_of_known_characters():
    train, held_out = data.split_stories()
    paragraphs = data.STORIES.strip("\n").split("\n\n")
    assert held_out.strip("\n") == "\n\n".join(paragraphs[-2:])
    assert train.strip("\n") == "\n\n".join(paragraphs[:-2])
    assert set(held_out) <= set(train)
    assert len(data.STORIES) > 8000 and len(held_out) > 800
    vocab = data.char_vocab(train)
    _, inputs, _ = data.char_lm_data(4, text=held_out, vocab=vocab)
    assert inputs.shape[1] == 4
    one, rest = data.split_stories(held_out=1)
    assert rest.strip("\n") == paragraphs[-1]


@pytest.mark.parametrize("held_out", [0, -1, 10_000, 1.5, True])
def test_bad_story_split_is_named(held_out):
    with pytest.raises(ValueError, match="split_stories: held_out"):
        data.split_stories(held_out=held_out)


def test_a_text_of_one_paragraph_cannot_be_split():
    with pytest.raises(ValueError, match="1 paragraphs"):
        data.split_stories("just one paragraph\n")
