# %% [markdown]
# # 9. A language model that writes: truncated BPTT, a deep RNN, perplexity and sampling
#
# **You will learn:** what a language model is and how an RNN transducer becomes one (predict
# the next character at every step); how to train it over a long text with *truncated*
# backpropagation through time; how to stack two LSTM layers into a deep RNN
# (`tr.rnn.Stacked`); how to measure it with held-out **perplexity**; and how to make it write
# text by sampling with a **temperature**, watching the text improve as it trains.
#
# A language model gives every text a probability, one symbol at a time:
#
# P(c_1 c_2 ... c_n) = P(c_1) · P(c_2 | c_1) · ... · P(c_n | c_1 ... c_{n-1})
#
# An RNN is made for the factors: its state s_t summarises c_1 .. c_t, and a transducer
# predicts from y_t a distribution over the next character c_{t+1}. The training pairs are the
# text itself: input c_t, target c_{t+1}.

# %%
import math
import numpy
import matplotlib.pyplot as plt
import tinygrad_rnn as tr
from tinygrad_rnn import data

# %% [markdown]
# ## The text
#
# `data.STORIES` is about 9,000 characters of short stories about a harbour village, written
# for this library. Its last two paragraphs are held out: the model never trains on them, and
# we measure it there.

# %%
train_text, held_out_text = data.split_stories()
vocab = data.char_vocab(train_text)            # every character of the training text
print(len(train_text), "training characters,", len(held_out_text), "held out,",
      len(vocab), "different characters")
print(held_out_text[:300])

# %% [markdown]
# ## Parallel streams
#
# `data.char_lm_data(B)` cuts the text into B equal stretches and lays them side by side:
# `inputs[t, b]` is character t of stretch b and `targets[t, b]` the character after it. Each
# column is read from top to bottom by its own copy of the state, so one matrix product per
# step serves all B streams.

# %%
B = 32
_, inputs, targets = data.char_lm_data(B, text=train_text, vocab=vocab)
_, held_inputs, held_targets = data.char_lm_data(4, text=held_out_text, vocab=vocab)
print("inputs", inputs.shape, " (steps, streams)")
for b in range(3):
    print(f"stream {b}: {vocab.decode(inputs[:40, b], join=True)!r}")

# %% [markdown]
# ## A deep RNN: two LSTM layers
#
# `tr.rnn.Stacked([cell_1, cell_2])` is a deep RNN: layer 1 reads the embedded characters,
# layer 2 reads layer 1's outputs, and the prediction reads layer 2's:
# y^1_t = LSTM_1(x_t), y^2_t = LSTM_2(y^1_t), z_t = y^2_t W^z + b^z. Each layer has its own
# state, so the state of the whole network is the list of both. Here is a small one with
# Elman cells over four characters, drawn: two rows of cells, one per layer.

# %%
tr.manual_seed(0)
tiny = tr.rnn.Transducer(tr.rnn.Stacked([tr.rnn.ElmanCell(4, 3), tr.rnn.ElmanCell(3, 3)]),
                         num_tags=len(vocab), vocab_size=len(vocab))
text = "The keeper"
ids = numpy.array(vocab.encode(text))[:, None]
tiny_loss = tiny.loss(ids[0:4], ids[1:5], labels=list(text[0:4]))
tr.draw(tiny_loss)

# %% [markdown]
# ## Backpropagation through time, truncated
#
# Training on the whole text at once would be **backpropagation through time** (BPTT, notebook
# 6) over a graph of 260 steps per stream: one update per pass over the text, and a graph
# whose every node must be kept until the backward pass. **Truncated BPTT** cuts the text into
# chunks of k steps (here k = 25) and makes one update per chunk:
#
# * forward, the state carries on across the chunk boundary: chunk 2 starts from the state
#   chunk 1 ended with, so the model still reads the text as one long sequence;
# * backward, the gradient stops at the boundary: the carried state is **detached**
#   (`tr.train.detach_state`), a leaf holding the numbers with no graph behind it.
#
# The price: no gradient says "change something at step 10 so that step 40 is predicted
# better". Dependencies longer than k steps can still be *used* (the state carries them), but
# they are learnt only as far as shorter ones teach them.

# %%
fig, ax = plt.subplots(figsize=(10, 2.2))
for k in range(3):
    ax.add_patch(plt.Rectangle((k * 25, 0), 24, 1, facecolor="#e8f0fb", edgecolor="gray"))
    ax.annotate("", xy=(k * 25 + 1, 0.3), xytext=(k * 25 + 23, 0.3),
                arrowprops=dict(arrowstyle="->", color="tab:red"))
    ax.text(k * 25 + 12, 0.12, "gradient (backward)", ha="center", color="tab:red", fontsize=9)
    ax.annotate("", xy=(k * 25 + 23, 0.72), xytext=(k * 25 + 1, 0.72),
                arrowprops=dict(arrowstyle="->", color="tab:green"))
    ax.text(k * 25 + 12, 0.8, f"chunk {k + 1}: steps {k * 25}..{k * 25 + 24}", ha="center",
            fontsize=9)
    if k:
        ax.annotate("", xy=(k * 25 + 1, 0.6), xytext=(k * 25 - 2, 0.6),
                    arrowprops=dict(arrowstyle="->", color="tab:green", lw=2))
        ax.text(k * 25 - 0.5, -0.25, "state carried,\ndetached", ha="center", fontsize=8)
