"""Data for the tutorials and tests, shipped or generated (nothing is downloaded).

- ``Vocab``, ``pad_batch`` (ids [T, B] and lengths [B]), ``batches``;
- ``tagged_sentences`` — a seeded named-entity task ("John lives in Salt Lake City", BIO tags);
- ``adding_problem``, ``copy_task`` — long-range-dependency tests;
- ``CORPUS``, ``char_vocab``, ``char_lm_data`` — a small character corpus.
"""
from .vocab import PAD, UNK, Vocab, batches, pad_batch  # noqa: F401
from .ner import LECTURE_SENTENCE, TAGS, has_location, tagged_sentences  # noqa: F401
from .synthetic import adding_problem, copy_task  # noqa: F401
from .corpus import CORPUS, char_lm_data, char_vocab  # noqa: F401
