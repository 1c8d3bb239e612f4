# %% [markdown]
# # 6. The Elman RNN, built by you, trained with backpropagation through time
#
# **You will learn:** how to write the Elman cell yourself from matrix products, additions and
# exponentials, how to check its gradients against finite differences with `tr.gradcheck`,
# what *backpropagation through time* (BPTT) is, by writing it out by hand, how to train the
# cell you wrote, what a typical gradient bug looks like, and how to walk through the forward
# and backward pass one op at a time with the step debugger.
#
# The cell: s_t = R(s_{t-1}, x_t) = tanh(x_t W^x + s_{t-1} W^s + b), y_t = O(s_t) = s_t.

# %%
import math
import numpy
import tinygrad_rnn as tr
from IPython.display import display

# %% [markdown]
# ## tanh from exponentials
#
# The library has a `tanh` op, but we build ours from more primitive ones to see that backward
# needs nothing more than the ops it is made of:
# tanh(a) = (e^{2a} - 1) / (e^{2a} + 1) = 1 - 2 / (e^{2a} + 1)  (the second form never
# divides infinity by infinity).

# %%
def my_tanh(a):
    return 1 - 2 / ((2 * a).exp() + 1)

a = tr.Tensor(numpy.linspace(-3, 3, 7)[None, :], requires_grad=True, name="a")
print(numpy.allclose(my_tanh(a).numpy(), numpy.tanh(a.numpy())))
print("gradcheck:", tr.gradcheck(my_tanh, [a]))   # analytic gradient vs central differences

# %% [markdown]
# ## The cell
#
# Parameters are tensors with `requires_grad=True`. We initialise them as PyTorch does,
# uniformly in ±1/sqrt(H), from a seeded generator so every run is the same.

# %%
class MyElman(tr.rnn.RNNCell):
    """s_t = R(s_{t-1}, x_t) = tanh(x_t W^x + s_{t-1} W^s + b),   y_t = O(s_t) = s_t"""
    kind = "elman"

    def __init__(self, input_size, hidden_size, seed=0):
        super().__init__(input_size, hidden_size)
        rng = numpy.random.default_rng(seed)
        k = 1 / math.sqrt(hidden_size)
        param = lambda shape, name: tr.Tensor(rng.uniform(-k, k, shape), requires_grad=True,
                                              name=name)
        self.W_x = param((input_size, hidden_size), "W^x")
        self.W_s = param((hidden_size, hidden_size), "W^s")
        self.b = param(hidden_size, "b")

    def initial_state(self, batch_size):
        return tr.Tensor(numpy.zeros((batch_size, self.hidden_size)), name="s")

    def R(self, state, x):
        s = my_tanh(x @ self.W_x + state @ self.W_s + self.b)
        s.name = "s"
        return s

    def O(self, state):
        return state

cell = MyElman(input_size=4, hidden_size=3)
print(cell, [name for name, _ in cell.named_parameters()])

# %% [markdown]
# It computes what the library's `ElmanCell` computes, given the same weights:

# %%
reference = tr.rnn.ElmanCell(4, 3)
for name in ("W_x", "W_s", "b"):
    getattr(reference, name).data = getattr(cell, name).numpy().copy()
words = "John lives in Salt".split()
xs = numpy.random.default_rng(1).standard_normal((len(words), 2, 4))   # [T, batch=2, 4]
ours, _ = tr.rnn.unroll(cell, xs)
theirs, _ = tr.rnn.unroll(reference, xs)
print("same outputs:", all(numpy.allclose(a.numpy(), b.numpy()) for a, b in zip(ours, theirs)))

# %% [markdown]
# ## Checking the gradients
#
# `tr.gradcheck(fn, inputs)` nudges every entry of every input that requires grad by ±eps,
# compares the change of the output with the analytic gradient, and raises `GradcheckError`
# naming the worst entry if they disagree. First one step of R, in all five inputs:

# %%
x = tr.Tensor(xs[0], requires_grad=True, name="x")
s = tr.Tensor(numpy.random.default_rng(2).standard_normal((2, 3)), requires_grad=True, name="s")
print(tr.gradcheck(lambda x, s, W_x, W_s, b: cell.R(s, x), [x, s, cell.W_x, cell.W_s, cell.b]))

# %% [markdown]
# Then a whole unrolled sequence: the loss reads all outputs, and the gradient of W^s is a sum
# over the four steps.

