"""Reading leads and events, writing actions: JSON Lines and CSV, with ``file:line`` errors.

The format of a file follows from its extension (:func:`format_of`). Both readers stream the file
one line at a time, check every line, and either return every record or raise one
:class:`~cadence.errors.DataError` listing every bad line, sorted; nothing partial is returned.
This module owns what the fields of a lead and an event mean (``docs/data-contract.md``); the rows
themselves, with their line numbers, come from :mod:`cadence._rows`.

Times: ``captured_at`` and ``at`` must carry their offset (``2025-04-15T10:30:00+08:00``, or ``Z``);
only a lead's ``captured_at`` may be a bare date, meaning 00:00 in the lead's zone. Nothing here
reads the clock or depends on the machine's local zone.
"""

from __future__ import annotations

import csv
import difflib
import functools
import json
import operator
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Final, TextIO

from cadence._collector import collector_paused
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
from cadence.errors import DataError, Location, Problem
from cadence.records import CHANNELS, Action, Event, Lead

__all__ = [
    "Format",
    "format_of",
    "parse_event",
    "parse_lead",
    "read_events",
    "read_leads",
    "write_actions",
]

#: The columns of the actions CSV, in the order of the contract's fields.
ACTION_COLUMNS: Final = (
    "lead_id",
    "rule",
    "refs",
    "kind",
    "channel",
    "assignee",
    "due",
    "overdue",
    "reason",
    "policy",
)
_ACTIONS_HEADER: Final = ",".join(ACTION_COLUMNS) + "\n"

_LEAD_FIELDS: Final = frozenset(
    ("id", "captured_at", "timezone", "owner", "manager", "score", "grade", "stage")
)
_CHANNEL_SET: Final = frozenset(CHANNELS)
_NEEDS_CHANNEL: Final = frozenset(("touch", "reply"))
_VALUE_NAMES: Final[dict[str, str]] = {
    "stage": "the new stage",
    "score": "the new score",
    "grade": "the new grade",
    "assigned": "the new owner",
}
_EXAMPLE: Final = '"2025-04-15T10:30:00+08:00"'

_at: Final = operator.attrgetter("stamp")  # the instant (Event.stamp), not the wall clock


def read_leads(path: str | Path, *, default_timezone: str) -> dict[str, Lead]:
    """Read a leads file (JSON Lines or CSV): lead id -> :class:`Lead`, in file order.

    ``default_timezone`` is the zone of leads without a ``timezone`` field; it places a bare-date
    ``captured_at`` (00:00 that day). An unknown ``default_timezone`` is a :class:`ValueError`.
    Every bad line is reported at once in a :class:`DataError`.
    """
    zones: dict[str, tzinfo | None] = {}
    default_zone = _zone(default_timezone, zones)
    if default_zone is None:
        raise ValueError(
            f"default_timezone {default_timezone!r} is not a known IANA time zone, "
            "for example 'Asia/Shanghai'"
        )
    fmt = readable_format(path)
    file = str(path)
    problems: list[Problem] = []
    leads: dict[str, Lead] = {}
    first_seen: dict[str, int] = {}
    with collector_paused():
        for number, fields in read_records(path, fmt, ("id", "captured_at"), problems):
            issues: Issues = []
            lead = _lead(fields, fmt == "csv", default_zone, zones, issues)
            if lead is not None:
                first = first_seen.get(lead.id)
                if first is None:
                    first_seen[lead.id] = number
                    leads[lead.id] = lead
                else:
                    message = f"lead id {show(lead.id)} appears twice; first on line {first}"
                    issues.append(("duplicate-lead", message))
            for code, message in issues:
                problems.append(Problem(Location(file, number), code, message))
    if problems:
        raise DataError(problems)
    return leads


def read_events(
    path: str | Path, leads: Mapping[str, Lead], *, only_lead: str | None = None
) -> dict[str, list[Event]]:
    """Read an events file (JSON Lines or CSV): lead id -> its events, sorted by ``at``.

    Events at the same instant keep their file order. A lead without events may be absent from the
    result. With ``only_lead``, every line is still checked but only that lead's events are kept
    (an id that is not in ``leads`` gives an empty result). Every bad line, including an event of a
    lead that is not in ``leads``, is reported at once in a :class:`DataError`.
    """
    fmt = readable_format(path)
    file = str(path)
    problems: list[Problem] = []
    history: defaultdict[str, list[Event]] = defaultdict(list)
    words: dict[str, str] = {}  # one string for each type, channel, outcome and value
    with collector_paused():
        for number, fields in read_records(path, fmt, ("lead_id", "at", "type"), problems):
            event = _quick_event(fields, leads, words)
            if event is None:
                issues: Issues = []
                event = _event(fields, leads, issues)
                if issues or event is None:
                    for code, message in issues:
                        problems.append(Problem(Location(file, number), code, message))
                    continue
            if only_lead is None or event.lead_id == only_lead:
                history[event.lead_id].append(event)
    if problems:
        raise DataError(problems)
    for events in history.values():
        events.sort(key=_at)  # stable: events at the same instant keep their file order
    return dict(history)


