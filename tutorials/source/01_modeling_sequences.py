# %% [markdown]
# # 1. Modeling sequences: when word order matters
#
# **You will learn:** why a classifier wants a vector of fixed size, three ways to turn a
# sentence of any length into one (a bag of words, a fixed window, the final state of a
# recurrent network), and, measured on a task where the order of the words decides, why the
# first two fail and the RNN does not.
#
# A classifier such as logistic regression computes z = v W + b: the matrix W has a fixed
# number of rows, so the input v must always have the same size. Sentences do not. Here is our
# task, a set of short reviews, and how long they are.

# %%
import numpy
import matplotlib.pyplot as plt
import tinygrad_rnn as tr
from tinygrad_rnn import data

train_set = data.review_sentences(2000, seed=0)
test_set = data.review_sentences(600, seed=1, twins=True)     # held out, never trained on
for words, label in train_set[:5]:
    print("positive" if label else "negative", "|", " ".join(words))
lengths = [len(words) for words, _ in train_set]
print(f"\nreviews have {min(lengths)} to {max(lengths)} words")

# %% [markdown]
# ## A task where order decides
#
# A review is one clause ("the food was good"), possibly negated ("the staff was not
# friendly"), or two clauses of opposite meaning joined by *but*; then the reader goes with
# the second: "the room was dirty but the view was great" is positive. A few closing words
# ("said Mary", "last summer") may follow.
#
# **No single word decides.** "good" appears in negative reviews ("not good", "good but ...").
# Keyword spotting, "positive if the review contains word w", is a coin flip, even for the
# keywords that do best on the held-out reviews themselves (exercise 3 picks w fairly, on the
# training reviews):

# %%
test_words = [set(words) for words, _ in test_set]
test_labels = numpy.array([label for _, label in test_set])
vocabulary = sorted(set().union(*test_words))
keyword_accuracy = {w: numpy.mean([(w in ws) == bool(y) for ws, y in zip(test_words, test_labels)])
                    for w in vocabulary}
best = sorted(keyword_accuracy, key=keyword_accuracy.get, reverse=True)[:5]
print("best single keywords:", {w: round(float(keyword_accuracy[w]), 3) for w in best})

# %% [markdown]
# **Same words, opposite meaning.** The held-out set was made with `twins=True`: every
# "A but B" review is followed by its twin "B but A", with exactly the same words and the
# opposite label.

# %%
for words, label in test_set[:6]:
    if data.has_contrast(words):
        print("positive" if label else "negative", "|", " ".join(words))

# %% [markdown]
# ## Three ways to a fixed-size vector
#
# Every model below starts by looking up a learned vector x_t (an *embedding*, 16 numbers) for
# each word, and ends with a small classifier on one vector v. They differ only in how v is
# made from x_1 .. x_n:
#
# | model | v | what it can see |
# |---|---|---|
# | bag of words | the mean of x_1 .. x_n | which words occur, not their order |
# | fixed window | [x_{n-k+1} ; ... ; x_n], the last k words side by side | order, but only k words |
# | RNN | s_n, where s_t = R(s_{t-1}, x_t) | every word, in order |
#
# Batches of reviews are padded to the longest one (`data.pad_batch` gives ids `[T, B]` and
# each review's true length); the models use the lengths to ignore the padding.

# %%
words = data.Vocab.build([w for w, _ in train_set])

def batch(examples):
    """(ids [T, B], labels [B], lengths [B]) of a list of (words, label) pairs."""
    ids, lengths = data.pad_batch([words.encode(w) for w, _ in examples])
    return ids, numpy.array([label for _, label in examples]), lengths


class Classifier(tr.nn.Module):
    """What the three models share: v = self.vector(ids, lengths), then
    z = relu(v W^1 + b^1) W^2 + b^2, trained with the cross-entropy."""

    def __init__(self, width):
        self.embedding = tr.nn.Embedding(len(words), 16)
        self.hidden = tr.nn.Linear(width, 32)
        self.out = tr.nn.Linear(32, 2)

    def forward(self, ids, lengths):
        return self.out(self.hidden(self.vector(ids, lengths)).relu())

    def loss(self, ids, labels, lengths):
        return tr.cross_entropy(self.forward(ids, lengths), labels)

    def predict(self, ids, lengths):
        with tr.no_grad():
            return self.forward(ids, lengths).numpy().argmax(axis=-1)


class BagOfWords(Classifier):
    def __init__(self):
        super().__init__(16)

    def vector(self, ids, lengths):
        x = self.embedding(ids)                                          # [T, B, 16]
        real = numpy.arange(len(ids))[:, None, None] < lengths[None, :, None]
        return (x * real).sum(axis=0) / lengths[:, None]                 # the mean over words


