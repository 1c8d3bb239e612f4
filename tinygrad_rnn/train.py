"""Training helpers: ``fit`` (a loop with a progress bar, gradient clipping and a clean Ctrl-C),
``detach_state`` and ``truncated_bptt`` (train over a long sequence in chunks).

    history = tr.fit(model, batches, epochs=5, clip=5.0)   # each batch: model.loss(*batch)
    history.losses[-1], history.interrupted

Ctrl-C during ``fit`` stops between two optimizer steps: the parameters keep everything learnt
so far, and ``fit`` returns the history of the steps done (``interrupted=True``).
"""
import contextlib
import math
import numbers
import signal
import threading
from collections.abc import Iterable, Iterator

from .data.checks import count
from .optim import Adam, clip_grad_norm
from .rnn.fused import fused_mode
from .tensor import Tensor


class History:
    """What ``fit`` did: ``losses`` (one per optimizer step), ``epoch_losses`` (mean loss of
    each finished epoch), ``grad_norms`` (before clipping; filled when ``clip`` is given),
    ``steps``, and ``interrupted`` (True when Ctrl-C stopped training)."""

    def __init__(self):
        self.losses, self.epoch_losses, self.grad_norms = [], [], []
        self.interrupted = False

    @property
    def steps(self):
        return len(self.losses)

    def __repr__(self):
        last = f", last loss {self.losses[-1]:.4g}" if self.losses else ""
        stop = ", interrupted" if self.interrupted else ""
        return f"History({self.steps} steps, {len(self.epoch_losses)} epochs{last}{stop})"


def detach_state(state):
    """Cut the graph behind a state (truncated BPTT): a tensor, a tuple such as the LSTM's
    (c, h), or a list of them (a deep RNN) -> the same structure of detached leaves."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"detach_state: expected a Tensor, or a tuple/list of them, got "
                    f"{type(state).__name__}")


@contextlib.contextmanager
def _defer_interrupt():
    """Hold Ctrl-C back until the block ends, so an optimizer step is never half done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _update(params, optimizer, loss, clip, history, retain_grads=False):
    """backward, clip, step, zero_grad: one optimizer step from one loss."""
    if not isinstance(loss, Tensor) or loss.size != 1:
        raise TypeError(f"fit: the loss function must return a scalar Tensor, got {loss!r}")
    loss.backward(retain_grads=retain_grads)
    if clip is not None:
        history.grad_norms.append(clip_grad_norm(params, clip))
    value = float(loss.item())
    with _defer_interrupt():  # a Ctrl-C here lands after the step is complete and recorded
        optimizer.step()
        optimizer.zero_grad()
        history.losses.append(value)
    return value


def check_clip(where, clip):
    """``clip`` is None (no clipping) or a finite number > 0: a negative bound would turn
    descent into ascent, and nan would never clip."""
    if clip is None:
        return None
    if isinstance(clip, bool) or not isinstance(clip, numbers.Real) or \
            not 0 < clip < math.inf:
        raise ValueError(f"{where}: clip must be a finite number > 0 (the largest gradient norm "
                         f"allowed), or None for no clipping; got {clip!r}")
    return float(clip)


def _check_batches(batches, epochs):
    """``batches`` must be re-iterable for several epochs: a generator is read only once."""
    if callable(batches):
        return
    if not isinstance(batches, Iterable) or isinstance(batches, (str, bytes)):
        raise TypeError(f"fit: batches must be a list of batches or a function epoch -> batches, "
                        f"got {type(batches).__name__}")
    if isinstance(batches, Iterator) and epochs > 1:
        raise ValueError(f"fit: batches is a one-shot iterator ({type(batches).__name__}), which "
                         f"runs out after the first of epochs={epochs}; pass a list "
                         "(list(batches)) or a function epoch -> batches that makes a new one")
    if hasattr(batches, "__len__") and len(batches) == 0 and epochs > 0:
        raise ValueError("fit: batches is empty: there is nothing to train on")


def _flag(where, what, value):
    if not isinstance(value, bool):
        raise TypeError(f"{where}: {what} must be True or False, got {value!r}")
    return value


def _call(loss_fn, batch):
    if isinstance(batch, dict):
        return loss_fn(**batch)
    if isinstance(batch, (tuple, list)):
        return loss_fn(*batch)
    return loss_fn(batch)


