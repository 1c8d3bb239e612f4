# %% [markdown]
# # 3. Unrolling an RNN over "John lives in Salt Lake City"
#
# **You will learn:** how applying R once per word "unrolls" the network into an ordinary,
# loop-free graph whose copies of the cell share one set of parameters, how to look at that
# graph in three views, and why the state s_t encodes exactly the words up to t.

# %%
import numpy
import tinygrad_rnn as tr
from IPython.display import display

tr.manual_seed(0)
words = "John lives in Salt Lake City".split()
rng = numpy.random.default_rng(0)
vectors = {w: rng.standard_normal(4) for w in words}
xs = [tr.Tensor(vectors[w][None, :], name="x") for w in words]     # x_t: [batch=1, 4]
cell = tr.rnn.ElmanCell(input_size=4, hidden_size=3)

# %% [markdown]
# ## Unrolling is a Python loop
#
# There is no special machinery: `unroll` is a `for` loop that calls the cell once per word,
# s_t = R(s_{t-1}, x_t), and collects the outputs y_t and the states s_0 .. s_T. Written out:

# %%
state, by_hand = cell.initial_state(1), []
for x in xs:
    state, y = cell(state, x)
    by_hand.append(y)

ys, states = tr.rnn.unroll(cell, xs, labels=words)   # the same loop, with each step named
print(len(ys), "outputs,", len(states), "states (s_0 .. s_6)")
assert all(numpy.allclose(a.numpy(), b.numpy()) for a, b in zip(by_hand, ys))

# %% [markdown]
# ## The figure grows one word at a time
#
# Each new word adds one more copy of the cell to the right; the state arrow carries
# everything read so far into it. (Reading the sentence up to word t *is* running the first t
# steps, so we draw the unrolled network over each prefix.)

# %%
for t in range(1, len(words) + 1):
    prefix_ys, _ = tr.rnn.unroll(cell, xs[:t], labels=words[:t])
    print(f"after {t} word(s): {' '.join(words[:t])}")
    display(tr.draw(prefix_ys))

# %% [markdown]
# ## Three views of the same recorded graph
#
# * **cells**: one box per application of R (the lecture's unrolled picture);
# * **ops**: every primitive op, one cluster per word: six copies of
#   matmul, matmul, add, add, tanh;
# * **rolled**: the network as it is usually drawn, with the recurrent loop. The loop exists
#   only in the picture: the graph the computer recorded has none.

# %%
tr.draw(ys, view="ops")

# %%
tr.draw(ys, view="rolled")

# %% [markdown]
# ## The unrolled graph is loop-free, and the copies share parameters
#
# `tr.debug.forward_order` lists every node (inputs, parameters, ops) after all of its inputs;
# that is only possible because the graph has no cycle. W^s is one tensor, read by one matmul
# at every step: that is what "sharing parameters across time" means, and why its gradient
# will be a sum over time.

# %%
order = tr.debug.forward_order(ys[-1])
ops = [node.op for node in order if node.op is not None]
print(len(order), "nodes,", len(ops), "ops:", {op: ops.count(op) for op in sorted(set(ops))})
readers = [node for node in order if any(inp is cell.W_s for inp in node.inputs)]
print("ops that read W^s:", [(n.op, n.scope[-1].name) for n in readers])
assert len(readers) == len(words)

# %% [markdown]
# ## s_t encodes the prefix x_1 .. x_t
#
# By the definition of R, s_3 = R(R(R(s_0, x_1), x_2), x_3): the first three words and
# nothing else.

# %%
s_0 = cell.initial_state(1)
nested = cell.R(cell.R(cell.R(s_0, xs[0]), xs[1]), xs[2])
print("R(R(R(s_0, x_1), x_2), x_3) =", nested.numpy().round(6))
print("unroll's s_3                 =", states[3].numpy().round(6))
assert numpy.allclose(nested.numpy(), states[3].numpy())

# %% [markdown]
# The future cannot leak in: changing "Salt" (x_4) leaves s_3 as it was, while changing "John"
# (x_1) changes it. In the graph, x_4 is simply not among the ancestors of s_3.

# %%
def state_after(vectors_list, t):
    _, st = tr.rnn.unroll(cell, [tr.Tensor(v[None, :]) for v in vectors_list])
    return st[t].numpy()

changed_salt = [vectors[w] for w in words]
changed_salt[3] = changed_salt[3] + 5.0
changed_john = [vectors[w] for w in words]
changed_john[0] = changed_john[0] + 5.0
original = [vectors[w] for w in words]
s_3 = state_after(original, 3)
print("s_3 moves by", abs(state_after(changed_salt, 3) - s_3).max(), "when x_4 changes, by",
      abs(state_after(changed_john, 3) - s_3).max().round(4), "when x_1 changes")
ancestors = tr.debug.forward_order(states[3])
print("x_1 is an ancestor of s_3:", any(n is xs[0] for n in ancestors),
      "  x_4 is:", any(n is xs[3] for n in ancestors))

# %% [markdown]
# ## Training mode: the same numbers, one node per step
#
# Everything so far was *teaching mode*: every op of R is a node (five per Elman step, 17 per
# LSTM step), so we can look at each one. To train faster, `unroll(..., fused=True)` records
# each step as **one** node (`elman_step`) whose backward is written out by hand; the notebooks
# that train a model pass `fused=True` to `tr.fit`, which does that for every unroll inside.
# The numbers are the same, and nothing is hidden: drawings and the debugger expand each fused
# step back into its ops by running R again on the step's inputs (`tr.rnn.expand`).

