"""The lecture's recurrent networks: cells (R and O), ``unroll``, BiRNN and deep (stacked) RNNs.

    cell = tr.rnn.ElmanCell(input_size=4, hidden_size=3)
    ys, states = tr.rnn.unroll(cell, xs, labels=words)   # T outputs, T+1 states
"""
from .base import RNNCell  # noqa: F401
from .elman import ElmanCell  # noqa: F401
from .lstm import LSTMCell  # noqa: F401
from .gru import GRUCell  # noqa: F401
from .fused import NotFusedWarning, fused_mode  # noqa: F401
from .expand import Expansion, expand, expanded  # noqa: F401
from .unroll import unroll  # noqa: F401
from .stacking import BiRNN, Stacked  # noqa: F401
from .patterns import Acceptor, EncoderDecoder, Transducer  # noqa: F401
from .decoding import BeamTrace, beam_search  # noqa: F401

__all__ = ["RNNCell", "ElmanCell", "LSTMCell", "GRUCell", "unroll", "BiRNN", "Stacked",
           "Acceptor", "Transducer", "EncoderDecoder", "fused_mode", "NotFusedWarning", "expand",
           "expanded", "Expansion", "beam_search", "BeamTrace"]
