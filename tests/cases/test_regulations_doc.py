"""docs/regulations.md lists every clause of shared/REGULATIONS.md, and every clause a shipped
policy cites is listed there with that policy's file and the rules, stops and caps citing it."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from cadence.policy import load_policy

ROOT = Path(__file__).resolve().parents[2]
REGULATIONS = Path(__file__).resolve().parents[3] / "shared" / "REGULATIONS.md"
DOC = ROOT / "docs" / "regulations.md"
POLICIES = sorted(
    p for p in (ROOT / "policies").glob("*.yaml") if not p.name.endswith(".cases.yaml")
)

_CLAUSE = re.compile(r"^- (R\d{3}-\d+) ", re.MULTILINE)
_FILE = re.compile(r"`([\w-]+\.yaml)`")


def _regulation_ids() -> list[str]:
    if not REGULATIONS.is_file():
        pytest.skip(f"{REGULATIONS} is absent: the shared folder is not beside the project")
    return _CLAUSE.findall(REGULATIONS.read_text(encoding="utf-8"))


def _rows() -> dict[str, list[str]]:
    """The doc's table rows by clause ID: the cells (ID, clause, encoded by, numbers)."""
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| R"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 4, f"a row of docs/regulations.md needs 4 cells: {line}"
        assert cells[0] not in rows, f"{cells[0]} is listed twice in docs/regulations.md"
        rows[cells[0]] = cells
    return rows


def _encoded_by(cell: str) -> dict[str, str]:
    """The 'encoded by' cell split by policy file: the text after each file name up to the next."""
    found = list(_FILE.finditer(cell))
    return {
        m.group(1): cell[m.end() : found[i + 1].start() if i + 1 < len(found) else len(cell)]
        for i, m in enumerate(found)
    }


def _citations() -> dict[tuple[str, str], set[str]]:
    """(clause, policy file) -> ids of the rules, stops and caps of that file citing the clause."""
    cited: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in POLICIES:
        policy = load_policy(path)
        for rule in policy.rules:
            refs = set(rule.refs)
            if rule.sequence is not None:
                for step in rule.sequence.steps:
                    refs.update(step.refs or ())
                if rule.sequence.then is not None:
                    refs.update(rule.sequence.then.refs or ())
            for ref in refs:
                cited[(ref, path.name)].add(rule.id)
        named = [(s.id, s.refs) for s in policy.stops] + [(c.id, c.refs) for c in policy.caps]
        for item_id, item_refs in named:
            for ref in item_refs:
                cited[(ref, path.name)].add(item_id)
    return cited


def test_every_clause_is_listed() -> None:
    ids = _regulation_ids()
    assert len(ids) >= 50, f"found only {len(ids)} clause IDs in {REGULATIONS}"
    missing = [i for i in ids if i not in _rows()]
    assert not missing, f"clauses of REGULATIONS.md missing from docs/regulations.md: {missing}"


def test_no_unknown_clause_is_listed() -> None:
    ids = set(_regulation_ids())
    unknown = sorted(set(_rows()) - ids)
    assert not unknown, (
        f"docs/regulations.md lists IDs that REGULATIONS.md does not have: {unknown}"
    )


def test_every_cited_clause_is_listed_with_its_policy() -> None:
    assert len(POLICIES) >= 4
    rows = _rows()
    problems = []
    for (ref, file), ids in sorted(_citations().items()):
        if ref not in rows:
            problems.append(f"{ref} (cited by {file}) has no row")
            continue
        segment = _encoded_by(rows[ref][2]).get(file)
        if segment is None:
            problems.append(f"{ref}: 'encoded by' does not name {file}")
            continue
        problems += [
            f"{ref}: {file} `{i}` is not named" for i in sorted(ids) if f"`{i}`" not in segment
        ]
    assert not problems, "docs/regulations.md is out of step with the policies:\n" + "\n".join(
        problems
    )


def test_the_doc_names_only_what_the_policies_cite() -> None:
    """A row that says a file encodes a clause is backed by a citation in that file, so the doc
    cannot claim more than the policies do."""
    cited = {(ref, file) for ref, file in _citations()}
    rows = _rows()
    claimed = {(ref, file) for ref, cells in rows.items() for file in _encoded_by(cells[2])}
    # A policy's grades carry no refs; a row may name them as the encoding (R000-4).
    unbacked = sorted(
        (ref, file)
        for ref, file in claimed - cited
        if "grades" not in _encoded_by(rows[ref][2])[file]
    )
    assert not unbacked, f"rows name a policy that does not cite the clause: {unbacked}"
