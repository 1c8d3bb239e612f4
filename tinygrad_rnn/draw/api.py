"""``tr.draw`` (recorded graph -> ``graphviz.Digraph``) and ``tr.render`` (-> a file).

    ys, states = tr.rnn.unroll(cell, xs, labels="John lives in Salt Lake City".split())
    tr.draw(ys)                        # the cells view: the lecture's unrolled picture
    tr.draw(ys, view="ops")            # every primitive op, one cluster per word
    tr.draw(ys, view="gates")          # the gates and the cell state's path (LSTM, GRU)
    tr.render(ys, "john.svg")          # .svg .png .pdf, or the DOT source as .dot/.gv

``render`` writes exactly the file asked for (and, with ``keep_dot=True``, the DOT source beside
an image), each through ``files.atomic_write``: a failed render (bad path, ``dot`` error or
time-out, full disk, Ctrl-C) writes and changes nothing. ``dot`` runs with a time limit in its
own process group and is killed on any failure.
"""
import numbers
import os
import shutil
import signal
import subprocess

from ..files import WriteError, atomic_write, check_writable, shown
from ..rnn.expand import expanded
from ..tensor import collector_paused
from .graph import RecordedGraph
from .hooks import Hooks

VIEWS = ("cells", "ops", "rolled", "gates")
SHOWS = ("shape", "value", "grad")
# Time flows left to right, x_t below and y_t above (dot's rankdir=BT). Other directions were
# tried (rankdir=LR for time top to bottom): dot 2.43 then orders the per-step clusters
# inconsistently (a decoder or a stacked RNN came out bottom to top), so they are not offered.
DIRECTIONS = {"LR": "BT"}
FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv")
MAX_OPS_NODES = 3000
MAX_TIMEOUT = 1e6   # seconds; more is no limit at all, and overflows the OS's timers
INSTALL = ("the 'dot' program of Graphviz is not installed (on Debian/Ubuntu: "
           "sudo apt-get install graphviz; elsewhere see https://graphviz.org/download/); "
           "a .dot file can still be written without it")


class GraphTooLarge(ValueError):
    """The ops view of a graph this large would keep ``dot`` busy for minutes."""


def _show_set(show):
    items = (show,) if isinstance(show, str) else tuple(show)
    for item in items:
        if item not in SHOWS:
            raise ValueError(f"draw: show={item!r} is not one of {', '.join(SHOWS)}")
    return set(items) or {"shape"}


