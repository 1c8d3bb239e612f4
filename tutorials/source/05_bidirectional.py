# %% [markdown]
# # 5. Bidirectional RNNs: reading the words to the right
#
# **You will learn:** why a left-to-right RNN cannot tag a word whose meaning is decided by the
# words after it, how a bidirectional RNN combines a forward and a backward RNN,
# y_t = [y^f_t ; y^b_t], and how much that helps, measured on held-out sentences with names
# the taggers never saw.
#
# Is "Austin" a person or a place? *"Austin lives in Paris"* against *"Austin is a big city"*.
# A left-to-right RNN has read only the words up to "Austin" when it must tag it: its state
# s_t = R(s_{t-1}, x_t) is **the same** for both sentences, so its tag is the same too. Only
# the words to the right can decide.

# %%
import numpy
import matplotlib.pyplot as plt
import tinygrad_rnn as tr
from tinygrad_rnn import data

# %% [markdown]
# ## Data where the right context decides
#
# The tagged sentences of notebook 4 (`data.ambiguous_sentences`): a neutral beginning
# ("yesterday", "we heard that", "Mary said that", or nothing), then a name, then the words
# that decide what it is. Most names are ambiguous (Austin, Jordan, Sydney, Florence, ...),
# and they stand anywhere from the first to the fifth word. The held-out sentences use names
# that never occur in training (`<unk>` to the taggers), with word dropout in training as in
# notebook 4.

# %%
sentences = data.ambiguous_sentences(600, seed=0)
held_out = data.ambiguous_sentences(300, seed=1, held_out=True)
words = data.Vocab.build([w for w, _ in sentences])
tags = data.Vocab(data.TAGS, pad=None, unk=None)
for w, t in held_out[:4]:
    print(" ".join(f"{word}/{tag}" for word, tag in zip(w, t)))

# %%
def batch(examples):
    ids, lengths = data.pad_batch([words.encode(w) for w, _ in examples])
    tag_ids, _ = data.pad_batch([tags.encode(t) for _, t in examples])
    return ids, tag_ids, lengths

def ambiguous_mask(examples, T):
    """[T, B]: True at the ambiguous names."""
    mask = numpy.zeros((T, len(examples)), dtype=bool)
    for b, (w, _) in enumerate(examples):
        mask[:len(w), b] = data.name_positions(w)
    return mask

def evaluate(model, examples):
    """Held-out accuracy on (all words, the ambiguous names)."""
    ids, tag_ids, lengths = batch(examples)
    right = model.predict(ids, lengths) == tag_ids
    real = numpy.arange(len(ids))[:, None] < lengths[None, :]
    return right[real].mean(), right[ambiguous_mask(examples, len(ids))].mean()

def train_tagger(rnn, epochs=6):
    """The one training loop of this notebook: Adam, word dropout 0.2, clipping at 5."""
    model = tr.rnn.Transducer(rnn, num_tags=len(tags), vocab_size=len(words))
    tr.fit(model, lambda epoch: [batch(b) for b in data.batches(
               data.unknown_names(sentences, 0.2, seed=epoch), 32, seed=epoch)],
           optimizer=tr.optim.Adam(model.parameters(), lr=0.02), epochs=epochs, clip=5.0,
           progress=False, fused=True)
    return model

# %% [markdown]
# ## One direction against two, same data, same budget
#
# The left-to-right tagger gets a hidden size of 32; the bidirectional one two cells of 16
# (so y_t has 32 numbers in both, and the BiRNN even has fewer parameters).

# %%
tr.manual_seed(0)
forward_only = train_tagger(tr.rnn.ElmanCell(16, 32))
tr.manual_seed(0)
bidirectional = train_tagger(tr.rnn.BiRNN(tr.rnn.ElmanCell(16, 16), tr.rnn.ElmanCell(16, 16)))

results = {}
print(f"{'tagger':16} {'parameters':>10} {'all words':>10} {'ambiguous names':>16}")
for name, model in [("left-to-right", forward_only), ("bidirectional", bidirectional)]:
    results[name] = evaluate(model, held_out)
    n_params = sum(p.size for p in model.parameters())
    print(f"{name:16} {n_params:>10} {results[name][0]:>10.3f} {results[name][1]:>16.3f}")
assert results["bidirectional"][1] > results["left-to-right"][1] + 0.3

# %% [markdown]
# The left-to-right tagger is near a coin flip on the ambiguous names, wherever they stand;
# the bidirectional one gets them right, although it has never seen these names:

# %%
ids, tag_ids, lengths = batch(held_out)
mask = ambiguous_mask(held_out, len(ids))
position = numpy.broadcast_to(numpy.arange(1, len(ids) + 1)[:, None], ids.shape)
fig, ax = plt.subplots(figsize=(7, 3))
for offset, (name, model) in zip((-0.2, 0.2), [("left-to-right", forward_only),
                                               ("bidirectional", bidirectional)]):
    right = model.predict(ids, lengths) == tag_ids
    where = sorted(set(position[mask]))
    ax.bar(numpy.array(where) + offset, [right[mask & (position == p)].mean() for p in where],
           0.4, label=name)
