"""Reading leads and events, writing actions: records, coercion, zones, every problem at once."""

from __future__ import annotations

import gc
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cadence.data import format_of, read_events, read_leads, write_actions
from cadence.errors import DATA_CODES, DataError
from cadence.records import Action, Event, Lead

CST = timezone(timedelta(hours=8))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def jsonl(path: Path, *objects: object) -> Path:
    return write(path, "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects))


def problems_of(error: pytest.ExceptionInfo[DataError], tmp_path: Path) -> list[str]:
    """The problems as the CLI prints them, with the temporary folder left out."""
    return [str(problem).replace(f"{tmp_path}/", "") for problem in error.value.problems]


@pytest.fixture
def leads(tmp_path: Path) -> dict[str, Lead]:
    path = jsonl(
        tmp_path / "leads.jsonl",
        {"id": "L1", "captured_at": "2025-04-15T10:30:00+08:00"},
        {"id": "L2", "captured_at": "2025-04-15T10:30:00+08:00"},
    )
    return read_leads(path, default_timezone="Asia/Shanghai")


# -- formats --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.json", "jsonl"),
        ("a.csv", "csv"),
        ("dir/A.CSV", "csv"),
        ("x.y.JSONL", "jsonl"),
        ("events.jsonl.gz", "jsonl"),
        ("leads.CSV.GZ", "csv"),
    ],
)
def test_format_follows_the_extension(name: str, fmt: str) -> None:
    assert format_of(name) == fmt
    assert format_of(Path(name)) == fmt


@pytest.mark.parametrize("name", ["leads.txt", "leads", "leads.xlsx", "leads.gz", "a.txt.gz"])
def test_an_unknown_extension_names_the_accepted_ones(name: str) -> None:
    with pytest.raises(ValueError, match=r"\.jsonl, \.ndjson or \.json .* \.csv"):
        format_of(name)


# -- leads ----------------------------------------------------------------------------------------


def test_jsonl_leads_become_records(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "leads.jsonl",
        {
            "id": "L1",
            "captured_at": "2025-04-15T10:30:00+08:00",
            "timezone": "Asia/Shanghai",
            "owner": "wang",
            "manager": "li",
            "score": 72,
            "grade": "A",
            "stage": "qualified",
            "customer_type": "dealer",
            "existing_customer": True,
            "distance_km": 12.5,
            "tags": ["booth", "vip"],
            "zip": "01234",
            "fax": None,
        },
        {"id": 42, "captured_at": "2025-04-15T02:30:00Z"},
    )
    leads = read_leads(path, default_timezone="Europe/Berlin")
    assert list(leads) == ["L1", "42"]
    first = leads["L1"]
    assert first == Lead(
        id="L1",
        captured_at=datetime(2025, 4, 15, 10, 30, tzinfo=CST),
        timezone="Asia/Shanghai",
        owner="wang",
        manager="li",
        score=72.0,
        grade="A",
        stage="qualified",
        attributes={
            "customer_type": "dealer",
            "existing_customer": True,
            "distance_km": 12.5,
            "tags": ["booth", "vip"],
            "zip": "01234",
        },
    )
    assert isinstance(first.score, float)
    # captured_at keeps the offset it was written with; the engine converts it.
    assert first.captured_at.utcoffset() == timedelta(hours=8)
    second = leads["42"]
    assert second.captured_at == datetime(2025, 4, 15, 2, 30, tzinfo=UTC)
    assert second.captured_at.utcoffset() == timedelta(0)
    assert (second.timezone, second.owner, second.score, second.stage) == (None, None, None, "new")
    assert dict(second.attributes) == {}


def test_csv_leads_become_records_with_attributes_read_as_numbers_and_booleans(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "leads.csv",
        "id,captured_at,timezone,owner,score,stage,existing,vip,count,debt,ratio,big,"
        "zip,phone,birthday,note,empty,nan\r\n"
        "L1,2025-04-15T10:30:00+08:00,Asia/Shanghai,wang,85.5,,TRUE,false,12,-3,0.25,1e3,"
        '00123,+8613800000000,1990-05-01,"hello, world",,nan\r\n'
        "L2,2025-04-15T10:30:00Z,,,,won,,,,,,,,,,,,\r\n",
    )
    leads = read_leads(path, default_timezone="Asia/Shanghai")
    first = leads["L1"]
    assert (first.timezone, first.owner, first.score, first.stage) == (
        "Asia/Shanghai",
        "wang",
        85.5,
        "new",
    )
    assert first.attributes == {
        "existing": True,
        "vip": False,
        "count": 12,
        "debt": -3,
        "ratio": 0.25,
        "big": 1000.0,
        "zip": "00123",  # a leading zero keeps the text
        "phone": "+8613800000000",  # so does a plus sign
        "birthday": "1990-05-01",
        "note": "hello, world",
        "nan": "nan",
    }
    assert type(first.attributes["count"]) is int
    assert type(first.attributes["big"]) is float
    second = leads["L2"]
    assert (second.timezone, second.owner, second.score, second.stage) == (None, None, None, "won")
    assert dict(second.attributes) == {}


