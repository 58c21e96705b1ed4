"""The Python examples of README.md and docs/embedding.md run as written, from the project root."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "README.md", ROOT / "docs" / "embedding.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((path.name, line, match.group(1)))
    return found


def test_there_are_examples() -> None:
    assert len(_blocks()) >= 3


@pytest.mark.parametrize(("name", "line", "code"), _blocks(), ids=lambda v: str(v)[:30])
def test_python_example_runs(
    name: str, line: int, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, f"{name}:{line}", "exec"), {"__name__": "__example__"})
    finally:
        os.chdir(previous)
    assert capsys.readouterr().out.strip(), "an example should print what it shows"
