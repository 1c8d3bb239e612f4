"""The usage patterns learn small tasks from the shipped data (seeded, bounded epochs).

Stated accuracies, on held-out data generated with another seed:
- Transducer (Elman, H=24): BIO tags of the named-entity sentences, >= 90% token accuracy
  after 4 epochs (and the lecture sentence tagged exactly right);
- Acceptor (Elman, BiRNN of GRUs, Stacked LSTM+Elman): "does the sentence mention a place?",
  >= 90% after 6 epochs, on padded batches;
- EncoderDecoder (LSTM -> LSTM): reversing sequences of 2..5 symbols, >= 90% of the output
  tokens right after 8 epochs, greedy decoding.
"""
import numpy
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import data

SENTENCES = data.tagged_sentences(300, seed=0, with_place=0.6)
HELD_OUT = data.tagged_sentences(200, seed=1, with_place=0.6, include_lecture=False)
WORDS = data.Vocab.build([w for w, _ in SENTENCES])
TAGS = data.Vocab(data.TAGS, pad=None, unk=None)


def tag_batch(examples):
    ids, lengths = data.pad_batch([WORDS.encode(w) for w, _ in examples])
    tags, _ = data.pad_batch([TAGS.encode(t) for _, t in examples])
    return ids, tags, lengths


def place_batch(examples):
    ids, lengths = data.pad_batch([WORDS.encode(w) for w, _ in examples])
    return ids, numpy.array([data.has_location(t) for _, t in examples]), lengths


def test_transducer_tags_named_entities():
    tr.manual_seed(0)
    model = tr.rnn.Transducer(tr.rnn.ElmanCell(16, 24), len(TAGS), vocab_size=len(WORDS))
    batches = [tag_batch(b) for b in data.batches(SENTENCES, 32, seed=0)]
    history = tr.fit(model, batches, optimizer=tr.optim.Adam(model.parameters(), lr=0.02),
                     epochs=4, clip=5.0, progress=False)
    assert history.epoch_losses[-1] < 0.2 * history.epoch_losses[0]
    ids, tags, lengths = tag_batch(HELD_OUT)
    predicted = model.predict(ids, lengths)
    real = numpy.arange(len(ids))[:, None] < lengths[None, :]
    accuracy = (predicted == tags)[real].mean()
    assert accuracy >= 0.9, accuracy
    assert numpy.all(predicted[~real] == -1)
    words, tags = data.LECTURE_SENTENCE
    assert TAGS.decode(model.predict(WORDS.encode(words))[:, 0]) == tags


@pytest.mark.parametrize("make_rnn", [
    lambda: tr.rnn.ElmanCell(8, 16),
    lambda: tr.rnn.BiRNN(tr.rnn.GRUCell(8, 8), tr.rnn.GRUCell(8, 8)),
    lambda: tr.rnn.Stacked([tr.rnn.LSTMCell(8, 8), tr.rnn.ElmanCell(8, 8)]),
], ids=["elman", "birnn-gru", "stacked-lstm-elman"])
def test_acceptor_detects_a_place(make_rnn):
    tr.manual_seed(0)
    model = tr.rnn.Acceptor(make_rnn(), 2, vocab_size=len(WORDS))
    batches = [place_batch(b) for b in data.batches(SENTENCES, 32, seed=0)]
    tr.fit(model, batches, optimizer=tr.optim.Adam(model.parameters(), lr=0.02), epochs=6,
           progress=False)
    ids, labels, lengths = place_batch(HELD_OUT)
    assert 0.3 < labels.mean() < 0.8  # neither class alone scores 90%
    accuracy = (model.predict(ids, lengths) == labels).mean()
    assert accuracy >= 0.9, accuracy


START, END, FIRST_SYMBOL, N_SYMBOLS = 1, 2, 3, 7  # id 0 is padding


def reversal_examples(n, seed):
    rng = numpy.random.default_rng(seed)
    return [list(rng.integers(FIRST_SYMBOL, FIRST_SYMBOL + N_SYMBOLS, size=rng.integers(2, 6)))
            for _ in range(n)]


def reversal_batch(sources):
    src, src_lengths = data.pad_batch(sources)
    tgt, tgt_lengths = data.pad_batch([[START] + s[::-1] + [END] for s in sources])
    return src, tgt, src_lengths, tgt_lengths


def test_encoder_decoder_reverses_sequences():
    tr.manual_seed(0)
    vocab = FIRST_SYMBOL + N_SYMBOLS
    model = tr.rnn.EncoderDecoder(tr.rnn.LSTMCell(8, 32), tr.rnn.LSTMCell(8, 32), vocab, vocab)
    train = reversal_examples(640, seed=0)
    batches = [reversal_batch(train[k:k + 32]) for k in range(0, len(train), 32)]
    tr.fit(model, batches, optimizer=tr.optim.Adam(model.parameters(), lr=0.02), epochs=8,
           clip=5.0, progress=False)
    test = reversal_examples(200, seed=1)
    src, src_lengths = data.pad_batch(test)
    outputs = model.generate(src, max_len=8, end_token=END, start_token=START,
                             src_lengths=src_lengths)
    right = total = 0
    for out, source in zip(outputs, test):
        expected = source[::-1]
        right += sum(a == b for a, b in zip(out, expected))
        total += max(len(out), len(expected))
    assert right / total >= 0.9, right / total
