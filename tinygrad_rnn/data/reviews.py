"""Short reviews whose verdict depends on word order: an acceptor task that keyword spotting and
bag-of-words models cannot solve.

A review is one clause ("the food was good") or two clauses of opposite polarity joined by
"but" ("the room was dirty but the view was great"); a clause may be negated ("the staff was
not friendly"), and a few closing words may follow ("said Mary", "last summer"). The label is
the polarity of the *last* clause, as a reader takes it: "... dirty but ... great" is positive,
"... great but ... dirty" is negative.

- No single word decides: "good" occurs in negative reviews ("not good", "good but ...").
- Word order decides: with ``twins=True`` every "A but B" review is followed by its twin
  "B but A", which has exactly the same words and the opposite label. Any model that sees only
  the bag of words gives both the same answer, so it is right on exactly half of those pairs.

``review_sentences(n, seed)`` returns ``(words, label)`` pairs, label 1 positive, 0 negative.
"""
import numpy

from .checks import SENTENCE_BYTES, fits_in_memory, fraction, seed as check_seed

ASPECTS = ("food", "service", "room", "view", "music", "staff", "coffee", "bed")
# Phrases that put words between the aspect and the verdict (so a fixed window misses it).
DETAILS = ("", "", "", "at the hotel", "in the old town", "on the first day",
           "near the harbour", "at the small cafe by the station")
POSITIVE = ("good", "great", "nice", "friendly", "clean", "lovely")
NEGATIVE = ("bad", "awful", "rude", "dirty", "cold", "poor")
INTENSIFIERS = ("", "", "really", "very", "quite")
CLOSINGS = ("", "", "", "said Mary", "last summer", "we think", "said John last year")


def _clause(positive, rng, negate_rate):
    """Words of one clause whose meaning has the given polarity."""
    negated = rng.random() < negate_rate
    # a negated clause says the opposite of its adjective: "not good" is negative
    adjectives = POSITIVE if positive != negated else NEGATIVE
    detail = DETAILS[rng.integers(len(DETAILS))].split()
    # "the food at the hotel was good" or "the food was good at the hotel"
    detail_first = rng.random() < 0.5
    words = ["the", ASPECTS[rng.integers(len(ASPECTS))]] + (detail if detail_first else [])
    words.append("was")
    if negated:
        words.append("not")
    words += INTENSIFIERS[rng.integers(len(INTENSIFIERS))].split()
    words.append(adjectives[rng.integers(len(adjectives))])
    return words + ([] if detail_first else detail)


def review_sentences(n, seed=0, contrast=0.5, negate_rate=0.3, twins=False):
    """``n`` (words, label) pairs; label 1 when the last clause is positive.

    A fraction ``contrast`` are "A but B" reviews (A and B of opposite polarity), the rest one
    clause; each clause is negated with probability ``negate_rate``. With ``twins=True`` each
    "A but B" review is followed by "B but A" (same words, opposite label; counted in ``n``).
    The same arguments give the same reviews.
    """
    if not isinstance(n, (int, numpy.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"review_sentences: n must be a non-negative int, got {n!r}")
    contrast = fraction("review_sentences", "contrast", contrast)
    negate_rate = fraction("review_sentences", "negate_rate", negate_rate)
    rng = numpy.random.default_rng(check_seed("review_sentences", seed))
    fits_in_memory("review_sentences", f"n={n} sentences", n * SENTENCE_BYTES)
    result = []
    while len(result) < n:
        positive = bool(rng.random() < 0.5)
        closing = CLOSINGS[rng.integers(len(CLOSINGS))].split()
        last = _clause(positive, rng, negate_rate)
        room_for_twins = not twins or len(result) + 2 <= n   # a twin is never cut off
        if room_for_twins and rng.random() < contrast:
            first = _clause(not positive, rng, negate_rate)
            result.append((first + ["but"] + last + closing, int(positive)))
            if twins:
                result.append((last + ["but"] + first + closing, int(not positive)))
        else:
            result.append((last + closing, int(positive)))
    return result


def has_contrast(words):
    """True for an "A but B" review (the ones bag-of-words models cannot get right)."""
    return "but" in words
