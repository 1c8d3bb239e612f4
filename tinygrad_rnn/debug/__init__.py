"""The step debugger: replay a recorded graph forward node by node, then backward, in a notebook
(``Stepper`` displays as its current frame), the terminal (``tinygrad-rnn debug``) or the
browser (``Stepper.to_html``)."""
from .breakpoints import Breakpoint  # noqa: F401
from .events import Event, forward_order  # noqa: F401
from .stepper import StepEvent, Stepper  # noqa: F401