# %%
def sequence_loss(W_x, W_s, b):
    ys, _ = tr.rnn.unroll(cell, xs)
    return sum(((y - 0.5) ** 2).sum() for y in ys)

print(tr.gradcheck(sequence_loss, [cell.W_x, cell.W_s, cell.b]))

# %% [markdown]
# ## Backpropagation through time
#
# Unrolling turned the RNN into an ordinary feed-forward graph with one copy of the cell per
# step, all sharing W^x, W^s and b. Backpropagation on that unrolled graph has a name:
# **backpropagation through time** (BPTT). Nothing new is needed (`loss.backward()` does it),
# but writing it out once shows what it computes. With a_t = x_t W^x + s_{t-1} W^s + b and
# s_t = tanh(a_t), going from the last step back to the first:
#
# | | |
# |---|---|
# | gradient arriving at s_t | g_t = dL/dy_t (from the loss at step t) + δ_{t+1} (W^s)^T (from step t+1) |
# | through the tanh | δ_t = dL/da_t = g_t ⊙ (1 - s_t²) |
# | each step's share of the weights | dL/dW^s += s_{t-1}^T δ_t,  dL/dW^x += x_t^T δ_t,  dL/db += Σ_rows δ_t |
#
# The weights' gradients are **sums over time**, one term per copy of the cell. By hand, in
# NumPy, for the loss L = Σ_t Σ (y_t - 0.5)² of the sequence above:

# %%
W_x, W_s = cell.W_x.numpy(), cell.W_s.numpy()
s_np = [numpy.zeros((2, 3))]                                   # s_0, batch of 2
for x_t in xs:                                                 # forward, keeping every s_t
    s_np.append(numpy.tanh(x_t @ W_x + s_np[-1] @ W_s + cell.b.numpy()))
dW_x, dW_s, db = numpy.zeros_like(W_x), numpy.zeros_like(W_s), numpy.zeros(3)
delta_next = numpy.zeros((2, 3))
for t in range(len(xs), 0, -1):                                # backward through time
    g = 2 * (s_np[t] - 0.5) + delta_next @ W_s.T              # dL/ds_t: its own loss + step t+1
    delta = g * (1 - s_np[t] ** 2)                             # dL/da_t
    dW_s += s_np[t - 1].T @ delta
    dW_x += xs[t - 1].T @ delta
    db += delta.sum(axis=0)
    delta_next = delta

for p in cell.parameters():
    p.zero_grad()
sequence_loss(cell.W_x, cell.W_s, cell.b).backward()
for name, by_hand, p in [("W^x", dW_x, cell.W_x), ("W^s", dW_s, cell.W_s), ("b", db, cell.b)]:
    print(f"dL/d{name}: BPTT by hand equals backward(): {numpy.allclose(by_hand, p.grad)}")
    assert numpy.allclose(by_hand, p.grad)

# %% [markdown]
# ## Training the cell you wrote
#
# `MyElman` is an `RNNCell`, so everything in the library takes it: here it becomes the cell of
# an acceptor (notebook 4) and learns the reviews of notebook 1, trained by BPTT through every
# review. The library's `ElmanCell`, given the same initial weights, must learn exactly the
# same thing: the two loss curves agree step by step.

# %%
from tinygrad_rnn import data

reviews = data.review_sentences(2000, seed=0)
held_out = data.review_sentences(400, seed=1, twins=True)
review_words = data.Vocab.build([w for w, _ in reviews])

def review_batch(examples):
    ids, lengths = data.pad_batch([review_words.encode(w) for w, _ in examples])
    return ids, numpy.array([label for _, label in examples]), lengths

def train(rnn):
    """An acceptor around `rnn`, trained for 4 epochs; returns it and its History."""
    tr.manual_seed(0)
    model = tr.rnn.Acceptor(rnn, num_classes=2, vocab_size=len(review_words))
    history = tr.fit(model, lambda epoch: [review_batch(b)
                                           for b in data.batches(reviews, 32, seed=epoch)],
                     optimizer=tr.optim.Adam(model.parameters(), lr=0.01), epochs=4,
                     progress=False)
    return model, history

mine, my_history = train(MyElman(16, 32, seed=1))
library_cell = tr.rnn.ElmanCell(16, 32)
for name in ("W_x", "W_s", "b"):
    getattr(library_cell, name).data = getattr(MyElman(16, 32, seed=1), name).numpy().copy()
