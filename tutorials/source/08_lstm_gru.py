# %% [markdown]
# # 8. LSTMs and GRUs: gates and an additive path for the gradient
#
# **You will learn:** what the LSTM's gates compute and how they appear in the recorded graph,
# what keeps the gradient dL/dc_t alive over many steps (measured: the forget gates' product
# and the other paths through h_{t-1}), why the forget-gate bias b_f starts at 1, what
# training really does to the forget gates, how the GRU does the same with fewer gates (and
# which way round its update gate z is written), and how to step through the backward pass of
# an LSTM with the debugger.

# %%
import numpy
import matplotlib.pyplot as plt
import tinygrad_rnn as tr
from tinygrad_rnn import data, gradflow

# %% [markdown]
# ## The LSTM cell
#
# The state has two parts, s_t = (c_t, h_t): the memory c_t and the output h_t = y_t.
#
# | | |
# |---|---|
# | input gate | i = σ(x_t W^x_i + h_{t-1} W^h_i + b_i) |
# | forget gate | f = σ(x_t W^x_f + h_{t-1} W^h_f + b_f) |
# | candidate | g = tanh(x_t W^x_g + h_{t-1} W^h_g + b_g) |
# | output gate | o = σ(x_t W^x_o + h_{t-1} W^h_o + b_o) |
# | memory | c_t = f ⊙ c_{t-1} + i ⊙ g |
# | output | h_t = o ⊙ tanh(c_t) |
#
# The four pre-activations are computed by one product and split into four blocks. One step,
# every op drawn; the gates carry their names i, f, g, o:

# %%
tr.manual_seed(0)
lstm = tr.rnn.LSTMCell(4, 3)
x = numpy.random.default_rng(0).standard_normal((1, 1, 4))
ys, states = tr.rnn.unroll(lstm, x, labels=["John"])
tr.draw(ys[-1], view="ops")

# %% [markdown]
# ## The cell state's path, drawn
#
# Every op is there, but the LSTM's idea is hard to see in it. The gates view draws the same
# recorded graph the way the best-known LSTM explainers draw the cell: the memory runs straight
# along the top like a conveyor belt, c_0 → (⊙ f_1) → (+ i_1 ⊙ g_1) → c_1 → (⊙ f_2) → ..., with
# the gates below it. Each step's stretch of the belt is one row of cells: the dashed c_0, a
# product ⊙ that reads the forget gate, a sum + that reads i ⊙ g. h_t = o_t ⊙ tanh(c_t)
# branches off below the belt and goes into the next step's gates (the box W^x W^h b stands for
# the matrix products and the split into four blocks). Nothing in the picture comes from the
# tensors' names: the view follows the ops from c_{t-1} to c_t that are elementwise products
# and sums, which `unroll` declared as the state.

# %%
words3 = ["John", "lives", "in"]
x3 = numpy.random.default_rng(0).standard_normal((3, 1, 4))
ys3, states3 = tr.rnn.unroll(lstm, x3, labels=words3)
tr.draw(ys3, view="gates")

# %% [markdown]
# With `show="grad"` every node gets its |dL/dnode| on the heat scale (one colour per decade),
# here for L = sum(y_3). Read the belt from right to left: the gradient reaches c_1 after one
# ⊙ f per step, and h_t hands some of it back to the gates of the step before through W^h (the
# green line from h_t down into the next box). The next section measures how much each of
# these paths carries over 100 steps.

# %%
ys3[-1].sum().backward()
for t, (c, h) in enumerate(states3[1:], start=1):
    print(f"||dL/dc_{t}|| = {numpy.linalg.norm(c.grad):.1e}")    # the belt's |grad| cells
tr.draw(ys3, view="gates", show=("shape", "grad"))