def fit(model, batches, loss_fn=None, optimizer=None, epochs=1, clip=None, progress=True,
        callback=None, fused=None, retain_grads=False):
    """Train ``model``: for each epoch, for each batch, L = loss_fn(*batch); backward; clip the
    gradient norm to ``clip`` (if given); one optimizer step.

    - ``batches``: a list (or any re-iterable) of batches, or a function ``epoch -> iterable``
      (to reshuffle every epoch). A tuple batch is spread into positional arguments, a dict into
      keyword arguments.
    - ``loss_fn``: defaults to ``model.loss``. ``optimizer``: defaults to
      ``tr.optim.Adam(model.parameters(), lr=0.01)``.
    - ``epochs``: an int >= 0. A generator can be read once only, so it is refused for
      ``epochs > 1``; a function ``epoch -> iterable`` may return a new one every epoch.
    - ``clip``: None, or a finite number > 0.
    - ``progress``: a tqdm progress bar per epoch showing the latest loss and the epoch's mean.
    - ``callback(step, loss)`` is called after every step.
    - ``fused``: training mode for every ``unroll`` the loss function runs (``fused=None`` of
      the RNNs means this, see ``tr.rnn.fused_mode``): each step of a built-in cell is one node
      with its own backward; the same numbers, faster. None keeps the enclosing default
      (teaching mode).
    - ``retain_grads``: ``backward(retain_grads=...)`` of each step; False (the default here)
      keeps only the parameters' gradients, which is all an optimizer needs.

    Returns a ``History``. Ctrl-C stops cleanly between steps and returns what was done.
    """
    if loss_fn is None:
        loss_fn = getattr(model, "loss", None)
        if loss_fn is None:
            raise TypeError(f"fit: {type(model).__name__} has no loss() method; pass loss_fn=")
    epochs = count("fit", "epochs", epochs)
    clip = check_clip("fit", clip)
    mode = contextlib.nullcontext() if fused is None else fused_mode(_flag("fit", "fused", fused))
    retain_grads = _flag("fit", "retain_grads", retain_grads)
    _check_batches(batches, epochs)
    params = model.parameters()
    if optimizer is None:
        optimizer = Adam(params, lr=0.01)
    step = _Step(loss_fn, params, optimizer, clip, retain_grads, callback)
    bar = _Bar(progress)
    try:
        with mode:
            for epoch in range(epochs):
                epoch_batches = batches(epoch) if callable(batches) else batches
                bar.open(f"epoch {epoch + 1}/{epochs}", epoch_batches)
                mean = step.epoch(epoch_batches, bar)
                bar.close()
                if mean is None:
                    raise ValueError(f"fit: epoch {epoch + 1} of {epochs} had no batches (was "
                                     "batches(epoch) a generator that had run out?)")
                step.history.epoch_losses.append(mean)
    except KeyboardInterrupt:
        step.history.interrupted = True
        step.optimizer.zero_grad()
        bar.say(f"fit: interrupted after {step.history.steps} steps; the parameters keep what "
                "they learnt")
    finally:
        bar.close()    # after an error in the loss function: the bar ends where it stopped
    return step.history


class _Step:
    """``fit``'s optimizer steps: one per batch, recorded in ``history``."""

    def __init__(self, loss_fn, params, optimizer, clip, retain_grads, callback):
        self.loss_fn, self.params, self.optimizer = loss_fn, params, optimizer
        self.clip, self.retain_grads, self.callback = clip, retain_grads, callback
        self.history = History()

    def epoch(self, batches, bar):
        """One step per batch; returns the mean loss of the epoch (None if it had no batch)."""
        running, done = 0.0, 0
        for batch in batches:
            self.optimizer.zero_grad()
            value = _update(self.params, self.optimizer, _call(self.loss_fn, batch), self.clip,
                            self.history, self.retain_grads)
            running += value
            done += 1
            bar.show(value, running / done)
            if self.callback is not None:
                self.callback(self.history.steps, value)
        return running / done if done else None


class _Bar:
    """The progress bar of the current epoch (tqdm), or nothing with ``progress=False``."""

    def __init__(self, progress):
        self.progress, self.bar = progress, None

    def open(self, title, batches):
        if self.progress:
            from tqdm import tqdm
            total = len(batches) if hasattr(batches, "__len__") else None
            self.bar = tqdm(total=total, desc=title, leave=True)

    def show(self, loss, mean):
        """After a step: the latest loss and the epoch's mean so far."""
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix({"loss": f"{loss:.4f}", "epoch mean": f"{mean:.4f}"})

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def say(self, message):
        """Print ``message`` below the bar (it is closed first), or plainly when there is no
        open bar; nothing with ``progress=False``."""
        if self.bar is not None:
            bar, self.bar = self.bar, None
            bar.close()
            bar.write(message)
        elif self.progress:
            print(message)


def truncated_bptt(step_fn, length, chunk, optimizer, state=None, clip=None, params=None,
                   fused=None, retain_grads=False):
    """Train over one long sequence of ``length`` steps in chunks of ``chunk`` steps.

    ``step_fn(start, stop, state) -> (loss, state)`` runs steps ``start..stop-1`` from ``state``
    (None at the start). After each chunk: backward, clip (``clip`` with ``params``, default
    ``optimizer.params``), one optimizer step, then the state is detached with ``detach_state``
    so the next chunk's gradient stops at the chunk boundary. Returns ``(losses, state)``.
    ``fused`` and ``retain_grads`` as in ``fit``.
    """
    length = count("truncated_bptt", "length", length, minimum=1)
    chunk = count("truncated_bptt", "chunk", chunk, minimum=1)
    clip = check_clip("truncated_bptt", clip)
    params = optimizer.params if params is None else list(params)
    retain_grads = _flag("truncated_bptt", "retain_grads", retain_grads)
    mode = contextlib.nullcontext() if fused is None else fused_mode(
        _flag("truncated_bptt", "fused", fused))
    history = History()
    with mode:
        for start in range(0, length, chunk):
            optimizer.zero_grad()
            loss, state = step_fn(start, min(start + chunk, length), state)
            _update(params, optimizer, loss, clip, history, retain_grads)
            state = detach_state(state)
    return history.losses, state