theirs, their_history = train(library_cell)
ids, labels, lengths = review_batch(held_out)
print(f"held-out accuracy of your cell: {(mine.predict(ids, lengths) == labels).mean():.3f}")
print("largest difference between the two loss curves:",
      f"{max(abs(a - b) for a, b in zip(my_history.losses, their_history.losses)):.1e}")
assert numpy.allclose(my_history.losses, their_history.losses, atol=1e-8)
assert (mine.predict(ids, lengths) == labels).mean() > 0.8

# %% [markdown]
# ## A typical bug, caught
#
# Reading `.numpy()` (or `.data`) inside R leaves the recorded graph: the values are right,
# but nothing flows back through them. Here the recurrent term is computed on a raw array, so
# the gradient of W^s is missing and gradcheck says so.

# %%
class BuggyElman(MyElman):
    def R(self, state, x):
        recurrent = tr.Tensor(state.numpy() @ self.W_s.numpy())      # the bug: leaves the graph
        return my_tanh(x @ self.W_x + recurrent + self.b)

buggy = BuggyElman(4, 3)
try:
    tr.gradcheck(lambda W_s: tr.rnn.unroll(buggy, xs)[0][-1].sum(), [buggy.W_s])
except tr.GradcheckError as error:
    print("GradcheckError:", error)

# %% [markdown]
# ## Stepping through with the step debugger
#
# `tr.debug.Stepper(loss)` replays the recorded graph: first the forward pass op by op, in
# time order, then the backward pass in reverse. It computes the backward itself, so no
# tensor's `.grad` changes. Each event says which op ran, on what, and in which time step.

# %%
words3 = ["John", "lives", "in"]
x3 = numpy.random.default_rng(3).standard_normal((3, 1, 4))
ys, states = tr.rnn.unroll(cell, x3, labels=words3)
loss = ys[-1].sum()
stepper = tr.debug.Stepper(loss)
print(len(stepper), "events")
print(stepper.summary())

# %%
stepper.step(4)          # four ops on: still inside step 1
print(stepper.summary())
stepper                  # in a notebook the stepper shows its current frame

# %% [markdown]
# Run to the first op of step 3, then to the start of the backward pass:

# %%
stepper.run_to("t=3")
print(stepper.summary())
stepper.run_to("phase=backward")
print(stepper.summary())

# %% [markdown]
# Every backward event shows the gradient it sends to its inputs. Walk back to the state s_1
# (the output of step 1) and compare the stepper's dL/ds_1 with what `loss.backward()` stores in
# `states[1].grad`:

# %%
stepper.run_to("name=s_1 phase=backward")
print(stepper.summary())
display(stepper.frame())
loss.backward()
g, parts, done = stepper.grad_of("s_1")
print("stepper's dL/ds_1:", g.round(5), "  backward()'s:", states[1].grad.round(5))
assert numpy.allclose(g, states[1].grad)

# %% [markdown]
# At step granularity each event is a whole time step, and the frame is the cells view.
# `stepper.to_html("elman.html")` writes a page that plays all the steps in a browser.

# %%
by_step = tr.debug.Stepper(loss, granularity="step")
by_step.step(2)
print(by_step.summary())
by_step.frame()

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer (replace `raise NotImplementedError`) and a check
# cell. Worked solutions: `tutorials/solutions/06_elman_from_scratch.ipynb`. For a graded
# version of this notebook (students write the Elman cell, the sigmoid's backward, the LSTM's
# gates and a tagger's loss; an autograder scores them), see the example homework in
# `tutorials/homework/` (its `README.md` says how to make the student version and grade it).
#
# ### Exercise 1: a relu cell
#
# Write `MyReluElman`, a `MyElman` whose R uses `a.relu()` instead of `my_tanh`, and check its
# gradients on one step with `tr.gradcheck` (store the result in `relu_ok`). Why would a
# finite-difference check be unreliable at a pre-activation of exactly 0?

# %%
# BEGIN SOLUTION
class MyReluElman(MyElman):
    """s_t = relu(x_t W^x + s_{t-1} W^s + b)"""

    def R(self, state, x):
        return (x @ self.W_x + state @ self.W_s + self.b).relu()

relu_cell = MyReluElman(4, 3)
relu_ok = tr.gradcheck(lambda x, s, W_x, W_s, b: relu_cell.R(s, x),
                       [x, s, relu_cell.W_x, relu_cell.W_s, relu_cell.b])
# Why: relu has a kink at 0: a central difference straddling the kink averages the slopes 0
# and 1, while backward uses one of them.
# END SOLUTION
print("gradcheck:", relu_ok)

