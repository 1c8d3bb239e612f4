"""``tr.draw`` (recorded graph -> ``graphviz.Digraph``) and ``tr.render`` (-> a file).

    ys, states = tr.rnn.unroll(cell, xs, labels="John lives in Salt Lake City".split())
    tr.draw(ys)                        # the cells view: the lecture's unrolled picture
    tr.draw(ys, view="ops")            # every primitive op, one cluster per word
    tr.render(ys, "john.svg")          # .svg .png .pdf, or the DOT source as .dot/.gv

``render`` writes the DOT source first (``path`` with suffix ``.dot``) so nothing is lost when
the layout fails, runs ``dot`` with a timeout, and writes through a temporary file then a
rename, so a failed render leaves no half-written file.
"""
import os
import shutil
import subprocess

from ..files import atomic_write
from ..tensor import collector_paused
from .graph import RecordedGraph
from .hooks import Hooks

VIEWS = ("cells", "ops", "rolled")
SHOWS = ("shape", "value", "grad")
# Time flows left to right, x_t below and y_t above (dot's rankdir=BT). Other directions were
# tried (rankdir=LR for time top to bottom): dot 2.43 then orders the per-step clusters
# inconsistently (a decoder or a stacked RNN came out bottom to top), so they are not offered.
DIRECTIONS = {"LR": "BT"}
FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv")
MAX_OPS_NODES = 3000
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
      ``"rolled"`` the network with a loop: one cell per chain and its recurrent edge.
    - ``show``: ``"shape"`` (default), ``"value"`` (small arrays printed, large ones
      summarised), ``"grad"`` (after backward: |grad| coloured on a log heat scale), or a tuple.
    - ``direction``: ``"LR"``, time flows left to right (the only direction dot lays out
      reliably with per-step clusters).
    - ``max_nodes``: the ops view refuses larger graphs (use ``view="cells"``).

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
    with collector_paused():       # many new objects, no garbage cycles worth a collection
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
    from .cells import draw_cells
    return draw_cells(g, shown, rankdir, title)


def dot_available():
    return shutil.which("dot") is not None


def check_path(path):
    """Raise ValueError for an unknown suffix or a folder that does not exist or is not writable."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise ValueError(f"render: unknown output suffix {suffix or '(none)'!r} in {path!r}; "
                         f"use one of {' '.join(FORMATS)}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"render: cannot write {path!r}: folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise ValueError(f"render: cannot write {path!r}: permission denied")
    if os.path.isdir(path):
        raise ValueError(f"render: cannot write {path!r}: it is a folder")
    return suffix


def render(root, path, timeout=120, keep_dot=True, **draw_options):
    """Draw ``root`` and write ``path`` by its suffix (.svg .png .pdf .dot .gv); returns path.

    For an image, the DOT source is written first beside it (``keep_dot=True``: ``path`` with
    ``.dot``), then ``dot`` lays it out with ``timeout`` seconds. Without Graphviz's ``dot``
    only ``.dot``/``.gv`` work; the others raise ``RuntimeError`` saying how to install it.
    """
    return write_graph(draw(root, **draw_options), path, timeout=timeout, keep_dot=keep_dot)


def write_graph(graph, path, timeout=120, keep_dot=True):
    """Write a ``graphviz.Digraph`` (from ``draw``, a debugger frame, ...) as ``render`` does."""
    path = os.fspath(path)
    suffix = check_path(path)
    if suffix not in (".dot", ".gv") and not dot_available():
        raise RuntimeError(f"render: cannot write {path!r}: {INSTALL}")
    source = graph.source.encode("utf-8")
    if suffix in (".dot", ".gv"):
        return atomic_write(path, source)
    if keep_dot:
        atomic_write(os.path.splitext(path)[0] + ".dot", source)
    return atomic_write(path, layout(source, suffix[1:], timeout))


def layout(source, fmt="svg", timeout=120):
    """Run ``dot -T<fmt>`` on DOT source bytes with a timeout; returns the output bytes."""
    if not dot_available():
        raise RuntimeError(INSTALL)
    try:
        done = subprocess.run(["dot", f"-T{fmt}"], input=source, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"render: dot took longer than {timeout} s; for a long sequence use "
                           "view='cells', or write a .dot file and lay it out yourself") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError("render: dot failed: " + (message[-1] if message else
                                                      f"exit status {done.returncode}"))
    return done.stdout
