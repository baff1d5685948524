"""The README's first code block runs as written and prints what its
comments say."""

import contextlib
import io
import re

from conftest import BINDING


def first_python_block(text: str) -> str:
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match, "README has no python code block"
    return match.group(1)


def test_readme_example_runs_and_prints_what_it_says():
    code = first_python_block((BINDING / "README.md").read_text())
    expected = [
        m.group(1).strip()
        for line in code.splitlines()
        if line.startswith("print(") and (m := re.search(r"#\s*(.+)$", line))
    ]
    assert expected, "the example documents no output"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    assert out.getvalue().splitlines() == expected


def test_root_readme_python_example_runs_from_the_repo_root(monkeypatch):
    """The repository README's Python section is also a runnable example."""
    root = BINDING.parent
    code = first_python_block((root / "README.md").read_text())
    expected = [
        m.group(1).strip()
        for line in code.splitlines()
        if line.startswith("print(") and (m := re.search(r"#\s*(.+)$", line))
    ]
    assert expected, "the example documents no output"
    monkeypatch.chdir(root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    assert out.getvalue().splitlines() == expected
