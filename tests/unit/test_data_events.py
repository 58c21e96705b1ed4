"""Reading events (``read_events``): JSON Lines and CSV rows become the same ``Event`` records of
the leads read, sorted by instant (one instant in file order), one lead kept with ``only_lead``;
every problem of an events file at once, sorted by line; and the ``Event`` record itself: the
timestamp it keeps, and its refusal of a time without a zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cadence.data import read_events
from cadence.errors import DataError
from cadence.records import Event, Lead
from tests.unit._data_text import CST, jsonl, problems_of, write


def test_jsonl_events_become_records(tmp_path: Path, leads: dict[str, Lead]) -> None:
    path = jsonl(
        tmp_path / "events.jsonl",
        {
            "lead_id": "L1",
            "at": "2025-04-15T11:00:00+08:00",
            "type": "touch",
            "channel": "phone",
            "outcome": "no_answer",
            "note": {"ignored": True},
        },
        {"lead_id": "L1", "at": "2025-04-16T03:00:00Z", "type": "reply", "channel": "wechat"},
        {"lead_id": "L2", "at": "2025-04-16T09:00:00+08:00", "type": "score", "value": 91},
        {"lead_id": "L2", "at": "2025-04-16T10:00:00+08:00", "type": "score", "value": "88.5"},
        {"lead_id": "L2", "at": "2025-04-16T11:00:00+08:00", "type": "stage", "value": "quoted"},
        {"lead_id": "L2", "at": "2025-04-16T12:00:00+08:00", "type": "assigned", "value": 1007},
        {"lead_id": "L2", "at": "2025-04-16T13:00:00+08:00", "type": "opt_out"},
        {"lead_id": "L2", "at": "2025-04-16T14:00:00+08:00", "type": "opt_in", "channel": "sms"},
        {"lead_id": "L2", "at": "2025-04-16T15:00:00+08:00", "type": "promise", "value": 3},
    )
    history = read_events(path, leads)

    def at(day: int, hour: int) -> datetime:
        return datetime(2025, 4, day, hour, tzinfo=CST)

    assert history == {
        "L1": [
            Event("L1", at(15, 11), "touch", "phone", "no_answer"),
            Event("L1", datetime(2025, 4, 16, 3, tzinfo=UTC), "reply", "wechat"),
        ],
        "L2": [
            Event("L2", at(16, 9), "score", value=91.0),
            Event("L2", at(16, 10), "score", value=88.5),
            Event("L2", at(16, 11), "stage", value="quoted"),
            Event("L2", at(16, 12), "assigned", value="1007"),
            Event("L2", at(16, 13), "opt_out"),
            Event("L2", at(16, 14), "opt_in", "sms"),
            Event("L2", at(16, 15), "promise", value=3.0),
        ],
    }
    assert isinstance(history["L2"][0].value, float)


def test_events_share_their_words_and_their_leads_id(
    tmp_path: Path, leads: dict[str, Lead]
) -> None:
    """A million events must not keep millions of copies of "touch", "phone" and the lead's id:
    events read share one string for each type, channel, outcome and value, and their lead's."""
    touch = {"type": "touch", "channel": "phone", "outcome": "reached"}
    stage = {"type": "stage", "value": "quoted"}
    path = jsonl(
        tmp_path / "events.jsonl",
        {"lead_id": "L1", "at": "2025-04-15T11:00:00+08:00", **touch},
        {"lead_id": "L1", "at": "2025-04-15T12:00:00+08:00", **stage},
        {"lead_id": "L2", "at": "2025-04-16T11:00:00+08:00", **touch},
        {"lead_id": "L2", "at": "2025-04-16T12:00:00+08:00", **stage},
    )
    history = read_events(path, leads)
    (t1, s1), (t2, s2) = history["L1"], history["L2"]
    assert t1.type is t2.type and t1.channel is t2.channel and t1.outcome is t2.outcome
    assert s1.type is s2.type and s1.value is s2.value
    assert t1.lead_id is s1.lead_id is leads["L1"].id
    assert t2.lead_id is s2.lead_id is leads["L2"].id


