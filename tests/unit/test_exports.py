"""Reading CRM exports through a mapping file (cadence.exports): golden mapping errors with
file:line:column, bad rows with file:line, unmapped values counted, time zones, gzip, and output
that reads back as the contract's files. The process's local zone is America/Toronto (conftest)."""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cadence.data import read_events, read_leads
from cadence.errors import DataError, MappingError
from cadence.exports import load_mapping, read_export, write_events, write_leads

MAPPING = """\
lead_id: case_id
timestamp: {column: ts, timezone: Europe/Amsterdam}
activity: activity
capture: {activity: A_SUBMITTED}
attributes:
  amount: {column: amount, type: number}
owner: {column: resource, ignore: ["112"]}
events:
  A_SUBMITTED: ~
  W_Call: {type: touch, channel: phone}
  O_SENT: {type: quote_sent}
  A_ACTIVATED: {type: stage, value: won}
"""

HEADER = "case_id,amount,activity,ts,resource\n"


def mapping_file(tmp_path: Path, text: str = MAPPING, name: str = "map.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def export_file(tmp_path: Path, rows: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def problems(
    error: pytest.ExceptionInfo[DataError] | pytest.ExceptionInfo[MappingError],
) -> list[str]:
    return [str(p) for p in error.value.problems]


# -- the mapping ---------------------------------------------------------------------------------


def test_a_bad_mapping_reports_every_problem_with_line_and_column(tmp_path: Path) -> None:
    path = mapping_file(
        tmp_path,
        "lead_id: case_id\n"
        "timestamp: {column: ts, timezone: Europe/Amsterdm}\n"
        "activty: activity\n"
        "capture: {activity: A_SUBMITTED}\n"
        "events:\n"
        "  W_Call: {type: touch, channel: phnoe}\n"
        "  O_SENT: {type: quote_sent}\n"
        "  A_ACTIVATED: {type: stage}\n"
        "unmapped: maybe\n",
    )
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert problems(error) == [
        f"{path}:1:1: missing-key: the file needs the key 'activity'",
        f"{path}:2:35: unknown-timezone: 'Europe/Amsterdm' is not an IANA time zone like "
        "'Europe/Amsterdam'; did you mean 'Europe/Amsterdam'?",
        f"{path}:3:1: unknown-key: unknown key 'activty' in the file; did you mean 'activity'? "
        "(expected one of: mapping, lead_id, timestamp, activity, capture, attributes, owner, "
        "events, unmapped)",
        f"{path}:6:34: unknown-channel: unknown channel 'phnoe'; did you mean 'phone'? "
        "(known: phone, email, sms, visit, wechat, post)",
        f"{path}:8:16: missing-key: a 'stage' event needs a value",
        f"{path}:9:11: bad-value: 'unmapped': Input should be 'error' or 'skip', got 'maybe'",
    ]


def test_mapping_yaml_errors_and_missing_files(tmp_path: Path) -> None:
    path = mapping_file(tmp_path, "lead_id: [case_id\n")
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert problems(error)[0].startswith(f"{path}:2:1: yaml-syntax: ")
    with pytest.raises(MappingError) as error:
        load_mapping(tmp_path / "absent.yaml")
    assert problems(error) == [f"{tmp_path / 'absent.yaml'}:1:1: yaml-syntax: no such file"]
    with pytest.raises(MappingError) as error:
        load_mapping(mapping_file(tmp_path, "- a list\n"))
    assert [p.code for p in error.value.problems] == ["not-a-mapping"]


def test_a_strptime_format_without_offset_needs_a_zone(tmp_path: Path) -> None:
    text = MAPPING.replace(
        "timestamp: {column: ts, timezone: Europe/Amsterdam}",
        "timestamp: {column: ts, format: '%d-%m-%Y %H:%M'}",
    )
    with pytest.raises(MappingError) as error:
        load_mapping(mapping_file(tmp_path, text))
    assert [(p.location.line, p.code) for p in error.value.problems] == [(2, "missing-key")]


