"""The primitive ops. Each is a ``Function`` subclass; importing this package registers them all."""
from .elementwise import Add, Sub, Mul, Div, Neg, Pow, Exp, Log, Tanh, Sigmoid, Relu  # noqa: F401
from .reduce import Sum, Mean, Max  # noqa: F401
from .shape import Reshape, Transpose, GetItem, Concat, Stack, Unstack  # noqa: F401
from .matmul import MatMul  # noqa: F401
from .loss import Softmax, LogSoftmax, CrossEntropy, MSE  # noqa: F401

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site
