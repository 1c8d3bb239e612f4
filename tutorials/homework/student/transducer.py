"""Part 4: a transducer (one prediction per word) and its loss over a sentence.

For the words w_1..w_T of a sentence with tags t_1..t_T:

    x_j = E[w_j]                       the word's embedding
    y_j = O(s_j),  s_j = R(s_{j-1}, x_j)   the RNN
    z_j = y_j W + b                    scores of the tags
    L = (1/T) sum_j -log softmax(z_j)[t_j]   the mean cross-entropy over the sentence
"""
import numpy

import tinygrad_rnn as tr


class Tagger(tr.nn.Module):
    """Embedding -> RNN cell unrolled over the sentence -> a linear layer at every word."""

    def __init__(self, cell, vocab_size, n_tags):
        self.embedding = tr.nn.Embedding(vocab_size, cell.input_size)
        self.cell = cell
        self.output = tr.nn.Linear(cell.output_size, n_tags)

    def forward(self, word_ids, words=None):
        """The tag scores z_1..z_T, each ``[1, n_tags]`` (``words`` label the time steps)."""
        xs = [self.embedding(numpy.array([w])) for w in word_ids]
        ys, _ = tr.rnn.unroll(self.cell, xs, labels=words)
        return [self.output(y) for y in ys]


def sentence_loss(model, word_ids, tag_ids, words=None):
    """L = (1/T) sum_j -log softmax(z_j)[t_j], a scalar tensor (``tr.cross_entropy`` helps)."""
    if len(word_ids) != len(tag_ids):
        raise ValueError(f"sentence_loss: {len(word_ids)} words but {len(tag_ids)} tags")
    raise NotImplementedError("YOUR CODE HERE")
