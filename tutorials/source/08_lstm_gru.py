# %% [markdown]
# # 7. LSTMs and GRUs: gates and an additive path for the gradient
#
# **You will learn:** what the LSTM's gates compute and how they appear in the recorded graph,
# why the cell state's *additive* update c_t = f ⊙ c_{t-1} + i ⊙ g lets the gradient through
# when the forget gate is open, how the gradient plot of notebook 6 becomes flat, how the GRU
# does the same with fewer gates, and how to step through one LSTM step with the debugger.

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
# ## The additive path
#
# Follow the memory from c_{t-1} to c_t: one multiplication by f and one addition. No weight
# matrix, no squashing function. Along this path
#
# dL/dc_{t-1} = dL/dc_t ⊙ f_t   (plus the paths through h_{t-1} and the gates)
#
# so k steps back the gradient is multiplied by f_t ⊙ f_{t-1} ⊙ ... : nothing shrinks it when
# the forget gates are close to 1. In the Elman RNN every step multiplied by
# diag(1 - s_t²)(W^s)^T instead. But f is a sigmoid: at initialisation, with b_f near 0,
# f ≈ 0.5, and the path halves the gradient at every step.

# %%
T = 50
xs = numpy.random.default_rng(0).standard_normal((T, 1, 8))
tr.manual_seed(0)
fresh = gradflow.make_cell("lstm", 8, 32)
_, lstm_states = tr.rnn.unroll(fresh, xs)
forget_gates = [node for node in tr.debug.forward_order(lstm_states[-1][0]) if node.name == "f"]
mean_f = numpy.mean([f.numpy().mean() for f in forget_gates])
print(f"{len(forget_gates)} forget gates, mean value {mean_f:.2f}")

# %% [markdown]
# ## The gradient plot again
#
# The same measurement as in notebook 6, ||dL/ds_t|| for L = sum(y_T), with s_t = (c_t, h_t)
# for the LSTM. An LSTM straight from initialisation (f ≈ 0.5) vanishes almost as fast as the
# Elman RNN! Opening the forget gate, by starting b_f at 3 (f ≈ 0.95), makes the curve flat.
# The same holds for the GRU's update gate z (below).

# %%
curves = {}
for label, kind, bias in [("elman", "elman", None),
                          ("lstm, b_f ≈ 0 (initialisation)", "lstm", None),
                          ("lstm, b_f = 3", "lstm", 3.0), ("gru, b_z = 3", "gru", 3.0)]:
    tr.manual_seed(0)
    cell = gradflow.make_cell(kind, 8, 32, gate_bias=bias)
    curves[label] = gradflow.state_grad_norms(cell, xs=xs)
fig, ax = plt.subplots(figsize=(7, 4))
gradflow.plot_grad_norms(curves, ax=ax, title="||dL/ds_t||: the open forget gate keeps it flat")
plt.show()
print({label: f"{norms[0] / norms[-1]:.1e}" for label, norms in curves.items()})

# %% [markdown]
# ## Training opens the gate by itself
#
# Setting b_f by hand is a head start; training learns the same thing where it is needed. We
# train an LSTM and an Elman RNN on the adding problem of notebook 6 (T = 20, 400 steps),
# then measure the gradient flow of the trained cells over a *longer* adding sequence
# (T = 60).

# %%
class Adder(tr.nn.Module):
    def __init__(self, cell):
        self.cell, self.out = cell, tr.nn.Linear(cell.hidden_size, 1)

    def forward(self, x):
        return self.out(tr.rnn.unroll(self.cell, x)[0][-1])[:, 0]

    def loss(self, x, y):
        return tr.mse(self.forward(x), tr.Tensor(y))

x_train, y_train = data.adding_problem(400 * 32, 20, seed=1)
batches = [(x_train[:, i * 32:(i + 1) * 32], y_train[i * 32:(i + 1) * 32]) for i in range(400)]
x_probe, _ = data.adding_problem(1, 60, seed=5)
flow = {}
for kind in ("elman", "lstm"):
    tr.manual_seed(0)
    model = Adder(gradflow.make_cell(kind, 2, 16))
    flow[f"{kind}, untrained"] = gradflow.state_grad_norms(model.cell, xs=x_probe)
    tr.fit(model, batches, optimizer=tr.optim.Adam(model.parameters(), lr=0.02), clip=1.0)
    flow[f"{kind}, trained"] = gradflow.state_grad_norms(model.cell, xs=x_probe)
    if kind == "lstm":
        trained_lstm = model.cell