def test_csv_events_become_the_same_records(tmp_path: Path, leads: dict[str, Lead]) -> None:
    rows = [
        ("L1", "2025-04-15T11:00:00+08:00", "touch", "phone", "reached", ""),
        ("L2", "2025-04-16T09:00:00+08:00", "score", "", "", "91"),
        ("L2", "2025-04-16T10:00:00+08:00", "grade", "", "", "B"),
        ("L2", "2025-04-16T13:00:00+08:00", "opt_out", "", "", ""),
    ]
    csv_path = write(
        tmp_path / "events.csv",
        "lead_id,at,type,channel,outcome,value,comment\n"
        + "".join(",".join(row) + ",whatever\n" for row in rows),
    )
    json_path = jsonl(
        tmp_path / "events.jsonl",
        *(
            dict(zip(("lead_id", "at", "type", "channel", "outcome", "value"), row, strict=True))
            for row in rows
        ),
    )
    from_csv = read_events(csv_path, leads)
    assert from_csv == read_events(json_path, leads)
    assert from_csv["L1"] == [
        Event("L1", datetime(2025, 4, 15, 11, tzinfo=CST), "touch", "phone", "reached")
    ]
    assert [e.value for e in from_csv["L2"]] == [91.0, "B", None]


def test_events_are_sorted_by_instant_and_the_same_instant_keeps_file_order(
    tmp_path: Path, leads: dict[str, Lead]
) -> None:
    path = jsonl(
        tmp_path / "events.jsonl",
        {"lead_id": "L1", "at": "2025-04-15T18:00:00+08:00", "type": "later"},
        {"lead_id": "L1", "at": "2025-04-15T10:00:00+08:00", "type": "first"},
        {"lead_id": "L1", "at": "2025-04-15T02:00:00Z", "type": "second"},  # 10:00 +08:00
        {"lead_id": "L1", "at": "2025-04-14T22:00:00-04:00", "type": "third"},  # the same instant
        {"lead_id": "L1", "at": "2025-04-15T04:00:00+02:00", "type": "fourth"},  # also
        {"lead_id": "L1", "at": "2025-04-15T09:59:59+08:00", "type": "earliest"},
    )
    history = read_events(path, leads)
    assert [e.type for e in history["L1"]] == [
        "earliest",
        "first",
        "second",
        "third",
        "fourth",
        "later",
    ]
    # the events keep the offset they were written with
    assert history["L1"][2].at.utcoffset() == timedelta(0)


def test_only_lead_keeps_one_lead_but_checks_every_line(
    tmp_path: Path, leads: dict[str, Lead]
) -> None:
    good = jsonl(
        tmp_path / "events.jsonl",
        {"lead_id": "L1", "at": "2025-04-15T11:00:00+08:00", "type": "promise"},
        {"lead_id": "L2", "at": "2025-04-15T12:00:00+08:00", "type": "promise"},
        {"lead_id": "L1", "at": "2025-04-15T10:00:00+08:00", "type": "quote_sent"},
    )
    only = read_events(good, leads, only_lead="L1")
    assert list(only) == ["L1"]
    assert [e.type for e in only["L1"]] == ["quote_sent", "promise"]
    assert read_events(good, leads, only_lead="L9") == {}
    bad = jsonl(
        tmp_path / "bad.jsonl",
        {"lead_id": "L1", "at": "2025-04-15T11:00:00+08:00", "type": "promise"},
        {"lead_id": "L2", "at": "2025-04-15", "type": "promise"},
    )
    with pytest.raises(DataError, match=r"bad\.jsonl:2: 'at' is \"2025-04-15\", a date without"):
        read_events(bad, leads, only_lead="L1")


