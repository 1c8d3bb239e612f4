"""The lecture's example models, built and run over a sentence: what ``tinygrad-rnn render`` and
``debug`` draw and replay, and what the gallery (viz/) and the benchmarks (bench/) use.

    root, title = tr.models.build_model("lstm", "John lives in Salt Lake City".split())
    tr.draw(root, title=title)                       # y_1..y_T of an LSTM over the sentence
    loss, _ = tr.models.build_model("elman", words, pattern="transducer", grad=True)
    tr.debug.Stepper(tr.models.as_loss(root))        # a scalar to replay

The words are the time steps' labels (the scopes ``t=1`` .. ``t=T`` carry them); each word gets
a fixed random input vector x_t of size ``INPUT_SIZE``, or, in the patterns, an embedding.
"""
import numpy

from .functional import stack
from .random import manual_seed
from .state import scope

DEFAULT_SENTENCE = "John lives in Salt Lake City"
CELLS = ("elman", "lstm", "gru")
GATES = {"elman": 1, "lstm": 4, "gru": 3}   # weight blocks of each cell (1 per gate / candidate)
PATTERNS = ("none", "acceptor", "transducer", "encoder-decoder")
INPUT_SIZE = 4
_NAMES = {"elman": "Elman", "lstm": "LSTM", "gru": "GRU"}


def model_bytes(cell, hidden, layers, bidirectional, decoder):
    """About how many bytes the weights (float64) of ``build_model``'s model take."""
    directions = 2 if bidirectional else 1
    per_cell = GATES[cell] * hidden * (hidden + max(INPUT_SIZE, directions * hidden) + 2) * 8
    return per_cell * directions * layers + (per_cell * directions if decoder else 0)


def _cell_class(cell):
    from . import rnn
    return {"elman": rnn.ElmanCell, "lstm": rnn.LSTMCell, "gru": rnn.GRUCell}[cell]


def _rnn(cell, layers, bidirectional, hidden):
    """The recurrent part: one cell, a BiRNN, or a ``Stacked`` of either; and its output size."""
    from . import rnn
    make = _cell_class(cell)
    stack_, size = [], INPUT_SIZE
    for _ in range(layers):
        if bidirectional:
            stack_.append(rnn.BiRNN(make(size, hidden), make(size, hidden)))
            size = 2 * hidden
        else:
            stack_.append(make(size, hidden))
            size = hidden
    return (stack_[0] if layers == 1 else rnn.Stacked(stack_)), size


def build_model(cell, words, pattern="none", bidirectional=False, layers=1, hidden=3, seed=0,
                grad=False):
    """Run the model over ``words`` and return ``(root to draw, title)``.

    ``cell``: one of ``CELLS``; ``pattern``: one of ``PATTERNS``. ``pattern="none"``: the root
    is the list y_1..y_T; with ``grad`` the backward is of L = sum(y_T) (the loss at the last
    step, as in the lecture's vanishing-gradient picture). The patterns' root is their loss L;
    with ``grad`` it is backpropagated. ``seed`` fixes the weights and the inputs.
    """
    from . import rnn
    if cell not in CELLS:
        raise ValueError(f"build_model: unknown cell {cell!r}; use one of {', '.join(CELLS)}")
    if pattern not in PATTERNS:
        raise ValueError(f"build_model: unknown pattern {pattern!r}; use one of "
                         f"{', '.join(PATTERNS)}")
    manual_seed(seed)
    recurrent, _ = _rnn(cell, layers, bidirectional, hidden)
    kind = ("bidirectional " if bidirectional else "") + \
        (f"{layers}-layer " if layers > 1 else "") + _NAMES[cell]
    if pattern == "none":
        rng = numpy.random.default_rng(seed)
        xs = [rng.standard_normal((1, INPUT_SIZE)) for _ in words]
        if isinstance(recurrent, rnn.RNNCell):
            ys, _ = rnn.unroll(recurrent, xs, labels=words)
        else:
            ys, _ = recurrent(xs, labels=words)
        if grad:
            ys[-1].sum().backward()
        return ys, f'{kind} RNN unrolled over "{" ".join(words)}"'
    loss, title = _pattern_loss(pattern, recurrent, cell, words, hidden, bidirectional)
    if grad:
        loss.backward()
    return loss, f"{kind} {title}"


def _pattern_loss(pattern, recurrent, cell, words, hidden, bidirectional):
    """The loss L of a usage pattern over ``words`` (each word its own id), and a title."""
    from . import rnn
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    ids = numpy.array([[vocab[w]] for w in words])                 # [T, B=1]
    if pattern == "acceptor":
        model = rnn.Acceptor(recurrent, 2, vocab_size=len(vocab))
        return (model.loss(ids, [1], labels=words),
                "acceptor: one prediction from y_n, loss at the end")
    if pattern == "transducer":
        model = rnn.Transducer(recurrent, 3, vocab_size=len(vocab))
        tags = numpy.array([[1 if w[:1].isupper() else 0] for w in words])
        return (model.loss(ids, tags, labels=words),
                "transducer: a prediction and a loss at every step")
    tgt_words = ["<s>"] + list(words) + ["</s>"]
    tgt_vocab = {w: i for i, w in enumerate(dict.fromkeys(tgt_words))}
    tgt = numpy.array([[tgt_vocab[w]] for w in tgt_words])
    top = hidden * (2 if bidirectional else 1)
    model = rnn.EncoderDecoder(recurrent, _cell_class(cell)(INPUT_SIZE, top), len(vocab),
                               len(tgt_vocab))
    return (model.loss(ids, tgt, src_labels=words, tgt_labels=tgt_words),
            "encoder-decoder: the encoder's s_n starts the decoder")


def as_loss(root):
    """A scalar to backpropagate or replay: ``root`` itself when it is one (a pattern's loss),
    L = sum_t sum(y_t) for the outputs y_1..y_T of ``pattern="none"``."""
    if not isinstance(root, (list, tuple)):
        return root
    with scope("loss", kind="loss"):
        loss = stack([y.sum() for y in root]).sum()
        loss.name = "L"
    return loss
