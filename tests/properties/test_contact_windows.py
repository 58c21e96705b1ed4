"""Invariant 2, quiet hours and working hours: no contact due in quiet hours or, for the channels
held to them, outside working hours, in the lead's zone, also around the changes of the clocks in
Berlin and New York; every due written in the lead's zone, and overdue exactly when it is before
now.

Over the shipped policies and generated ones (the oracle: ``_oracle.py``). Defect D4 (``overdue``
in the repeated hour) was found here; its regression test is in ``test_known_defects.py``.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.calendar import zone
from cadence.engine import Engine
from cadence.policy import Policy
from cadence.records import Event, Lead
from tests.properties._inputs import NAMES, evaluate, generated, shipped
from tests.properties._oracle import calendar_of, in_window, utc


def check_windows(
    policy: Policy, engine: Engine, lead: Lead, events: list[Event], now: datetime
) -> None:
    tz = zone(lead.timezone or policy.timezone)
    business = calendar_of(policy)
    working = policy.working_hours
    for action in evaluate(policy, engine, lead, events, now):
        local = action.due.astimezone(tz)
        assert action.due.utcoffset() == local.utcoffset(), "due is written in the lead's zone"
        assert action.overdue == (utc(action.due) < utc(now)), "overdue exactly when due < now"
        if action.kind != "contact":
            continue
        clock = local.time()
        for quiet in policy.quiet_hours:
            if quiet.channels is None or action.channel in quiet.channels:
                assert not in_window(quiet.start, quiet.end, clock), (
                    f"{action.rule}: {action.channel} due {local.isoformat()} in quiet hours "
                    f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
                )
        if working is not None and (working.channels is None or action.channel in working.channels):
            assert business.is_working_day(local.date()), (
                f"{action.rule}: {action.channel} due {local.isoformat()}, not a working day"
            )
            assert working.start <= clock < working.end, (
                f"{action.rule}: {action.channel} due {local.isoformat()} outside working hours"
            )


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_no_contact_in_quiet_hours_or_outside_working_hours(name: str, data: st.DataObject) -> None:
    policy, engine, case = shipped(data, name)
    check_windows(policy, engine, *case)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_no_contact_in_quiet_hours_around_dst_changes(name: str, data: st.DataObject) -> None:
    policy, engine, case = shipped(data, name, dst=True)
    check_windows(policy, engine, *case)


@given(data=st.data())
def test_no_contact_in_quiet_hours_small_policies(data: st.DataObject) -> None:
    policy, engine, case = generated(data, dst=data.draw(st.booleans(), label="around DST"))
    check_windows(policy, engine, *case)
