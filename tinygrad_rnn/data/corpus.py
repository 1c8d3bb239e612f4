"""A small character corpus (original text written for this package) and char-level helpers.

``CORPUS`` is a few paragraphs of plain English, enough for a character-level language model to
learn spelling and common words in a minute of training. ``char_lm_data`` lays the text out as
``batch_size`` parallel streams for truncated backpropagation through time.
"""
import numpy

from .checks import count
from .vocab import Vocab

CORPUS = """\
The lighthouse on the north cape has stood for two hundred years. Every evening the keeper
climbs the narrow stairs, one hundred and twelve of them, and lights the lamp. The lamp turns
slowly, and its beam reaches far over the water, where the fishing boats come home in the dark.
The keeper does not know the sailors by name, but she knows their boats by the sound of their
engines, and she counts them as they pass the rocks below.

In winter the wind comes from the sea and does not stop for days. Snow covers the path to the
village, and the keeper lives on bread, dried fish and the apples she stored in the cellar in
autumn. She reads old books by the stove, and she writes in a notebook what the weather was,
which boats went out and which came back. The notebook is the memory of the lighthouse: on its
pages one year follows another, and each day depends on the days before it.

A recurrent network reads a text in the same way. It takes one letter at a time, and it keeps a
small state that carries what it has seen so far. The state is all it remembers: a word that
began three letters ago is only there if the state still holds it. When the network learns, the
error flows back through the steps, from the last letter to the first, and each step passes on
a little less of it. This is why a long sentence is hard to learn, and why the gated cells were
invented: they decide at every step what to keep, what to forget and what to show.

In spring the keeper paints the door of the lighthouse blue again, and the children from the
village come up the hill to look at the lamp. She shows them how the lenses bend the light, and
how the clockwork turns the lamp around. Then they walk down to the harbour together, and the
first boats of the season go out to sea, one after another, in the early morning light.
"""


def char_vocab(text=CORPUS):
    """A character ``Vocab`` of ``text`` (no padding or unknown token: every character is known),
    most frequent character first."""
    return Vocab.build([text], pad=None, unk=None, chars=True)


def char_lm_data(batch_size, text=CORPUS, vocab=None):
    """Next-character prediction data as ``batch_size`` parallel streams.

    Returns ``(vocab, inputs, targets)``: ``inputs`` and ``targets`` are int64 of shape
    [N, batch_size], column b is one contiguous stretch of the text, and ``targets[t] ==``
    the character after ``inputs[t]``. Feed row chunks ``[k:k+chunk]`` in order and carry the
    (detached) state from one chunk to the next: that is truncated BPTT.
    """
    count("char_lm_data", "batch_size", batch_size, minimum=1)
    if not isinstance(text, str):
        raise TypeError(f"char_lm_data: text must be a string, got {type(text).__name__}")
    vocab = vocab or char_vocab(text)
    ids = numpy.array(vocab.encode(text), dtype=numpy.int64)
    n = (len(ids) - 1) // batch_size
    if n < 1:
        raise ValueError(f"char_lm_data: a text of {len(ids)} characters is too short for "
                         f"batch_size={batch_size}")
    inputs = ids[:n * batch_size].reshape(batch_size, n).T
    targets = ids[1:n * batch_size + 1].reshape(batch_size, n).T
    return vocab, numpy.ascontiguousarray(inputs), numpy.ascontiguousarray(targets)
