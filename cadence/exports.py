"""Reading a CRM's own export through a mapping file: which columns hold what, and how its
activities translate into the contract's leads and events.

:func:`load_mapping` reads the mapping (YAML, every problem at once as
``FILE:LINE:COLUMN: CODE: message``, in a :class:`~cadence.errors.MappingError`).
:func:`read_export` streams the export (CSV or JSON Lines, optionally gzipped) one row at a time
and either returns every lead and event or raises one :class:`~cadence.errors.DataError` listing
every bad row as ``FILE:LINE: message``; nothing partial is returned. Rows whose activity is not in
the mapping are errors, or, with ``unmapped: skip``, counted per value in :attr:`Export.skipped`.
The language is described in ``docs/exports.md``. Nothing here reads the clock or depends on the
machine's local zone.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Annotated, Any, Final, Literal

import pendulum
import yaml
from pydantic import BeforeValidator, Field, ValidationError

from cadence._rows import (
    Format,
    Issues,
    as_number,
    coerce,
    format_of,
    read_records,
    readable_format,
    show,
)
from cadence.calendar import find_zone
from cadence.errors import DataError, Location, MappingError, Problem
from cadence.policy._base import Model, Words
from cadence.policy.loader import MarkedDocument, PolicyLoader, _validation_problems
from cadence.records import CHANNELS, Event, Lead

__all__ = [
    "Attribute",
    "Capture",
    "Export",
    "ExportMapping",
    "Owner",
    "Timestamp",
    "Translation",
    "export_format",
    "load_mapping",
    "read_export",
    "write_events",
    "write_leads",
]

_LEAD_FIELDS: Final = ("id", "captured_at", "timezone", "owner", "manager", "score", "grade")
_NEEDS_CHANNEL: Final = frozenset(("touch", "reply"))
_NEEDS_VALUE: Final = frozenset(("stage", "score", "grade", "assigned"))


# -- the mapping language ----------------------------------------------------------------------


def _column_only(value: Any) -> Any:
    """``timestamp: ts``, ``owner: resource``, an attribute ``amount: amount_req``: a column."""
    return {"column": value} if isinstance(value, str) else value


def _capture_short(value: Any) -> Any:
    return {"activity": None} if value == "first_row" else value


class Timestamp(Model):
    """The column of each row's moment, how it is written, and the zone of times without offset."""

    column: str
    format: str = "iso"
    timezone: str | None = None


class Capture(Model):
    """Which rows capture a lead: the first row with one of these activities (its moment is
    ``captured_at``); without ``activity`` (``capture: first_row``), the lead's earliest row.
    ``missing`` says what becomes of an id that has rows but no capture row."""

    activity: Words | None = None
    missing: Literal["error", "first_row"] = "error"


class Attribute(Model):
    """A lead attribute taken from a column of the capture row."""

    column: str
    type: Literal["auto", "number", "text"] = "auto"


class Owner(Model):
    """The column naming who worked on a row: the lead's owner is the first resource seen (in
    time order) that is not one of ``ignore`` (system accounts) and not empty."""

    column: str
    ignore: Words = ()


class Translation(Model):
    """One contract event that an activity value becomes."""

    type: str
    channel: str | None = None
    outcome: str | None = None
    value: str | float | None = None


def _translations(value: Any) -> Any:
    if value is None or isinstance(value, list):
        return value
    return [value]


class ExportMapping(Model):
    """A mapping file: how the rows of one CRM's export become leads and events."""

    mapping: str | None = None
    lead_id: str
    timestamp: Annotated[Timestamp, BeforeValidator(_column_only)]
    activity: str
    capture: Annotated[Capture, BeforeValidator(_capture_short)]
    attributes: dict[str, Annotated[Attribute, BeforeValidator(_column_only)]] = Field(
        default_factory=dict
    )
    owner: Annotated[Owner | None, BeforeValidator(_column_only)] = None
    events: dict[str, Annotated[tuple[Translation, ...] | None, BeforeValidator(_translations)]]
    unmapped: Literal["error", "skip"] = "error"

    def columns(self) -> tuple[str, ...]:
        """Every column the mapping reads, each once, in the order of the mapping."""
        names = [self.lead_id, self.timestamp.column, self.activity]
        names += [a.column for a in self.attributes.values()]
        if self.owner is not None:
            names.append(self.owner.column)
        return tuple(dict.fromkeys(names))


_Finding = tuple[tuple[str | int, ...], str, str]


