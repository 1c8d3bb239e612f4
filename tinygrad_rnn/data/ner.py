"""A small named-entity task in the spirit of the lecture's "John lives in Salt Lake City".

``tagged_sentences(n, seed)`` makes sentences from templates: people (one or two words), verbs,
and cities of one to three words, tagged with BIO tags: ``B-PER``/``I-PER`` for the first/later
words of a person's name, ``B-LOC``/``I-LOC`` for a place, ``O`` for everything else. Some words
are both a first name and a city (Austin, Sydney, Florence, Jordan): only the context tells
which, so a tagger must read the words around them. Sentences without any place make the
"does this sentence mention a location?" classification (``has_location``) non-trivial.
"""
import numbers

import numpy

from .checks import SENTENCE_BYTES, count, fits_in_memory, seed as check_seed

TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")

LECTURE_SENTENCE = (["John", "lives", "in", "Salt", "Lake", "City"],
                    ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC"])

FIRST_NAMES = ("John", "Mary", "Yoav", "Dana", "Omar", "Lena", "Kofi", "Ines", "Ravi", "Mei",
               "Paul", "Sara", "Tom", "Nadia", "Igor", "Ada", "Austin", "Sydney", "Florence",
               "Jordan")
SURNAMES = ("Smith", "Cohen", "Garcia", "Okafor", "Tanaka", "Novak", "Levi", "Rossi", "Berg")
CITIES = ("Salt Lake City", "New York", "New York City", "Paris", "Berlin", "Tokyo", "Haifa",
          "Tel Aviv", "Los Angeles", "San Francisco", "Buenos Aires", "Cape Town", "Hong Kong",
          "Rio de Janeiro", "Oslo", "Lima", "Chicago", "Las Vegas", "Kuala Lumpur", "Mexico City",
          "Austin", "Sydney", "Florence", "Jordan")

# {P} a person, {L} a place; the other words are tagged O.
TEMPLATES_WITH_PLACE = (
    "{P} lives in {L}", "{P} moved to {L}", "{P} works in {L}", "{P} visited {L} last year",
    "{P} was born in {L}", "{P} flew from {L} to {L}", "{P} met {P} in {L}",
    "yesterday {P} drove to {L}", "{P} and {P} live in {L}", "{P} loves {L}",
    "in {L} {P} found a job", "{P} studies in {L} with {P}",
)
TEMPLATES_WITHOUT_PLACE = (
    "{P} met {P}", "{P} called {P} yesterday", "{P} and {P} laughed", "{P} sleeps",
    "{P} thanked {P} for the book", "yesterday {P} wrote to {P}", "{P} likes tea",
    "{P} reads a long book", "{P} works with {P}",
)


def _entity(rng, kind):
    if kind == "P":
        words = [FIRST_NAMES[rng.integers(len(FIRST_NAMES))]]
        if rng.random() < 0.3:
            words.append(SURNAMES[rng.integers(len(SURNAMES))])
        tag = "PER"
    else:
        words = CITIES[rng.integers(len(CITIES))].split()
        tag = "LOC"
    return words, [f"B-{tag}"] + [f"I-{tag}"] * (len(words) - 1)


def fill_template(template, rng):
    """One (words, tags) pair from a template such as ``"{P} lives in {L}"``."""
    words, tags = [], []
    for piece in template.split():
        if piece in ("{P}", "{L}"):
            w, t = _entity(rng, piece[1])
        else:
            w, t = [piece], ["O"]
        words += w
        tags += t
    return words, tags


def tagged_sentences(n, seed=0, with_place=0.75, include_lecture=True):
    """``n`` (words, tags) pairs, lists of strings of equal length; the same seed gives the same
    sentences. A fraction ``with_place`` use a template with a place. With ``include_lecture``
    the first one is the lecture's "John lives in Salt Lake City"."""
    count("tagged_sentences", "n", n)
    if isinstance(with_place, bool) or not isinstance(with_place, numbers.Real) or \
            not 0 <= with_place <= 1:
        raise ValueError(f"tagged_sentences: with_place is a fraction in [0, 1], got "
                         f"{with_place!r}")
    rng = numpy.random.default_rng(check_seed("tagged_sentences", seed))
    fits_in_memory("tagged_sentences", f"n={n} sentences", n * SENTENCE_BYTES)
    result = []
    if include_lecture and n:
        result.append((list(LECTURE_SENTENCE[0]), list(LECTURE_SENTENCE[1])))
    while len(result) < n:
        pool = TEMPLATES_WITH_PLACE if rng.random() < with_place else TEMPLATES_WITHOUT_PLACE
        result.append(fill_template(pool[rng.integers(len(pool))], rng))
    return result


def has_location(tags):
    """1 if the tags mark a place (a ``B-LOC``), else 0: the label of the acceptor task."""
    return int("B-LOC" in tags)