def parse_lead(fields: Mapping[str, Any], *, default_timezone: str) -> Lead:
    """One lead from a mapping of its fields (as in a JSON Lines file); ``ValueError`` saying
    every problem otherwise. For leads written in code, tests and case files."""
    zones: dict[str, tzinfo | None] = {}
    default_zone = _zone(default_timezone, zones)
    if default_zone is None:
        raise ValueError(f"default_timezone {default_timezone!r} is not a known IANA time zone")
    issues: Issues = []
    lead = _lead(dict(fields), False, default_zone, zones, issues)
    if issues or lead is None:
        raise ValueError("; ".join(message for _, message in issues) or "not a valid lead")
    return lead


def parse_event(fields: Mapping[str, Any]) -> Event:
    """One event from a mapping of its fields; ``ValueError`` saying every problem otherwise.
    Its ``lead_id`` is not looked up: the caller knows which lead it belongs to."""
    issues: Issues = []
    lead_id = fields.get("lead_id")
    known = {lead_id: None} if isinstance(lead_id, str) else {}
    event = _event(dict(fields), known, issues)  # type: ignore[arg-type]
    if issues or event is None:
        raise ValueError("; ".join(message for _, message in issues) or "not a valid event")
    return event


def write_actions(actions: Iterable[Action], out: TextIO, fmt: Format) -> None:
    """Write actions in the order given, as JSON Lines (the contract's objects) or CSV.

    The CSV has the header ``lead_id,rule,refs,kind,channel,assignee,due,overdue,reason,policy``
    (:data:`ACTION_COLUMNS`); ``refs`` are joined by ``;``, ``overdue`` is ``true`` or ``false``,
    an absent value is empty. Lines end with ``\\n``.
    """
    if fmt == "jsonl":
        for action in actions:
            out.write(json.dumps(action.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        out.write(_ACTIONS_HEADER)
        for action in actions:
            writer.writerow(
                (
                    action.lead_id,
                    action.rule,
                    ";".join(action.refs),
                    action.kind,
                    action.channel or "",
                    action.assignee or "",
                    action.due.isoformat(),
                    "true" if action.overdue else "false",
                    action.reason,
                    action.policy or "",
                )
            )
    else:
        raise ValueError(f"unknown format {fmt!r}; expected 'jsonl' or 'csv'")


# -- fields --------------------------------------------------------------------------------------


def _lead(
    fields: dict[str, Any],
    from_csv: bool,
    default_zone: tzinfo,
    zones: dict[str, tzinfo | None],
    issues: Issues,
) -> Lead | None:
    lead_id = _text(fields, "id", issues, "every lead needs one")
    zone_name = _text(fields, "timezone", issues)
    zone: tzinfo | None = default_zone
    if zone_name is not None:
        zone = _zone(zone_name, zones)
        if zone is None:
            issues.append(("bad-field", _unknown_zone(zone_name)))
    captured_at = _moment(fields, "captured_at", issues, zone, dates=True)
    owner = _text(fields, "owner", issues)
    manager = _text(fields, "manager", issues)
    grade = _text(fields, "grade", issues)
    stage = _text(fields, "stage", issues)
    score = None
    raw = fields.get("score")
    if raw is not None and raw != "":
        score = as_number(raw)
        if score is None:
            issues.append(("bad-field", f"'score' is {show(raw)}, not a number; write it like 85"))
    if issues or lead_id is None or captured_at is None:
        return None
    attributes: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None or value == "" or not key or key in _LEAD_FIELDS:
            continue
        attributes[key] = coerce(value) if from_csv else value
    stage = stage or "new"
    return Lead(lead_id, captured_at, zone_name, owner, manager, score, grade, stage, attributes)


def _quick_event(
    fields: dict[str, Any], leads: Mapping[str, Lead], words: dict[str, str]
) -> Event | None:
    """The event of a plain, well-formed line; None sends the line to :func:`_event`.

    The event shares its lead's id string, and ``words`` holds one string for each type,
    channel, outcome and value met: a million events keep a few hundred strings, not millions
    of copies, and the engine's comparisons of them find the same object. Each time keeps the
    zone object it was read with: the engine orders and compares events by
    :attr:`Event.stamp`, so sharing one object per offset (a ``replace`` a line) gains nothing
    any more."""
    get = fields.get
    lead_id, text, kind = get("lead_id"), get("at"), get("type")
    if type(lead_id) is not str or type(text) is not str:
        return None
    lead = leads.get(lead_id)
    if lead is None:
        return None
    if type(kind) is not str or not kind:
        return None
    channel, outcome, value = get("channel"), get("outcome"), get("value")
    if channel is None or channel == "":
        if kind in _NEEDS_CHANNEL:
            return None
        channel = None
    elif type(channel) is not str or channel not in _CHANNEL_SET:
        return None
    if outcome == "":
        outcome = None
    elif outcome is not None and type(outcome) is not str:
        return None
    if value is None or value == "":
        if kind in _VALUE_NAMES:
            return None
        value = None
    elif type(value) is not str or kind == "score":
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    kind = words.setdefault(kind, kind)
    if channel is not None:
        channel = words.setdefault(channel, channel)
    if outcome is not None:
        outcome = words.setdefault(outcome, outcome)
    if value is not None:
        value = words.setdefault(value, value)
    if lead.id == lead_id:  # as it is, unless a caller keyed its leads otherwise
        lead_id = lead.id
    return Event(lead_id, at, kind, channel, outcome, value)


def _event(fields: dict[str, Any], leads: Mapping[str, Lead], issues: Issues) -> Event | None:
    lead_id = _text(fields, "lead_id", issues, "every event needs the id of its lead")
    if lead_id is not None and lead_id not in leads:
        issues.append(("unknown-lead", f"lead_id {show(lead_id)} is not in the leads file"))
    at = _moment(fields, "at", issues, None, dates=False)
    kind = _text(fields, "type", issues, 'every event needs one, e.g. "touch" or "reply"')
    channel = _text(fields, "channel", issues)
    if channel is None:
        if kind in _NEEDS_CHANNEL:
            issues.append(("missing-field", f"'channel' is missing; '{kind}' events need one"))
    elif channel not in _CHANNEL_SET:
        issues.append(("bad-field", _unknown_channel(channel)))
    outcome = _text(fields, "outcome", issues)
    value: str | float | None = None
    raw = fields.get("value")
    if raw is None or raw == "":
        if kind in _VALUE_NAMES:
            message = f"'value' is missing; '{kind}' events need {_VALUE_NAMES[kind]}"
            issues.append(("missing-field", message))
    elif kind == "score":
        value = as_number(raw)
        if value is None:
            message = f"'value' is {show(raw)}, not a number; 'score' events need one, like 85"
            issues.append(("bad-field", message))
    elif type(raw) is str:
        value = raw
    elif type(raw) is int or type(raw) is float:  # a number is text for a stage, grade, owner
        value = str(raw) if kind in _VALUE_NAMES else float(raw)
    else:
        issues.append(("bad-field", f"'value' is {show(raw)}; expected text or a number"))
    if issues or lead_id is None or at is None or kind is None:
        return None
    return Event(lead_id, at, kind, channel, outcome, value)


def _text(fields: dict[str, Any], name: str, issues: Issues, needed: str = "") -> str | None:
    """A text field; a whole number is taken as its text. ``needed`` makes it required."""
    value = fields.get(name)
    if type(value) is str and value:
        return value
    if value is None or value == "":
        if needed:
            issues.append(("missing-field", f"'{name}' is missing; {needed}"))
        return None
    if type(value) is int:
        return str(value)
    issues.append(("bad-field", f"'{name}' is {show(value)}; expected text"))
    return None


def _moment(
    fields: dict[str, Any], name: str, issues: Issues, zone: tzinfo | None, *, dates: bool
) -> datetime | None:
    """A date-time with offset; with ``dates``, a bare date is 00:00 in ``zone``."""
    value = fields.get(name)
    if type(value) is str and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
            if len(value) <= 10:  # a naive date-time this short has no time: a bare date
                if dates:
                    return moment.replace(tzinfo=zone) if zone is not None else None
                message = (
                    f"'{name}' is {show(value)}, a date without a time; write the moment "
                    f"with its offset, e.g. {_EXAMPLE}"
                )
            else:
                message = (
                    f"'{name}' is {show(value)}, a date-time without an offset; write it with "
                    f'one, e.g. "{moment.isoformat()}+08:00"'
                )
            issues.append(("bad-field", message))
            return None
    elif value is None or value == "":
        issues.append(("missing-field", f"'{name}' is missing; write it like {_EXAMPLE}"))
        return None
    also = ' or a date like "2025-04-15"' if dates else ""
    message = f"'{name}' is {show(value)}, not a date-time; write it like {_EXAMPLE}{also}"
    issues.append(("bad-field", message))
    return None


def _zone(name: str, zones: dict[str, tzinfo | None]) -> tzinfo | None:
    """The zone named ``name``, or None when it is not a known IANA zone; cached in ``zones``."""
    if name not in zones:
        zones[name] = find_zone(name)
    return zones[name]


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _unknown_zone(name: str) -> str:
    message = f"'timezone' is {show(name)}, not a known IANA time zone like \"Asia/Shanghai\""
    names = _zone_names()
    same = [zone for zone in names if zone.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, names, n=1)
    return message + (f'; did you mean "{close[0]}"?' if close else "")


def _unknown_channel(channel: str) -> str:
    message = f"'channel' is {show(channel)}; expected one of {', '.join(CHANNELS)}"
    close = difflib.get_close_matches(channel.lower(), CHANNELS, n=1)
    return message + (f"; did you mean '{close[0]}'?" if close else "")
