"""Drawing the recorded graph with Graphviz: ``tr.draw`` and ``tr.render``."""
from .api import draw, render, write_graph  # noqa: F401
