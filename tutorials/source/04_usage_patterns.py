# %% [markdown]
# # 4. Usage patterns: acceptor, encoder, transducer, encoder–decoder
#
# **You will learn:** the four ways an RNN is used (one prediction per sequence, features of a
# sequence for another network, one prediction per word, a whole new sequence), where the loss
# attaches in each, how a batch of sentences of different lengths is padded and masked, how
# words become vectors (embeddings) and unknown words become `<unk>`, and how to measure a
# model on held-out data it never saw.
#
# | pattern | predicts | loss attaches to |
# |---|---|---|
# | acceptor | one class from the final output y_n | y_n only |
# | encoder | nothing itself: its final state s_n is the features of another network | that network's output |
# | transducer | one tag per word from each y_t | every y_t |
# | encoder–decoder | a new sequence, from the encoder's final state s_n | every decoder step |

# %%
import numpy
import matplotlib.pyplot as plt
import tinygrad_rnn as tr
from tinygrad_rnn import data

# %% [markdown]
# ## From words to a batch: embeddings, padding, masks
#
# An RNN reads vectors, so each word gets an id from a vocabulary (`data.Vocab`) and each id a
# learned vector, its **embedding**: row `id` of a matrix E (`tr.nn.Embedding`), trained with
# everything else. A word the vocabulary never saw gets the id of `<unk>`.
#
# To use one matrix product per step for many sentences at once, a batch of sentences of
# different lengths is **padded** to the longest one: `data.pad_batch` returns ids `[T, B]`
# (position t of sentence b is `ids[t, b]`, 0 = `<pad>` past its end) and the true `lengths`
# `[B]`. Given the lengths, `unroll` **masks** the padding: past its own end a sentence's state
# is carried unchanged and its outputs are zeros, so s_n is each sentence's state at its own
# last word, and the losses below ignore the padded positions.

# %%
reviews = data.review_sentences(2000, seed=0)
held_out_reviews = data.review_sentences(600, seed=1, twins=True)
review_words = data.Vocab.build([w for w, _ in reviews])
print(review_words)
example = [["the", "food", "was", "good"], ["the", "view", "was", "not", "great", "said", "Mary"],
           ["the", "bed", "was", "wonderful"]]
ids, lengths = data.pad_batch([review_words.encode(w) for w in example])
print("ids [T, B] =\n", ids, "\nlengths =", lengths)
print("'wonderful' is unknown:", review_words.decode(ids[:, 2]))

# %% [markdown]
# ## 1. Acceptor: is the review positive?
#
# The task of notebook 1: the verdict is that of the last clause ("the room was dirty but the
# view was great" is positive), so no keyword decides and a bag of words is right on only half
# of the "but" reviews. The acceptor reads the whole review and predicts once, from the final
# output: z = y_n W^z + b^z, L = CE(z, class). We report accuracy on the **held-out** reviews.

# %%
def review_batch(examples):
    ids, lengths = data.pad_batch([review_words.encode(w) for w, _ in examples])
    return ids, numpy.array([label for _, label in examples]), lengths

contrast = numpy.array([data.has_contrast(w) for w, _ in held_out_reviews])

def review_accuracy(model):
    """(held-out accuracy on one-clause reviews, on "but" reviews)"""
    ids, labels, lengths = review_batch(held_out_reviews)
    right = model.predict(ids, lengths) == labels
    return right[~contrast].mean(), right[contrast].mean()

def train_acceptor(cell, epochs=4):
    tr.manual_seed(0)
    model = tr.rnn.Acceptor(cell, num_classes=2, vocab_size=len(review_words))
    history = tr.fit(model, lambda epoch: [review_batch(b)
                                           for b in data.batches(reviews, 32, seed=epoch)],
                     optimizer=tr.optim.Adam(model.parameters(), lr=0.01), epochs=epochs,
                     clip=5.0, progress=False, fused=True)
    return model, history