fig, ax = plt.subplots(figsize=(7, 4))
gradflow.plot_grad_norms(flow, ax=ax, title="Adding problem: gradient flow before and after "
                                             "training")
plt.show()
reach = {label: norms[0] / norms[-1] for label, norms in flow.items()}   # ||dL/ds_0|| / ||dL/ds_T||
print({label: f"{r:.1e}" for label, r in reach.items()})
assert reach["lstm, trained"] > 1e3 * reach["elman, trained"]

# %% [markdown]
# ## The GRU
#
# The GRU merges memory and output into one state h_t and uses two gates:
#
# r = σ(x_t W^x_r + b^x_r + h_{t-1} W^h_r + b^h_r),
# z = σ(x_t W^x_z + b^x_z + h_{t-1} W^h_z + b^h_z),
# n = tanh(x_t W^x_n + b^x_n + r ⊙ (h_{t-1} W^h_n + b^h_n)),  h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
#
# Its additive path is h_t = ... + z ⊙ h_{t-1}: the update gate z plays the forget gate's part.

# %%
gru = tr.rnn.GRUCell(4, 3)
ys, _ = tr.rnn.unroll(gru, x, labels=["John"])
tr.draw(ys[-1], view="ops")

# %% [markdown]
# ## Stepping through one LSTM step
#
# The step debugger replays the step above op by op. Watch the forward pass compute the
# gates, then the backward pass send dL/dc_t back through f to c_{t-1}.

# %%
c0 = tr.Tensor(numpy.full((1, 3), 0.5), requires_grad=True, name="c")
h0 = tr.Tensor(numpy.zeros((1, 3)), requires_grad=True, name="h")
ys, states = tr.rnn.unroll(lstm, x, state=(c0, h0), labels=["John"])
c1, h1 = states[-1]
loss = c1.sum() + h1.sum()
stepper = tr.debug.Stepper(loss)
for event in stepper.events:
    if event.phase == "forward":
        print(f"{event.index + 1:>2} {event.op:8} -> {event.name}")

# %%
stepper.run_to("name=f_1")
print(stepper.summary())
stepper.frame()

# %% [markdown]
# Now the backward pass, up to the moment the gradient reaches the old memory c_0 through the
# forget gate: dL/dc_0 = dL/dc_1 ⊙ f (c_0 is read only by that multiplication).

# %%
stepper.run_to("name=c_1 phase=backward")
print(stepper.summary())
f_times_c0 = next(e.node for e in stepper.events if e.phase == "forward" and e.op == "mul"
                  and any(inp is c0 for inp in e.node.inputs))
stepper.run_to(name=stepper.names[f_times_c0], phase="backward")   # the op f * c_0
print(stepper.summary())
loss.backward()
f = next(node for node in stepper.events if node.name == "f_1").value
dc1 = stepper.grad_of("c_1")[0]
print("dL/dc_1 * f =", (dc1 * f).round(4), "  c_0.grad =", c0.grad.round(4))
assert numpy.allclose(dc1 * f, c0.grad)
stepper.frame()

# %% [markdown]
# ## Exercises
#
# 1. Print the mean forget gate of `trained_lstm` over an adding-problem sequence. Where is it
#    close to 1, and why there?
# 2. Plot ||dL/dc_t|| and ||dL/dh_t|| separately for the LSTM with b_f = 3. Which part of the
#    state carries the gradient back?
# 3. Solve the adding problem at T = 20 with a GRU (hidden size 16). Is it faster or slower to
#    train than the LSTM? Count the parameters of both.
# 4. Run `tinygrad-rnn gradflow --cell lstm --gate-bias 3 --steps 200 -o lstm.png`. Does the
#    curve stay flat over 200 steps? What does 0.95^200 predict?