# %%
fused_ys, fused_states = tr.rnn.unroll(cell, xs, labels=words, fused=True)
fused_ops = [n.op for n in tr.debug.forward_order(fused_ys[-1]) if n.op is not None]
print("teaching mode:", len(ops), "ops;  training mode:", len(fused_ops), "ops:",
      sorted(set(fused_ops)))
grads = {}
for mode, outputs in (("teaching", ys), ("training", fused_ys)):
    cell.zero_grad()
    tr.stack(outputs).sum().backward()
    grads[mode] = [p.grad.copy() for p in cell.parameters()]
print("outputs differ by at most", max(abs(a.numpy() - b.numpy()).max()
                                       for a, b in zip(ys, fused_ys)))
print("dL/dW^x, dL/dW^s, dL/db differ by at most",
      max(abs(a - b).max() for a, b in zip(grads["teaching"], grads["training"])))
print("the ops view draws the same picture:",
      tr.draw(fused_ys, view="ops").source == tr.draw(ys, view="ops").source)
cell.zero_grad()

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell. Worked solutions: `tutorials/solutions/03_unrolling.ipynb`.
#
# ### Exercise 1: the numbers on the state arrows
#
# Draw the cells view with `show="value"` and store the drawing in `picture`. Which numbers flow
# along the state arrow out of "in"? Store that state's three entries as a list of floats in
# `s_3_values`.

# %%
# BEGIN SOLUTION
picture = tr.draw(ys, show="value")
s_3_values = [float(v) for v in states[3].numpy()[0]]
# Why: the arrow from step 3 to step 4 carries s_3, the state after "John lives in".
# END SOLUTION
picture

# %%
# Check 1
assert numpy.allclose(s_3_values, states[3].numpy()[0])
assert all(f"{abs(v):.2f}" in picture.source for v in s_3_values), "are these in the picture?"
print("correct")

# %% [markdown]
# ### Exercise 2: how the graph grows
#
# Write `count_nodes(T)`: the number of nodes in `tr.debug.forward_order(ys[-1])` after
# unrolling `cell` over the first T vectors of a long random sequence `long_xs`. The count is
# `fixed + per_word * T`: find both numbers, and store in `n_parameters` how many of the nodes
# are parameters (leaves with `requires_grad`) for T = 20.

# %%
long_xs = [tr.Tensor(v[None, :]) for v in numpy.random.default_rng(1).standard_normal((20, 4))]
# BEGIN SOLUTION
def count_nodes(T):
    ys_T, _ = tr.rnn.unroll(cell, long_xs[:T])
    return len(tr.debug.forward_order(ys_T[-1]))

per_word = count_nodes(2) - count_nodes(1)
fixed = count_nodes(1) - per_word
ys_20, _ = tr.rnn.unroll(cell, long_xs)
n_parameters = sum(1 for node in tr.debug.forward_order(ys_20[-1])
                   if node.op is None and node.requires_grad)
# Why: each word adds x_t and the five ops of R; W^x, W^s, b and s_0 are there once.
# END SOLUTION
print(f"nodes = {fixed} + {per_word} T;  {n_parameters} parameters")

# %%
# Check 2
assert all(count_nodes(T) == fixed + per_word * T for T in (3, 7, 20))
assert n_parameters == len(cell.parameters())
print("correct")

# %% [markdown]
# ### Exercise 3: every word reaches s_6
#
# Add 1.0 to each x_t in turn (t = 1 .. 6, the others unchanged) and measure how far s_6 moves
# (the largest absolute change of an entry). Store the six distances in `moves`, in word order.
# Which word moves s_6 least? Keep the answer for notebook 7.

# %%
# BEGIN SOLUTION
moves = []
for t in range(len(words)):
    changed = [vectors[w] for w in words]
    changed[t] = changed[t] + 1.0
    moves.append(float(abs(state_after(changed, 6) - state_after(original, 6)).max()))
# Why: usually "John", the word furthest back: its influence passes through the most steps.
# END SOLUTION
print({w: round(m, 4) for w, m in zip(words, moves)}, "least:", words[int(numpy.argmin(moves))])

# %%
# Check 3
assert len(moves) == len(words) and min(moves) > 0
nudged_city = [vectors[w] for w in words]
nudged_city[5] = nudged_city[5] + 1.0
assert numpy.isclose(moves[5], abs(state_after(nudged_city, 6) - state_after(original, 6)).max())
print("correct")

# %% [markdown]
# ### Exercise 4: what an unrolled LSTM repeats
#
# Unroll `tr.rnn.LSTMCell(4, 3)` over the sentence (`xs`) and count its ops by name
# (`node.op`) in a dict `op_counts`, e.g. `{"matmul": 12, ...}`. Draw the ops view if you like.
# Which ops are repeated six times, and how many sigmoids does one step have?

# %%
# BEGIN SOLUTION
lstm = tr.rnn.LSTMCell(4, 3)
lstm_ys, _ = tr.rnn.unroll(lstm, xs, labels=words)
op_counts = {}
for node in tr.debug.forward_order(lstm_ys[-1]):
    if node.op is not None:
        op_counts[node.op] = op_counts.get(node.op, 0) + 1
# Why: every op of the cell is repeated once per word; each step has three sigmoid gates
# (i, f, o), so 18 sigmoids.
# END SOLUTION
print(op_counts)

# %%
# Check 4
assert all(n % len(words) == 0 for n in op_counts.values()), "every op repeats once per word"
assert op_counts["sigmoid"] == 3 * len(words)
print("correct")

# %% [markdown]
# **Next:** notebook 4 puts the unrolled network to work: an acceptor, an encoder whose final
# state feeds another network, a tagger and an encoder–decoder, each trained.