tr.manual_seed(0)
acceptor, acceptor_history = train_acceptor(tr.rnn.ElmanCell(16, 32))
one, but = review_accuracy(acceptor)
print(f"held-out accuracy: one clause {one:.3f}, 'A but B' {but:.3f} (a bag of words: 0.5)")
assert but > 0.9

# %% [markdown]
# What the acceptor thinks along the way: reading its output layer after every word (the
# prediction it would make if the review stopped there) shows where it changes its mind: at
# "not", and in the second clause after "but".

# %%
def running_verdict(model, review):
    """P(positive) after each word: the output layer read at every step's y_t."""
    ids = numpy.array(review_words.encode(review))[:, None]
    with tr.no_grad():
        ys, _ = tr.rnn.unroll(model.rnn, model.embedding(ids))
        return [tr.softmax(model.output(y)).numpy()[0, 1] for y in ys]

review = "the food was not good but the view was great said Mary".split()
probability = running_verdict(acceptor, review)
fig, ax = plt.subplots(figsize=(8, 2.5))
ax.plot(probability, marker="o")
ax.set_xticks(range(len(review)), review)
ax.set_ylim(-0.05, 1.05)
ax.axhline(0.5, color="k", linestyle=":")
ax.set_ylabel("P(positive) so far")
plt.show()

# %% [markdown]
# Where the loss attaches: only the last step's output feeds the classifier, so every earlier
# word influences the loss only through the chain of states.

# %%
sentence = "the room was dirty but the view was great".split()
loss = acceptor.loss(review_words.encode(sentence), [1], labels=sentence)
tr.draw(loss)

# %% [markdown]
# ## 2. Encoder: the final state as features for another network
#
# An encoder reads the whole sequence like an acceptor, but its final state s_n (= y_n for an
# Elman cell) is not a prediction: it is a vector that *stands for the sequence*, the input
# features of another network, alone or together with other signals. The encoder–decoder of
# section 4 is one case (the decoder is the other network). Here the acceptor's embedding and
# RNN, trained on verdicts, encode reviews, and a new small network reads the encodings e_1, e_2
# of two reviews and says whether they share an opinion:
#
# f = [(e_1 − e_2)² ; e_1 ⊙ e_2],   h = tanh(f W^1 + b^1),   z = h W^2 + b^2
#
# The encoder stays as it is: its features are computed once, under `tr.no_grad()`, and only
# the new network is trained. (Without `no_grad`, the new network's loss would send gradients
# into the encoder as well, and both would learn together.)

# %%
def encode(model, texts):
    """e = s_n of each text: the model's embedding and RNN, each text read to its own end."""
    ids, lengths = data.pad_batch([review_words.encode(w) for w in texts])
    _, states = tr.rnn.unroll(model.rnn, model.embedding(ids), lengths=lengths)
    return states[-1]

class SameOpinion(tr.nn.Module):
    """Another network on two encodings: same opinion (class 1) or not (class 0)."""
    def __init__(self, size, hidden=16):
        self.hidden = tr.nn.Linear(2 * size, hidden)
        self.out = tr.nn.Linear(hidden, 2)

    def forward(self, e1, e2):
        d = e1 - e2
        return self.out(self.hidden(tr.concat([d * d, e1 * e2], axis=1)).tanh())

    def loss(self, e1, e2, same):
        return tr.cross_entropy(self(e1, e2), same)

def review_pairs(encoder, examples, n, seed):
    """n random pairs of reviews, as the encoder's features, and whether their verdicts agree."""
    with tr.no_grad():                  # a fixed encoder: no graph behind its features
        e = encode(encoder, [w for w, _ in examples]).numpy()
    i, j = numpy.random.default_rng(seed).integers(0, len(examples), (2, n))
    verdicts = numpy.array([label for _, label in examples])
    return tr.Tensor(e[i]), tr.Tensor(e[j]), (verdicts[i] == verdicts[j]).astype(int)

