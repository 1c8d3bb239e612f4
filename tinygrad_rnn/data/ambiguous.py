"""Tagged sentences in which only the words to the right of a name say what it is.

"Austin lives in Paris" (Austin is a person, B-PER) against "Austin is a big city" (a place,
B-LOC): the name is the same, the words before it tell nothing ("yesterday", "we heard that",
"Mary said that"), and the words after it decide. The name stands at any position from the first
word to the fifth, so a left-to-right tagger cannot learn "first word = person".

Two disjoint sets of names make a held-out split that tests generalisation, not memory:

- ``ambiguous_sentences(n, seed)`` uses the training names;
- ``ambiguous_sentences(n, seed, held_out=True)`` uses names that never occur in training
  (a vocabulary built on the training sentences maps them to ``<unk>``), with the same
  sentence frames, so a tagger can only get them right from their context.

``unknown_names(sentences, rate, seed)`` replaces names by ``<unk>`` at random (word dropout), so
that the ``<unk>`` embedding is trained at all. ``name_positions`` marks the ambiguous names, the
words to score a tagger on.
"""
import numpy

from .checks import SENTENCE_BYTES, fits_in_memory, fraction, seed as check_seed
from .vocab import UNK

# Words that are a first name and also a city. Only their right context tells which.
AMBIGUOUS_NAMES = ("Austin", "Jordan", "Sydney", "Florence", "Victoria", "Regina")
HELD_OUT_AMBIGUOUS_NAMES = ("Charlotte", "Madison", "Eugene", "Adelaide")
# Names that are always one thing (the {P} and {L} slots of the frames).
PEOPLE = ("John", "Mary", "Dana", "Omar", "Lena", "Ravi", "Kofi", "Ines")
HELD_OUT_PEOPLE = ("Yoav", "Mei", "Nadia", "Igor")
PLACES = ("Paris", "Berlin", "Tokyo", "Oslo", "Salt Lake City", "New York")
HELD_OUT_PLACES = ("Lima", "Haifa", "Cape Town", "Buenos Aires")

# Left context that says nothing about the name after it ({P}: a plain person's name).
PREFIXES = ("", "", "yesterday", "we heard that", "{P} said that", "last year",
            "everyone knows that", "I think that", "in the news today")
# Right context: what decides. Both lists use "is", "has" and "was", so no single word after
# the name gives the answer away.
AS_PERSON = ("lives in {L}", "smiled at {P}", "wrote a long letter", "called {P} yesterday",
             "works in {L}", "is my best friend", "was born in {L}", "has two brothers",
             "met {P} in {L}", "is reading a book")
AS_PLACE = ("is a big city", "has many old parks", "lies near the sea", "is sunny in June",
            "welcomed {P}", "hosted the games", "was founded long ago", "has a new airport",
            "is far from {L}", "is where {P} lives")


def _slot(piece, people, places, rng):
    """The words and BIO tags of one frame piece: {P} a person, {L} a place, else a plain word."""
    if piece == "{P}":
        return [people[rng.integers(len(people))]], ["B-PER"]
    if piece == "{L}":
        words = places[rng.integers(len(places))].split()
        return words, ["B-LOC"] + ["I-LOC"] * (len(words) - 1)
    return [piece], ["O"]


def _fill(frame, people, places, rng):
    words, tags = [], []
    for piece in frame.split():
        w, t = _slot(piece, people, places, rng)
        words += w
        tags += t
    return words, tags


def ambiguous_sentences(n, seed=0, held_out=False, ambiguous=0.7):
    """``n`` (words, tags) pairs: a neutral prefix, a name, and the words that decide it.

    A fraction ``ambiguous`` of the sentences name someone or something with an ambiguous name
    (person or city, decided by the continuation, each half the time); the others use a plain
    person or place with a matching continuation. ``held_out=True`` draws every name from the
    held-out lists (never seen in training). The same arguments give the same sentences.
    """
    if not isinstance(n, (int, numpy.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"ambiguous_sentences: n must be a non-negative int, got {n!r}")
    ambiguous = fraction("ambiguous_sentences", "ambiguous", ambiguous)
    rng = numpy.random.default_rng(check_seed("ambiguous_sentences", seed))
    fits_in_memory("ambiguous_sentences", f"n={n} sentences", n * SENTENCE_BYTES)
    names = HELD_OUT_AMBIGUOUS_NAMES if held_out else AMBIGUOUS_NAMES
    people = HELD_OUT_PEOPLE if held_out else PEOPLE
    places = HELD_OUT_PLACES if held_out else PLACES
    result = []
    for _ in range(n):
        words, tags = _fill(PREFIXES[rng.integers(len(PREFIXES))], people, places, rng)
        is_person = rng.random() < 0.5
        if rng.random() < ambiguous:
            name = [names[rng.integers(len(names))]]
        else:
            pool = people if is_person else places
            name = pool[rng.integers(len(pool))].split()
        kind = "PER" if is_person else "LOC"
        words += name
        tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
        frames = AS_PERSON if is_person else AS_PLACE
        more_words, more_tags = _fill(frames[rng.integers(len(frames))], people, places, rng)
        result.append((words + more_words, tags + more_tags))
    return result


def name_positions(words, held_out=None):
    """A boolean list: True where the word is an ambiguous name (training or held-out names,
    or only one of the two sets with ``held_out=False``/``True``)."""
    if held_out is None:
        names = set(AMBIGUOUS_NAMES) | set(HELD_OUT_AMBIGUOUS_NAMES)
    else:
        names = set(HELD_OUT_AMBIGUOUS_NAMES if held_out else AMBIGUOUS_NAMES)
    return [w in names for w in words]


def unknown_names(sentences, rate, seed=0):
    """Word dropout for names: each word tagged as part of a name (not ``O``) becomes ``<unk>``
    with probability ``rate``. Returns new (words, tags) pairs; the tags are unchanged."""
    rate = fraction("unknown_names", "rate", rate)
    rng = numpy.random.default_rng(check_seed("unknown_names", seed))
    out = []
    for words, tags in _pairs("unknown_names", sentences):
        drop = rng.random(len(words)) < rate
        out.append(([UNK if d and t != "O" else w for w, t, d in zip(words, tags, drop)],
                    list(tags)))
    return out


def _pairs(where, sentences):
    """``sentences`` as (words, tags) pairs of equal length, or a named error (a bare string,
    a pair of another shape, or words and tags that do not line up)."""
    if sentences is None or isinstance(sentences, (str, bytes)) or \
            not hasattr(sentences, "__iter__"):
        raise TypeError(f"{where}: expected a list of (words, tags) pairs, got "
                        f"{type(sentences).__name__}")
    for i, pair in enumerate(sentences):
        try:
            words, tags = pair
            words, tags = list(words), list(tags)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: sentence {i} must be a (words, tags) pair, got "
                            f"{pair!r:.60}") from None
        if len(words) != len(tags):
            raise ValueError(f"{where}: sentence {i} has {len(words)} words and {len(tags)} "
                             "tags (one tag per word)")
        yield words, tags