# %%
# Check 1
state_probe = tr.Tensor(numpy.ones((1, 3)))
x_probe = tr.Tensor(-numpy.ones((1, 4)) * 10)
assert relu_ok is True
assert (relu_cell.R(state_probe, x_probe).numpy() >= 0).all()
print("correct")

# %% [markdown]
# ### Exercise 2: BPTT in a loop you can cut
#
# *Truncated* BPTT (used in notebook 9) stops the backward pass k steps back. Change the
# hand-written BPTT above so that the gradient flowing from step t+1 into step t is dropped
# whenever t is a multiple of 2 (as if the sequence were cut into chunks of two steps). Store
# the truncated dL/dW^s in `dW_s_truncated`. Is it still a sum over every step?

# %%
# BEGIN SOLUTION
dW_s_truncated = numpy.zeros_like(W_s)
delta_next = numpy.zeros((2, 3))
for t in range(len(xs), 0, -1):
    g = 2 * (s_np[t] - 0.5) + (delta_next @ W_s.T if t % 2 else 0)   # cut between chunks
    delta = g * (1 - s_np[t] ** 2)
    dW_s_truncated += s_np[t - 1].T @ delta
    delta_next = delta
# Why: yes, every step still adds its term s_{t-1}^T δ_t, but δ_t no longer includes what
# arrives from beyond the chunk's end.
# END SOLUTION
print(dW_s_truncated.round(4))

# %%
# Check 2
def chunk_loss(W_x, W_s, b):
    """The same loss with the state detached after steps 2 and 4 (chunks of two steps)."""
    state, total = cell.initial_state(2), 0
    for t, x_t in enumerate(xs, start=1):
        state = cell.R(state, tr.Tensor(x_t))
        total = total + ((state - 0.5) ** 2).sum()
        if t % 2 == 0:
            state = state.detach()
    return total

cell.W_s.zero_grad()
chunk_loss(cell.W_x, cell.W_s, cell.b).backward()
assert numpy.allclose(dW_s_truncated, cell.W_s.grad)
assert not numpy.allclose(dW_s_truncated, dW_s)
print("correct")

# %% [markdown]
# ### Exercise 3: the shared parameter's partial gradients
#
# Back in the stepper of four words: find the events of the backward pass at which W^s
# receives a partial gradient (events whose op reads `cell.W_s`), and store the number of them
# in `n_partials`. Then store `stepper.grad_of("W^s")` at the end of the backward pass (its
# first element, the gradient) in `total`. Why is the gradient of a shared parameter a sum
# over time?

# %%
# BEGIN SOLUTION
backward_reads = [e for e in stepper.events if e.phase == "backward"
                  and any(inp is cell.W_s for inp in e.node.inputs)]
n_partials = len(backward_reads)
stepper.goto(len(stepper) - 1)
total = stepper.grad_of("W^s")[0]
# Why: W^s is one tensor read once per step, so by the chain rule its gradient is the sum of
# the contributions of every step that reads it.
# END SOLUTION
print(n_partials, "partial gradients; total =", total.round(4))

# %%
# Check 3
assert n_partials == len(words3)
cell.W_s.zero_grad()
ys3, _ = tr.rnn.unroll(cell, x3, labels=words3)
ys3[-1].sum().backward()
assert numpy.allclose(total, cell.W_s.grad)
print("correct")

# %% [markdown]
# ### Exercise 4: check a cell, step by step
#
# Run `tr.testing.check_cell` on `cell` over the four words (pass `steps=len(words)` and
# `labels=words`, so the report names each word) and on `buggy`; store the two reports in
# `good_report` and `bug_report`. What does `check_cell` check that `tr.gradcheck` on the
# whole sequence does not?

# %%
# BEGIN SOLUTION
good_report = tr.testing.check_cell(cell, steps=len(words), labels=words)
bug_report = tr.testing.check_cell(buggy, steps=len(words), labels=words)
# Why: it checks every op of the unrolled graph on its own, so a wrong gradient is reported
# with its op, its input and its time step, and a computation that left the graph shows up
# as an end-to-end mismatch while every op is right.
# END SOLUTION
print(good_report)
print(bug_report)

# %%
# Check 4
assert good_report.ok and not bug_report.ok
print("correct")

# %% [markdown]
# **Next:** notebook 7 measures how much of the gradient BPTT carries back, step by step.