def test_every_problem_of_an_events_file_is_reported_at_once_sorted_by_line(
    tmp_path: Path, leads: dict[str, Lead]
) -> None:
    at = "2025-04-15T10:30:00+08:00"
    path = jsonl(
        tmp_path / "events.jsonl",
        {"lead_id": "L1", "at": at, "type": "touch", "channel": "phone"},
        {"lead_id": "L9", "at": at, "type": "touch", "channel": "phone"},
        {"lead_id": "L1", "at": "2025-04-15 10:30", "type": "reply", "channel": "email"},
        {"lead_id": "L1", "at": "2025-04-15", "type": "promise"},
        {"lead_id": "L1", "type": "promise"},
        {"at": at, "type": "promise"},
        {"lead_id": "L1", "at": at},
        {"lead_id": "L1", "at": at, "type": "touch"},
        {"lead_id": "L1", "at": at, "type": "touch", "channel": "emial"},
        {"lead_id": "L1", "at": at, "type": "opt_out", "channel": "fax"},
        {"lead_id": "L1", "at": at, "type": "stage"},
        {"lead_id": "L1", "at": at, "type": "score", "value": "high"},
        {"lead_id": "L1", "at": at, "type": "assigned", "value": ""},
        {"lead_id": "L1", "at": at, "type": "promise", "value": {"x": 1}},
        {"lead_id": "L1", "at": at, "type": ["touch"], "outcome": False},
        {"lead_id": "L8", "at": "soon", "type": "reply"},
    )
    with pytest.raises(DataError) as error:
        read_events(path, leads)
    example = '"2025-04-15T10:30:00+08:00"'
    assert problems_of(error, tmp_path) == [
        'events.jsonl:2: lead_id "L9" is not in the leads file',
        "events.jsonl:3: 'at' is \"2025-04-15 10:30\", a date-time without an offset; "
        f"write it with one, e.g. {example}",
        "events.jsonl:4: 'at' is \"2025-04-15\", a date without a time; write the moment with "
        f"its offset, e.g. {example}",
        f"events.jsonl:5: 'at' is missing; write it like {example}",
        "events.jsonl:6: 'lead_id' is missing; every event needs the id of its lead",
        'events.jsonl:7: \'type\' is missing; every event needs one, e.g. "touch" or "reply"',
        "events.jsonl:8: 'channel' is missing; 'touch' events need one",
        "events.jsonl:9: 'channel' is \"emial\"; expected one of phone, email, sms, visit, "
        "wechat, post; did you mean 'email'?",
        "events.jsonl:10: 'channel' is \"fax\"; expected one of phone, email, sms, visit, "
        "wechat, post",
        "events.jsonl:11: 'value' is missing; 'stage' events need the new stage",
        "events.jsonl:12: 'value' is \"high\", not a number; 'score' events need one, like 85",
        "events.jsonl:13: 'value' is missing; 'assigned' events need the new owner",
        "events.jsonl:14: 'value' is {\"x\": 1}; expected text or a number",
        "events.jsonl:15: 'outcome' is false; expected text",
        "events.jsonl:15: 'type' is [\"touch\"]; expected text",
        f"events.jsonl:16: 'at' is \"soon\", not a date-time; write it like {example}",
        "events.jsonl:16: 'channel' is missing; 'reply' events need one",
        'events.jsonl:16: lead_id "L8" is not in the leads file',
    ]
    codes = {p.code for p in error.value.problems}
    assert codes == {"unknown-lead", "bad-field", "missing-field"}


def test_csv_event_problems_name_their_line(tmp_path: Path, leads: dict[str, Lead]) -> None:
    path = write(
        tmp_path / "events.csv",
        "lead_id,at,type,channel\n"
        "L1,2025-04-15T10:30:00+08:00,touch,Phone\n"
        "\n"
        "L3,2025-04-15T10:30:00+08:00,reply,sms\n"
        "L1,2025-04-15T10:30:00+08:00,touch\n",
    )
    with pytest.raises(DataError) as error:
        read_events(path, leads)
    assert problems_of(error, tmp_path) == [
        "events.csv:2: 'channel' is \"Phone\"; expected one of phone, email, sms, visit, "
        "wechat, post; did you mean 'phone'?",
        'events.csv:4: lead_id "L3" is not in the leads file',
        "events.csv:5: this row has 3 values but the header has 4 columns",
    ]


def test_an_event_keeps_its_instant_as_a_timestamp_that_equality_ignores() -> None:
    # Berlin's clocks went back at 03:00 on 2025-10-26: 02:30 came twice, an hour apart.
    berlin = ZoneInfo("Europe/Berlin")
    first = Event("L1", datetime(2025, 10, 26, 2, 30, tzinfo=berlin), "touch", "phone")
    second = Event("L1", datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=berlin), "touch", "phone")
    assert first.stamp == datetime(2025, 10, 26, 0, 30, tzinfo=UTC).timestamp()
    assert second.stamp - first.stamp == 3600
    same = Event("L1", datetime(2025, 10, 26, 0, 30, tzinfo=UTC), "touch", "phone")
    assert same.stamp == first.stamp
    assert "stamp" not in repr(first)
    assert Event("L1", first.at, "reply") == Event("L1", first.at, "reply")


def test_an_event_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone offset"):
        Event("L1", datetime(2025, 3, 1, 10, 0), "touch", "phone")