def test_jsonl_and_csv_give_the_same_leads(tmp_path: Path) -> None:
    from_json = jsonl(
        tmp_path / "leads.jsonl",
        {"id": "L1", "captured_at": "2025-04-15", "owner": "wang", "score": 3, "industry": "auto"},
    )
    from_csv = write(
        tmp_path / "leads.csv", "id,captured_at,owner,score,industry\nL1,2025-04-15,wang,3,auto\n"
    )
    assert read_leads(from_json, default_timezone="Asia/Shanghai") == read_leads(
        from_csv, default_timezone="Asia/Shanghai"
    )


def test_a_bare_date_is_midnight_in_the_leads_zone_or_the_default_zone(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "leads.jsonl",
        {"id": "own", "captured_at": "2025-04-15", "timezone": "Asia/Shanghai"},
        {"id": "default", "captured_at": "2025-04-15"},
        {"id": "summer", "captured_at": "2025-07-01", "timezone": "America/New_York"},
    )
    leads = read_leads(path, default_timezone="Europe/Berlin")
    own, default, summer = leads["own"], leads["default"], leads["summer"]
    assert own.captured_at == datetime(2025, 4, 14, 16, 0, tzinfo=UTC)
    assert own.captured_at.utcoffset() == timedelta(hours=8)
    assert default.captured_at == datetime(2025, 4, 14, 22, 0, tzinfo=UTC)  # CEST, +02:00
    assert default.timezone is None
    assert summer.captured_at == datetime(2025, 7, 1, 4, 0, tzinfo=UTC)  # EDT, -04:00
    for lead in leads.values():
        local = lead.captured_at.astimezone(ZoneInfo(lead.timezone or "Europe/Berlin"))
        assert (local.hour, local.minute) == (0, 0)


def test_an_unknown_default_zone_is_a_value_error(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "leads.jsonl", {"id": "L1", "captured_at": "2025-04-15"})
    with pytest.raises(ValueError, match="Mars/Olympus"):
        read_leads(path, default_timezone="Mars/Olympus")


def test_every_problem_of_a_leads_file_is_reported_at_once_sorted_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "leads.jsonl",
        "\n".join(
            [
                '{"id": "L1", "captured_at": "2025-04-15T10:30:00+08:00"}',
                '{"id": "L2", "captured_at": "2025-04-15 10:30"}',
                '{"id": "L3" "captured_at": "2025-04-15"}',
                "",
                '["L4", "2025-04-15"]',
                '{"captured_at": "2025-04-15"}',
                '{"id": "L6"}',
                '{"id": "L7", "captured_at": "2025-04-15", "timezone": "Asia/Shangai"}',
                '{"id": "L8", "captured_at": "April 15", "score": "high", "owner": ["a"]}',
                '{"id": "L1", "captured_at": "2025-04-16"}',
                '{"id": true, "captured_at": 20250415}',
                "",
            ]
        ),
    )
    with pytest.raises(DataError) as error:
        read_leads(path, default_timezone="Asia/Shanghai")
    expected_example = '"2025-04-15T10:30:00+08:00"'
    assert problems_of(error, tmp_path) == [
        "leads.jsonl:2: 'captured_at' is \"2025-04-15 10:30\", a date-time without an offset; "
        f"write it with one, e.g. {expected_example}",
        "leads.jsonl:3: this line is not valid JSON: Expecting ',' delimiter at column 13",
        'leads.jsonl:5: this line is ["L4", "2025-04-15"], not a JSON object {...}',
        "leads.jsonl:6: 'id' is missing; every lead needs one",
        f"leads.jsonl:7: 'captured_at' is missing; write it like {expected_example}",
        "leads.jsonl:8: 'timezone' is \"Asia/Shangai\", not a known IANA time zone like "
        '"Asia/Shanghai"; did you mean "Asia/Shanghai"?',
        "leads.jsonl:9: 'captured_at' is \"April 15\", not a date-time; write it like "
        f'{expected_example} or a date like "2025-04-15"',
        "leads.jsonl:9: 'owner' is [\"a\"]; expected text",
        "leads.jsonl:9: 'score' is \"high\", not a number; write it like 85",
        'leads.jsonl:10: lead id "L1" appears twice; first on line 1',
        "leads.jsonl:11: 'captured_at' is 20250415, not a date-time; write it like "
        f'{expected_example} or a date like "2025-04-15"',
        "leads.jsonl:11: 'id' is true; expected text",
    ]
    codes = [p.code for p in error.value.problems]
    assert codes == [
        "bad-field",
        "bad-line",
        "bad-line",
        "missing-field",
        "missing-field",
        "bad-field",
        "bad-field",
        "bad-field",
        "bad-field",
        "duplicate-lead",
        "bad-field",
        "bad-field",
    ]
    assert set(codes) <= set(DATA_CODES)
    assert all(p.location.column is None for p in error.value.problems)