def train_judge(encoder):
    """A SameOpinion network trained on 4000 pairs of training reviews; returns it and its
    accuracy on 1000 pairs of held-out reviews."""
    e1, e2, same = review_pairs(encoder, reviews, 4000, seed=0)
    tr.manual_seed(0)
    judge = SameOpinion(e1.shape[1])
    tr.fit(judge, [(e1[k:k + 100], e2[k:k + 100], same[k:k + 100]) for k in range(0, 4000, 100)],
           epochs=10, progress=False)
    h1, h2, h_same = review_pairs(encoder, held_out_reviews, 1000, seed=1)
    with tr.no_grad():
        return judge, (judge(h1, h2).numpy().argmax(axis=1) == h_same).mean()

judge, learnt = train_judge(acceptor)
tr.manual_seed(0)
untrained = tr.rnn.Acceptor(tr.rnn.ElmanCell(16, 32), num_classes=2, vocab_size=len(review_words))
_, unlearnt = train_judge(untrained)
print(f"held-out 'same opinion?' accuracy: {learnt:.3f} on the trained encoder's features, "
      f"{unlearnt:.3f} on those of an untrained encoder (a coin flip: 0.5)")
assert learnt > 0.9 and unlearnt < 0.7

# %% [markdown]
# The features carry what the encoder learnt: the same new network, on the features of an
# untrained encoder of the same shape, does no better than a coin flip. The graph of one pair
# (two reviews encoded as one batch): the encoder's steps, and its final state feeding the
# other network.

# %%
pair = ["the food was good".split(), "the room was dirty".split()]
e = encode(acceptor, pair)
with tr.scope("same opinion?"):
    loss = judge.loss(e[0:1], e[1:2], [0])
tr.draw(loss)

# %% [markdown]
# ## 3. Transducer: tag every word
#
# One prediction per word, z_t = y_t W^z + b^z, in BIO tags (B- begins a name, I- continues
# it): John → B-PER, Salt → B-LOC, Lake → I-LOC, City → I-LOC, the rest O.
#
# The data (`data.ambiguous_sentences`) is made so that tagging is not a lookup: many names
# are both a first name and a city (Austin, Jordan, Sydney, ...), they stand anywhere in the
# sentence, and only the words **after** them decide ("Austin lives in Paris" against "Austin
# is a big city"). The held-out sentences use **names never seen in training**; the
# vocabulary turns them into `<unk>`, so the tagger can only get them from their context. For
# the `<unk>` vector to mean anything, training replaces a fifth of the names by `<unk>` at
# random (*word dropout*, `data.unknown_names`).

# %%
sentences = data.ambiguous_sentences(600, seed=0)
held_out = data.ambiguous_sentences(300, seed=1, held_out=True)
words = data.Vocab.build([w for w, _ in sentences])
tags = data.Vocab(data.TAGS, pad=None, unk=None)
for w, t in held_out[:3]:
    print(list(zip(w, t)))
print("as the tagger reads it:", words.decode(words.encode(held_out[0][0])))

# %%
def tagger_batch(examples):
    ids, lengths = data.pad_batch([words.encode(w) for w, _ in examples])
    tag_ids, _ = data.pad_batch([tags.encode(t) for _, t in examples])
    return ids, tag_ids, lengths

def tag_accuracy(model, examples):
    """Held-out accuracy on (all words, the names in {P}/{L} slots, the ambiguous names)."""
    ids, tag_ids, lengths = tagger_batch(examples)
    right = model.predict(ids, lengths) == tag_ids
    real = numpy.arange(len(ids))[:, None] < lengths[None, :]
    ambiguous = numpy.zeros_like(real)
    for b, (w, _) in enumerate(examples):
        ambiguous[:len(w), b] = data.name_positions(w)
    names = real & (tag_ids != tags["O"]) & ~ambiguous
    return right[real].mean(), right[names].mean(), right[ambiguous].mean()

