# %% [markdown]
# # 4. Bidirectional RNNs: reading the words to the right
#
# **You will learn:** why a left-to-right RNN cannot tag a word whose meaning is decided by the
# words after it, how a bidirectional RNN combines a forward and a backward state
# y_t = [s^f_t ; s^b_t], and how much that helps, measured on the same data.
#
# Is "Salt" the first word of a city or a plain noun? In *"Salt Lake City is far away"* it is
# B-LOC; in *"Salt is cheap here"* it is O. Is "Austin" a person or a place? *"Austin lives in
# Paris"* versus *"Austin has many old parks"*. At the first word, a left-to-right RNN has read
# nothing else: its state s_1 = R(s_0, x_1) is **the same** in both sentences, so its tag must
# be the same too. Only the words to the right can decide.

# %%
import numpy
import tinygrad_rnn as tr
from tinygrad_rnn import data

# %% [markdown]
# ## Data where the right context decides
#
# Each sentence starts with an ambiguous word, and only what follows says what it is. We mix
# in the library's ordinary named-entity sentences, so the taggers also have to learn the usual
# cases.

# %%
AMBIGUOUS = ["Austin", "Jordan", "Sydney", "Florence"]      # first names and cities
AS_PERSON = ["lives in {L}", "smiled at {P}", "wrote a long letter", "called {P} yesterday",
             "works in {L}", "likes tea"]
AS_PLACE = ["is a big city", "has many old parks", "lies near the sea", "is sunny in June",
            "welcomed {P}", "hosted the games"]
SALT_AS_NOUN = ["is cheap here", "costs a lot", "was on the table"]
PEOPLE = ["John", "Mary", "Dana", "Omar", "Lena", "Ravi"]
PLACES = ["Paris", "Berlin", "Tokyo", "New York", "Salt Lake City", "Oslo"]

def continue_with(words, tags, template, rng):
    """Append a template's words; {P} becomes a person, {L} a place."""
    for piece in template.split():
        if piece == "{P}":
            words, tags = words + [PEOPLE[rng.integers(len(PEOPLE))]], tags + ["B-PER"]
        elif piece == "{L}":
            place = PLACES[rng.integers(len(PLACES))].split()
            words, tags = words + place, tags + ["B-LOC"] + ["I-LOC"] * (len(place) - 1)
        else:
            words, tags = words + [piece], tags + ["O"]
    return words, tags

def ambiguous_sentences(n, seed):
    rng = numpy.random.default_rng(seed)
    pick = lambda options: options[rng.integers(len(options))]
    sentences = []
    for _ in range(n):
        if rng.random() < 0.7:                       # Austin: a person or a place?
            name = pick(AMBIGUOUS)
            if rng.random() < 0.5:
                sentences.append(continue_with([name], ["B-PER"], pick(AS_PERSON), rng))
            else:
                sentences.append(continue_with([name], ["B-LOC"], pick(AS_PLACE), rng))
        elif rng.random() < 0.5:                     # Salt Lake City ...
            sentences.append(continue_with(["Salt", "Lake", "City"], ["B-LOC", "I-LOC", "I-LOC"],
                                           pick(AS_PLACE), rng))
        else:                                        # salt, the noun
            sentences.append(continue_with(["Salt"], ["O"], pick(SALT_AS_NOUN), rng))
    return sentences

train = ambiguous_sentences(400, seed=0) + data.tagged_sentences(200, seed=1)
test = ambiguous_sentences(200, seed=7)
words = data.Vocab.build([w for w, _ in train])
tags = data.Vocab(data.TAGS, pad=None, unk=None)
for w, t in test[:4]:
    print(list(zip(w, t)))

# %%
def batch(examples):
    ids, lengths = data.pad_batch([words.encode(w) for w, _ in examples])
    tag_ids, _ = data.pad_batch([tags.encode(t) for _, t in examples])
    return ids, tag_ids, lengths

def evaluate(model, examples):
    """(accuracy over all words, accuracy on the first, ambiguous word)"""
    ids, tag_ids, lengths = batch(examples)
    predicted = model.predict(ids, lengths)
    real = numpy.arange(len(ids))[:, None] < lengths[None, :]
    return (predicted == tag_ids)[real].mean(), (predicted[0] == tag_ids[0]).mean()

def train_tagger(rnn):
    tr.manual_seed(0)
    model = tr.rnn.Transducer(rnn, num_tags=len(tags), vocab_size=len(words))
    tr.fit(model, lambda epoch: [batch(b) for b in data.batches(train, 32, seed=epoch)],
           optimizer=tr.optim.Adam(model.parameters(), lr=0.02), epochs=6, clip=5.0)
    return model

# %% [markdown]
# ## One direction against two, same data, same budget
#
# The one-directional tagger gets a hidden size of 32; the bidirectional one two cells of 16
# (so y_t has 32 numbers in both, and the BiRNN even has fewer parameters).

# %%
tr.manual_seed(0)
forward_only = train_tagger(tr.rnn.ElmanCell(16, 32))
tr.manual_seed(0)
bidirectional = train_tagger(tr.rnn.BiRNN(tr.rnn.ElmanCell(16, 16), tr.rnn.ElmanCell(16, 16)))

# %%
results = {}
print(f"{'tagger':16} {'parameters':>10} {'all words':>10} {'first word':>11}")
for name, model in [("left-to-right", forward_only), ("bidirectional", bidirectional)]:
    results[name] = evaluate(model, test)
    n_params = sum(p.size for p in model.parameters())
    print(f"{name:16} {n_params:>10} {results[name][0]:>10.3f} {results[name][1]:>11.3f}")
assert results["bidirectional"][1] > results["left-to-right"][1] + 0.3

# %% [markdown]
# The left-to-right tagger is stuck near chance on the first word: it gives the *same* answer
# for "Austin" whatever follows. We can check that directly: its logits at t = 1 are identical
# for two sentences that start with the same word.

# %%
def show(model, sentence):
    predicted = tags.decode(model.predict(words.encode(sentence.split()))[:, 0])
    return " ".join(f"{w}/{t}" for w, t in zip(sentence.split(), predicted))

pairs = [("Austin lives in Paris", "Austin has many old parks"),
         ("Salt Lake City is a big city", "Salt is cheap here")]
for name, model in [("left-to-right", forward_only), ("bidirectional", bidirectional)]:
    print(name)
    for a, b in pairs:
        print("   ", show(model, a), "  |  ", show(model, b))

z_a = forward_only(words.encode("Austin lives in Paris".split()))[0].numpy()
z_b = forward_only(words.encode("Austin has many old parks".split()))[0].numpy()
print("left-to-right logits at t=1 equal for both sentences:", numpy.allclose(z_a, z_b))

# %% [markdown]
# ## What the BiRNN computes
#
# Two independent RNNs read the sentence, one from the left and one from the right; at each
# position their outputs are concatenated, y_t = [y^f_t ; y^b_t]. The backward cell's state at
# "Salt" has read "... far is City Lake Salt": everything to the right. The graph, drawn:

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
# 1. Put the ambiguous word in the *middle* of the sentence ("yesterday Austin ..."). Does the
#    left-to-right tagger still fail? Why does a word at the end of a sentence hurt the
#    backward direction instead?
# 2. Train both taggers with `LSTMCell`s. Does the gap change? (It should not: the problem is
#    what the model has read, not how well it remembers.)
# 3. A tagger for live speech must tag each word as it is heard. Which of the two can it use?
# 4. Draw `bidirectional.loss(...)` for "Austin lives in Paris" with `view="cells"`. Which cells
#    can influence the loss term of "Austin"?
