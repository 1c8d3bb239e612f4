"""Word- and character-level vocabularies, and padding a batch of id sequences.

A ``Vocab`` maps tokens to integer ids and back. Special tokens come first, in a fixed order
(padding ``<pad>`` = 0, unknown ``<unk>`` = 1, then any extras such as ``<s>`` and ``</s>``), then
the other tokens; ``Vocab.build`` orders them by decreasing frequency, ties alphabetically, so
the same sentences always give the same ids.
"""
import numbers
from collections import Counter
from collections.abc import Iterable

import numpy

from .checks import as_ids, count, seed as check_seed

PAD, UNK = "<pad>", "<unk>"


class Vocab:
    """Tokens <-> ids.

    ``Vocab(tokens, pad="<pad>", unk="<unk>", specials=(), chars=False)``: ``pad`` and ``unk``
    may be None (a tag set needs neither). With ``chars=True`` a string is split into its
    characters, otherwise on whitespace.
    """

    def __init__(self, tokens=(), pad=PAD, unk=UNK, specials=(), chars=False):
        self.pad, self.unk, self.chars = pad, unk, chars
        self.itos = []
        self.stoi = {}
        given = _token_list("specials", specials) + _token_list("tokens", tokens)
        for token in [t for t in (pad, unk) if t is not None] + given:
            if not isinstance(token, str):
                raise TypeError(f"Vocab: a token must be a string, got {_short(token)} "
                                f"({type(token).__name__})")
            if token not in self.stoi:
                self.stoi[token] = len(self.itos)
                self.itos.append(token)

    @classmethod
    def build(cls, sentences, min_count=1, pad=PAD, unk=UNK, specials=(), chars=False):
        """A vocabulary of every token seen at least ``min_count`` times in ``sentences``
        (lists of tokens, or strings split as ``encode`` would), most frequent first."""
        if sentences is None or isinstance(sentences, (str, bytes)) or \
                not isinstance(sentences, Iterable):
            got = f"the string {_short(sentences)}" if isinstance(sentences, str) else \
                _short(sentences)
            raise TypeError(f"Vocab.build: expected a list of sentences, got {got} (one text: "
                            "Vocab.build([text]))")
        min_count = count("Vocab.build", "min_count", min_count)
        counts = Counter()
        probe = cls(pad=None, unk=None, chars=chars)
        for i, sentence in enumerate(sentences):
            try:
                tokens = probe.split(sentence)
            except TypeError as exc:
                reason = str(exc).removeprefix("Vocab: ")
                raise TypeError(f"Vocab.build: sentence {i}: {reason}") from None
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(f"Vocab.build: sentence {i}: a token must be a string, got "
                                    f"{_short(token)} ({type(token).__name__})")
            counts.update(tokens)
        tokens = sorted((t for t, c in counts.items() if c >= min_count),
                        key=lambda t: (-counts[t], t))
        return cls(tokens, pad=pad, unk=unk, specials=specials, chars=chars)

    # ---- lookups ----------------------------------------------------------------------
    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __iter__(self):
        return iter(self.itos)

    def __repr__(self):
        kind = "chars" if self.chars else "words"
        more = ", ..." if len(self) > 8 else ""
        return f"Vocab({len(self)} {kind}: {', '.join(map(repr, self.itos[:8]))}{more})"

    @property
    def pad_id(self):
        return None if self.pad is None else self.stoi[self.pad]

    @property
    def unk_id(self):
        return None if self.unk is None else self.stoi[self.unk]

    def __getitem__(self, token):
        """The id of ``token`` (the unknown token's id when it is not in the vocabulary).

        An unknown token that is not a string (a list, None, a number) is an error rather than
        ``<unk>``: it is a mistake in the caller's data, not a rare word."""
        try:
            i = self.stoi.get(token)
        except TypeError:                 # unhashable: a list, a dict, an array
            i = None
        if i is not None:
            return i
        if not isinstance(token, str):
            raise TypeError(f"Vocab: a token must be a string, got {_short(token)} "
                            f"({type(token).__name__}); encode takes one sentence: a string or "
                            "a list of string tokens")
        if self.unk is None:
            raise KeyError(f"Vocab: unknown token {token!r} and this vocabulary has no unknown "
                           f"token (known: {', '.join(map(repr, self.itos[:10]))}"
                           f"{', ...' if len(self) > 10 else ''})")
        return self.stoi[self.unk]

    def split(self, text):
        """A string as tokens (characters or whitespace-separated words); lists pass through."""
        if isinstance(text, str):
            return list(text) if self.chars else text.split()
        if text is None or isinstance(text, (bytes, numbers.Number)) or \
                not isinstance(text, Iterable):
            raise TypeError(f"Vocab: expected a string or a list of tokens, got {_short(text)} "
                            f"({type(text).__name__})")
        return list(text)

    def encode(self, text):
        """Tokens (or a string) -> list of ids; unknown tokens map to ``<unk>``."""
        return [self[token] for token in self.split(text)]

    def decode(self, ids, strip_pad=True, join=False):
        """Ids -> tokens (padding left out unless ``strip_pad=False``); ``join=True`` gives a
        string (characters joined directly, words with spaces)."""
        tokens = []
        if isinstance(ids, numbers.Number) or getattr(ids, "ndim", 1) == 0:
            ids = [ids]                   # one id
        try:
            flat = numpy.asarray(ids, dtype=object).reshape(-1)
        except (ValueError, TypeError):   # ragged nesting
            flat = ids
        for i in as_ids(list(flat), "Vocab.decode").tolist():
            if not 0 <= i < len(self.itos):
                raise IndexError(f"Vocab.decode: id {i} is outside [0, {len(self.itos)})")
            if strip_pad and self.pad is not None and i == self.pad_id:
                continue
            tokens.append(self.itos[i])
        if join:
            return ("" if self.chars else " ").join(tokens)
        return tokens


