"""Tests of part 4, the transducer's loss over a sentence."""
import tinygrad_rnn as tr
from tinygrad_rnn.homework import observe
from transducer import Tagger, sentence_loss

WORDS = "John lives in Salt Lake City".split()
VOCAB = {w: i for i, w in enumerate(sorted(set(WORDS)))}
TAGS = [1, 0, 0, 2, 2, 2]  # PER O O LOC LOC LOC


def _model(seed=0):
    """A tagger over the library's Elman cell, so that part 4 is graded on its own."""
    tr.manual_seed(seed)
    return Tagger(tr.rnn.ElmanCell(4, 5), len(VOCAB), 3)


# points: 2
def test_loss_over_a_sentence():
    """L is the mean cross-entropy over the six words."""
    loss = sentence_loss(_model(), [VOCAB[w] for w in WORDS], TAGS, WORDS)
    assert isinstance(loss, tr.Tensor) and loss.size == 1, "the loss must be a scalar Tensor"
    observe("L", loss)


# points: 2
def test_loss_gradients():
    """dL/dW of the output layer and dL/dE of the embeddings."""
    model = _model(seed=1)
    sentence_loss(model, [VOCAB[w] for w in WORDS[:4]], TAGS[:4]).backward()
    observe("dL/dW (output layer)", model.output.W.grad)
    observe("dL/dE (embeddings)", model.embedding.E.grad)


# BEGIN HIDDEN TESTS
def test_hidden_short_sentences():
    """One word: L is its cross-entropy; three words: the mean, not the sum."""
    model = _model(seed=2)
    for tags in ([0], [2]):
        observe(f"L of 'Salt' tagged {tags[0]}", sentence_loss(model, [VOCAB["Salt"]], tags))
    ids = [VOCAB[w] for w in ("Salt", "Lake", "City")]
    observe("L of 'Salt Lake City'", sentence_loss(model, ids, [2, 2, 2]))
# END HIDDEN TESTS
