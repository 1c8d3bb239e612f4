# %% [markdown]
# # 3. Usage patterns: acceptor, transducer, encoder–decoder
#
# **You will learn:** the three ways an RNN is used (one prediction per sequence, one per
# word, a whole new sequence), where the loss attaches in each, and how to train each one
# here, on data that ships with the library.
#
# | pattern | predicts | loss attaches to |
# |---|---|---|
# | acceptor | one class from the final output y_n | y_n only |
# | transducer | one tag per word from each y_t | every y_t, L = mean_t L_t |
# | encoder–decoder | a new sequence, from the encoder's final state s_n | every decoder step |

# %%
import numpy
import tinygrad_rnn as tr
from tinygrad_rnn import data

sentences = data.tagged_sentences(500, seed=0)
train, test = sentences[:400], sentences[400:]
words = data.Vocab.build([w for w, _ in train])
tags = data.Vocab(data.TAGS, pad=None, unk=None)
print(len(words), "words;", "tags:", list(tags))
for w, t in sentences[:3]:
    print(list(zip(w, t)))

# %% [markdown]
# ## 1. Acceptor: does the sentence mention a place?
#
# The acceptor reads the whole sentence and predicts once, from the final output:
# z = y_n W + b, L = CE(z, class). A quarter of the sentences have no place in them.

# %%
def acceptor_batch(examples):
    ids, lengths = data.pad_batch([words.encode(w) for w, _ in examples])
    labels = numpy.array([data.has_location(t) for _, t in examples])
    return ids, labels, lengths

tr.manual_seed(0)
acceptor = tr.rnn.Acceptor(tr.rnn.ElmanCell(16, 24), num_classes=2, vocab_size=len(words))
history = tr.fit(acceptor,
                 lambda epoch: [acceptor_batch(b) for b in data.batches(train, 32, seed=epoch)],
                 optimizer=tr.optim.Adam(acceptor.parameters(), lr=0.01), epochs=5, clip=5.0)
ids, labels, lengths = acceptor_batch(test)
accuracy = (acceptor.predict(ids, lengths) == labels).mean()
print(f"test accuracy {accuracy:.2f} (always answering 'yes' would get {labels.mean():.2f})")
assert accuracy > labels.mean()

# %% [markdown]
# Where the loss attaches: only the last step's output feeds the classifier, so every earlier
# word influences the loss only through the chain of states.

# %%
sentence = "John lives in Salt Lake City".split()
loss = acceptor.loss(words.encode(sentence), [1], labels=sentence)
tr.draw(loss)

# %% [markdown]
# ## 2. Transducer: tag "John" as a person and "Salt Lake City" as a location
#
# One prediction per word, z_t = y_t W + b, in BIO tags (B- begins a name, I- continues it):
# John → B-PER, Salt → B-LOC, Lake → I-LOC, City → I-LOC, the rest O.

# %%
def tagger_batch(examples):
    ids, lengths = data.pad_batch([words.encode(w) for w, _ in examples])
    tag_ids, _ = data.pad_batch([tags.encode(t) for _, t in examples])
    return ids, tag_ids, lengths

def tag_accuracy(model, examples):
    ids, tag_ids, lengths = tagger_batch(examples)
    predicted = model.predict(ids, lengths)
    real = numpy.arange(len(ids))[:, None] < lengths[None, :]
    return (predicted == tag_ids)[real].mean()

tr.manual_seed(0)
tagger = tr.rnn.Transducer(tr.rnn.ElmanCell(16, 24), num_tags=len(tags), vocab_size=len(words))
history = tr.fit(tagger,
                 lambda epoch: [tagger_batch(b) for b in data.batches(train, 32, seed=epoch)],
                 optimizer=tr.optim.Adam(tagger.parameters(), lr=0.02), epochs=5, clip=5.0)