def train_tagger(dropout=0.2, epochs=6):
    """A tagger trained on batches in which a fraction `dropout` of the names are <unk>; after
    every epoch (one `tr.fit` call, the same optimizer throughout) its held-out accuracies are
    measured. Returns (model, training losses, held-out accuracies per epoch)."""
    tr.manual_seed(0)
    model = tr.rnn.Transducer(tr.rnn.ElmanCell(16, 32), num_tags=len(tags),
                              vocab_size=len(words))
    optimizer = tr.optim.Adam(model.parameters(), lr=0.02)
    losses, curve = [], []
    for epoch in range(epochs):
        batches = [tagger_batch(b) for b in data.batches(
            data.unknown_names(sentences, dropout, seed=epoch), 32, seed=epoch)]
        losses += tr.fit(model, batches, optimizer=optimizer, clip=5.0, progress=False,
                         fused=True).losses
        curve.append(tag_accuracy(model, held_out))
    return model, losses, curve

# %% [markdown]
# A learning curve: the training loss after every step, and the held-out accuracy after every
# epoch.

# %%
tagger, losses, curve = train_tagger()

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(losses)
left.set_xlabel("training step")
left.set_ylabel("training loss")
for i, label in enumerate(["all words", "other names (unseen)", "ambiguous names (unseen)"]):
    right.plot(range(1, 7), [c[i] for c in curve], marker="o", label=label)
right.axhline(0.5, color="k", linestyle=":", label="coin flip")
right.set_xlabel("epoch")
right.set_ylabel("held-out accuracy")
right.set_ylim(0, 1.05)
right.legend(loc="lower right")
plt.tight_layout()
plt.show()
every, names, ambiguous = curve[-1]
print(f"held-out: all words {every:.3f}, unseen names {names:.3f}, "
      f"ambiguous names {ambiguous:.3f}")
assert names > 0.8 and ambiguous < 0.7

# %% [markdown]
# The unseen names in the {P} and {L} slots come out right: "smiled at <unk>" and "lives in
# <unk>" say what the unknown word is, and the words that say it come *before* it. The
# ambiguous names do not: at "Austin" (or the unseen "Charlotte") a left-to-right tagger has
# not read the words that decide yet, and it is right about half of the time. Notebook 5
# fixes that with a bidirectional RNN.

# %%
sentence = "John lives in Salt Lake City".split()
predicted = tags.decode(tagger.predict(words.encode(sentence))[:, 0])
print(list(zip(sentence, predicted)))

# %% [markdown]
# Here the loss attaches at every step: L = Σ_t (n_t/N) CE_t, where CE_t is the mean
# cross-entropy of step t's predictions over the n_t sentences still running at step t and
# N = Σ_t n_t is the number of real words in the batch; so L is the mean over all real words,
# one term per step (the `loss` boxes at the top), and every y_t gets a gradient of its own.

# %%
loss = tagger.loss(words.encode(sentence), tags.encode(predicted), labels=sentence)
tr.draw(loss)

# %% [markdown]
# ## 4. Encoder–decoder: say a number sequence backwards
#
# The encoder reads the source ("five seven nine"); its final state s_n becomes the decoder's
# initial state; the decoder then writes the target ("nine seven five") one word at a time.
# Training uses *teacher forcing* (the decoder reads the true previous word); `generate`
# decodes greedily, feeding back its own predictions (or by beam search, below). Everything
# the decoder knows about the source must pass through the single vector s_n. An LSTM cell
# (notebook 8) learns this faster than an Elman cell.

# %%
DIGITS = "zero one two three four five six seven eight nine".split()
digits = data.Vocab(DIGITS, specials=("<s>", "</s>"))

def reversal_pairs(n, seed, shortest=2, longest=5):
    rng = numpy.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        length = rng.integers(shortest, longest + 1)
        source = [DIGITS[i] for i in rng.integers(0, 10, size=length)]
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
history = tr.fit(seq2seq, epoch_batches, optimizer=tr.optim.Adam(seq2seq.parameters(), lr=0.01),
                 epochs=4, clip=5.0, progress=False, fused=True)
def exact_match(pairs):
    """The fraction of held-out pairs whose whole reversed sequence comes out right."""
    src, _, src_lengths, _ = seq2seq_batch(pairs)
    outputs = seq2seq.generate(src, max_len=12, end_token=digits["</s>"],
                               start_token=digits["<s>"], src_lengths=src_lengths)
    return numpy.mean([digits.decode(o) == t for o, (_, t) in zip(outputs, pairs)]), outputs