class LastWords(Classifier):
    """A fixed window: the last k words' vectors side by side (padding before a short review)."""

    def __init__(self, k):
        super().__init__(16 * k)
        self.k = k

    def vector(self, ids, lengths):
        window = numpy.zeros((self.k, len(lengths)), dtype=numpy.int64)   # 0 is <pad>
        for b, n in enumerate(lengths):
            last = ids[max(0, n - self.k):n, b]
            window[self.k - len(last):, b] = last
        x = self.embedding(window)                                       # [k, B, 16]
        return x.transpose(1, 0, 2).reshape(len(lengths), 16 * self.k)

# %% [markdown]
# One training function for every model of this notebook (5 epochs of Adam over shuffled
# batches of 32), and one evaluation: accuracy on the held-out reviews, separately for the
# one-clause reviews and the "but" reviews.

# %%
def train(model, epochs=5, lr=0.01):
    return tr.fit(model, lambda epoch: [batch(b) for b in data.batches(train_set, 32, seed=epoch)],
                  optimizer=tr.optim.Adam(model.parameters(), lr=lr), epochs=epochs,
                  progress=False, fused=True)

contrast = numpy.array([data.has_contrast(w) for w, _ in test_set])

def evaluate(model):
    """(held-out accuracy on one-clause reviews, on "but" reviews, on all)"""
    ids, labels, lengths = batch(test_set)
    right = model.predict(ids, lengths) == labels
    return right[~contrast].mean(), right[contrast].mean(), right.mean()

def size(model):
    return sum(p.size for p in model.parameters())

# %% [markdown]
# ## Bag of words

# %%
tr.manual_seed(0)
bag = BagOfWords()
histories = {"bag of words": train(bag)}
one, but, everything = evaluate(bag)
print(f"bag of words: one clause {one:.3f}   'but' reviews {but:.3f}   all {everything:.3f}")

# %% [markdown]
# It learns the one-clause reviews, negation included, but on the "but" reviews it is right
# exactly half of the time. That is not bad luck: twins have the same words, so they have the
# same mean vector v and get the same answer, and exactly one of the two is right. **No**
# bag-of-words model, however large, can do better on them:

# %%
ids, labels, lengths = batch(test_set)
predicted = bag.predict(ids, lengths)
pairs = [(i, i + 1) for i in range(len(test_set) - 1)
         if contrast[i] and sorted(test_set[i][0]) == sorted(test_set[i + 1][0])
         and test_set[i][1] != test_set[i + 1][1]]
print(len(pairs), "twin pairs; same answer for both twins in",
      sum(predicted[i] == predicted[j] for i, j in pairs), "of them")
assert all(predicted[i] == predicted[j] for i, j in pairs)

# %% [markdown]
# ## Fixed windows
#
# A window keeps the order of the last k words. The verdict is usually near the end, so a
# wide enough window gets far, but whatever lies further back is invisible, each position has
# weights of its own (a word learnt at position 3 is learnt again at position 5), and the
# classifier grows with k:

# %%
windows = {}
for k in (2, 4, 8, 12):
    tr.manual_seed(0)
    windows[k] = LastWords(k)
    histories[f"last {k} words"] = train(windows[k])
    one, but, everything = evaluate(windows[k])
    print(f"last {k:2} words: one clause {one:.3f}   'but' reviews {but:.3f}   all "
          f"{everything:.3f}   ({size(windows[k])} parameters)")

# %% [markdown]
# ## A recurrent network
#
# An RNN reads the words one at a time and keeps a state of fixed size,
# s_t = R(s_{t-1}, x_t) = tanh(x_t W^x + s_{t-1} W^s + b). Its final state s_n has read every
# word in order, whatever n is; the classifier reads s_n. That is the whole idea of the rest
# of these tutorials: notebook 2 takes the cell apart, notebook 4 trains this acceptor in
# detail.

# %%
tr.manual_seed(0)
rnn = tr.rnn.Acceptor(tr.rnn.ElmanCell(16, 32), num_classes=2, vocab_size=len(words))
histories["RNN (Elman, 32)"] = train(rnn)
one, but, everything = evaluate(rnn)
print(f"RNN: one clause {one:.3f}   'but' reviews {but:.3f}   all {everything:.3f}   "
      f"({size(rnn)} parameters)")
assert but > 0.9 and evaluate(bag)[1] == 0.5

# %% [markdown]
# ## All together
#
# Held-out accuracy of each model, and its training loss step by step (a learning curve; each
# point is the loss of one batch of 32).

# %%
models = {"bag of words": bag, **{f"last {k} words": m for k, m in windows.items()},
          "RNN (Elman, 32)": rnn}