# %% [markdown]
# ## What keeps dL/dc_t alive
#
# Follow the memory from c_{t-1} to c_t: one multiplication by f and one addition, no weight
# matrix, no squashing function. That path alone would give
#
# dL/dc_{t-1} = dL/dc_t ⊙ f_t,   so   dL/dc_k = dL/dc_T ⊙ f_T ⊙ f_{T-1} ⊙ ... ⊙ f_{k+1}
#
# But it is not the only path: c_{t-1} also makes h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1}), and
# h_{t-1} feeds all four gates and the candidate of step t through W^h, which change c_t too.
# So the full gradient is
#
# dL/dc_{t-1} = dL/dc_t ⊙ f_t  +  (the paths c_{t-1} → h_{t-1} → i_t, f_t, g_t, o_t → c_t)
#
# Let us measure how much each part carries. An LSTM with hidden size 32 reads T = 100 random
# input vectors; the loss is L = sum(y_T) as in notebook 7. Its forget-gate bias b_f is set to
# 3, so f ≈ σ(3) ≈ 0.95: almost open. We compare the measured ||dL/dc_t|| with the
# forget-gate-only prediction, computed from the forget gates the cell actually produced.

# %%
T, H = 100, 32
xs = numpy.random.default_rng(0).standard_normal((T, 1, 8))

def sigmoid(a):
    return 1 / (1 + numpy.exp(-a))

def memory_gradients(cell):
    """(dL/dc_t for t = 1..T, the forget gates f_t, the forget-gate-only prediction)."""
    ys, states = tr.rnn.unroll(cell, xs)
    ys[-1].sum().backward()
    dc = numpy.array([states[t][0].grad[0] for t in range(1, T + 1)])
    block = slice(H, 2 * H)                            # the forget gate's block (i, f, g, o)
    f = numpy.array([sigmoid(xs[t - 1] @ cell.W_x.numpy()[:, block]
                             + states[t - 1][1].numpy() @ cell.W_h.numpy()[:, block]
                             + cell.b.numpy()[block])[0] for t in range(1, T + 1)])
    only_f = numpy.empty_like(dc)
    only_f[-1] = dc[-1]
    for t in range(T - 2, -1, -1):                     # dL/dc_t = dL/dc_{t+1} ⊙ f_{t+1}
        only_f[t] = only_f[t + 1] * f[t + 1]
    return dc, f, only_f

tr.manual_seed(0)
open_cell = gradflow.make_cell("lstm", 8, H, gate_bias=3.0)
dc, f, only_f = memory_gradients(open_cell)
tr.manual_seed(0)
cut_cell = gradflow.make_cell("lstm", 8, H, gate_bias=3.0)
cut_cell.W_h.data = numpy.zeros_like(cut_cell.W_h.data)        # no path through h_{t-1}
cut_dc, _, cut_only_f = memory_gradients(cut_cell)

norm = lambda g: numpy.linalg.norm(g, axis=1)
fig, ax = plt.subplots(figsize=(8, 4))
steps = numpy.arange(1, T + 1)
ax.semilogy(steps, norm(dc), label="measured ||dL/dc_t||")
ax.semilogy(steps, norm(only_f), "--", label="forget-gate path only (same cell)")
ax.semilogy(steps, norm(cut_dc), label="measured, W^h = 0 (no path through h)")
ax.semilogy(steps, norm(cut_only_f), ":", color="k", label="forget-gate path only, W^h = 0")
ax.set_xlabel("time step t (the loss reads y_T, T = 100)")
ax.set_ylabel("||dL/dc_t|| (log scale)")
ax.legend()
plt.show()
print(f"mean forget gate {f.mean():.3f}; 0.95^99 = {0.95 ** 99:.1e}")
print(f"||dL/dc_1|| / ||dL/dc_T||: measured {norm(dc)[0] / norm(dc)[-1]:.2f}, "
      f"forget-gate path only {norm(only_f)[0] / norm(only_f)[-1]:.1e}")
assert numpy.allclose(cut_dc, cut_only_f)
assert norm(dc)[0] / norm(dc)[-1] > 10 * norm(only_f)[0] / norm(only_f)[-1]

# %% [markdown]
# Two things to read from the plot:
#
# * With W^h = 0 the only way back from c_t to c_{t-1} is the multiplication by f, and the
#   measurement matches the forget gates' product exactly: it decays like 0.95^t.
# * With the cell's own W^h, the measured gradient stays far above that product: most of what
#   reaches far back arrives through the **other paths**, c_{t-1} → h_{t-1} → the gates and the
#   candidate of step t → c_t. These paths mix the units (W^h is a full matrix), and with the
#   forget gates almost open nothing along them shrinks much either.
#
# So "the forget gate is the highway" is only part of the story. What the open forget gate does
# is keep every step's Jacobian close to the identity: c_t ≈ c_{t-1} + (something small), and
# neither path is multiplied by a squashing tanh' and a W^s at every step as in the Elman RNN.