ax.set_xlim(-1, 76)
ax.set_ylim(-0.5, 1.1)
ax.axis("off")
ax.set_title("truncated BPTT: the state flows on (green), the gradient stops at each chunk's "
             "start (red)", fontsize=10)
plt.show()

# %% [markdown]
# In the recorded graph: the second chunk of the small model above starts from s_0 leaves that
# hold the values chunk 1 ended with (not zeros), and nothing is drawn behind them.

# %%
first, state = tiny.loss(ids[0:4], ids[1:5], return_state=True)
state = tr.train.detach_state(state)
second, _ = tiny.loss(ids[4:8], ids[5:9], state=state, return_state=True,
                      labels=list(text[4:8]))
print("carried state of layer 1:", state[0].numpy().round(3), " a leaf:", state[0].op is None)
tr.draw(second, show="value")

# %% [markdown]
# ## Perplexity
#
# The loss is the mean cross-entropy, -log P(next character), in nats. Its exponential is the
# **perplexity**: the model is as unsure as if it chose uniformly among that many characters.
# Two baselines: uniform over the vocabulary, and the character frequencies of the training
# text (a model that ignores the context).

# %%
counts = numpy.bincount(vocab.encode(train_text), minlength=len(vocab)) + 1    # add-one
unigram = counts / counts.sum()
unigram_perplexity = math.exp(-numpy.mean(numpy.log(unigram[vocab.encode(held_out_text)])))
print(f"uniform: perplexity {len(vocab)};  character frequencies: {unigram_perplexity:.1f}")

# %% [markdown]
# ## Training
#
# Two stacked LSTM layers of 64 units, characters embedded in 16 numbers, Adam, gradient
# clipping at 5, chunks of 25 steps. `tr.train.truncated_bptt(step_fn, length, chunk,
# optimizer)` runs the chunks in order: it calls `step_fn(start, stop, state)` for the loss
# and the state at the chunk's end, makes one update, and detaches the state. After every
# epoch we measure the held-out perplexity, and now and then we let the model write.

# %%
def sample(model, prompt, n, temperature, seed=0):
    """Continue `prompt` by n characters, each drawn from softmax(z / temperature)."""
    rng = numpy.random.default_rng(seed)
    with tr.no_grad():
        logits, state = model.run(numpy.array(vocab.encode(prompt))[:, None])
        out = []
        for _ in range(n):
            z = logits[-1].numpy()[0] / temperature
            p = numpy.exp(z - z.max())
            c = rng.choice(len(p), p=p / p.sum())
            out.append(c)
            logits, state = model.run(numpy.array([[c]]), state=state)
    return prompt + vocab.decode(out, join=True)

def held_out_perplexity(model):
    with tr.no_grad():
        return math.exp(model.loss(held_inputs, held_targets).item())

tr.manual_seed(0)
lm = tr.rnn.Transducer(tr.rnn.Stacked([tr.rnn.LSTMCell(16, 64), tr.rnn.LSTMCell(64, 64)]),
                       num_tags=len(vocab), vocab_size=len(vocab))
optimizer = tr.optim.Adam(lm.parameters(), lr=0.02)

def chunk_loss(start, stop, state):
    return lm.loss(inputs[start:stop], targets[start:stop], state=state, return_state=True)

EPOCHS, CHUNK = 12, 25
train_losses, perplexities, samples = [], [], {}
for epoch in range(1, EPOCHS + 1):
    losses, _ = tr.train.truncated_bptt(chunk_loss, len(inputs), CHUNK, optimizer, clip=5.0,
                                        fused=True)
    train_losses += losses
    perplexities.append(held_out_perplexity(lm))
    if epoch in (1, 3, 6, EPOCHS):
        samples[epoch] = sample(lm, "The keeper ", 120, temperature=0.7)
        print(f"--- epoch {epoch}: held-out perplexity {perplexities[-1]:.2f}, a sample:")
        print(samples[epoch], "\n")

# %% [markdown]
# The learning curves: the training perplexity of every chunk and the held-out perplexity
# after every epoch, against the two baselines.

# %%
chunks_per_epoch = len(train_losses) / EPOCHS
fig, ax = plt.subplots(figsize=(8, 4))
ax.semilogy(numpy.arange(1, len(train_losses) + 1) / chunks_per_epoch, numpy.exp(train_losses),
            alpha=0.6, label="training perplexity (one chunk)")
