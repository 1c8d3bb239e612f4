"""Recording state: whether ops record a graph (``no_grad``), the open scopes, the backward
hooks active in a ``with hook:`` block, and the generation counter of ``assign``.

``tr.scope`` is how the graph knows its time steps: ``unroll`` opens one scope per step, and
every tensor made inside is tagged with the path of open scopes.

Grad mode, scopes and hooks belong to the thread (and to the asyncio task) that set them: they
are context variables, so a ``with tr.no_grad():`` or a scope opened in one thread never
changes what another thread records. A new thread starts with grad mode on, no scope and no
hook. (Read through the bound methods below, they cost nothing measurable per op; opening a
scope costs about 0.3 us more than with a plain global, see docs/autodiff.md.) The generation
counter is global on purpose: a tensor assigned in any thread makes the ops that used its old
values stale.
"""
import contextlib
import contextvars
import weakref

AUTOGRAD_CORE = True  # origin.py: a frame here is never a creation site

GRAD_MODE = contextvars.ContextVar("tinygrad_rnn.grad_mode", default=True)
SCOPE_PATH = contextvars.ContextVar("tinygrad_rnn.scope_path", default=())
HOOKS = contextvars.ContextVar("tinygrad_rnn.hooks", default=())  # BackwardHook objects
# What every op reads, as bound methods: ``GRAD_MODE.get()`` looks the method up on each call,
# which measured about 100 ns per op more than calling these (bench/versions.py --program ops).
grad_mode_now = GRAD_MODE.get
scope_path_now = SCOPE_PATH.get


class _State:
    __slots__ = ("generation",)

    def __init__(self):
        # Goes up by one whenever any tensor's values are replaced (Tensor.assign). An op
        # records it; when it is unchanged at backward time, none of the op's inputs changed.
        self.generation = 0


STATE = _State()


class Scope:
    """One level of a scope path: a name (``"t=3"``) and attributes (``{"t": 3, "label": "Salt"}``).

    ``roles``: which tensors play which part here, declared by the code that opened the scope
    (``unroll`` declares each step's x_t, s_{t-1}, s_t, y_t; see docs/scopes_rnn.md), so that
    drawings and the debugger read the structure instead of guessing it from names.
    """
    __slots__ = ("name", "attrs", "roles")

    def __init__(self, name, attrs):
        self.name = name
        self.attrs = attrs
        self.roles = {}

    def declare(self, role, tensors):
        """Record that ``tensors`` (a sequence, e.g. the parts (c, h) of a state) play ``role``.

        Kept as weak references: every tensor made in the scope refers to it, so a strong
        reference back would make each graph a cycle that only the cycle collector frees."""
        self.roles[role] = tuple(map(weakref.ref, tensors))

    def role(self, role):
        """The tensors declared for ``role``, in order (None for one that no longer exists)."""
        return tuple(ref() for ref in self.roles.get(role, ()))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in sorted(self.attrs.items()))
        return f"Scope({self.name!r}{extra})"


def scope(name, **attrs):
    """Tag every tensor made inside with ``Scope(name, attrs)`` (nested scopes make a path):
    ``with tr.scope("t=3", t=3) as step:`` (``step`` is the new Scope)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"scope: name must be a non-empty string, got {name!r}")
    return _Opened(Scope(name, attrs))


class _Opened:
    """The ``with`` block of ``scope`` (a class, not a generator: unroll opens one per step)."""
    __slots__ = ("scope", "saved")

    def __init__(self, scope):
        self.scope = scope

    def __enter__(self):
        self.saved = scope_path_now()
        SCOPE_PATH.set(self.saved + (self.scope,))
        return self.scope

    def __exit__(self, *exc):
        SCOPE_PATH.set(self.saved)


def is_step(scope):
    """Whether ``scope`` is a time step's scope: it has a ``t`` attribute (``unroll`` opens one
    per step; a hand-written loop may too)."""
    return "t" in scope.attrs


def step_index(path):
    """The position in a scope path of its time step: the innermost step scope (``is_step``),
    or -1. The one answer to "which step is this tensor in" (``step_of``)."""
    for i in range(len(path) - 1, -1, -1):
        if is_step(path[i]):
            return i
    return -1


def step_of(tensor):
    """``(t, label)`` of the time step ``tensor`` was made in, or ``(None, None)``."""
    i = step_index(tensor.scope)
    if i < 0:
        return None, None
    return tensor.scope[i].attrs["t"], tensor.scope[i].attrs.get("label")


@contextlib.contextmanager
def setting(variable, value):
    """``variable`` (a per-thread setting such as ``GRAD_MODE``) is ``value`` inside the block,
    and what it was before afterwards, even after an error."""
    saved = variable.get()
    variable.set(value)
    try:
        yield
    finally:
        variable.set(saved)


def no_grad():
    """Record nothing inside: results have no ``.op``/``.inputs`` and do not require grad."""
    return setting(GRAD_MODE, False)


def is_grad_enabled():
    """Whether ops record a graph here (False inside ``no_grad``), in this thread."""
    return GRAD_MODE.get()