# %% [markdown]
# ## Why b_f starts at 1
#
# At initialisation all biases are small, so every gate is σ(≈ 0) ≈ 0.5, and the forget-gate
# path halves the gradient at every step: 0.5^10 ≈ 0.001. Gers, Schmidhuber and Cummins (2000),
# who introduced the forget gate, started its bias at a positive value, and Jozefowicz,
# Zaremba and Sutskever (2015) measured across many tasks that b_f = 1 is a good default:
# σ(1) ≈ 0.73 keeps 0.73^10 ≈ 0.04 after ten steps, so from the first training step the
# gradient reaches far enough back for the network to discover long-range dependencies at all.
# It is not set higher because a gate that starts almost fully open remembers everything,
# including what it must learn to forget. The gradient plot for three starting values:

# %%
def lstm_flow(gate_bias, steps=50):
    tr.manual_seed(0)
    cell = gradflow.make_cell("lstm", 8, H, gate_bias=gate_bias)
    return gradflow.state_grad_norms(cell, xs=xs[:steps])

curves = {f"lstm, b_f = {bias:g} (f ≈ {sigmoid(bias):.2f})": lstm_flow(bias)
          for bias in (0.0, 1.0, 3.0)}
tr.manual_seed(0)
curves["elman"] = gradflow.state_grad_norms(gradflow.make_cell("elman", 8, H), xs=xs[:50])
fig, ax = plt.subplots(figsize=(7, 4))
gradflow.plot_grad_norms(curves, ax=ax, title="||dL/ds_t|| at initialisation")
plt.show()
print({label: f"{flow[0] / flow[-1]:.1e}" for label, flow in curves.items()})

# %% [markdown]
# With `ipywidgets` installed, a slider sets b_f and redraws the curve; without it, the cell
# draws two values.

# %%
def flow_for_bias(b_f=1.0):
    fig, ax = plt.subplots(figsize=(7, 3))
    gradflow.plot_grad_norms({f"lstm, b_f = {b_f:g}": lstm_flow(b_f)}, ax=ax)
    plt.show()

try:
    import ipywidgets
except ImportError:
    ipywidgets = None
if ipywidgets is not None:
    ipywidgets.interact(flow_for_bias, b_f=ipywidgets.FloatSlider(value=1.0, min=-2.0, max=5.0,
                                                                  step=0.5))
else:
    for b_f in (-1.0, 2.0):
        flow_for_bias(b_f)

# %% [markdown]
# ## Does training open the forget gate?
#
# A common claim is that training opens the forget gates by itself. We measure it: an LSTM
# starting from b_f ≈ 0 learns the adding problem of notebook 7 (T = 20, 400 Adam steps);
# before and after training we record each unit's mean forget gate over 200 longer sequences
# (T = 60), and how far back the gradient reaches on one of them.

# %%
class Adder(tr.nn.Module):
    def __init__(self, cell):
        self.cell, self.out = cell, tr.nn.Linear(cell.hidden_size, 1)

    def forward(self, x):
        return self.out(tr.rnn.unroll(self.cell, x)[0][-1])[:, 0]

    def loss(self, x, y):
        return tr.mse(self.forward(x), tr.Tensor(y))

def unit_forget_gates(cell, x):
    """Each unit's forget gate, averaged over the steps and sequences of x [T, N, 2]."""
    n = cell.hidden_size
    _, states = tr.rnn.unroll(cell, x)
    block = slice(n, 2 * n)
    gates = [sigmoid(x[t] @ cell.W_x.numpy()[:, block] + states[t][1].numpy()
                     @ cell.W_h.numpy()[:, block] + cell.b.numpy()[block]) for t in range(len(x))]
    return numpy.mean(gates, axis=(0, 1))

x_train, y_train = data.adding_problem(400 * 32, 20, seed=1)
batches = [(x_train[:, i * 32:(i + 1) * 32], y_train[i * 32:(i + 1) * 32]) for i in range(400)]
probe, _ = data.adding_problem(200, 60, seed=5)
tr.manual_seed(0)
adder = Adder(gradflow.make_cell("lstm", 2, 16))
gates_before = unit_forget_gates(adder.cell, probe)
reach_before = gradflow.state_grad_norms(adder.cell, xs=probe[:, :1])
tr.fit(adder, batches, optimizer=tr.optim.Adam(adder.parameters(), lr=0.02), clip=1.0,
       progress=False, fused=True)
