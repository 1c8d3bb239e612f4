"""What the checks found: a ``GradientProblem`` per wrong gradient, gathered in a
``GradientReport`` (``ok``, ``problems``, ``steps``, ``ops``, ``print(report)``, ``draw()``)."""
from dataclasses import dataclass, field


@dataclass
class GradientProblem:
    """One wrong gradient: of which op's input, where in the graph, expected vs got."""
    op: str
    input_index: int
    input_label: str
    scope: str                 # e.g. "elman/t=3"
    step: object               # the t of the innermost step scope, or None
    word: object               # that scope's label (the word), or None
    index: tuple = ()
    expected: float = float("nan")
    got: float = float("nan")
    error: float = float("nan")
    message: str = ""          # set instead of the values when backward failed outright
    node: object = field(default=None, repr=False, compare=False)

    def __str__(self):
        where = f" at {self.scope}" if self.scope else ""
        if self.word is not None:
            where += f" ({self.word!r})"
        head = f"{self.op}{where}: gradient for input {self.input_index} ({self.input_label})"
        if self.message:
            return f"{head}: {self.message}"
        return (f"{head} wrong at index {self.index}: expected {self.expected:.8g} (finite "
                f"differences), got {self.got:.8g} (backward); relative error {self.error:.2e}")


class GradientReport:
    """What ``check_graph``/``check_op``/``check_cell`` found; ``ok`` when nothing is wrong."""

    def __init__(self, nodes, problems, leaf_problems=()):
        self.nodes = nodes                       # op nodes checked, inputs before consumers
        self.problems = list(problems)           # GradientProblem per wrong (node, input)
        self.leaf_problems = list(leaf_problems)  # end-to-end messages (check_cell)
        self.root = None                         # the unrolled loss (check_cell)

    @property
    def ok(self):
        return not self.problems and not self.leaf_problems

    @property
    def steps(self):
        """Sorted time steps that have a wrong gradient."""
        return sorted({p.step for p in self.problems if p.step is not None})

    @property
    def ops(self):
        """Names of the ops whose backward is wrong somewhere, in graph order."""
        return list(dict.fromkeys(p.op for p in self.problems))

    def __str__(self):
        if self.ok:
            return f"all {len(self.nodes)} ops' gradients agree with finite differences"
        if self.problems:
            steps = f" (steps {', '.join(map(str, self.steps))})" if self.steps else ""
            lines = [f"{len(self.problems)} wrong gradient(s) in {len(self.nodes)} ops checked{steps}:"]
        else:
            lines = [f"the backward of each of the {len(self.nodes)} ops is right, but parameter "
                     "gradients of the whole unrolled loss are not:"]
        lines += [f"  {p}" for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  ... and {len(self.problems) - 20} more")
        lines += [f"  {m}" for m in self.leaf_problems]
        return "\n".join(lines)

    def raise_if_wrong(self):
        if not self.ok:
            raise AssertionError(str(self))
        return self

    def draw(self, view=None, **options):
        """``tr.draw`` of the checked graph (``view="ops"`` unless too large, then ``"cells"``),
        the ops whose backward is wrong filled red with expected vs got; ``options`` go to
        ``tr.draw``. Returns a ``graphviz.Digraph``."""
        from ..draw.report import draw_report
        return draw_report(self, view, **options)
