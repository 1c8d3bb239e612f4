"""The README's examples are tests: every ```python block of README.md runs, in order, in one
namespace (a later block may use names from an earlier one), from a temporary directory."""
import pathlib
import re


README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text):
    """The code of every fenced ```python block, in order, with its starting line number."""
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in BLOCK.finditer(text)]


def test_python_blocks_are_found():
    blocks = python_blocks("text\n```python\na = 1\n```\n```bash\nls\n```\n```python\nb = a\n```\n")
    assert [code for _, code in blocks] == ["a = 1\n", "b = a\n"]
    assert [line for line, _ in blocks] == [3, 9]  # where each block's code starts


def test_readme_examples_run(tmp_path, monkeypatch):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "README.md should hold python examples (they are its tested documentation)"
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    namespace = {"__name__": "__readme__"}
    for line, code in blocks:
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"the README example at line {line} fails: "
                                 f"{type(exc).__name__}: {exc}") from exc