gates_after = unit_forget_gates(adder.cell, probe)
reach_after = gradflow.state_grad_norms(adder.cell, xs=probe[:, :1])
x_test, y_test = data.adding_problem(500, 20, seed=99)
with tr.no_grad():
    accuracy = (abs(adder(x_test).numpy() - y_test) < 0.1).mean()

fig, ax = plt.subplots(figsize=(8, 3))
units = numpy.arange(16)
ax.bar(units - 0.2, gates_before, 0.4, label="before training")
ax.bar(units + 0.2, gates_after, 0.4, label="after training")
ax.set_xlabel("unit of the LSTM's memory c")
ax.set_ylabel("mean forget gate")
ax.legend()
plt.show()
print(f"held-out accuracy {accuracy:.2f}; mean forget gate {gates_before.mean():.3f} before, "
      f"{gates_after.mean():.3f} after; most open unit {gates_after.max():.3f}")
print(f"||dL/ds_0|| / ||dL/ds_60||: {reach_before[0] / reach_before[-1]:.1e} before, "
      f"{reach_after[0] / reach_after[-1]:.1e} after")
assert accuracy > 0.8 and gates_after.max() > 0.9 and abs(gates_after.mean() - 0.5) < 0.1
assert reach_after[0] / reach_after[-1] > 1e6 * reach_before[0] / reach_before[-1]

# %% [markdown]
# Measured, the claim is wrong as usually stated: on average the forget gates did **not**
# open (the mean stays near 0.5). Training opened the gate of one unit, almost fully, and left
# the others forgetting quickly: the task needs one number kept over many steps (the running
# sum), and one unit is enough to keep it. Through that one unit the gradient now reaches back
# over the whole 60-step sequence, many orders of magnitude further than before training.

# %% [markdown]
# ## The GRU
#
# The GRU merges memory and output into one state h_t and uses two gates. The library writes
# it as PyTorch does:
#
# r = σ(x_t W^x_r + b^x_r + h_{t-1} W^h_r + b^h_r),
# z = σ(x_t W^x_z + b^x_z + h_{t-1} W^h_z + b^h_z),
# n = tanh(x_t W^x_n + b^x_n + r ⊙ (h_{t-1} W^h_n + b^h_n)),
# **h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}**
#
# so z = 1 **keeps** the old state: our z plays the part of the LSTM's forget gate, and its
# additive path is z ⊙ h_{t-1}. Careful when you read other texts: Goldberg's book and Olah's
# "Understanding LSTM Networks" write h_t = (1 - z) ⊙ h_{t-1} + z ⊙ h̃, where z = 1 takes the
# new candidate h̃; their z is our 1 - z. (The library computes h_t as n + z ⊙ (h_{t-1} - n),
# the same number with one op fewer.) Here is the GRU written out with the formula above, so
# that z ⊙ h_{t-1} is its own node in the drawing (`kept`, the mul that reads z and the state
# h_0); with the library's weights it computes the same numbers:

# %%
class FormulaGRU(tr.rnn.RNNCell):
    """h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}, the gates as in tr.rnn.GRUCell (PyTorch's order)."""
    kind = "gru"

    def __init__(self, gru):
        super().__init__(gru.input_size, gru.hidden_size)
        self.W_x, self.W_h, self.b_x, self.b_h = gru.W_x, gru.W_h, gru.b_x, gru.b_h

    def initial_state(self, batch_size):
        return tr.Tensor(numpy.zeros((batch_size, self.hidden_size)), name="h")

    def R(self, h, x):
        ax_r, ax_z, ax_n = tr.split(x @ self.W_x + self.b_x, 3, axis=-1)
        ah_r, ah_z, ah_n = tr.split(h @ self.W_h + self.b_h, 3, axis=-1)
        r, z = (ax_r + ah_r).sigmoid(), (ax_z + ah_z).sigmoid()
        r.name, z.name = "r", "z"
        n = (ax_n + r * ah_n).tanh()
        n.name = "n"
        kept = z * h                   # z ⊙ h_{t-1}: the part of the old state that stays
        kept.name = "kept"
        new = (1 - z) * n + kept
        new.name = "h"
        return new

    def O(self, h):
        return h