def test_shorthands(tmp_path: Path) -> None:
    mapping = load_mapping(
        mapping_file(
            tmp_path,
            "lead_id: id\ntimestamp: at\nactivity: what\ncapture: first_row\n"
            "attributes: {amount: amount_req}\nowner: resource\n"
            "events: {X: [{type: quote_sent}, {type: stage, value: quoted}]}\n",
        )
    )
    assert mapping.timestamp.column == "at" and mapping.timestamp.format == "iso"
    assert mapping.capture.activity is None
    assert mapping.attributes["amount"].column == "amount_req"
    assert mapping.owner is not None and mapping.owner.column == "resource"
    assert [t.type for t in mapping.events["X"] or ()] == ["quote_sent", "stage"]


# -- reading an export -------------------------------------------------------------------------


def test_a_good_export(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path))
    path = export_file(
        tmp_path,
        "1,20000,A_SUBMITTED,2011-10-01T00:38:44.546+02:00,112\n"
        "1,20000,W_Call,2011-10-03T12:00:00+02:00,\n"
        "1,20000,O_SENT,2011-10-01T11:45:00+02:00,10862\n"
        "1,20000,A_ACTIVATED,2011-11-13T10:00:00+01:00,10629\n"
        "2,5000,A_SUBMITTED,2011-10-02T08:00:00+02:00,\n",
    )
    result = read_export(mapping, path)
    leads, events = result
    assert list(leads) == ["1", "2"]
    assert leads["1"].captured_at == datetime.fromisoformat("2011-10-01T00:38:44.546+02:00")
    assert leads["1"].owner == "10862"  # the first resource in time, not the system's 112
    assert leads["1"].attributes == {"amount": 20000}
    assert leads["2"].owner is None
    assert [(e.type, e.channel, e.value) for e in events["1"]] == [
        ("quote_sent", None, None),
        ("touch", "phone", None),
        ("stage", None, "won"),
    ]
    assert "2" not in events
    assert result.rows == 5 and result.skipped == {}


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path))
    path = export_file(
        tmp_path,
        "1,100,A_SUBMITTED,2011-10-01T10:00:00,112\n"
        "2,abc,A_SUBMITTED,2011-10-02T10:00:00+02:00,\n"
        "3,5,W_Call,2011-10-03T10:00:00+02:00,u1\n"
        ",5,W_Call,nope,u1\n"
        "2,7,W_Cal,2011-10-03T10:00:00+02:00,u1\n"
        "1,100,A_SUBMITTED,2011-10-04T10:00:00+02:00,112\n"
        "1,100\n",
    )
    with pytest.raises(DataError) as error:
        read_export(mapping, path)
    assert problems(error) == [
        f"{path}:3: 'amount' is \"abc\", not a number (attribute 'amount')",
        f'{path}:4: lead id "3" has no capture row (activity A_SUBMITTED); capture: '
        "{missing: first_row} would capture it at its first row",
        f"{path}:5: 'ts' is \"nope\", not an ISO-8601 date-time",
        f"{path}:5: 'case_id' is empty; every row needs the lead's id",
        f"{path}:6: activity \"W_Cal\" is not in the mapping's 'events'; did you mean "
        '"W_Call"? (map it, map it to ~ to ignore it, or set unmapped: skip to count it)',
        f'{path}:7: lead id "1" is captured twice; first on line 2',
        f"{path}:8: this row has 2 values but the header has 5 columns",
    ]


def test_a_missing_column_is_named_once(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path))
    path = tmp_path / "export.csv"
    path.write_text("case_id,activity,ts\n1,A_SUBMITTED,2011-10-01T10:00:00+02:00\n")
    with pytest.raises(DataError) as error:
        read_export(mapping, path)
    assert [(p.location.line, p.code) for p in error.value.problems] == [
        (1, "missing-field"),
        (1, "missing-field"),
    ]
    assert "'amount'" in problems(error)[0] and "'resource'" in problems(error)[1]


