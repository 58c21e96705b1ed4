"""What the invariants of evaluation evaluate, and how (the properties: ``_oracle.py``).

The shipped policies (``policies/*.yaml``) and their engines; the strategies that draw a lead, its
history and ``now`` for a shipped policy or a generated one (``cadence.testing``), also for leads
in Berlin or New York around a change of the clocks; the offsets to write the same instant in; and
evaluation with the one known crash, defect D1 (``test_known_defects.py``), set aside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from cadence.calendar import zone
from cadence.engine import Engine, Explanation
from cadence.policy import Policy, load_policy
from cadence.records import Action, Event, Lead
from cadence.testing import lead_histories, small_policies
from tests.properties._oracle import ELAPSED, utc

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
POLICY_PATHS = sorted(p for p in POLICY_DIR.glob("*.yaml") if not p.name.endswith(".cases.yaml"))
SHIPPED: dict[str, Policy] = {path.stem: load_policy(path) for path in POLICY_PATHS}
ENGINES: dict[str, Engine] = {name: Engine(policy) for name, policy in SHIPPED.items()}
CASES = {name: lead_histories(policy) for name, policy in SHIPPED.items()}
NAMES = sorted(SHIPPED)
WITH_CAPS = [name for name in NAMES if SHIPPED[name].caps]


#: The days the clocks change, and where.
DST_CHANGES = (
    ("Europe/Berlin", datetime(2025, 3, 30, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2025, 10, 26, tzinfo=UTC)),
    ("America/New_York", datetime(2025, 3, 9, tzinfo=UTC)),
    ("America/New_York", datetime(2025, 11, 2, tzinfo=UTC)),
)

#: Offsets to write the same instant in.
OFFSETS: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=5, minutes=45)),
    zone("Asia/Shanghai"),
    zone("Europe/Berlin"),
    zone("America/New_York"),
    zone("Australia/Sydney"),
)

Case = tuple[Lead, list[Event], datetime]


def around_dst(policy: Policy) -> st.SearchStrategy[Case]:
    """Leads in Berlin or New York captured in the ten days before a change of the clocks, with
    their histories and ``now`` reaching across it."""
    return st.one_of(
        [
            lead_histories(
                policy,
                zones=(name,),
                start=day - timedelta(days=10),
                end=day + timedelta(days=1),
                horizon=timedelta(days=21),
            )
            for name, day in DST_CHANGES
        ]
    )


DST_CASES = {name: around_dst(policy) for name, policy in SHIPPED.items()}


def shipped(data: st.DataObject, name: str, *, dst: bool = False) -> tuple[Policy, Engine, Case]:
    case = data.draw(DST_CASES[name] if dst else CASES[name], label="lead, events, now")
    return SHIPPED[name], ENGINES[name], case


def generated(data: st.DataObject, *, dst: bool = False) -> tuple[Policy, Engine, Case]:
    policy = data.draw(small_policies(), label="policy")
    case = data.draw(
        around_dst(policy) if dst else lead_histories(policy), label="lead, events, now"
    )
    return policy, Engine(policy), case


def dicts(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """Actions as the contract writes them: equal when every field and every offset is."""
    return [action.to_dict() for action in actions]


def repeated_hour(t: datetime, tz: tzinfo) -> bool:
    """Whether ``t`` is in the second pass of an hour that the clocks go back over."""
    local = t.astimezone(tz)
    return local.fold == 1 and local.utcoffset() != local.replace(fold=0).utcoffset()


def known_crash(policy: Policy, lead: Lead, events: Sequence[Event], now: datetime) -> bool:
    """Whether this input is one of defect D1 (test_d1_... in test_known_defects.py): a cap
    counted in months or business days, and a counted moment (a touch, ``now``, a due) in a
    repeated hour."""
    if all(cap.within.unit in ELAPSED for cap in policy.caps):
        return False
    tz = zone(lead.timezone or policy.timezone)
    moments = [now, *(e.at for e in events if e.type == "touch" and utc(e.at) <= utc(now))]
    uncapped = Engine(policy.model_copy(update={"caps": ()}))
    moments += [action.due for action in uncapped.next_actions(lead, events, now)]
    return any(repeated_hour(t, tz) for t in moments)


def evaluate(
    policy: Policy, engine: Engine, lead: Lead, events: Sequence[Event], now: datetime
) -> list[Action]:
    """``engine.next_actions``; an input that hits defect D1 is set aside, other errors raise."""
    try:
        return engine.next_actions(lead, events, now)
    except ValueError as error:
        if "no moment keeps it" in str(error) and known_crash(policy, lead, events, now):
            reject()
        raise


def explain(
    policy: Policy, engine: Engine, lead: Lead, events: Sequence[Event], now: datetime
) -> Explanation:
    """``engine.explain``, with inputs that hit defect D1 set aside."""
    evaluate(policy, engine, lead, events, now)
    return engine.explain(lead, events, now)
