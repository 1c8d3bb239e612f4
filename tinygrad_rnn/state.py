"""Global recording state: whether ops record a graph (``no_grad``), the open scopes, the
backward hooks active in a ``with hook:`` block, and the generation counter of ``assign``.

``tr.scope`` is how the graph knows its time steps: ``unroll`` opens one scope per step, and
every tensor made inside is tagged with the path of open scopes.
"""
import contextlib


class _State:
    __slots__ = ("grad_enabled", "scope", "hooks", "generation")

    def __init__(self):
        self.grad_enabled = True
        self.scope = ()
        self.hooks = ()        # BackwardHook objects watching every backward pass
        # Goes up by one whenever any tensor's values are replaced (Tensor.assign). An op
        # records it; when it is unchanged at backward time, none of the op's inputs changed.
        self.generation = 0


STATE = _State()


class Scope:
    """One level of a scope path: a name (``"t=3"``) and attributes (``{"t": 3, "label": "Salt"}``)."""
    __slots__ = ("name", "attrs")

    def __init__(self, name, attrs):
        self.name = name
        self.attrs = attrs

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in sorted(self.attrs.items()))
        return f"Scope({self.name!r}{extra})"


@contextlib.contextmanager
def scope(name, **attrs):
    """Tag every tensor made inside with ``Scope(name, attrs)`` (nested scopes make a path)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"scope: name must be a non-empty string, got {name!r}")
    saved = STATE.scope
    STATE.scope = saved + (Scope(name, dict(attrs)),)
    try:
        yield STATE.scope[-1]
    finally:
        STATE.scope = saved


@contextlib.contextmanager
def no_grad():
    """Record nothing inside: results have no ``.op``/``.inputs`` and do not require grad."""
    saved = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        yield
    finally:
        STATE.grad_enabled = saved


def is_grad_enabled():
    return STATE.grad_enabled