exact, outputs = exact_match(pairs_test)
print(f"exactly right on {exact:.0%} of the held-out sequences")
for o, (s, t) in list(zip(outputs, pairs_test))[:4]:
    print(" ".join(s), "->", " ".join(digits.decode(o)))

# %% [markdown]
# ### Greedy decoding or beam search
#
# Greedy decoding takes the most likely word at every step and never looks back. The most
# likely *sequence* can start with a word that is not the most likely first word. A small
# made-up decoder shows it: the first word is "a" (0.5) or "b" (0.4); after "a" nothing is
# likely, after "b" the end is (0.9). Greedy decoding says "a", then stops: 0.5 · 0.34 = 0.17.
# **Beam search** keeps the k best partial sequences (the *beam*), each scored by the sum of
# its words' log-probabilities, extends each by every word, and keeps the k best extensions
# again. With k = 2 it keeps "b" as well and finds "b", then the end: 0.4 · 0.9 = 0.36.
# `tr.rnn.beam_search` takes any `step(state, tokens) -> (state, log_probs)`; here the
# "decoder" is a table of probabilities and its state is the step number.

# %%
words_ab = ["<s>", "</s>", "a", "b"]                 # token ids 0, 1, 2, 3
probs = numpy.full((2, 4, 4), 1e-9)          # P(next word | step, previous word)
probs[0, 0, 1:] = [0.1, 0.5, 0.4]            # step 1, after <s>: </s>, a, b
probs[1, 2, 1:] = [0.34, 0.33, 0.33]         # step 2, after "a"
probs[1, 3, 1:] = [0.9, 0.05, 0.05]          # step 2, after "b"
log_p = numpy.log(probs / probs.sum(axis=-1, keepdims=True))

def table_step(state, tokens):
    t = state.numpy()[:, 0].astype(int)      # one row per partial sequence
    return tr.Tensor(t[:, None] + 1.0), log_p[t, tokens]

searches = {}
for k in (1, 2):
    searches[k] = tr.rnn.BeamTrace()
    found, score = tr.rnn.beam_search(table_step, tr.Tensor([[0.0]]), start_token=0,
                                      end_token=1, max_len=2, beam_size=k, trace=searches[k])
    print(f"beam_size={k}: {[words_ab[i] for i in found]}, P = {numpy.exp(score):.2f}")

# %% [markdown]
# Pass a `tr.rnn.BeamTrace` to see what the search did: every partial sequence it considered,
# the probability of the whole sequence so far, what stayed in the beam (green), what ended
# (orange) and what did not make the beam (dashed). Greedy decoding (a beam of one) drops "b"
# at the first step:

# %%
searches[1].draw(words_ab)

# %% [markdown]
# A beam of two keeps "b", and "b" then the end is the answer (bold):

# %%
searches[2].draw(words_ab)

# %% [markdown]
# `generate(..., beam_size=k)` does the same with the trained decoder (k = 1 is greedy
# decoding). On the reversal task the model is confident, so the beam rarely changes the
# answer. Here its outputs are at least as likely as greedy's (`return_scores=True` gives
# each output's log-probability); that is usual but not guaranteed, since the beam may drop
# the partial sequence that greedy decoding follows.

# %%
src, _, src_lengths, _ = seq2seq_batch(pairs_test)
by_beam = {k: seq2seq.generate(src, max_len=12, end_token=digits["</s>"],
                               start_token=digits["<s>"], src_lengths=src_lengths,
                               beam_size=k, return_scores=True) for k in (1, 3)}
for k, found in by_beam.items():
    right = numpy.mean([digits.decode(o) == t for (o, _), (_, t) in zip(found, pairs_test)])
    mean_log_p = numpy.mean([score for _, score in found])
    print(f"beam_size={k}: exactly right {right:.0%}, mean log P(output) {mean_log_p:.3f}")
