"""Python expressions over the replay: what ``p``, ``pp``, ``display``, ``!`` and breakpoint
conditions evaluate.

In an expression every node is a name (its Python spelling, see ``names.py``: ``s_1``, ``W_s``
for W^s, ``x_3``, ``tanh_t_3_1``) standing for its value as far as the replay has run: a
read-only NumPy array (a composite state ``s_3`` is the tuple of its parts). ``np`` and
``numpy`` are NumPy; ``grad("W_s")`` is dL/dW^s so far (None before any part arrived) and
``value("tanh@t=3#1")`` a value by any spelling of its name. Variables assigned with ``!`` are
kept (``!a = s_1 * 2``, then ``p a``). A node whose value is not computed yet is an error that
says so.
"""
import builtins
import contextlib

import numpy

from .. import backend


class NotYet(NameError):
    """A name of a node the replay has not computed yet."""


def frozen(array):
    """A read-only NumPy array of ``array`` (the Stepper's own arrays are never handed out
    writable: an expression cannot change what the replay shows)."""
    if array is None:
        return None
    host = array.view() if isinstance(array, numpy.ndarray) else backend.to_numpy(array)
    if isinstance(host, numpy.ndarray):
        host.flags.writeable = False
    return host


def names_used(code):
    """Every name a compiled expression or statement refers to, nested code included (a
    comprehension looks its names up as globals, so they must all be there)."""
    found, stack = set(), [code]
    while stack:
        c = stack.pop()
        found.update(c.co_names)
        found.update(c.co_freevars)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    return found


def namespace(stepper, code, progress, variables):
    """The globals of ``code`` at op-event ``progress``: the node names it uses (their values
    so far), the variables, ``np``, ``grad`` and ``value``."""
    nodes, composite = stepper.resolver.identifiers(), stepper.resolver.composite

    def value_of(node, key):
        value = stepper.value_of(node, progress)
        if value is None:
            also = f" ({stepper.names[node]})" if stepper.names[node] != key else ""
            raise NotYet(f"{key}{also} is not computed yet at this event", name=key)
        return frozen(value)

    def value(name):
        """The value of the node called ``name`` (any spelling)."""
        return value_of(stepper.node(name), name)

    def grad(name):
        """dL/d(node called ``name``) as far as the backward replay has run (None: none yet)."""
        return frozen(stepper.grad_of(name, progress)[0])

    space = {"__builtins__": builtins, "np": numpy, "numpy": numpy, "grad": grad,
             "value": value}
    pending = {}              # names of nodes not computed yet: an error only if used
    for key in names_used(code):
        try:
            if key in variables:
                space[key] = variables[key]
            elif key in nodes:
                space[key] = value_of(nodes[key], key)
            elif key in composite:
                space[key] = tuple(value_of(n, key) for n in composite[key])
        except NotYet as exc:
            pending[key] = exc
    return space, pending


@contextlib.contextmanager
def _suggesting(stepper, pending):
    """A node used before the replay computed it is ``NotYet``; another name that is not
    defined gets the closest node names as suggestions."""
    try:
        yield
    except NameError as exc:
        name = getattr(exc, "name", None)
        if name in pending and not isinstance(exc, NotYet):
            raise pending[name] from None
        if isinstance(exc, NotYet) or not name:
            raise
        raise NameError(f"name {name!r} is not defined{stepper.resolver.suggest(name)}",
                        name=name) from None


def _progress(stepper, progress):
    return stepper.progress if progress is None else progress


def evaluate(stepper, expression, progress=None):
    """The value of a Python expression at op-event ``progress`` (default: now)."""
    code = compile(expression, "<expression>", "eval")
    space, pending = namespace(stepper, code, _progress(stepper, progress), stepper.variables)
    with _suggesting(stepper, pending):
        return eval(code, space)


def execute(stepper, statement, progress=None):
    """Run a Python statement (``!`` in the debugger); what it assigns is kept as variables."""
    code = compile(statement, "<statement>", "single")
    space, pending = namespace(stepper, code, _progress(stepper, progress), stepper.variables)
    before = dict(space)
    with _suggesting(stepper, pending):
        exec(code, space)
    for key, value in space.items():
        if key != "__builtins__" and (key not in before or before[key] is not value):
            stepper.variables[key] = value
