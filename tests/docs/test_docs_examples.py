"""The examples of the documentation are tested: every policy in ``docs/*.md`` loads, and passes
the cases written under it; and the reference of the policy language names every key.

A block fenced as ```` ```yaml ```` is a complete policy. A block fenced as ```` ```yaml cases ````
that follows it (only blank lines between) holds a cases document in the format of case files
(``cadence/cases.py``) that the policy must pass. Fragments are fenced as ```` ```text ````.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel

from cadence.cases import load_cases, run_case
from cadence.engine import Engine
from cadence.errors import PolicyError
from cadence.policy import conditions, models, parse_policy

DOCS = Path(__file__).resolve().parents[2] / "docs"
REFERENCE = DOCS / "policy-language.md"

_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced block of a Markdown file: its info string, first line of content, and text."""

    info: str
    line: int  # 1-based line of the first line of content
    text: str
    closing: int  # 1-based line of the closing fence


@dataclass(frozen=True, slots=True)
class Example:
    """A policy of the docs and the cases written under it, if any."""

    file: str  # "docs/NAME.md"
    policy: Block
    cases: Block | None

    @property
    def name(self) -> str:
        return f"{self.file}:{self.policy.line}"


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order (blocks do not nest)."""
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index].strip())
        if opening is None:
            index += 1
            continue
        fence, info = opening.group(1), opening.group(2).strip()
        body: list[str] = []
        index += 1
        start = index + 1
        while index < len(lines) and not (
            lines[index].strip().startswith(fence[0] * len(fence))
            and lines[index].strip().strip(fence[0]) == ""
        ):
            body.append(lines[index])
            index += 1
        found.append(Block(info, start, "\n".join(body) + "\n", index + 1))
        index += 1
    return found


def _followed_directly(text: str, first: Block, second: Block) -> bool:
    """Whether only blank lines separate the closing fence of ``first`` from ``second``."""
    lines = text.splitlines()
    between = lines[first.closing : second.line - 2]  # from after the fence to before the next
    return all(not line.strip() for line in between)


def examples_of(path: Path) -> tuple[list[Example], list[str]]:
    """The examples of one Markdown file, and the problems of its fences (stray cases blocks)."""
    text = path.read_text(encoding="utf-8")
    file = f"docs/{path.name}"
    found: list[Example] = []
    problems: list[str] = []
    all_blocks = blocks(text)
    for position, block in enumerate(all_blocks):
        words = block.info.split()
        if words[:1] != ["yaml"]:
            continue
        if words == ["yaml", "cases"]:
            previous = all_blocks[position - 1] if position else None
            if (
                previous is None
                or previous.info.split() != ["yaml"]
                or not _followed_directly(text, previous, block)
            ):
                problems.append(f"{file}:{block.line}: a 'yaml cases' block must follow a policy")
            continue
        if words != ["yaml"]:
            problems.append(f"{file}:{block.line}: unknown fence info {block.info!r}")
            continue
        following = all_blocks[position + 1] if position + 1 < len(all_blocks) else None
        cases = None
        if (
            following is not None
            and following.info.split() == ["yaml", "cases"]
            and _followed_directly(text, block, following)
        ):
            cases = following
        found.append(Example(file, block, cases))
    return found, problems


def _all_examples() -> list[Example]:
    found: list[Example] = []
    for path in sorted(DOCS.glob("*.md")):
        found.extend(examples_of(path)[0])
    return found


EXAMPLES = _all_examples()


def test_fences_are_well_formed() -> None:
    problems = [p for path in sorted(DOCS.glob("*.md")) for p in examples_of(path)[1]]
    assert not problems, "\n".join(problems)


def test_the_reference_has_enough_examples() -> None:
    mine = [e for e in EXAMPLES if e.file == "docs/policy-language.md"]
    assert len(mine) >= 20
    assert sum(1 for e in mine if e.cases is not None) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example(example: Example, tmp_path: Path) -> None:
    try:
        policy = parse_policy(example.policy.text, example.name)
    except PolicyError as error:
        # The loader counts lines from the block's first line: show them as lines of the doc.
        shown = [
            f"{example.file}:{p.location.line + example.policy.line - 1}:{p.location.column}: "
            f"{p.code}: {p.message}"
            for p in error.problems
        ]
        pytest.fail("the example does not load:\n" + "\n".join(shown))
    engine = Engine(policy)
    if example.cases is None:
        return
    # load_cases reads a file: write the block where its lines keep their numbers in the doc.
    cases_file = tmp_path / Path(example.file).name
    cases_file.write_text("\n" * (example.cases.line - 1) + example.cases.text, encoding="utf-8")
    try:
        cases = load_cases(cases_file, default_timezone=policy.timezone)
    except PolicyError as error:
        shown = [f"{example.file}:{p.location.line}: {p.message}" for p in error.problems]
        pytest.fail("the cases do not load:\n" + "\n".join(shown))
    assert cases, f"{example.file}:{example.cases.line}: a 'yaml cases' block with no case"
    failures = []
    for case in cases:
        result = run_case(engine, case)
        if not result.passed:
            failures.append(
                f"{example.file}:{case.location.line}: {case.note}\n    "
                + "\n    ".join(result.differences)
            )
    assert not failures, "\n".join(failures)


def _models() -> list[type[BaseModel]]:
    found = []
    for module in (models, conditions):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_the_models_are_found() -> None:
    names = {model.__name__ for model in _models()}
    assert {"Policy", "Rule", "Obligation", "Condition", "AttributeTest", "EventTest"} <= names


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_the_reference_names_every_key(model: type[BaseModel]) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    missing = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if f"`{key}`" not in text and f"`{key}:" not in text:
            missing.append(key)
    assert not missing, (
        f"docs/policy-language.md does not mention the keys {missing} of {model.__name__}; "
        "write them as `key` in the section of that construct"
    )