def draw(root, view="cells", show=("shape",), direction="LR", title=None,
         max_nodes=MAX_OPS_NODES, *, grads=None, highlight=None, node_style=None, node_text=None,
         edge_style=None):
    """The recorded graph behind ``root`` (a tensor, or a list such as ``ys``) as a Digraph.

    - ``view``: ``"cells"`` one box per cell application (x_t below, y_t above, s_0 -> s_T left
      to right); ``"ops"`` every primitive op and leaf, one cluster per time step;
      ``"rolled"`` the network with a loop: one cell per chain and its recurrent edge;
      ``"gates"`` each step's gates and the path the state takes through elementwise ops
      only (the LSTM's c_{t-1} -> ⊙ f_t -> + i_t ⊙ g_t -> c_t, the GRU's through
      z_t ⊙ h_{t-1}) as one straight line across the steps (one chain of cells per column). A step
      recorded in training mode (``fused=True``, one node) is drawn as its ops
      (``tr.rnn.expanded``): every view looks as it does in teaching mode.
    - ``show``: ``"shape"`` (default), ``"value"`` (small arrays printed, large ones
      summarised), ``"grad"`` (after backward: |grad| coloured on a log heat scale), or a tuple.
    - ``direction``: ``"LR"``, time flows left to right (the only direction dot lays out
      reliably with per-step clusters).
    - ``max_nodes``: the ops and gates views refuse to draw more nodes (use ``view="cells"``).

    Per-node options (keywords only). A node stands for one tensor in the ops view, for the
    ops of one cell application in the cells view (y_t boxes for the output), for every step of
    a chain in the rolled view, and for all parameters in the "shared parameters" table:

    - ``grads={tensor: array}``: the dL/dt that ``show="grad"`` colours, instead of ``.grad``
      (a tensor missing from the mapping has no gradient yet).
    - ``highlight={tensor: message}``: the node of each tensor (``node_ids[tensor]``) filled
      red with a red outline, the message below its label (one row per line).
    - ``node_style=fn(tensors) -> dict``: DOT attributes over the node's own (the words of
      ``style`` are added to its own); every node is then drawn as a box, the tables of the
      ops view framed, so ``color``, ``penwidth``, ``style`` and ``fillcolor`` always show.
    - ``node_text=fn(tensors) -> lines``: lines of text added below the node's label.
    - ``edge_style=fn(tail_tensors, head_tensors) -> dict``: attributes of each visible edge;
      an end that stands for no tensor (a parameter's label, a junction) gives ``()``.

    The returned ``graphviz.Digraph`` has ``node_ids`` (tensor -> DOT id of the node that
    stands for it; ids are counters, the same for the same program) and ``node_tensors``
    (DOT id -> the tensors that node stands for).
    """
    if view not in VIEWS:
        raise ValueError(f"draw: view={view!r} is not one of {', '.join(VIEWS)}")
    if direction not in DIRECTIONS:
        raise ValueError(f"draw: direction={direction!r} is not one of {', '.join(DIRECTIONS)}")
    shown = _show_set(show)
    hooks = Hooks(grads, highlight, node_style, node_text, edge_style)
    # A fused step (training mode) is drawn as the ops it stands for, with their gradients
    # (from the step's outputs' .grad) when they are shown: the picture of teaching mode.
    steps = expanded(root, grads="grad" in shown and grads is None)
    with collector_paused(), steps:  # many new objects, no garbage cycles worth a collection
        return _draw(RecordedGraph(root, hooks), view, shown, DIRECTIONS[direction], title,
                     max_nodes)


def _draw(g, view, shown, rankdir, title, max_nodes):
    if view == "ops":
        if len(g.nodes) > max_nodes:
            raise GraphTooLarge(
                f"draw: the ops view of {len(g.nodes)} nodes is too large for dot to lay out in "
                f"reasonable time (limit {max_nodes}); use view='cells' (one box per step), or "
                "pass max_nodes= to force it")
        from .ops import draw_ops
        return draw_ops(g, shown, rankdir, title)
    if view == "rolled":
        from .rolled import draw_rolled
        return draw_rolled(g, shown, rankdir, title)
    if view == "gates":
        from .gates import draw_gates
        return draw_gates(g, shown, rankdir, title, max_nodes)
    from .cells import draw_cells
    return draw_cells(g, shown, rankdir, title)


def dot_available():
    return shutil.which("dot") is not None