def pad_batch(sequences, pad_id=0, dtype=numpy.int64):
    """Pad id sequences to one array, time first.

    Returns ``(ids, lengths)``: ``ids`` has shape [T, B] (T = the longest sequence, B = the number
    of sequences; position t of sequence b is ``ids[t, b]``, ``pad_id`` past its end) and
    ``lengths`` has shape [B]. An empty sequence is an error (an RNN has no step to read).
    """
    if sequences is None or isinstance(sequences, (str, bytes)) or \
            not isinstance(sequences, Iterable):
        raise TypeError(f"pad_batch: expected a list of id sequences, got {_short(sequences)}")
    sequences = [as_ids(s, f"pad_batch: sequence {b}", dtype) for b, s in enumerate(sequences)]
    pad_id = as_ids([pad_id], "pad_batch: pad_id", dtype)[0]
    if not sequences:
        raise ValueError("pad_batch: got no sequences")
    for b, s in enumerate(sequences):
        if not len(s):
            raise ValueError(f"pad_batch: sequence {b} is empty (every sequence needs at least "
                             "one token)")
    lengths = numpy.array([len(s) for s in sequences], dtype=numpy.int64)
    ids = numpy.full((int(lengths.max()), len(sequences)), pad_id, dtype=dtype)
    for b, s in enumerate(sequences):
        ids[:len(s), b] = s
    return ids, lengths


def batches(examples, batch_size, seed=None):
    """Cut ``examples`` (a list) into lists of at most ``batch_size``, shuffled by ``seed``
    (None keeps the order). The same seed gives the same batches."""
    count("batches", "batch_size", batch_size, minimum=1)
    seed = check_seed("batches", seed)
    if not (hasattr(examples, "__len__") and hasattr(examples, "__getitem__")):
        raise TypeError(f"batches: examples must be a list (anything with len() and "
                        f"indexing), got {_short(examples)} ({type(examples).__name__})")
    order = numpy.arange(len(examples))
    if seed is not None:
        numpy.random.default_rng(seed).shuffle(order)
    return [[examples[i] for i in order[k:k + batch_size]]
            for k in range(0, len(order), batch_size)]


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _token_list(name, tokens):
    """``tokens`` or ``specials`` as a list; a bare string would be taken letter by letter."""
    if tokens is None or isinstance(tokens, (str, bytes)) or not isinstance(tokens, Iterable):
        raise TypeError(f"Vocab: {name} must be a list of strings, got {_short(tokens)} (for "
                        "the characters of a text: Vocab.build([text], chars=True))")
    return list(tokens)