def test_unmapped_values_skipped_are_counted(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path, MAPPING + "unmapped: skip\n"))
    path = export_file(
        tmp_path,
        "1,1,A_SUBMITTED,2011-10-01T10:00:00+02:00,\n"
        "1,1,W_Mail,2011-10-01T11:00:00+02:00,\n"
        "1,1,W_Mail,2011-10-01T12:00:00+02:00,\n"
        "1,1,X_Other,2011-10-01T13:00:00+02:00,\n"
        "1,1,W_Call,2011-10-01T14:00:00+02:00,\n",
    )
    result = read_export(mapping, path)
    assert result.skipped == {"W_Mail": 2, "X_Other": 1}
    assert result.rows == 5
    assert [e.type for e in result.events["1"]] == ["touch"]


def test_first_row_capture(tmp_path: Path) -> None:
    text = MAPPING.replace("capture: {activity: A_SUBMITTED}", "capture: first_row")
    mapping = load_mapping(mapping_file(tmp_path, text))
    path = export_file(
        tmp_path,
        "7,1,W_Call,2011-10-05T10:00:00+02:00,u2\n7,9,O_SENT,2011-10-04T10:00:00+02:00,u1\n",
    )
    leads, events = read_export(mapping, path)
    assert leads["7"].captured_at == datetime.fromisoformat("2011-10-04T10:00:00+02:00")
    assert leads["7"].attributes == {"amount": 9}  # from the earliest row
    assert leads["7"].owner == "u1"
    assert len(events["7"]) == 2


def test_missing_first_row_captures_leads_without_a_capture_row(tmp_path: Path) -> None:
    text = MAPPING.replace("{activity: A_SUBMITTED}", "{activity: A_SUBMITTED, missing: first_row}")
    mapping = load_mapping(mapping_file(tmp_path, text))
    path = export_file(
        tmp_path,
        "1,1,A_SUBMITTED,2011-10-01T10:00:00+02:00,\n3,5,W_Call,2011-10-03T10:00:00+02:00,u1\n",
    )
    leads, _ = read_export(mapping, path)
    assert list(leads) == ["1", "3"]
    assert leads["3"].captured_at == datetime.fromisoformat("2011-10-03T10:00:00+02:00")


def test_times_without_offset_are_in_the_mappings_zone_not_the_machines(tmp_path: Path) -> None:
    # the process is in America/Toronto (conftest); the mapping says Amsterdam, summer and winter
    mapping = load_mapping(mapping_file(tmp_path))
    path = export_file(
        tmp_path,
        "1,1,A_SUBMITTED,2011-10-01T10:00:00,\n1,1,W_Call,2011-12-01 10:00,\n",
    )
    leads, events = read_export(mapping, path)
    assert leads["1"].captured_at.utcoffset() == timedelta(hours=2)
    assert leads["1"].captured_at == datetime.fromisoformat("2011-10-01T08:00:00+00:00")
    assert events["1"][0].at.utcoffset() == timedelta(hours=1)


def test_a_strptime_format(tmp_path: Path) -> None:
    text = MAPPING.replace(
        "timestamp: {column: ts, timezone: Europe/Amsterdam}",
        "timestamp: {column: ts, format: '%d-%m-%Y %H:%M', timezone: Asia/Shanghai}",
    )
    mapping = load_mapping(mapping_file(tmp_path, text))
    path = export_file(tmp_path, "1,1,A_SUBMITTED,15-04-2025 10:30,\n1,1,W_Call,2025-04-16,\n")
    with pytest.raises(DataError) as error:
        read_export(mapping, path)
    assert problems(error) == [f"{path}:3: 'ts' is \"2025-04-16\", not '%d-%m-%Y %H:%M'"]
    path = export_file(tmp_path, "1,1,A_SUBMITTED,15-04-2025 10:30,\n")
    leads, _ = read_export(mapping, path)
    assert leads["1"].captured_at.isoformat() == "2025-04-15T10:30:00+08:00"


