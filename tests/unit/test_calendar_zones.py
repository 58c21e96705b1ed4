"""Time zones for day counting (``cadence.calendar.zone``): a zone by its IANA name, an unknown one
refused with a suggestion; and the table of the changes of the clocks near which the calendar's
properties draw their moments (``_calendars.py``).

The module runs with the machine's local zone set to America/Toronto (``_local_zone_is_toronto``
in ``conftest.py``), so anything that silently used the local zone instead of the lead's would
show up here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import cadence
from cadence.calendar import zone
from tests.unit._calendars import TRANSITIONS

pytestmark = pytest.mark.usefixtures("_local_zone_is_toronto")

_POLICY = """
policy: zones
timezone: Asia/Shanghai
rules:
  - id: call
    obligation: {after: captured, within: 1 day, channel: phone}
"""


def test_zone_by_name() -> None:
    assert zone("Europe/Berlin").key == "Europe/Berlin"
    assert datetime(2025, 7, 1, 12, tzinfo=zone("Asia/Shanghai")).utcoffset() == timedelta(hours=8)


def test_every_reader_of_a_zone_gets_the_one_standard_zone_object(tmp_path: Path) -> None:
    # The engine's zone and a lead's zone read from a file are the standard library's ZoneInfo
    # itself, one object per name: a time in the lead's zone is recognised as such by identity,
    # and its offsets are found without Python code (pendulum's zones are a subclass).
    engine = cadence.Engine(cadence.parse_policy(_POLICY))
    leads = tmp_path / "leads.jsonl"
    leads.write_text('{"id": "L1", "captured_at": "2025-04-01", "timezone": "Europe/Berlin"}\n')
    (lead,) = cadence.read_leads(leads, default_timezone="Asia/Shanghai").values()
    assert type(engine._compiled.zone) is ZoneInfo
    assert lead.captured_at.tzinfo is engine.zone_of(lead) is zone("Europe/Berlin")
    assert engine.zone_of(lead) is ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("name", ["Nowhere/City", "", "Asia", "+08:00", "asia/shanghai"])
def test_unknown_zone_is_a_value_error_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone") as raised:
        zone(name)
    assert repr(name) in str(raised.value)


def test_unknown_zone_suggests_the_right_spelling() -> None:
    with pytest.raises(ValueError, match="did you mean 'Asia/Shanghai'"):
        zone("asia/shanghai")


def test_transition_table_knows_the_2025_changes() -> None:
    assert TRANSITIONS["Asia/Shanghai"] == ()
    assert datetime(2025, 3, 30, 1, tzinfo=UTC) in TRANSITIONS["Europe/Berlin"]
    assert datetime(2025, 10, 26, 1, tzinfo=UTC) in TRANSITIONS["Europe/Berlin"]
    assert datetime(2025, 11, 2, 6, tzinfo=UTC) in TRANSITIONS["America/New_York"]
    assert len(TRANSITIONS["America/New_York"]) == 16
