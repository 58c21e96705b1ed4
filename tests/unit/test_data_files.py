"""Data files as files (cadence.data): the format follows the extension, gzip included; a byte
order mark, blank lines and CRLF are fine; files that cannot be read (missing, not UTF-8, of an
unknown extension) are data errors, not tracebacks; an empty file has no records; and reading
leaves the garbage collector as it was.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from cadence.data import format_of, read_events, read_leads
from cadence.errors import DataError
from cadence.records import Lead
from tests.unit._data_text import jsonl, write


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


def test_a_byte_order_mark_blank_lines_and_crlf_are_fine(tmp_path: Path) -> None:
    csv_path = tmp_path / "leads.csv"
    csv_path.write_bytes("\ufeffid,captured_at\r\n\r\nL1,2025-04-15\r\n".encode())
    json_path = tmp_path / "leads.jsonl"
    json_path.write_bytes(
        "\ufeff\r\n  \r\n".encode() + b'{"id": "L1", "captured_at": "2025-04-15"}\r\n\r\n'
    )
    assert list(read_leads(csv_path, default_timezone="UTC")) == ["L1"]
    assert list(read_leads(json_path, default_timezone="UTC")) == ["L1"]


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
