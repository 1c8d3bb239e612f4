"""tinygrad_rnn: a small, exact autograd framework for teaching recurrent neural networks.

    import tinygrad_rnn as tr
    x = tr.Tensor([[1.0, 2.0]], requires_grad=True, name="x")
    y = (x * x).sum()
    y.backward()          # x.grad == 2 * x
"""
__version__ = "0.1.0"

from .errors import (DeviceError, DTypeError, GradcheckError, ShapeError,  # noqa: F401
                     StaleValueError, StateDictKeyError, TooLargeError)
from .state import Scope, is_grad_enabled, no_grad, scope  # noqa: F401
from .tensor import Tensor  # noqa: F401
from .autograd import BackwardHook, topological_order  # noqa: F401
from .function import Function  # noqa: F401
from .functional import (concat, cross_entropy, log_softmax, mse, softmax, split,  # noqa: F401
                         stack, unstack)
from . import autograd  # noqa: F401
from .gradcheck import gradcheck  # noqa: F401
from .random import manual_seed  # noqa: F401
from . import nn, optim  # noqa: F401
from . import rnn  # noqa: F401
from . import testing  # noqa: F401
from . import data  # noqa: F401
from .train import fit  # noqa: F401
from . import debug  # noqa: F401
from .draw import draw, render  # noqa: F401
from . import gradflow  # noqa: F401
from . import models  # noqa: F401
