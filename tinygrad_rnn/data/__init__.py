"""Data for the tutorials and tests, shipped or generated (nothing is downloaded).

- ``Vocab``, ``pad_batch`` (ids [T, B] and lengths [B]), ``batches``;
- ``tagged_sentences`` — a seeded named-entity task ("John lives in Salt Lake City", BIO tags);
- ``adding_problem``, ``copy_task`` — long-range-dependency tests;
- ``CORPUS``, ``char_vocab``, ``char_lm_data`` — a small character corpus;
- ``review_sentences`` — reviews whose verdict depends on word order (an acceptor task that
  keyword spotting and bag-of-words models cannot solve);
- ``ambiguous_sentences`` — tagged sentences where only the words to the right of a name say
  whether it is a person or a place, with a held-out split of unseen names;
- ``STORIES``, ``split_stories`` — a larger character corpus for a language model, with a
  held-out part.
"""
from .vocab import PAD, UNK, Vocab, batches, pad_batch  # noqa: F401
from .ner import LECTURE_SENTENCE, TAGS, has_location, tagged_sentences  # noqa: F401
from .synthetic import adding_problem, copy_task  # noqa: F401
from .corpus import CORPUS, char_lm_data, char_vocab  # noqa: F401
from .reviews import has_contrast, review_sentences  # noqa: F401
from .ambiguous import (AMBIGUOUS_NAMES, HELD_OUT_AMBIGUOUS_NAMES,  # noqa: F401
                        ambiguous_sentences, name_positions, unknown_names)
from .stories import STORIES, split_stories  # noqa: F401
