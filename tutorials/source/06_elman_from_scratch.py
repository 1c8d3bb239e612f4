# %% [markdown]
# # 5. The Elman RNN, built by you from primitive ops
#
# **You will learn:** how to write the Elman cell yourself from matrix products, additions and
# exponentials, how to check its gradients against finite differences with `tr.gradcheck`,
# what a typical gradient bug looks like, and how to walk through the forward and backward
# pass one op at a time with the step debugger.
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
# 1. Give `MyElman` an `activation` argument (`"tanh"` or `"relu"`, with `a.relu()`) and check
#    the relu version with `tr.gradcheck`. Why would a finite-difference check be unreliable
#    at a pre-activation of exactly 0?
# 2. Introduce a bug on purpose in `my_tanh` (e.g. `1 - 1 / (...)`). Which check fails first:
#    the comparison with `numpy.tanh`, or gradcheck?
# 3. With the stepper, find the event where W^s receives its *second* partial gradient. What
#    does `stepper.grad_of("W^s")` return there, and why is the gradient of a shared
#    parameter a sum over time?
# 4. Run `tr.testing.check_cell(cell, labels=words)` and read the report. What does it check
#    that `tr.gradcheck` on the whole sequence does not?