def test_a_zone_in_the_wrong_case_is_suggested_with_the_right_one(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "leads.jsonl",
        {"id": "L1", "captured_at": "2025-04-15", "timezone": "asia/shanghai"},
    )
    with pytest.raises(DataError, match='did you mean "Asia/Shanghai"'):
        read_leads(path, default_timezone="UTC")


def test_csv_problems_name_the_physical_line_where_the_row_starts(tmp_path: Path) -> None:
    path = write(
        tmp_path / "leads.csv",
        "\n".join(
            [
                "id,captured_at,note",
                'L1,2025-04-15,"a note',
                "on three",
                'lines"',
                "",
                "L2,2025-04-15",
                "L3,2025-04-15T10:30:00,fine",
                "L1,2025-04-15,again",
                "L5,2025-04-15,one,too many",
                "",
            ]
        ),
    )
    with pytest.raises(DataError) as error:
        read_leads(path, default_timezone="Asia/Shanghai")
    assert problems_of(error, tmp_path) == [
        "leads.csv:6: this row has 2 values but the header has 3 columns",
        "leads.csv:7: 'captured_at' is \"2025-04-15T10:30:00\", a date-time without an offset; "
        'write it with one, e.g. "2025-04-15T10:30:00+08:00"',
        'leads.csv:8: lead id "L1" appears twice; first on line 2',
        "leads.csv:9: this row has 4 values but the header has 3 columns",
    ]


def test_a_row_with_one_value_says_so_in_the_singular(tmp_path: Path) -> None:
    path = write(tmp_path / "leads.csv", 'id,captured_at\n"L1,2025-04-15"\n')
    with pytest.raises(DataError) as error:
        read_leads(path, default_timezone="UTC")
    assert problems_of(error, tmp_path) == [
        "leads.csv:2: this row has 1 value but the header has 2 columns"
    ]


def test_a_csv_header_without_a_required_column_is_reported_once(tmp_path: Path) -> None:
    path = write(tmp_path / "leads.csv", "id,captured,owner\nL1,2025-04-15,wang\nL2,x,y\n")
    with pytest.raises(DataError) as error:
        read_leads(path, default_timezone="Asia/Shanghai")
    assert problems_of(error, tmp_path) == [
        "leads.csv:1: the header has no 'captured_at' column (it has: id, captured, owner)"
    ]


def test_a_byte_order_mark_blank_lines_and_crlf_are_fine(tmp_path: Path) -> None:
    csv_path = tmp_path / "leads.csv"
    csv_path.write_bytes("\ufeffid,captured_at\r\n\r\nL1,2025-04-15\r\n".encode())
    json_path = tmp_path / "leads.jsonl"
    json_path.write_bytes(
        "\ufeff\r\n  \r\n".encode() + b'{"id": "L1", "captured_at": "2025-04-15"}\r\n\r\n'
    )
    assert list(read_leads(csv_path, default_timezone="UTC")) == ["L1"]
    assert list(read_leads(json_path, default_timezone="UTC")) == ["L1"]


# -- files that cannot be read --------------------------------------------------------------------


def test_a_missing_file_is_a_data_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DataError) as error:
        read_leads(tmp_path / "nope.jsonl", default_timezone="UTC")
    [problem] = error.value.problems
    assert (problem.code, problem.location.line) == ("unreadable", 1)
    assert "cannot be opened" in problem.message
    assert "No such file" in problem.message


@pytest.mark.parametrize("name", ["events.jsonl", "events.csv"])
def test_a_file_that_is_not_utf8_names_the_first_bad_line(
    tmp_path: Path, leads: dict[str, Lead], name: str
) -> None:
    path = tmp_path / name
    header = b"lead_id,at,type\n" if name.endswith(".csv") else b""
    line = (
        b"L1,2025-04-15T10:30:00+08:00,promise\n"
        if name.endswith(".csv")
        else b'{"lead_id": "L1", "at": "2025-04-15T10:30:00+08:00", "type": "promise"}\n'
    )
    path.write_bytes(header + line + "张三\n".encode("gbk"))
    with pytest.raises(DataError) as error:
        read_events(path, leads)
    [problem] = error.value.problems
    assert problem.code == "unreadable"
    assert problem.location.line == (3 if header else 2)
    assert "not UTF-8" in problem.message