scores = {name: evaluate(model) for name, model in models.items()}
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
position = numpy.arange(len(scores))
left.bar(position - 0.2, [s[0] for s in scores.values()], 0.4, label="one clause")
left.bar(position + 0.2, [s[1] for s in scores.values()], 0.4, label="'A but B'")
left.axhline(0.5, color="k", linestyle=":", label="coin flip")
left.set_xticks(position, list(scores), rotation=20)
left.set_ylabel("held-out accuracy")
left.set_ylim(0, 1.25)
left.legend(loc="upper center", ncol=3)
for name, history in histories.items():
    right.plot(numpy.convolve(history.losses, numpy.ones(10) / 10, mode="valid"), label=name)
right.set_xlabel("training step (batch of 32)")
right.set_ylabel("training loss (mean of 10 steps)")
right.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell below it that tells you whether the answer is right. The worked solutions are in
# `tutorials/solutions/01_modeling_sequences.ipynb`.
#
# ### Exercise 1: a window at the start
#
# Train `FirstWords(8)`, a window of the *first* 8 words (write the class, like `LastWords`),
# and store its held-out accuracy on all reviews in `first_accuracy`. Why is it so much worse
# than the last 8 words?

# %%
# BEGIN SOLUTION
class FirstWords(Classifier):
    """The first k words' vectors side by side (padding after a short review)."""

    def __init__(self, k):
        super().__init__(16 * k)
        self.k = k

    def vector(self, ids, lengths):
        window = numpy.zeros((self.k, len(lengths)), dtype=numpy.int64)
        first = ids[:self.k]
        window[:len(first)] = first                 # padding (id 0) stays past each end
        x = self.embedding(window)
        return x.transpose(1, 0, 2).reshape(len(lengths), 16 * self.k)

tr.manual_seed(0)
first_window = FirstWords(8)
train(first_window)
first_accuracy = evaluate(first_window)[2]
# Why: the verdict of a review sits in its last clause, after "but": the first eight words
# mostly hold the first clause, whose verdict is the opposite one.
# END SOLUTION
print(f"first 8 words: {first_accuracy:.3f}, last 8 words: {evaluate(windows[8])[2]:.3f}")

# %%
# Check 1
assert isinstance(first_window, Classifier) and first_window.k == 8
assert first_accuracy < evaluate(windows[8])[2] - 0.1
print("correct")

# %% [markdown]
# ### Exercise 2: order blindness, directly
#
# Shuffle the words of the review "the room was dirty but the view was great" in 10 random
# orders. Compute the bag-of-words model's logits and the RNN's logits for each order (use
# `words.encode(...)` and the models' `forward(ids, lengths)`; a single review is a batch of
# one: ids `[T, 1]`). Store the largest difference between the logits of any order and those
# of the original in `bag_change` and `rnn_change`.

# %%
review = "the room was dirty but the view was great".split()
rng = numpy.random.default_rng(0)
# BEGIN SOLUTION
def logits(model, review_words):
    ids = numpy.array(words.encode(review_words))[:, None]
    with tr.no_grad():
        return model.forward(ids, numpy.array([len(review_words)])).numpy()

orders = [list(rng.permutation(review)) for _ in range(10)]
bag_change = max(abs(logits(bag, o) - logits(bag, review)).max() for o in orders)
rnn_change = max(abs(logits(rnn, o) - logits(rnn, review)).max() for o in orders)
# END SOLUTION
print(f"bag of words changes by {bag_change:.2e}, the RNN by {rnn_change:.2f}")

# %%
# Check 2
assert bag_change < 1e-9, "a bag of words cannot see the order"
assert rnn_change > 0.1, "the RNN reads the words in order"
print("correct")

# %% [markdown]
# ### Exercise 3: the best keyword, on the training set
#
# A keyword rule is chosen on the *training* reviews and then measured on the held-out ones.
# Find the word w whose rule "positive if the review contains w" is most accurate on
# `train_set`; store it in `best_word` and its held-out accuracy in `best_word_accuracy`.
# How far is that from the RNN?

# %%
# BEGIN SOLUTION
train_words = [set(w) for w, _ in train_set]
train_labels = numpy.array([label for _, label in train_set])
def rule_accuracy(w, word_sets, labels):
    return numpy.mean([(w in ws) == bool(y) for ws, y in zip(word_sets, labels)])
best_word = max(sorted(words.itos[2:]),
                key=lambda w: rule_accuracy(w, train_words, train_labels))
best_word_accuracy = rule_accuracy(best_word, test_words, test_labels)
# END SOLUTION
print(f"best keyword {best_word!r}: held-out accuracy {best_word_accuracy:.3f}")

# %%
# Check 3
assert best_word in words.itos
assert best_word in keyword_accuracy
assert abs(best_word_accuracy - keyword_accuracy[best_word]) < 1e-12
assert best_word_accuracy < 0.75 < evaluate(rnn)[2]
print("correct")

# %% [markdown]
# **Next:** notebook 2 takes the recurrent cell apart into its two functions, R and O.
