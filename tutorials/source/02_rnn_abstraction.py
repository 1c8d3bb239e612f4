# %% [markdown]
# # 2. The RNN abstraction: two functions, R and O
#
# **You will learn:** how every recurrent network is the same pair of functions R and O, how to
# compute one step by hand, and what the graph of one step looks like.
#
# Notebook 1 ended with the answer to "a classifier wants a vector of fixed size": a recurrent
# neural network (RNN) reads the words one by one and keeps a **state** s_t, a vector that
# summarises everything read so far:
#
# | | | |
# |---|---|---|
# | next state | s_t = R(s_{t-1}, x_t) | R reads the old state and the new input |
# | output | y_t = O(s_t) | O turns the state into what we predict from |
#
# The same R and O (the same parameters) are used at every step, so the network works for
# sentences of any length.

# %%
import numpy
import tinygrad_rnn as tr

tr.manual_seed(0)
words = "John lives in Salt Lake City".split()
rng = numpy.random.default_rng(0)
vectors = {w: rng.standard_normal(4).round(2) for w in words}   # a toy 4-d word vector each
for w in words:
    print(f"{w:>5}", vectors[w])

# %% [markdown]
# ## The abstraction in code
#
# `tr.rnn.RNNCell` is the abstraction: a cell has `initial_state(batch)`, `R(state, x)` and
# `O(state)`. Here is the simplest cell we can think of, written by hand: the state is a
# running average of the inputs, and the output is the state. It has no parameters and learns
# nothing, but it *is* an RNN.

# %%
class AverageCell(tr.rnn.RNNCell):
    """s_t = R(s_{t-1}, x_t) = 0.5 s_{t-1} + 0.5 x_t,   y_t = O(s_t) = s_t"""
    kind = "average"

    def initial_state(self, batch_size):
        return tr.Tensor(numpy.zeros((batch_size, self.hidden_size)), name="s")

    def R(self, state, x):
        return 0.5 * state + 0.5 * x

    def O(self, state):
        return state


average = AverageCell(input_size=4, hidden_size=4)
s = average.initial_state(1)
for w in words[:3]:
    s, y = average(s, tr.Tensor(vectors[w][None, :]))   # cell(s_{t-1}, x_t) -> (s_t, y_t)
    print(f"after {w!r:8} y_t = {y.numpy().round(3)}")

# %% [markdown]
# ## The Elman cell, one step by hand
#
# The lecture's simple RNN (Elman, 1990) makes R a learned function:
#
# s_t = R(s_{t-1}, x_t) = tanh(x_t W^x + s_{t-1} W^s + b),   y_t = O(s_t) = s_t
#
# with x_t a row vector (`[batch, input_size]`), W^x of shape `(input_size, hidden_size)`,
# W^s `(hidden_size, hidden_size)` and one bias b.

# %%
cell = tr.rnn.ElmanCell(input_size=4, hidden_size=3)
for name, p in cell.named_parameters():
    print(f"{name:4} {p.name:4} shape {p.shape}")

# %% [markdown]
# Step 1 reads "John" from the initial state s_0 = 0. First with NumPy, on the raw arrays:

# %%
W_x, W_s, b = cell.W_x.numpy(), cell.W_s.numpy(), cell.b.numpy()
x_1 = vectors["John"][None, :]                      # [1, 4]: a batch of one row
s_0 = numpy.zeros((1, 3))
a_1 = x_1 @ W_x + s_0 @ W_s + b                      # the pre-activation
s_1_by_hand = numpy.tanh(a_1)
print("a_1 =", a_1.round(4))
print("s_1 =", s_1_by_hand.round(4))

# %% [markdown]
# Now with the library: `cell.R` computes the same thing with tensors, and records how.

# %%
s0 = cell.initial_state(1)
x1 = tr.Tensor(x_1, name="x")
s1 = cell.R(s0, x1)
y1 = cell.O(s1)
print("s_1 =", s1.numpy().round(4))
assert numpy.allclose(s1.numpy(), s_1_by_hand)
print("y_1 is s_1:", y1 is s1, "  made by the op", repr(s1.op),
      "from", [t.op or t.name for t in s1.inputs])

# %% [markdown]
# `tr.rnn.unroll` applies R once per word (notebook 2). Over a one-word sentence it is exactly
# one step, and it names the step after its word, so the drawings below can show it.

# %%
ys, states = tr.rnn.unroll(cell, [x1], labels=["John"])
s1 = states[1]
assert numpy.allclose(s1.numpy(), s_1_by_hand)

# %% [markdown]
# ## The graph of one step
#
# Every tensor remembers the op that made it and its inputs, so the step can be drawn exactly
# as it was computed: two matrix products, two additions and a tanh, reading x_1, s_0 and the
# three parameters (`show="value"` prints the numbers).

# %%
tr.draw(s1, view="ops", show="value")

# %% [markdown]
# The green lines are the recurrent state: s_0 (its own box) passes a small dot, a junction
# the drawing uses to route the state into the step, and enters the matmul with W^s. It is
# one path, s_0 → matmul, not a loop: the recorded graph of an RNN never has one.
#
# The same step in the lecture's picture: one box for R, the input x_1 below, the output y_1
# above and the state s_0 coming in from the left. The new state s_1 would go on to the right,
# into the next step; with one word there is no next step yet (notebook 3 draws all six).

# %%
tr.draw(s1, view="cells")