ax.axhline(0.5, color="k", linestyle=":")
ax.set_xlabel("position of the ambiguous name in its sentence")
ax.set_ylabel("held-out accuracy")
ax.set_ylim(0, 1.25)
ax.legend(loc="upper center", ncol=2)
plt.show()

# %% [markdown]
# The left-to-right tagger gives the *same* answer for "Austin" whatever follows. We can check
# that directly: its logits at t = 1 are identical for two sentences that start with the same
# word.

# %%
def show(model, sentence):
    predicted = tags.decode(model.predict(words.encode(sentence.split()))[:, 0])
    return " ".join(f"{w}/{t}" for w, t in zip(sentence.split(), predicted))

pairs = [("Austin lives in Paris", "Austin is a big city"),
         ("yesterday Jordan smiled at John", "yesterday Jordan hosted the games")]
for name, model in [("left-to-right", forward_only), ("bidirectional", bidirectional)]:
    print(name)
    for a, b in pairs:
        print("   ", show(model, a), "  |  ", show(model, b))

z_a = forward_only(words.encode("Austin lives in Paris".split()))[0].numpy()
z_b = forward_only(words.encode("Austin is a big city".split()))[0].numpy()
print("left-to-right logits at t=1 equal for both sentences:", numpy.allclose(z_a, z_b))

# %% [markdown]
# ## What the BiRNN computes
#
# Two independent RNNs read the sentence, one from the left and one from the right; at each
# position their outputs are concatenated, y_t = [y^f_t ; y^b_t] (for Elman cells y_t = s_t,
# so this is also [s^f_t ; s^b_t]). The backward cell's output at "Salt" has read
# "... far is City Lake Salt": everything to the right. The graph, drawn:

# %%
sentence = "Salt Lake City is far".split()
bi = tr.rnn.BiRNN(tr.rnn.ElmanCell(4, 3), tr.rnn.ElmanCell(4, 3))
vectors = numpy.random.default_rng(0).standard_normal((len(sentence), 1, 4))
ys, (forward_states, backward_states) = bi(vectors, labels=sentence)
print(len(ys), "outputs of width", ys[0].shape[1], "= 3 forward + 3 backward")
tr.draw(ys)

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell. Worked solutions: `tutorials/solutions/05_bidirectional.ipynb`.
#
# ### Exercise 1: a better memory does not help
#
# Train a left-to-right tagger with an `LSTMCell(16, 32)` (seed 0, `train_tagger`) and store
# its held-out accuracies (`evaluate`) in `lstm_results`. Does the LSTM fix the ambiguous
# names?

# %%
# BEGIN SOLUTION
tr.manual_seed(0)
lstm_tagger = train_tagger(tr.rnn.LSTMCell(16, 32))
lstm_results = evaluate(lstm_tagger, held_out)
# Why: no. The problem is what the model has read when it tags the name (nothing after it),
# not how well it remembers what it has read.
# END SOLUTION
print(f"LSTM left-to-right: all words {lstm_results[0]:.3f}, "
      f"ambiguous names {lstm_results[1]:.3f}")

# %%
# Check 1
assert isinstance(lstm_tagger.rnn, tr.rnn.LSTMCell)
assert lstm_results[1] < results["bidirectional"][1] - 0.25
print("correct")

# %% [markdown]
# ### Exercise 2: which words can change the tag of "Austin"?
#
# Feed the BiRNN of `bidirectional` and the cell of `forward_only` the embedded words of
# "Austin lives in Paris" as leaves that require grad (`tr.Tensor(..., requires_grad=True)`,
# one `[1, 16]` tensor per word), take the logits of the first word, z_1 = `model.output(ys[0])`,
# call `z_1.sum().backward()`, and store ||dz_1/dx_t|| for t = 1 .. 4 in the lists
# `bi_influence` and `forward_influence`. Which of the two taggers could tag live speech, word
# by word, as it is heard?

# %%
sentence = "Austin lives in Paris".split()
# BEGIN SOLUTION
def influence(model):
    with tr.no_grad():
        embedded = model.embedding(numpy.array(words.encode(sentence))[:, None]).numpy()
    xs = [tr.Tensor(e, requires_grad=True) for e in embedded]
    if isinstance(model.rnn, tr.rnn.BiRNN):
        ys, _ = model.rnn(xs)
    else:
        ys, _ = tr.rnn.unroll(model.rnn, xs)
    model.output(ys[0]).sum().backward()
    return [float(numpy.linalg.norm(x.grad)) if x.grad is not None else 0.0 for x in xs]

bi_influence = influence(bidirectional)
forward_influence = influence(forward_only)
# Why: only the left-to-right tagger: its tag for word t depends on words 1..t alone, so it can
# tag each word when it is heard; the BiRNN must wait for the end of the sentence.
# END SOLUTION
print("BiRNN:", numpy.round(bi_influence, 4),
      "  left-to-right:", numpy.round(forward_influence, 4))

# %%
# Check 2
assert len(bi_influence) == len(forward_influence) == len(sentence)
assert all(g > 0 for g in bi_influence), "every word reaches the BiRNN's first tag"
assert forward_influence[0] > 0 and all(g == 0 for g in forward_influence[1:])
print("correct")

# %% [markdown]
# **Next:** notebook 6 builds the Elman cell from primitive ops and trains it with
# backpropagation through time.