tr.manual_seed(0)
gru = tr.rnn.GRUCell(4, 3)
formula = FormulaGRU(gru)
words2 = ["John", "lives"]
x2 = numpy.random.default_rng(1).standard_normal((2, 1, 4))
ours, _ = tr.rnn.unroll(formula, x2, labels=words2)
library, _ = tr.rnn.unroll(gru, x2, labels=words2)
print("same h_t as tr.rnn.GRUCell:", all(numpy.allclose(a.numpy(), b.numpy())
                                         for a, b in zip(ours, library)))
tr.draw(ours[:1], view="ops")

# %% [markdown]
# The gates view finds the same belt in the library's own cell, h_{t-1} → (⊙ z_t) →
# (+ (1 - z_t) ⊙ n_t) → h_t. The library records n + z ⊙ (h_{t-1} - n), where z ⊙ h_{t-1} is
# no node of its own; the view recognises that interpolation and draws what it equals, the
# nodes standing for no recorded tensor dashed (the key says what was recorded). Compare it
# with the LSTM's belt above: z_t plays the forget gate's part, 1 - z_t the input gate's.

# %%
tr.draw(library, view="gates")

# %% [markdown]
# ## Stepping through two LSTM steps
#
# The step debugger replays the recorded graph op by op. We run it over two steps of the small
# LSTM above and stop at the backward event of the memory c_1: its gradient is the sum of what
# arrives along the two kinds of path, the forget gate of step 2 (the op f_2 ⊙ c_1) and the
# path through h_1 = o_1 ⊙ tanh(c_1).

# %%
ys2, states2 = tr.rnn.unroll(lstm, x2, labels=words2)
c1, c2 = states2[1][0], states2[2][0]
loss = ys2[-1].sum()
stepper = tr.debug.Stepper(loss)
stepper.run_to("name=f_2")
print(stepper.summary())
stepper.frame()

# %%
stepper.run_to("name=c_1 phase=backward")
print(stepper.summary())
loss.backward()
f_2 = next(e.value for e in stepper.events if e.name == "f_2")
dc_2 = stepper.grad_of("c_2")[0]
parts = {stepper.names[sender]: g for sender, g in stepper.event.contributions}
through_f = next(g for sender, g in stepper.event.contributions if sender.op == "mul")
print("forget-gate path dL/dc_2 ⊙ f_2 =", (dc_2 * f_2).round(4))
print("all parts:", {name: g.round(4) for name, g in parts.items()})
print("their sum =", sum(parts.values()).round(4), "  c_1.grad from backward() =",
      c1.grad.round(4))
assert numpy.allclose(through_f, dc_2 * f_2)
assert numpy.allclose(sum(parts.values()), c1.grad)
stepper.frame()

# %% [markdown]
# The frame's table of *shared parameters* lists what every step uses: W^x, W^h and b. The
# initial states c_0 and h_0 are not among them: only the first step reads them.

# %%
import re

table = re.search("shared parameters.*?</TABLE>", stepper.frame().source).group(0)
shared = [re.sub("<.*?>", "", name) for name in re.findall('<TD ALIGN="LEFT">(.*?)</TD>', table)]
print("shared parameters (their names in the frame, superscripts flattened):", shared)
assert shared == ["Wx", "Wh", "b"]

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell. Worked solutions: `tutorials/solutions/08_lstm_gru.ipynb`.
#
# ### Exercise 1: which part of the state carries the gradient?
#
# For the open LSTM of the first measurement (`gradflow.make_cell("lstm", 8, H,
# gate_bias=3.0)`, seed 0, inputs `xs`), store ||dL/dc_t|| and ||dL/dh_t|| for t = 1 .. T in
# the arrays `dc_norms` and `dh_norms`. Which part carries the gradient back?

# %%
# BEGIN SOLUTION
tr.manual_seed(0)
probe_cell = gradflow.make_cell("lstm", 8, H, gate_bias=3.0)
probe_ys, probe_states = tr.rnn.unroll(probe_cell, xs)
probe_ys[-1].sum().backward()
dc_norms = numpy.array([numpy.linalg.norm(probe_states[t][0].grad) for t in range(1, T + 1)])
dh_norms = numpy.array([numpy.linalg.norm(probe_states[t][1].grad) for t in range(1, T + 1)])
# Why: the memory c: far back, ||dL/dc_t|| is larger than ||dL/dh_t||; h_t only passes on
# what it gets through o ⊙ tanh'(c) and the gates.
# END SOLUTION
print(f"t = 1: ||dL/dc|| = {dc_norms[0]:.3f}, ||dL/dh|| = {dh_norms[0]:.3f}")

