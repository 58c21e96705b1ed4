"""Reading leads (``read_leads``): JSON Lines and CSV rows become ``Lead`` records, their
attributes read as numbers and booleans where they are, a bare date at midnight in the lead's zone
or the default one; every problem of a leads file at once, sorted by line, on the physical line of
a CSV row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cadence.data import read_leads
from cadence.errors import DATA_CODES, DataError
from cadence.records import Lead
from tests.unit._data_text import CST, jsonl, problems_of, write


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
