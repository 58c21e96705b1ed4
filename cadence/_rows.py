"""Reading the rows of a data file with their locations: JSON Lines or CSV, gzipped or not.

This owns the file side of reading leads, events (:mod:`cadence.data`) and CRM exports
(:mod:`cadence.exports`): the format from the extension (:func:`format_of`), opening a ``.gz``,
UTF-8 text, and each record as ``(line number, fields)`` from :func:`read_records`, where a line
that is not a record (not JSON, not an object, a CSV row of the wrong width, a bad header) becomes
a :class:`~cadence.errors.Problem` at its line. What the fields mean is left to the callers; the
helpers they share for that are here too: CSV values read as numbers and booleans
(:func:`coerce`), numbers (:func:`as_number`), values shown in messages (:func:`show`), and the
``(code, message)`` issues of one record (:data:`Issues`).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final, Literal

from cadence.errors import DataError, Location, Problem

__all__ = [
    "Format",
    "Issues",
    "as_number",
    "coerce",
    "format_of",
    "read_records",
    "readable_format",
    "show",
]

#: The formats of data files: JSON Lines or CSV with a header row.
Format = Literal["jsonl", "csv"]

_FORMATS: Final[dict[str, Format]] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
}

# Only what looks like a number is read as one: no "+" (phone numbers) and no leading zeros
# (zip codes, ids) so that nothing is lost.
_INT: Final = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT: Final = re.compile(r"-?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][+-]?[0-9]+)?")
_NUMBER_START: Final = frozenset("-.0123456789")

_DECODER: Final = json.JSONDecoder()

#: The problems of one record, as ``(code, message)``; the caller gives them its line.
Issues = list[tuple[str, str]]


def format_of(path: str | Path) -> Format:
    """The format of a data file, from its extension: ``"jsonl"`` or ``"csv"``.

    ``.jsonl``, ``.ndjson`` and ``.json`` are JSON Lines; ``.csv`` is CSV; a ``.gz`` after either
    means gzipped (``leads.jsonl.gz``). Any other extension is a :class:`ValueError` that names
    the accepted ones.
    """
    name = Path(path)
    if name.suffix.lower() == ".gz":
        name = name.with_suffix("")
    suffix = name.suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        found = f"'{suffix}'" if suffix else "no extension"
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its extension ({found}); "
            "name it .jsonl, .ndjson or .json for JSON Lines, or .csv for CSV "
            "(with .gz after it if it is gzipped)"
        )
    return fmt


# -- lines of a file ---------------------------------------------------------------------------


class _NotUtf8(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def readable_format(path: str | Path) -> Format:
    """:func:`format_of`, as a data error: a file whose format is unknown cannot be read."""
    try:
        return format_of(path)
    except ValueError as error:
        raise DataError([Problem(Location(str(path), 1), "unreadable", str(error))]) from None


def _open_binary(path: str | Path) -> IO[bytes]:
    """The file's bytes, decompressed when its name ends in ``.gz``; the caller closes it."""
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def read_records(
    path: str | Path, fmt: Format, required: tuple[str, ...], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, fields) for each record; lines that are not records go to ``problems``.
    A file whose name ends in ``.gz`` is decompressed as it is read."""
    file = str(path)
    try:
        binary = _open_binary(path)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        problems.append(
            Problem(Location(file, 1), "unreadable", f"the file cannot be opened ({reason})")
        )
        return
    try:
        if fmt == "jsonl":
            yield from _json_records(binary, file, problems)
        else:
            yield from _csv_records(binary, file, required, problems)
    except _NotUtf8 as error:
        problems.append(
            Problem(
                Location(file, error.line),
                "unreadable",
                "this line is not UTF-8 text, so the file cannot be read; save it as UTF-8 "
                '(spreadsheet programs call it "CSV UTF-8")',
            )
        )
    except (OSError, EOFError, zlib.error) as error:  # also a damaged .gz
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        problems.append(
            Problem(Location(file, 1), "unreadable", f"the file cannot be read ({reason})")
        )
    finally:
        binary.close()


def _json_records(
    binary: IO[bytes], file: str, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    raw_decode = _DECODER.raw_decode  # json.loads without its two whitespace regexes
    for number, raw in enumerate(binary, 1):
        if raw.isspace():
            continue
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise _NotUtf8(number) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
            if not text or text.isspace():
                continue
        try:
            fields, end = raw_decode(text)
            if end != len(text) and not text[end:].isspace():
                raise ValueError(end)
        except (ValueError, RecursionError):
            try:  # the slow way, for the whole check and a precise message
                fields = json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as error:
                message = f"this line is not valid JSON: {error.msg} at column {error.colno}"
                problems.append(Problem(Location(file, number), "bad-line", message))
                continue
            except (ValueError, RecursionError):
                message = "this line is not valid JSON"
                problems.append(Problem(Location(file, number), "bad-line", message))
                continue
        if type(fields) is not dict:
            message = f"this line is {show(fields)}, not a JSON object {{...}}"
            problems.append(Problem(Location(file, number), "bad-line", message))
            continue
        yield number, fields


def _decoded(binary: IO[bytes]) -> Iterator[str]:
    for number, raw in enumerate(binary, 1):
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise _NotUtf8(number) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _csv_records(
    binary: IO[bytes], file: str, required: tuple[str, ...], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(_decoded(binary))
    header: list[str] = []
    while not header:
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = f"the header is not a well-formed CSV row ({error})"
            problems.append(Problem(Location(file, reader.line_num), "bad-line", message))
            return
    at = Location(file, reader.line_num)
    columns = ", ".join(header)
    missing = [name for name in required if name not in header]
    for name in missing:
        message = f"the header has no '{name}' column (it has: {columns})"
        problems.append(Problem(at, "missing-field", message))
    twice = sorted({name for name in header if header.count(name) > 1})
    for name in twice:
        problems.append(Problem(at, "bad-line", f"the header has the column '{name}' twice"))
    if missing or twice:
        return
    width = len(header)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = f"this row is not well-formed CSV ({error})"
            problems.append(Problem(Location(file, start), "bad-line", message))
            if reader.line_num < start:
                return
            continue
        if not row:
            continue
        if len(row) != width:
            found = f"{len(row)} value{'s' if len(row) != 1 else ''}"
            message = f"this row has {found} but the header has {width} columns"
            problems.append(Problem(Location(file, start), "bad-line", message))
            continue
        yield start, dict(zip(header, row, strict=True))


# -- values of a record --------------------------------------------------------------------------


def as_number(value: Any) -> float | None:
    """The value as a finite float, or None when it is not a number (booleans are not)."""
    kind = type(value)
    if kind is not int and kind is not float and kind is not str:
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def coerce(text: str) -> Any:
    """A CSV attribute: a boolean, a whole number, a decimal number, or the text as is."""
    if len(text) in (4, 5):
        lowered = text.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    if text[0] in _NUMBER_START:
        if _INT.fullmatch(text):
            try:
                return int(text)
            except ValueError:  # more digits than Python converts
                return text
        if _FLOAT.fullmatch(text):
            number = float(text)
            if math.isfinite(number):
                return number
    return text


def show(value: Any) -> str:
    """A value as the user wrote it, quoted when it is text, shortened when it is long."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