# %%
# Check 1
assert len(dc_norms) == len(dh_norms) == T
assert numpy.allclose(dc_norms, norm(dc))
assert (dc_norms[:T // 2] > dh_norms[:T // 2]).mean() > 0.9
print("correct")

# %% [markdown]
# ### Exercise 2: the other convention
#
# Write `goldberg_step(h, x, W_x, W_h, b_x, b_h)`, one GRU step in Goldberg's convention:
# h_t = (1 - z') ⊙ h_{t-1} + z' ⊙ n, with r, z' and n computed like the library's r, z and n.
# Then make a copy of `gru` whose z-blocks (the middle third of W^x, W^h, b^x and b^h) are
# negated, and show that your step with the copy's weights gives the library's h_1 with the
# original weights. Store your h_1 in `h_goldberg`. Why does negating the weights work?

# %%
h0 = numpy.zeros((1, 3))
# BEGIN SOLUTION
def goldberg_step(h, x, W_x, W_h, b_x, b_h):
    ax_r, ax_z, ax_n = numpy.split(x @ W_x + b_x, 3, axis=-1)
    ah_r, ah_z, ah_n = numpy.split(h @ W_h + b_h, 3, axis=-1)
    r, z = sigmoid(ax_r + ah_r), sigmoid(ax_z + ah_z)
    n = numpy.tanh(ax_n + r * ah_n)
    return (1 - z) * h + z * n

flip = numpy.ones(9)
flip[3:6] = -1                                    # the z block of (r, z, n)
h_goldberg = goldberg_step(h0, x2[0], gru.W_x.numpy() * flip, gru.W_h.numpy() * flip,
                           gru.b_x.numpy() * flip, gru.b_h.numpy() * flip)
# Why: σ(-a) = 1 - σ(a), so negating the z pre-activation turns z into 1 - z: Goldberg's z'
# with the negated weights is exactly our 1 - z.
# END SOLUTION
print(h_goldberg.round(4), library[0].numpy().round(4))

# %%
# Check 2
assert numpy.allclose(h_goldberg, library[0].numpy())
plain = goldberg_step(h0, x2[0], gru.W_x.numpy(), gru.W_h.numpy(), gru.b_x.numpy(),
                      gru.b_h.numpy())
assert not numpy.allclose(plain, library[0].numpy()), "same weights, other convention: differs"
print("correct")

# %% [markdown]
# ### Exercise 3: the GRU's update gate as a forget gate
#
# Make a GRU whose update gate starts almost closed to the new candidate, i.e. keeping the old
# state (`gradflow.make_cell("gru", 8, H, gate_bias=3.0)`, seed 0). Store its
# ||dL/ds_0|| / ||dL/ds_T|| over the first 50 steps of `xs` in `gru_reach`, and the same for a
# GRU with `gate_bias=-3.0` in `gru_closed_reach`. Which one behaves like an LSTM with an open
# forget gate?

# %%
# BEGIN SOLUTION
def gru_ratio(bias):
    tr.manual_seed(0)
    flow = gradflow.state_grad_norms(gradflow.make_cell("gru", 8, H, gate_bias=bias), xs=xs[:50])
    return flow[0] / flow[-1]

gru_reach, gru_closed_reach = gru_ratio(3.0), gru_ratio(-3.0)
# Why: z ≈ σ(3) ≈ 0.95 keeps 95% of h_{t-1} at every step (z ⊙ h_{t-1}, our convention),
# like f ≈ 0.95; with z ≈ 0.05 the state is replaced at every step and the gradient vanishes.
# END SOLUTION
print(f"b_z = 3: {gru_reach:.1e}   b_z = -3: {gru_closed_reach:.1e}")

# %%
# Check 3
assert gru_reach > 1e-2 > 1e-6 > gru_closed_reach
print("correct")

# %% [markdown]
# **Next:** notebook 9 trains an LSTM language model that writes text.
