"""Writing a frame to a file, the format chosen by the suffix (checked before writing)."""
from ..draw import write_graph


def write_frame(stepper, path, view=None):
    """Write the current frame to ``path`` (``.svg``, ``.png``, ``.pdf``, ``.dot``/``.gv``),
    exactly as ``tr.render`` writes a drawing (checked first, written atomically)."""
    write_graph(stepper.frame(view=view), path, keep_dot=False)
    return path
