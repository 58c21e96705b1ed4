"""The outputs of ``cadence check`` and ``cadence lint`` quoted in docs/authoring.md stay true.

The guide tells the reader to save policies (``Save it as `first_contact.yaml` ``, in the
paragraph before a ```` ```yaml ```` block, whose ```` ```yaml cases ```` block, if any, is saved as
``NAME.cases.yaml``) and to make copies with one change (``copy the policy to `mistake.yaml` and
change `within: 7 days` to `within: 7` ``). Every ```` ```text ```` block that starts with
``$ cadence check FILE...`` or ``$ cadence lint FILE...`` is run, with those files written in a
temporary folder, by the installed command; its printed lines must be the block's other lines,
where "…" in the doc stands for any text.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"
CADENCE = Path(sys.executable).parent / "cadence"

_FENCE = re.compile(r"^```(.*)$")
_SAVED = re.compile(r"as `([\w.-]+\.yaml)`")

# The copies with one change that the guide asks for: name -> (copied from, old text, new text).
VARIANTS = {
    "mistake.yaml": ("first_contact.yaml", "within: 7 days", "within: 7"),
    "typo.yaml": ("first_contact.yaml", "channel: phone", "channel: phnoe"),
    "draft.yaml": ("first_contact.yaml", "escalate: 0 days", "escalate: 5 days"),
}


def _blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """Every fenced block: its info string, the line of its opening fence (0-based), its lines."""
    lines = text.splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        start = index
        index += 1
        body = []
        while index < len(lines) and lines[index] != "```":
            body.append(lines[index])
            index += 1
        found.append((opening.group(1).strip(), start, body))
        index += 1
    return found


def _paragraph_before(lines: list[str], fence: int) -> str:
    """The prose paragraph that ends just before line ``fence``."""
    index = fence - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    paragraph = []
    while index >= 0 and lines[index].strip() and not lines[index].startswith("```"):
        paragraph.append(lines[index])
        index -= 1
    return " ".join(reversed(paragraph))


def saved_files() -> dict[str, str]:
    """The files the guide tells the reader to save, with their text."""
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    files: dict[str, str] = {}
    found = _blocks(text)
    for position, (info, start, body) in enumerate(found):
        if info != "yaml":
            continue
        names = [
            n
            for n in _SAVED.findall(_paragraph_before(lines, start))
            if not n.endswith(".cases.yaml")
        ]
        if not names:
            continue
        name = names[0]
        content = "\n".join(body) + "\n"
        assert files.get(name, content) == content, f"two different policies saved as {name}"
        files[name] = content
        following = found[position + 1] if position + 1 < len(found) else None
        if following is not None and following[0] == "yaml cases":
            files[name.removesuffix(".yaml") + ".cases.yaml"] = "\n".join(following[2]) + "\n"
    for name, (source, old, new) in VARIANTS.items():
        assert f"`{name}`" in text and f"`{old}`" in text and f"`{new}`" in text, (
            f"the guide no longer asks for {name} ({old!r} -> {new!r}); update VARIANTS"
        )
        assert old in files[source], f"{source} has no {old!r}"
        files[name] = files[source].replace(old, new, 1)
    return files


def command_blocks() -> list[tuple[int, list[str], list[str]]]:
    """The text blocks that run check or lint: (line in the doc, arguments, expected lines)."""
    found = []
    for info, start, body in _blocks(DOC.read_text(encoding="utf-8")):
        if info != "text" or not body:
            continue
        words = body[0].split()
        if words[:2] == ["$", "cadence"] and len(words) > 2 and words[2] in ("check", "lint"):
            found.append((start + 1, words[2:], body[1:]))
    return found


def _matches(expected: str, printed: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, printed) is not None


def test_the_guide_quotes_check_and_lint() -> None:
    commands = {arguments[0] for _, arguments, _ in command_blocks()}
    assert commands == {"check", "lint"}
    assert len(command_blocks()) >= 5


def test_the_saved_files_are_found() -> None:
    files = saved_files()
    for name in (
        "first_contact.yaml",
        "first_contact.cases.yaml",
        "renovation.yaml",
        "weekly.cases.yaml",
        "mistake.yaml",
    ):
        assert name in files


@pytest.mark.parametrize(
    ("line", "arguments", "expected"),
    command_blocks(),
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
def test_quoted_output(
    line: int, arguments: list[str], expected: list[str], tmp_path: Path
) -> None:
    if not CADENCE.exists():
        pytest.skip(f"no installed cadence command at {CADENCE}")
    files = saved_files()
    for argument in arguments[1:]:
        if argument.startswith("-"):
            continue
        assert argument in files, (
            f"docs/authoring.md:{line}: {argument} is never saved in the guide"
        )
        (tmp_path / argument).write_text(files[argument], encoding="utf-8")
    done = subprocess.run(
        [str(CADENCE), *arguments], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    printed = [
        row.replace(f"{tmp_path}/", "")
        for row in (done.stdout + done.stderr).splitlines()
        if row.strip()
    ]
    mismatch = len(printed) != len(expected) or not all(
        _matches(want, got) for want, got in zip(expected, printed, strict=False)
    )
    assert not mismatch, (
        f"docs/authoring.md:{line}: `cadence {' '.join(arguments)}` prints\n"
        + "\n".join(printed)
        + "\nbut the guide shows\n"
        + "\n".join(expected)
    )
