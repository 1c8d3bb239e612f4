"""Writing a frame to a file, the format chosen by the suffix (checked before writing)."""
import os

import graphviz

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def write_frame(stepper, path, view=None):
    """Write the current frame to ``path`` (``.svg``, ``.png``, ``.pdf``, ``.dot``/``.gv``)."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in FORMATS:
        raise ValueError(f"frame: unknown output suffix {suffix or '(none)'!r} in {path}; use "
                         + ", ".join(FORMATS))
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise OSError(f"frame: cannot write {path}: directory {directory} does not exist")
    graph = stepper.frame(view=view)
    if FORMATS[suffix] == "dot":
        data = graph.source.encode("utf-8")
    else:
        try:
            data = graph.pipe(format=FORMATS[suffix])
        except graphviz.ExecutableNotFound:
            raise OSError("frame: Graphviz's dot program is needed for "
                          f"{suffix} (apt-get install graphviz); .dot works without it") from None
    with open(path, "wb") as f:
        f.write(data)
    return path
