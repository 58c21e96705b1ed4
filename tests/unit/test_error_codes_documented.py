"""The error codes, the code that uses them and ``docs/errors.md`` agree.

- ``docs/errors.md`` has one ``## code`` section for each code of ``POLICY_CODES``,
  ``DATA_CODES`` and ``WARNING_CODES``, and no section for a code that does not exist;
- each section shows at least one message of its code, as the command prints it;
- every code that ``cadence/`` uses (a string literal in a place where a code goes) is in the
  registry.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cadence.errors import DATA_CODES, POLICY_CODES, WARNING_CODES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "errors.md"
PACKAGE = ROOT / "cadence"
REGISTRY = {**POLICY_CODES, **DATA_CODES, **WARNING_CODES}

#: A heading that is a code: one lower-case word, or words joined by hyphens.
_CODE_HEADING = re.compile(r"^## ([a-z]+(?:-[a-z]+)*)\s*$")
#: A string literal shaped like a code with a hyphen (`bad-value`, `yaml-syntax`).
_CODE_SHAPE = re.compile(r"^[a-z]+(?:-[a-z]+)+$")


def sections() -> dict[str, str]:
    """The code sections of docs/errors.md: code -> text up to the next ``## `` heading."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            match = _CODE_HEADING.match(line)
            current = match.group(1) if match else None
            if current is not None:
                assert current not in found, f"docs/errors.md: '## {current}' appears twice"
                found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


def test_the_registries_do_not_share_a_code() -> None:
    assert not set(POLICY_CODES) & set(DATA_CODES)
    assert not (set(POLICY_CODES) | set(DATA_CODES)) & set(WARNING_CODES)


def test_every_code_has_a_section_and_every_section_a_code() -> None:
    documented = set(sections())
    assert documented == set(REGISTRY), (
        f"codes without a section in docs/errors.md: {sorted(set(REGISTRY) - documented)}; "
        f"sections for codes that do not exist: {sorted(documented - set(REGISTRY))}"
    )


@pytest.mark.parametrize("code", sorted(POLICY_CODES))
def test_a_policy_code_section_shows_its_message(code: str) -> None:
    text = sections()[code]
    shown = re.findall(r"^\S+:\d+:\d+: ([a-z-]+): .+$", text, flags=re.MULTILINE)
    assert shown, f"docs/errors.md '## {code}' shows no 'FILE:LINE:COLUMN: {code}: message'"
    assert set(shown) == {code}, f"docs/errors.md '## {code}' shows messages of {set(shown)}"
    assert "**How to fix it.**" in text


@pytest.mark.parametrize("code", sorted(WARNING_CODES))
def test_a_warning_code_section_shows_its_message(code: str) -> None:
    text = sections()[code]
    shown = re.findall(r"^\S+:\d+:\d+: (?:warning|note) ([a-z-]+): .+$", text, flags=re.MULTILINE)
    assert shown, f"docs/errors.md '## {code}' shows no 'FILE:LINE:COLUMN: warning {code}: ...'"
    assert set(shown) == {code}, f"docs/errors.md '## {code}' shows messages of {set(shown)}"
    assert "**How to fix it.**" in text


@pytest.mark.parametrize("code", sorted(DATA_CODES))
def test_a_data_code_section_shows_its_message(code: str) -> None:
    text = sections()[code]
    shown = re.findall(r"^\S+\.(?:jsonl|csv|json|ndjson|xlsx|txt):\d+: .+$", text, re.MULTILINE)
    assert shown, f"docs/errors.md '## {code}' shows no 'FILE:LINE: message'"
    assert "**How to fix it.**" in text


def test_the_formats_and_exit_codes_are_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "FILE:LINE:COLUMN: CODE: message" in text
    assert "FILE:LINE: message" in text
    assert "## Exit codes" in text
    for row in ("| 0 |", "| 1 |", "| 2 |"):
        assert row in text


# -- the codes the code uses -----------------------------------------------------------------------


def _sources() -> list[Path]:
    """cadence/*.py and cadence/**/*.py, except the registry itself."""
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "errors.py")


def _literal_codes(tree: ast.AST) -> set[str]:
    """String literals shaped like a code with a hyphen, anywhere."""
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _CODE_SHAPE.match(node.value)
    }


def _code_arguments(tree: ast.AST) -> set[str]:
    """String literals where a code goes, whatever their shape (`conflict`, `unreadable`):
    the code of ``Problem(location, code, message)``, of ``self._problem(node, code, message)``,
    of a check's finding ``(path, at_key, code, message)`` and of an issue ``(code, message)``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("Problem", "_problem") and len(node.args) >= 2:
                found.add(_text(node.args[1]))
            found.update(_text(k.value) for k in node.keywords if k.arg == "code")
            if name == "append" and node.args and isinstance(node.args[0], ast.Tuple):
                elements = node.args[0].elts
                if len(elements) == 2:
                    found.add(_text(elements[0]))
        elif (
            isinstance(node, ast.Yield)
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) == 4
        ):
            found.add(_text(node.value.elts[2]))
    found.discard("")
    return found


def _text(node: ast.expr) -> str:
    """A string literal's text, an f-string's literal start followed by ``{}``, or ''."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return ""


def used_codes() -> dict[str, list[str]]:
    """Every code the package uses: code -> where (file:line of the first use)."""
    found: dict[str, list[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for code in _literal_codes(tree) | _code_arguments(tree):
            found.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_codes_in_use() -> None:
    # a scan that finds nothing would pass vacuously
    used = used_codes()
    for code in ("yaml-syntax", "unknown-key", "duplicate-id", "conflict", "unreadable"):
        assert code in used, f"the scan no longer finds '{code}' in cadence/"
    assert "bad-line" in used and "unknown-lead" in used


def test_every_code_used_in_the_code_is_in_the_registry() -> None:
    unknown = {}
    for code, where in used_codes().items():
        if "{}" in code:  # f"unknown-{kind}": some registered code must fit the pattern
            pattern = re.compile("^" + re.escape(code).replace(r"\{\}", "[a-z]+") + "$")
            if not any(pattern.match(known) for known in REGISTRY):
                unknown[code] = where
        elif code not in REGISTRY:
            unknown[code] = where
    assert not unknown, (
        f"codes used in cadence/ but not in POLICY_CODES, DATA_CODES or WARNING_CODES: {unknown}; "
        "add them to "
        "cadence/errors.py and give each a section in docs/errors.md"
    )