ax.semilogy(range(1, EPOCHS + 1), perplexities, marker="o", label="held-out perplexity")
ax.axhline(len(vocab), color="gray", linestyle=":", label="uniform")
ax.axhline(unigram_perplexity, color="k", linestyle="--", label="character frequencies")
ax.set_xlabel("epoch")
ax.set_ylabel("perplexity (log scale)")
ax.set_yticks([3, 4, 6, 10, 20, 40], ["3", "4", "6", "10", "20", "40"])
ax.legend()
plt.show()
print(f"held-out perplexity after {EPOCHS} epochs: {perplexities[-1]:.2f}")
assert perplexities[-1] < 4.5 < unigram_perplexity / 3

# %% [markdown]
# The held-out perplexity falls below 4.5: at every step the model hesitates, on average,
# between fewer than five characters, where the character frequencies alone leave it choosing
# among about twenty.
#
# ## Temperature
#
# Sampling draws each character from p_T(c) ∝ exp(z_c / T). T = 1 is the model's own
# distribution; a low temperature sharpens it towards the most likely character (safe,
# repetitive text), a high one flattens it towards uniform (inventive, then nonsense).

# %%
for temperature in (0.3, 0.7, 1.0, 1.5):
    print(f"--- T = {temperature}:")
    print(sample(lm, "The children ", 150, temperature), "\n")

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell. Worked solutions: `tutorials/solutions/09_language_model.ipynb`.
#
# ### Exercise 1: temperature and entropy
#
# After the prompt "The keeper ", compute the trained model's distribution over the next
# character at temperatures 0.5, 1 and 2, and store the entropy of each (in nats,
# -Σ p log p) in the list `entropies`. Also store the most likely next character in
# `likeliest`.

# %%
# BEGIN SOLUTION
with tr.no_grad():
    z = lm(numpy.array(vocab.encode("The keeper "))[:, None])[-1].numpy()[0]
entropies = []
for temperature in (0.5, 1.0, 2.0):
    p = numpy.exp((z - z.max()) / temperature)
    p /= p.sum()
    entropies.append(float(-(p * numpy.log(p)).sum()))
likeliest = vocab.itos[int(z.argmax())]
# Why: dividing the logits by T < 1 stretches their differences, so the distribution
# concentrates on the likeliest characters (lower entropy); T > 1 flattens it.
# END SOLUTION
print([round(e, 3) for e in entropies], repr(likeliest))

# %%
# Check 1
assert len(entropies) == 3 and entropies[0] < entropies[1] < entropies[2] < math.log(len(vocab))
assert sample(lm, "The keeper ", 1, temperature=1e-3)[-1] == likeliest
print("correct")

# %% [markdown]
# ### Exercise 2: what detaching cuts
#
# Run the first two chunks of the training data (steps 0..24 and 25..49) through `lm` twice:
# once detaching the state between them (as truncated BPTT does), once not. Each time, call
# `backward()` on the **second** chunk's loss only and store the gradient of the first layer's
# W^x (`lm.rnn.layers[0].W_x.grad`, copied) in `grad_detached` and `grad_full`. Why do they
# differ, and which one costs more memory?

# %%
# BEGIN SOLUTION
def second_chunk_grad(detach):
    lm.zero_grad()
    _, state = lm.loss(inputs[:25], targets[:25], return_state=True)
    if detach:
        state = tr.train.detach_state(state)
    loss, _ = lm.loss(inputs[25:50], targets[25:50], state=state, return_state=True)
    loss.backward()
    return lm.rnn.layers[0].W_x.grad.copy()

grad_detached, grad_full = second_chunk_grad(True), second_chunk_grad(False)
lm.zero_grad()
# Why: without detaching, the gradient of chunk 2's loss flows back into chunk 1 too (full
# BPTT over 50 steps), adding chunk 1's contributions; that needs chunk 1's whole graph kept
# in memory until the backward pass.
# END SOLUTION
print("largest difference:", abs(grad_full - grad_detached).max())

# %%
# Check 2
assert grad_full.shape == grad_detached.shape == lm.rnn.layers[0].W_x.shape
assert not numpy.allclose(grad_full, grad_detached)
print("correct")

# %% [markdown]
# ### Exercise 3: the unigram baseline by hand
#
# Compute the held-out perplexity of the model that ignores the context: P(c) = the
# character's frequency in the training text (add 1 to every count so no probability is 0).
# Use `collections.Counter` rather than `numpy.bincount`, and store it in `my_unigram`.

# %%
from collections import Counter
# BEGIN SOLUTION
character_counts = Counter(train_text)
total = sum(character_counts[c] + 1 for c in vocab.itos)
my_unigram = math.exp(-sum(math.log((character_counts[c] + 1) / total) for c in held_out_text)
                      / len(held_out_text))
# Why: it is what the character frequencies alone know; the LSTM's perplexity is several times
# lower because it reads the context.
# END SOLUTION
print(f"unigram perplexity {my_unigram:.2f}")

# %%
# Check 3
assert abs(my_unigram - unigram_perplexity) < 1e-9
print("correct")

# %% [markdown]
# **Where next:** the example homework in `tutorials/homework/` (the Elman cell, a sigmoid's
# backward, the LSTM's gates and a tagger's loss, graded by `tinygrad-rnn homework grade`).
