"""Every shipped policy's cases file, each case a test on every backend (durable skipped where
durable-rules is not installed); and every R-ID a policy cites has a case."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence import backends
from cadence.cases import cases_path, load_cases, run_case
from cadence.engine import Engine
from cadence.policy import load_policy

POLICIES = sorted((Path(__file__).resolve().parents[2] / "policies").glob("*.yaml"))
POLICIES = [p for p in POLICIES if not p.name.endswith(".cases.yaml")]


def _all_cases() -> list[tuple[Path, int, str]]:
    found = []
    for policy_path in POLICIES:
        policy = load_policy(policy_path)
        for index, case in enumerate(
            load_cases(cases_path(policy_path), default_timezone=policy.timezone)
        ):
            found.append((policy_path, index, case.note))
    return found


def test_there_are_shipped_policies() -> None:
    assert len(POLICIES) >= 4


@pytest.mark.parametrize(
    ("policy_path", "index", "note"),
    _all_cases(),
    ids=lambda v: v.stem if isinstance(v, Path) else str(v)[:60],
)
def test_case(policy_path: Path, index: int, note: str, backend_name: str) -> None:
    policy = load_policy(policy_path)
    case = load_cases(cases_path(policy_path), default_timezone=policy.timezone)[index]
    engine = backends.load(backend_name, policy)
    assert isinstance(engine, Engine) and engine.name == backend_name
    result = run_case(engine, case)
    assert result.passed, f"{case.location}: {note}\n" + "\n".join(result.differences)


@pytest.mark.parametrize("policy_path", POLICIES, ids=lambda p: p.stem)
def test_every_cited_clause_has_a_case(policy_path: Path) -> None:
    policy = load_policy(policy_path)
    engine = Engine(policy)
    cited = {ref for rule in policy.rules for ref in rule.refs}
    cited |= {ref for item in (*policy.stops, *policy.caps) for ref in item.refs}
    cited |= {
        ref
        for rule in policy.rules
        if rule.sequence
        for step in rule.sequence.steps
        for ref in (step.refs or ())
    }
    exercised: set[str] = set()
    for case in load_cases(cases_path(policy_path), default_timezone=policy.timezone):
        exercised.update(case.covers)
        for action in run_case(engine, case).actions:
            exercised.update(action.refs)
    missing = sorted(cited - exercised)
    assert not missing, f"clauses cited by {policy_path.name} but produced by no case: {missing}"