def check_timeout(timeout):
    """``timeout`` for ``dot``: a finite positive number of seconds (at most ``MAX_TIMEOUT``), or
    None for no limit. Raises ValueError otherwise."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or \
            not 0 < timeout <= MAX_TIMEOUT:
        raise ValueError(f"render: timeout must be a number of seconds > 0 and <= {MAX_TIMEOUT:g} "
                         f"(or None for no limit), got {timeout!r}")
    return float(timeout)


def dot_path(path):
    """Where ``keep_dot=True`` writes the DOT source of an image: ``path`` with suffix .dot."""
    return os.path.splitext(os.fsdecode(os.fspath(path)))[0] + ".dot"


def check_path(path, keep_dot=False):
    """Raise ValueError for an unknown suffix, or a path that cannot be written (a missing or
    read-only folder, a folder, a device or FIFO, also behind a symbolic link); with
    ``keep_dot`` the .dot beside an image is checked too. Returns the suffix (lower case)."""
    path = os.fsdecode(os.fspath(path))
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise ValueError(f"render: unknown output suffix {suffix or '(none)'!r} in "
                         f"{shown(path)!r}; use one of {' '.join(FORMATS)}")
    paths = [path] + ([dot_path(path)] if keep_dot and suffix not in (".dot", ".gv") else [])
    for p in paths:
        try:
            check_writable(p)
        except WriteError as exc:
            raise ValueError(f"render: {exc}") from None
    return suffix


def render(root, path, timeout=120, keep_dot=False, **draw_options):
    """Draw ``root`` and write ``path`` by its suffix (.svg .png .pdf .dot .gv); returns path.

    Exactly the files asked for are written, each atomically (``files.atomic_write``): on any
    failure (a bad path, a layout error or time-out, a full disk, Ctrl-C) no file is written or
    changed. An image is laid out by Graphviz's ``dot`` within ``timeout`` seconds (None: no
    limit); ``keep_dot=True`` also writes its DOT source beside it (``path`` with ``.dot``).
    Without ``dot`` only ``.dot``/``.gv`` work; the others raise ``RuntimeError`` saying how
    to install it. ``path`` may be a str, bytes or ``pathlib.Path``.
    """
    check_path(path, keep_dot)
    check_timeout(timeout)
    graph = draw(root, **draw_options)
    try:
        return write_graph(graph, path, timeout=timeout, keep_dot=keep_dot)
    except LayoutTimeout as exc:
        if draw_options.get("view", "cells") == "cells":
            raise
        raise LayoutTimeout(f"{exc}; for a long sequence use view='cells'", exc.timeout) from None


def write_graph(graph, path, timeout=120, keep_dot=False):
    """Write a ``graphviz.Digraph`` (from ``draw``, a debugger frame, ...) as ``render`` does."""
    path = os.fsdecode(os.fspath(path))
    suffix = check_path(path, keep_dot)
    timeout = check_timeout(timeout)
    if suffix not in (".dot", ".gv") and not dot_available():
        raise RuntimeError(f"render: cannot write {shown(path)!r}: {INSTALL}")
    # A label that is not valid Unicode (undecodable bytes of a file name or command line)
    # is shown escaped rather than failing the whole picture.
    source = graph.source.encode("utf-8", "backslashreplace")
    if suffix in (".dot", ".gv"):
        return atomic_write(path, source)
    atomic_write(path, layout(source, suffix[1:], timeout))
    if keep_dot:
        atomic_write(dot_path(path), source)
    return path


class LayoutTimeout(RuntimeError):
    """``dot`` did not finish within the time limit (``timeout``, in seconds); it was killed."""

    def __init__(self, message, timeout):
        super().__init__(message)
        self.timeout = timeout


def layout(source, fmt="svg", timeout=120):
    """Run ``dot -T<fmt>`` on DOT source bytes within ``timeout`` seconds; returns its output.

    ``dot`` runs in a process group of its own and is killed on any exception while it runs
    (its time-out, Ctrl-C, SIGTERM under the command line), so it never outlives the call.
    """
    timeout = check_timeout(timeout)
    if not dot_available():
        raise RuntimeError(INSTALL)
    with subprocess.Popen(["dot", f"-T{fmt}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(source, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise LayoutTimeout(f"render: dot took longer than {timeout:g} s; raise timeout=, "
                                "or write a .dot file and lay it out yourself", timeout) from None
        except BaseException:
            _kill(proc)
            raise
    if proc.returncode != 0:
        lines = [l for l in err.decode("utf-8", "replace").splitlines() if l.strip()]
        first = next((l for l in lines if "error" in l.lower()), lines[-1] if lines else None)
        raise RuntimeError("render: dot failed: " + (first[:500] if first else
                                                      f"exit status {proc.returncode}"))
    return out


def _kill(proc):
    """Kill ``dot`` and anything it started (its process group), and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    proc.wait()