def _check(data: dict[str, Any]) -> Iterator[_Finding]:
    """What pydantic cannot see: zones, channels, formats, the events' required fields. It reads
    the raw document, so that these are reported along with any structural problem."""
    stamp = data.get("timestamp")
    stamp = stamp if isinstance(stamp, dict) else {}
    zone, fmt = stamp.get("timezone"), stamp.get("format", "iso")
    if isinstance(zone, str) and find_zone(zone) is None:
        close = difflib.get_close_matches(zone, pendulum.timezones(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"'{zone}' is not an IANA time zone like 'Europe/Amsterdam'{hint}"
        yield ("timestamp", "timezone"), "unknown-timezone", message
    if isinstance(fmt, str) and fmt != "iso":
        sample = datetime(2011, 10, 1, 12, 34, 56, 789000, tzinfo=pendulum.UTC)
        try:
            datetime.strptime(sample.strftime(fmt), fmt)
        except ValueError as error:
            message = f"'{fmt}' is not a strptime format that reads back ({error})"
            yield ("timestamp", "format"), "bad-value", message
        if "%" not in fmt:
            message = f"'{fmt}' has no % directive: write 'iso' or e.g. '%d-%m-%Y %H:%M'"
            yield ("timestamp", "format"), "bad-value", message
        elif "%z" not in fmt and zone is None:
            message = (
                "the format has no %z (offset), so 'timestamp' needs a 'timezone' for its times, "
                "e.g. timezone: Europe/Amsterdam"
            )
            yield ("timestamp",), "missing-key", message
    attributes = data.get("attributes")
    for name in attributes if isinstance(attributes, dict) else ():
        if name in _LEAD_FIELDS or name == "stage":
            message = f"'{name}' is a field of the lead, not an attribute; choose another name"
            yield ("attributes", name), "bad-value", message
    events = data.get("events")
    for activity, translations in events.items() if isinstance(events, dict) else ():
        many = isinstance(translations, list)
        for index, event in enumerate(translations if many else [translations]):
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                continue  # a structural problem: pydantic reports it
            where: tuple[str | int, ...] = (
                ("events", activity, index) if many else ("events", activity)
            )
            kind, channel, value = event["type"], event.get("channel"), event.get("value")
            if channel is None and kind in _NEEDS_CHANNEL:
                message = f"a '{kind}' event needs a channel ({', '.join(CHANNELS)})"
                yield where, "missing-key", message
            if isinstance(channel, str) and channel not in CHANNELS:
                close = difflib.get_close_matches(channel, CHANNELS, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                message = f"unknown channel '{channel}'{hint} (known: {', '.join(CHANNELS)})"
                yield (*where, "channel"), "unknown-channel", message
            if value is None and kind in _NEEDS_VALUE:
                yield where, "missing-key", f"a '{kind}' event needs a value"
            if kind == "score" and value is not None and as_number(value) is None:
                yield (*where, "value"), "bad-value", "a 'score' event's value is a number"


def load_mapping(path: str | Path, *, text: str | None = None) -> ExportMapping:
    """Read and check a mapping file; raise :class:`MappingError` with every problem.

    ``text`` gives the YAML directly (``path`` then only names it in messages)."""
    file = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = "no such file" if isinstance(error, FileNotFoundError) else str(error)
            raise MappingError([Problem(Location(file, 1, 1), "yaml-syntax", reason)]) from None
    try:
        node = yaml.compose(text, Loader=PolicyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(p for p in (error.context, error.problem) if p) or "not valid YAML"
        raise MappingError(
            [Problem(Location(file, line, column), "yaml-syntax", message)]
        ) from None
    if not isinstance(node, yaml.MappingNode):
        message = "a mapping file is a mapping with 'lead_id', 'timestamp', 'activity', 'capture'"
        raise MappingError([Problem(Location(file, 1, 1), "not-a-mapping", message + ", 'events'")])
    document = MarkedDocument(file)
    data = document.build(node, ())
    problems = list(document.problems)
    for where, code, message in _check(data):
        problems.append(Problem(document.location(where), code, message))
    try:
        mapping = ExportMapping.model_validate(data)
    except ValidationError as error:
        problems.extend(_validation_problems(error, document, ExportMapping))
        raise MappingError(problems) from None
    if problems:
        raise MappingError(problems)
    return mapping


# -- reading an export ---------------------------------------------------------------------------


class Export(tuple[dict[str, Lead], dict[str, list[Event]]]):
    """What :func:`read_export` returns: ``(leads, events)``, which unpacks like a pair, and
    ``rows`` (the rows read) and ``skipped`` (activity value -> rows skipped by
    ``unmapped: skip``)."""

    rows: int
    skipped: dict[str, int]

    def __new__(
        cls,
        leads: dict[str, Lead],
        events: dict[str, list[Event]],
        rows: int = 0,
        skipped: Mapping[str, int] | None = None,
    ) -> Export:
        self = super().__new__(cls, (leads, events))
        self.rows = rows
        self.skipped = dict(sorted((skipped or {}).items()))
        return self

    @property
    def leads(self) -> dict[str, Lead]:
        return self[0]

    @property
    def events(self) -> dict[str, list[Event]]:
        return self[1]


def export_format(path: str | Path) -> Format:
    """The format of an export, from its extension, a ``.gz`` after it meaning gzipped (as for
    every data file: :func:`cadence.data.format_of`)."""
    return format_of(path)


@dataclass(slots=True)
class _Seen:
    """What is known of one lead id while the export streams by."""

    line: int  # its capture row, or (until one comes) its earliest row
    at: datetime
    cells: dict[str, Any]  # the attribute cells of that row
    captured: bool
    owner: tuple[datetime, int, str] | None = None


def read_export(mapping: ExportMapping, path: str | Path) -> Export:
    """Read an export through ``mapping``: ``(leads, events)``, the events of each lead sorted by
    time (rows at the same instant keep their file order), the leads in the order of their
    capture rows. Every bad row is reported at once in a :class:`DataError`."""
    file = str(path)
    fmt = readable_format(path)
    problems: list[Problem] = []
    capture = frozenset(mapping.capture.activity or ())
    seen: dict[str, _Seen] = {}
    pending: list[tuple[str, int, datetime, tuple[Translation, ...]]] = []
    skipped: Counter[str] = Counter()
    unmapped: dict[str, int] = {}
    rows = 0
    zones: dict[str, tzinfo | None] = {}
    for number, fields in read_records(path, fmt, mapping.columns(), problems):
        rows += 1
        issues: Issues = []
        lead_id = _cell(fields, mapping.lead_id, issues, "every row needs the lead's id")
        activity = _cell(fields, mapping.activity, issues, "every row needs its activity")
        at = _moment(fields, mapping.timestamp, zones, issues)
        if issues or lead_id is None or activity is None or at is None:
            problems.extend(Problem(Location(file, number), c, m) for c, m in issues)
            continue
        translations = mapping.events.get(activity, ())
        if activity not in mapping.events and activity not in capture:
            if mapping.unmapped == "skip":
                skipped[activity] += 1
                continue
            unmapped.setdefault(activity, number)
            problems.append(
                Problem(Location(file, number), "unmapped-value", _unmapped(activity, mapping))
            )
            continue
        cells = {name: fields.get(a.column) for name, a in mapping.attributes.items()}
        known = seen.get(lead_id)
        if activity in capture:
            if known is not None and known.captured:
                message = f"lead id {show(lead_id)} is captured twice; first on line {known.line}"
                problems.append(Problem(Location(file, number), "duplicate-lead", message))
                continue
            if known is None:
                seen[lead_id] = _Seen(number, at, cells, True)
            else:
                known.line, known.at, known.cells, known.captured = number, at, cells, True
            known = seen[lead_id]
        elif known is None:
            known = seen[lead_id] = _Seen(number, at, cells, False)
        elif not known.captured and at < known.at:
            known.line, known.at, known.cells = number, at, cells
        if mapping.owner is not None:
            resource = fields.get(mapping.owner.column)
            if resource is not None and resource != "":
                resource = str(resource)
                if resource not in mapping.owner.ignore and (
                    known.owner is None or (at, number) < known.owner[:2]
                ):
                    known.owner = (at, number, resource)
        if translations:
            pending.append((lead_id, number, at, translations))
    leads = _leads(mapping, seen, file, problems, bool(capture))
    history: defaultdict[str, list[Event]] = defaultdict(list)
    for lead_id, number, at, translations in pending:
        if lead_id not in leads:
            message = (
                f"lead id {show(lead_id)} has no capture row (activity "
                f"{' or '.join(sorted(capture))}); capture: {{missing: first_row}} would "
                "capture it at its first row"
            )
            problems.append(Problem(Location(file, number), "uncaptured-lead", message))
            continue
        for t in translations:
            history[lead_id].append(Event(lead_id, at, t.type, t.channel, t.outcome, t.value))
    if problems:
        raise DataError(problems)
    for events in history.values():
        events.sort(key=lambda event: event.at)
    return Export(leads, dict(history), rows, skipped)


def _leads(
    mapping: ExportMapping,
    seen: dict[str, _Seen],
    file: str,
    problems: list[Problem],
    by_activity: bool,
) -> dict[str, Lead]:
    leads: dict[str, Lead] = {}
    for lead_id, known in sorted(seen.items(), key=lambda item: item[1].line):
        if by_activity and not known.captured and mapping.capture.missing == "error":
            continue
        issues: Issues = []
        attributes: dict[str, Any] = {}
        for name, attribute in mapping.attributes.items():
            value = _attribute(known.cells[name], attribute, name, issues)
            if value is not None:
                attributes[name] = value
        # a lead with a bad attribute is still known, so that its events are not also reported
        problems.extend(Problem(Location(file, known.line), c, m) for c, m in issues)
        owner = known.owner[2] if known.owner is not None else None
        leads[lead_id] = Lead(lead_id, known.at, owner=owner, attributes=attributes)
    return leads


def _unmapped(activity: str, mapping: ExportMapping) -> str:
    message = f"{mapping.activity} {show(activity)} is not in the mapping's 'events'"
    close = difflib.get_close_matches(activity, list(mapping.events), n=1)
    if close:
        message += f"; did you mean {show(close[0])}?"
    return message + " (map it, map it to ~ to ignore it, or set unmapped: skip to count it)"


def _cell(fields: dict[str, Any], column: str, issues: Issues, needed: str) -> str | None:
    value = fields.get(column)
    if value is None or value == "":
        issues.append(("missing-field", f"'{column}' is empty; {needed}"))
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    issues.append(("bad-field", f"'{column}' is {show(value)}; expected text"))
    return None


def _moment(
    fields: dict[str, Any],
    stamp: Timestamp,
    zones: dict[str, tzinfo | None],
    issues: Issues,
) -> datetime | None:
    value = fields.get(stamp.column)
    if value is None or value == "":
        issues.append(("missing-field", f"'{stamp.column}' is empty; every row needs its moment"))
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        if stamp.format == "iso":
            moment = datetime.fromisoformat(value)
        else:
            moment = datetime.strptime(value, stamp.format)
    except ValueError:
        expected = "an ISO-8601 date-time" if stamp.format == "iso" else f"'{stamp.format}'"
        issues.append(("bad-field", f"'{stamp.column}' is {show(value)}, not {expected}"))
        return None
    if moment.tzinfo is not None:
        return moment
    if stamp.timezone is None:
        message = (
            f"'{stamp.column}' is {show(value)}, without an offset, and the mapping's "
            "'timestamp' gives no 'timezone' for such times"
        )
        issues.append(("bad-field", message))
        return None
    if stamp.timezone not in zones:
        zones[stamp.timezone] = find_zone(stamp.timezone)
    zone = zones[stamp.timezone]
    return moment.replace(tzinfo=zone) if zone is not None else None


def _attribute(value: Any, attribute: Attribute, name: str, issues: Issues) -> Any:
    if value is None or value == "":
        return None
    if attribute.type == "text":
        return value if isinstance(value, str) else json.dumps(value)
    parsed = coerce(value) if isinstance(value, str) else value
    if attribute.type == "number" and (
        isinstance(parsed, bool) or not isinstance(parsed, int | float)
    ):
        number = as_number(value)
        if number is None:
            message = f"'{attribute.column}' is {show(value)}, not a number (attribute '{name}')"
            issues.append(("bad-field", message))
            return None
        parsed = number
    return parsed


# -- writing the contract's files --------------------------------------------------------------


def write_leads(leads: Iterable[Lead], out: IO[str], fmt: Format) -> None:
    """Leads as the contract's leads file: JSON Lines, or CSV whose columns are the fields any
    lead has (``id``, ``captured_at``, then the others, then the attributes in order seen)."""
    rows = [lead.to_dict() for lead in leads]
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    header = list(dict.fromkeys(name for row in rows for name in row))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or ["id", "captured_at"])
    for row in rows:
        writer.writerow([_csv_value(row.get(name)) for name in header])


def write_events(history: Mapping[str, Iterable[Event]], out: IO[str], fmt: Format) -> None:
    """Events as the contract's events file, lead by lead, each lead's in time order."""
    writer = csv.writer(out, lineterminator="\n")
    columns = ("lead_id", "at", "type", "channel", "outcome", "value")
    if fmt == "csv":
        writer.writerow(columns)
    for events in history.values():
        for e in events:
            row = e.to_dict()
            if fmt == "jsonl":
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                writer.writerow([_csv_value(row.get(name)) for name in columns])


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
