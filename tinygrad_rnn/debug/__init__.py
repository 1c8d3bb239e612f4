"""The step debugger: replay a recorded graph forward node by node, then backward, in a notebook
(``Stepper`` displays as its current frame, with buttons when ipywidgets is installed), the
terminal (``tinygrad-rnn debug``: pdb's commands) or the browser (``Stepper.to_html``).

``stepper`` and ``control`` (moving, breakpoints), ``events`` and ``nan`` (what happens, and
who produced a NaN), ``names`` and ``evaluate`` (names and expressions), ``repl``,
``commands``, ``breakcommands``, ``help`` and ``source`` (the prompt), ``frame``, ``html``,
``player``, ``svg`` and ``widget`` (pictures). docs/debugger.md says how to use them.
"""
from .breakpoints import Breakpoint  # noqa: F401
from .events import Event, forward_order  # noqa: F401
from .stepper import StepEvent, Stepper  # noqa: F401