def test_a_file_with_an_unknown_extension_is_a_data_error(tmp_path: Path) -> None:
    path = write(tmp_path / "leads.txt", "")
    with pytest.raises(DataError) as error:
        read_leads(path, default_timezone="UTC")
    [problem] = error.value.problems
    assert problem.code == "unreadable"
    assert ".csv" in problem.message


def test_reading_leaves_the_garbage_collector_as_it_was(
    tmp_path: Path, leads: dict[str, Lead]
) -> None:
    good = jsonl(tmp_path / "e.jsonl", {"lead_id": "L1", "at": "2025-04-15T10:00Z", "type": "x"})
    bad = jsonl(tmp_path / "bad.jsonl", {"lead_id": "L1"})
    assert gc.isenabled()
    read_events(good, leads)
    assert gc.isenabled()
    with pytest.raises(DataError):
        read_events(bad, leads)
    assert gc.isenabled()
    gc.disable()
    try:
        read_events(good, leads)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_empty_file_has_no_records(tmp_path: Path, leads: dict[str, Lead]) -> None:
    assert read_leads(write(tmp_path / "a.csv", ""), default_timezone="UTC") == {}
    assert read_leads(write(tmp_path / "a.jsonl", "\n\n"), default_timezone="UTC") == {}
    assert read_events(write(tmp_path / "e.csv", "lead_id,at,type\n"), leads) == {}


# -- events ---------------------------------------------------------------------------------------


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


# -- actions --------------------------------------------------------------------------------------


ACTIONS = [
    Action(
        lead_id="L1",
        rule="first-call",
        refs=("3.1", "3.2"),
        kind="contact",
        channel="phone",
        assignee="wang",
        due=datetime(2025, 4, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        overdue=False,
        reason="Captured at the show on 15 April; §3.1 asks for a call within one business day.",
        policy="sha256:0123456789abcdef",
    ),
    Action(
        lead_id="L2",
        rule="escalate",
        refs=(),
        kind="escalate",
        channel=None,
        assignee=None,
        due=datetime(2025, 4, 14, 18, 30, tzinfo=UTC),
        overdue=True,
        reason='No reply to "quote, v2"; tell 李经理.',
    ),
]


def test_actions_as_json_lines() -> None:
    out = io.StringIO()
    write_actions(ACTIONS, out, "jsonl")
    assert out.getvalue() == (
        '{"lead_id": "L1", "rule": "first-call", "refs": ["3.1", "3.2"], "kind": "contact", '
        '"channel": "phone", "assignee": "wang", "due": "2025-04-16T09:00:00+08:00", '
        '"overdue": false, "reason": "Captured at the show on 15 April; §3.1 asks for a call '
        'within one business day.", "policy": "sha256:0123456789abcdef"}\n'
        '{"lead_id": "L2", "rule": "escalate", "refs": [], "kind": "escalate", "channel": null, '
        '"assignee": null, "due": "2025-04-14T18:30:00+00:00", "overdue": true, '
        '"reason": "No reply to \\"quote, v2\\"; tell 李经理.", "policy": null}\n'
    )


def test_actions_as_csv() -> None:
    out = io.StringIO()
    write_actions(ACTIONS, out, "csv")
    assert out.getvalue() == (
        "lead_id,rule,refs,kind,channel,assignee,due,overdue,reason,policy\n"
        "L1,first-call,3.1;3.2,contact,phone,wang,2025-04-16T09:00:00+08:00,false,"
        "Captured at the show on 15 April; §3.1 asks for a call within one business day.,"
        "sha256:0123456789abcdef\n"
        "L2,escalate,,escalate,,,2025-04-14T18:30:00+00:00,true,"
        '"No reply to ""quote, v2""; tell 李经理.",\n'
    )


def test_no_actions_is_an_empty_jsonl_and_a_bare_csv_header() -> None:
    jsonl_out, csv_out = io.StringIO(), io.StringIO()
    write_actions([], jsonl_out, "jsonl")
    write_actions(iter([]), csv_out, "csv")
    assert jsonl_out.getvalue() == ""
    assert csv_out.getvalue() == (
        "lead_id,rule,refs,kind,channel,assignee,due,overdue,reason,policy\n"
    )


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


def test_gzipped_files_are_read_as_the_format_before_gz(tmp_path: Path) -> None:
    import gzip

    examples = Path(__file__).resolve().parents[2] / "examples" / "show"
    plain_leads = read_leads(examples / "leads.jsonl", default_timezone="Asia/Shanghai")
    plain_events = read_events(examples / "events.jsonl", plain_leads)
    for name in ("leads.jsonl", "events.jsonl"):
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress((examples / name).read_bytes()))
    leads = read_leads(tmp_path / "leads.jsonl.gz", default_timezone="Asia/Shanghai")
    assert leads == plain_leads
    assert read_events(tmp_path / "events.jsonl.gz", leads) == plain_events
