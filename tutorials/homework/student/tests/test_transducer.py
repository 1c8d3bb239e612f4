"""Tests of part 4, the transducer's loss over a sentence."""
import numpy

import tinygrad_rnn as tr
from transducer import Tagger, sentence_loss

WORDS = "John lives in Salt Lake City".split()
VOCAB = {w: i for i, w in enumerate(sorted(set(WORDS)))}
TAGS = [1, 0, 0, 2, 2, 2]  # PER O O LOC LOC LOC


def _model(seed=0):
    """A tagger over the library's Elman cell, so that part 4 is graded on its own."""
    tr.manual_seed(seed)
    return Tagger(tr.rnn.ElmanCell(4, 5), len(VOCAB), 3)


def _reference_loss(model, ids, tags):
    """Mean over the words of -log softmax(z_j)[t_j], from the model's scores, in NumPy."""
    with tr.no_grad():
        scores = numpy.concatenate([z.numpy() for z in model(ids)])
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - numpy.log(numpy.exp(shifted).sum(axis=1, keepdims=True))
    return -logp[numpy.arange(len(tags)), tags].mean()


# points: 2
def test_loss_over_a_sentence():
    """L is the mean cross-entropy over the six words."""
    model = _model()
    ids = [VOCAB[w] for w in WORDS]
    loss = sentence_loss(model, ids, TAGS, WORDS)
    assert isinstance(loss, tr.Tensor) and loss.size == 1, "the loss must be a scalar Tensor"
    tr.testing.assert_grad_close(loss.item(), _reference_loss(model, ids, TAGS), name="L")


# points: 2
def test_loss_gradients():
    """dL/dW of the output layer and dL/dE of the embeddings pass finite differences."""
    model = _model(seed=1)
    ids = [VOCAB[w] for w in WORDS[:4]]
    for p in (model.output.W, model.embedding.E):
        tr.gradcheck(lambda _: sentence_loss(model, ids, TAGS[:4]), [p])