changed = sum(a != b for (a, _), (b, _) in zip(by_beam[1], by_beam[3]))
print(f"the beam changed {changed} of {len(pairs_test)} outputs")
assert all(s3 >= s1 - 1e-9 for (_, s1), (_, s3) in zip(by_beam[1], by_beam[3]))

# %% [markdown]
# The search of the trained decoder for one source, with a beam of three. The model is sure of
# each word, so the other extensions keep tiny probabilities:

# %%
one_src, _, one_lengths, _ = seq2seq_batch(pairs_test[:1])
traces = []
seq2seq.generate(one_src, max_len=12, end_token=digits["</s>"], start_token=digits["<s>"],
                 beam_size=3, traces=traces)
print(" ".join(pairs_test[0][0]))
traces[0].draw(digits)

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
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell. Worked solutions: `tutorials/solutions/04_usage_patterns.ipynb`.
#
# ### Exercise 1: a review it never saw
#
# In the training data the two clauses of a "but" review always disagree, so the acceptor
# could have learnt a shortcut: "the opposite of the first clause". Probe it with reviews whose
# clauses *agree* (none of them are in the data). Store the acceptor's final P(positive) for
# each review in `agreeing` in the list `final_p`. Does it follow the last clause or take the
# shortcut?

# %%
agreeing = ["the staff was friendly but the room was clean",
            "the staff was rude but the room was dirty",
            "the food was not good but the coffee was not great",
            "the bed was not bad but the coffee was good said Mary"]
last_clause_positive = [True, False, False, True]
# BEGIN SOLUTION
final_p = [running_verdict(acceptor, review.split())[-1] for review in agreeing]
# Why: it follows the last clause: it learnt to read what comes after "but", not to flip
# the first clause's verdict.
# END SOLUTION
print([round(float(p), 3) for p in final_p])

# %%
# Check 1
assert len(final_p) == len(agreeing) and all(0 <= p <= 1 for p in final_p)
assert [p > 0.5 for p in final_p] == last_clause_positive
print("correct")

# %% [markdown]
# ### Exercise 2: without word dropout
#
# Train the same tagger **without** word dropout (`train_tagger(dropout=0.0)`) and store its
# held-out accuracies after the last epoch in `no_dropout`. What happens to the unseen names,
# and why?

# %%
# BEGIN SOLUTION
plain, _, plain_curve = train_tagger(dropout=0.0)
no_dropout = plain_curve[-1]
# Why: without dropout <unk> never occurs in training, so its embedding keeps its random
# initial value and says nothing; held-out names (all <unk>) are tagged from a meaningless
# vector.
# END SOLUTION
print(f"unseen names: {no_dropout[1]:.3f} without word dropout, {names:.3f} with it")

# %%
# Check 2
assert len(no_dropout) == 3
assert no_dropout[1] < names - 0.1
print("correct")

# %% [markdown]
# ### Exercise 3: the bottleneck s_n
#
# The encoder–decoder was trained on 2 to 5 digits. Measure its exact-match accuracy on
# held-out sequences of exactly 3 digits and of exactly 8 digits (`reversal_pairs(200, seed=2,
# shortest=..., longest=...)` and `exact_match`), and store them in `short_exact`, `long_exact`.
# Why does a single vector s_n become the bottleneck?

# %%
# BEGIN SOLUTION
short_exact = exact_match(reversal_pairs(200, seed=2, shortest=3, longest=3))[0]
long_exact = exact_match(reversal_pairs(200, seed=2, shortest=8, longest=8))[0]
# Why: every digit must be stored in s_n (48 numbers) before the first one is written, and the
# model never had to store more than five; longer inputs overwrite what it keeps.
# END SOLUTION
print(f"3 digits: {short_exact:.0%}   8 digits: {long_exact:.0%}")

# %%
# Check 3
assert short_exact > 0.8 and long_exact < short_exact - 0.5
print("correct")

# %% [markdown]
# **Next:** notebook 5 reads the words to the right as well: a bidirectional RNN.
