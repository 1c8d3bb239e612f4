# %% [markdown]
# # 1. Modeling sequences: the RNN abstraction
#
# **You will learn:** why sequences need a model that reads one item at a time, how every
# recurrent network is the same pair of functions R and O, how to compute one step by hand, and
# what the graph of one step looks like.
#
# A sentence such as *"John lives in Salt Lake City"* has any number of words, but a classifier
# wants a vector of fixed size. A recurrent neural network (RNN) reads the words one by one and
# keeps a **state** s_t, a vector that summarises everything read so far:
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
# The same step in the lecture's picture: one box for R, the input below, the state going out
# to the right (towards the next step).

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
# 1. Compute s_2 for the word "lives" by hand with NumPy (start from `s_1_by_hand`) and check
#    it against `cell.R(s1, ...)`.
# 2. Make an `ElmanCell(4, 3, activation="relu")`. Which values of s_1 change, and why can a
#    relu state grow without bound while a tanh state cannot?
# 3. Write a cell whose state counts the words read so far (R(s, x) = s + 1). Which entries of
#    x does it ignore, and what does that say about what R *must* do for a tagger?
# 4. Draw one step of the LSTM with `tr.draw(..., view="ops")`. How many more ops than the
#    Elman step do you count?
