"""The backends: loading them by name, the durable_rules rulesets and facts, and the guards
against what durable_rules is known to do (state limit, background threads, refused facts,
stored exceptions, rulesets that cannot be unregistered)."""

from __future__ import annotations

import importlib
import json
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

import cadence
from cadence import backends
from cadence.backends.ruleset import compile_rulesets
from cadence.engine.compiled import CompiledPolicy
from cadence.policy.fingerprint import fingerprint

ROOT = Path(__file__).resolve().parents[2]
POLICY = cadence.load_policy(ROOT / "policies" / "post_show.yaml")
NOW = datetime.fromisoformat("2025-07-21T09:00:00+08:00")


def _show() -> tuple[dict[str, cadence.Lead], dict[str, list[cadence.Event]]]:
    leads = cadence.read_leads(ROOT / "examples/show/leads.jsonl", default_timezone="Asia/Shanghai")
    return leads, cadence.read_events(ROOT / "examples/show/events.jsonl", leads)


def test_reference_is_the_engine() -> None:
    engine = backends.load("reference", POLICY)
    assert isinstance(engine, cadence.Engine) and engine.name == "reference"
    assert isinstance(engine, backends.Backend)


def test_an_unknown_backend_is_named() -> None:
    with pytest.raises(ValueError, match="unknown backend 'drools'; expected one of: reference"):
        backends.load("drools", POLICY)


def test_durable_unavailable_says_why_and_what_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "durable", None)  # as if durable-rules were not installed
    monkeypatch.delitem(sys.modules, "cadence.backends.durable", raising=False)
    with pytest.raises(cadence.BackendUnavailable) as caught:
        backends.load("durable", POLICY)
    message = str(caught.value)
    assert "durable-rules" in message and "cadence[durable]" in message
    assert "--backend reference" in message
    assert isinstance(caught.value, ImportError)
    monkeypatch.undo()
    importlib.import_module("cadence.backends.durable")


def test_rulesets_are_named_after_the_fingerprint_and_hold_no_floats() -> None:
    sets = compile_rulesets(CompiledPolicy(POLICY), fingerprint(POLICY))
    digest = fingerprint(POLICY).split(":")[1]
    assert sets.decide.name == f"cadence-{digest}-decide"
    assert sets.grades.name == f"cadence-{digest}-grades"
    text = json.dumps([sets.decide.rules, sets.grades.rules])
    assert "." not in "".join(c for c in text if not c.isalpha())  # integers only


def test_negation_is_pushed_down_to_the_leaves() -> None:
    policy = cadence.parse_policy(
        """
policy: p
timezone: Asia/Shanghai
stages: [won, lost]
rules:
  - id: r
    when: {not: {any: [{stage: [won, lost]}, {attributes: {vip: true}}]}}
    obligation: {after: captured, within: 1 days, channel: phone}
""",
        "p.yaml",
    )
    sets = compile_rulesets(CompiledPolicy(policy), fingerprint(policy))
    not_won_or_lost = {"$and": [{"$neq": {"stage": "v:won"}}, {"$neq": {"stage": "v:lost"}}]}
    assert sets.decide.rules == {"w0": {"$and": [not_won_or_lost, {"t0": 0}]}}


durable_only = pytest.mark.usefixtures("durable_available")


@durable_only
def test_facts_are_normalised() -> None:
    engine = backends.load("reference", POLICY)
    leads, events = _show()
    lead = next(iter(leads.values()))
    state = engine.replay(lead, events.get(lead.id, []), NOW)
    sets = compile_rulesets(CompiledPolicy(POLICY), fingerprint(POLICY))
    fact = sets.decide.fact(state, None)
    assert fact["grade"] == "-" and fact["stage"].startswith("v:")
    assert all(value in (0, 1) for key, value in fact.items() if key not in ("stage", "grade"))


@durable_only
def test_more_leads_than_durable_rules_keeps_states_and_no_threads() -> None:
    from cadence.backends.durable import DurableHost, create

    host = DurableHost()
    threads = threading.active_count()
    engine = create(POLICY, host=host)
    leads, events = _show()
    assert len(leads) > 1024  # a ruleset holds at most 1,023 live states
    actions = engine.next_actions_batch(leads.values(), events, NOW)
    assert actions == backends.load("reference", POLICY).next_actions_batch(
        leads.values(), events, NOW
    )
    assert threading.active_count() == threads  # no dispatch threads of durable_rules
    again = create(POLICY, host=host)  # rulesets cannot be unregistered: registered once
    assert host.policies == (again.fingerprint,)


@durable_only
def test_an_exception_stored_in_state_is_raised() -> None:
    from cadence.backends.durable import DurableHost

    host = DurableHost()

    def fail(rule: str):  # type: ignore[no-untyped-def]
        def action(c: object) -> None:
            raise LookupError("boom")

        return action

    host._host.register_rulesets(
        {"broken": {"lead": {"all": [{"m": {"one": 1}}], "run": fail("x")}}}
    )
    with pytest.raises(RuntimeError, match="durable_rules ruleset broken: exception caught boom"):
        host.matches("broken", {"one": 1})