# %% [markdown]
# ## Other cells are the same abstraction
#
# An LSTM (notebook 7) has a state made of two parts, s_t = (c_t, h_t), and outputs y_t = h_t,
# but it is used in exactly the same way: `cell(state, x) -> (state, y)`.

# %%
lstm = tr.rnn.LSTMCell(4, 3)
state, y = lstm(lstm.initial_state(1), x1)
print("LSTM state parts:", [p.name for p in state], [p.shape for p in state], " y:", y.shape)

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell that tells you whether it is right. Worked solutions:
# `tutorials/solutions/02_rnn_abstraction.ipynb`.
#
# ### Exercise 1: step 2 by hand
#
# Compute s_2, the state after "lives", with NumPy only (start from `s_1_by_hand` and use
# `W_x`, `W_s`, `b` and `vectors["lives"]`). Store it in `s_2_by_hand`, shape `(1, 3)`.

# %%
# BEGIN SOLUTION
x_2 = vectors["lives"][None, :]
s_2_by_hand = numpy.tanh(x_2 @ W_x + s_1_by_hand @ W_s + b)
# END SOLUTION
print("s_2 =", s_2_by_hand.round(4))

# %%
# Check 1
s2 = cell.R(s1, tr.Tensor(vectors["lives"][None, :]))
assert numpy.shape(s_2_by_hand) == (1, 3)
assert numpy.allclose(s_2_by_hand, s2.numpy()), "compare with cell.R(s1, x_2)"
print("correct")

# %% [markdown]
# ### Exercise 2: relu against tanh
#
# Make `relu_cell = tr.rnn.ElmanCell(4, 3, activation="relu")` and `tanh_cell =
# tr.rnn.ElmanCell(4, 3)`, give both W^s **four times** the weights of `cell` (and `cell`'s W^x
# and b), and unroll each over 30 copies of the input `x1`. Store the largest absolute entry of
# the last state in `relu_last` and `tanh_last`. Why can the relu state grow without bound?

# %%
xs30 = [x1] * 30
# BEGIN SOLUTION
relu_cell = tr.rnn.ElmanCell(4, 3, activation="relu")
tanh_cell = tr.rnn.ElmanCell(4, 3)
for c in (relu_cell, tanh_cell):
    c.W_x.data, c.W_s.data, c.b.data = W_x.copy(), 4 * W_s, b.copy()
relu_last = abs(tr.rnn.unroll(relu_cell, xs30)[1][-1].numpy()).max()
tanh_last = abs(tr.rnn.unroll(tanh_cell, xs30)[1][-1].numpy()).max()
# Why: tanh squashes every state into (-1, 1); relu(a) = max(a, 0) passes any positive
# value on unchanged, so when s W^s makes the state longer, it keeps growing step after step.
# END SOLUTION
print(f"largest entry of s_30: relu {relu_last:.3g}, tanh {tanh_last:.3g}")

# %%
# Check 2
assert numpy.allclose(relu_cell.W_s.numpy(), 4 * W_s) and relu_cell.activation == "relu"
assert tanh_last < 1 < relu_last
print("correct")

# %% [markdown]
# ### Exercise 3: a cell that counts
#
# Write `CountCell`, an `RNNCell` whose state counts the words read so far: s_0 = 0,
# R(s, x) = s + 1, O(s) = s (state width 1). Unroll it over the six words of the sentence and
# store the outputs as a list of numbers in `counts`. Which entries of x does R ignore, and
# what does that say about what R *must* do for a tagger?

# %%
# BEGIN SOLUTION
class CountCell(tr.rnn.RNNCell):
    """s_t = R(s_{t-1}, x_t) = s_{t-1} + 1,   y_t = O(s_t) = s_t"""
    kind = "count"

    def initial_state(self, batch_size):
        return tr.Tensor(numpy.zeros((batch_size, 1)), name="s")

    def R(self, state, x):
        return state + 1

    def O(self, state):
        return state

counter = CountCell(input_size=4, hidden_size=1)
ys_count, _ = tr.rnn.unroll(counter, [tr.Tensor(vectors[w][None, :]) for w in words])
counts = [float(y.item()) for y in ys_count]
# Why: it ignores every entry of x, so it cannot tell one word from another; a tagger's R must
# read x_t, or the state (and every tag) is the same for all sentences of the same length.
# END SOLUTION
print(counts)

# %%
# Check 3
assert isinstance(counter, tr.rnn.RNNCell)
assert counts == [float(t) for t in range(1, len(words) + 1)]
print("correct")

# %% [markdown]
# ### Exercise 4: the names inside an LSTM step
#
# Find the names of the tensors that one LSTM step computes (every node with an op in
# `tr.debug.forward_order(...)` of the LSTM's new state `state` above; skip the unnamed ones)
# and store them as a set in `lstm_names`. Which of them are the gates?

# %%
# BEGIN SOLUTION
lstm_names = {node.name for node in tr.debug.forward_order(state[1])
              if node.op is not None and node.name}
# Why: i, f and o are the gates (sigmoids, between 0 and 1); g is the candidate (a tanh);
# c and h are the two parts of the new state.
# END SOLUTION
print(sorted(lstm_names))

# %%
# Check 4
assert {"i", "f", "g", "o", "h"} <= lstm_names and "W^x" not in lstm_names
print("correct")

# %% [markdown]
# **Next:** notebook 3 applies R once per word and unrolls the network over a whole sentence.