print(f"test tag accuracy {tag_accuracy(tagger, test):.3f}")
predicted = tags.decode(tagger.predict(words.encode(sentence))[:, 0])
print(list(zip(sentence, predicted)))
assert predicted == ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC"]

# %% [markdown]
# Here the loss attaches at every step: L = sum_t (n_t/N) CE(z_t, tag_t), one term per word
# (the `loss` boxes at the top), so every y_t gets a gradient of its own.

# %%
loss = tagger.loss(words.encode(sentence), tags.encode(predicted), labels=sentence)
tr.draw(loss)

# %% [markdown]
# ## 3. Encoder–decoder: say a number sequence backwards
#
# The encoder reads the source ("five seven nine"); its final state s_n becomes the decoder's
# initial state; the decoder then writes the target ("nine seven five") one word at a time.
# Training uses *teacher forcing* (the decoder reads the true previous word); `generate`
# decodes greedily, feeding back its own predictions. Everything the decoder knows about the
# source must pass through the single vector s_n. An LSTM cell (notebook 7) learns this faster
# than an Elman cell.

# %%
DIGITS = "zero one two three four five six seven eight nine".split()
digits = data.Vocab(DIGITS, specials=("<s>", "</s>"))

def reversal_pairs(n, seed):
    rng = numpy.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        source = [DIGITS[i] for i in rng.integers(0, 10, size=rng.integers(2, 6))]
        pairs.append((source, source[::-1]))
    return pairs

def seq2seq_batch(pairs):
    src, src_lengths = data.pad_batch([digits.encode(s) for s, _ in pairs])
    tgt, tgt_lengths = data.pad_batch([digits.encode(["<s>"] + t + ["</s>"]) for _, t in pairs])
    return src, tgt, src_lengths, tgt_lengths

pairs_train, pairs_test = reversal_pairs(2000, seed=0), reversal_pairs(200, seed=1)
tr.manual_seed(0)
seq2seq = tr.rnn.EncoderDecoder(tr.rnn.LSTMCell(16, 48), tr.rnn.LSTMCell(16, 48),
                                len(digits), len(digits))
epoch_batches = lambda epoch: [seq2seq_batch(b) for b in data.batches(pairs_train, 32, seed=epoch)]
history = tr.fit(seq2seq, epoch_batches,
                 optimizer=tr.optim.Adam(seq2seq.parameters(), lr=0.01), epochs=4, clip=5.0)
src, tgt, src_lengths, _ = seq2seq_batch(pairs_test)
outputs = seq2seq.generate(src, max_len=8, end_token=digits["</s>"], start_token=digits["<s>"],
                           src_lengths=src_lengths)
exact = numpy.mean([digits.decode(o) == t for o, (_, t) in zip(outputs, pairs_test)])
print(f"exactly right on {exact:.0%} of the test sequences")
for o, (s, t) in list(zip(outputs, pairs_test))[:4]:
    print(" ".join(s), "->", " ".join(digits.decode(o)))

# %% [markdown]
# The recorded graph of one training example: the encoder's steps (left), its final state
# handed to the decoder, and a loss term at every decoder step.

# %%
one = [(["five", "seven", "nine"], ["nine", "seven", "five"])]
src, tgt, _, _ = seq2seq_batch(one)
tr.draw(seq2seq.loss(src, tgt))

# %% [markdown]
# ## Exercises
#
# 1. Train the acceptor with an `LSTMCell` instead of the Elman cell. Does it need fewer
#    epochs?
# 2. The tagger tags "Austin" at the start of a sentence. Can it know whether Austin is a
#    person or a city? Look at `data.tagged_sentences` and predict what notebook 4 will show.
# 3. Give the encoder–decoder longer sequences (up to 10 digits). Where does it start to fail,
#    and why does a single vector s_n become the bottleneck?
# 4. Draw `acceptor.loss(...)` with `show="grad"` after `loss.backward()`. Which word's state
#    gets the smallest gradient?