def test_an_offset_less_time_without_a_zone_is_a_bad_row(tmp_path: Path) -> None:
    mapping = load_mapping(
        mapping_file(tmp_path, MAPPING.replace(", timezone: Europe/Amsterdam", ""))
    )
    path = export_file(tmp_path, "1,1,A_SUBMITTED,2011-10-01T10:00:00,\n")
    with pytest.raises(DataError) as error:
        read_export(mapping, path)
    assert [(p.location.line, p.code) for p in error.value.problems] == [(2, "bad-field")]


def test_gzipped_csv_and_json_lines(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path))
    rows = "1,5,A_SUBMITTED,2011-10-01T10:00:00+02:00,u1\n1,5,W_Call,2011-10-02T10:00:00+02:00,\n"
    gz = tmp_path / "export.csv.gz"
    gz.write_bytes(gzip.compress((HEADER + rows).encode()))
    leads, events = read_export(mapping, gz)
    assert list(leads) == ["1"] and len(events["1"]) == 1
    jsonl = tmp_path / "export.jsonl.gz"
    records = [
        {
            "case_id": 1,
            "amount": 5,
            "activity": "A_SUBMITTED",
            "ts": "2011-10-01T10:00:00+02:00",
            "resource": "u1",
        },
        {"case_id": 1, "activity": "W_Call", "ts": "2011-10-02T10:00:00+02:00"},
    ]
    jsonl.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    leads, events = read_export(mapping, jsonl)
    assert leads["1"].attributes == {"amount": 5} and leads["1"].owner == "u1"
    assert [e.type for e in events["1"]] == ["touch"]
    records[1]["case_id"] = None  # in JSON Lines, an absent or null required field is a bad row
    jsonl.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    with pytest.raises(DataError) as error:
        read_export(mapping, jsonl)
    assert problems(error) == [f"{jsonl}:2: 'case_id' is empty; every row needs the lead's id"]


def test_a_broken_gzip_file_is_unreadable(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path))
    broken = tmp_path / "export.csv.gz"
    broken.write_bytes(gzip.compress((HEADER * 50).encode())[:40])
    with pytest.raises(DataError) as error:
        read_export(mapping, broken)
    assert [p.code for p in error.value.problems] == ["unreadable"]
    with pytest.raises(DataError) as error:
        read_export(mapping, tmp_path / "export.xlsx")
    assert [p.code for p in error.value.problems] == ["unreadable"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_written_files_read_back_as_the_contracts_files(tmp_path: Path, suffix: str) -> None:
    mapping = load_mapping(mapping_file(tmp_path))
    path = export_file(
        tmp_path,
        "1,20000,A_SUBMITTED,2011-10-01T00:38:44.546+02:00,112\n"
        "1,20000,W_Call,2011-10-03T12:00:00+02:00,u1\n"
        "1,20000,A_ACTIVATED,2011-11-13T10:00:00+01:00,10629\n"
        "2,5000,A_SUBMITTED,2011-10-02T08:00:00+02:00,\n",
    )
    leads, events = read_export(mapping, path)
    leads_out, events_out = tmp_path / f"leads{suffix}", tmp_path / f"events{suffix}"
    fmt = "jsonl" if suffix == ".jsonl" else "csv"
    with leads_out.open("w", encoding="utf-8", newline="") as out:
        write_leads(leads.values(), out, fmt)
    with events_out.open("w", encoding="utf-8", newline="") as out:
        write_events(events, out, fmt)
    again = read_leads(leads_out, default_timezone="Europe/Amsterdam")
    assert again == leads
    assert read_events(events_out, again) == events


def test_write_leads_to_an_empty_csv_has_a_header() -> None:
    out = io.StringIO()
    write_leads([], out, "csv")
    assert out.getvalue() == "id,captured_at\n"
