"""Checks that need the whole policy: names that must exist (channels, stages, grades, events,
zones, countries), ids that must be unique, settings that must agree.

Each check yields ``(path, at_key, code, message)``; the loader turns the path into
``file:line:column``. Misspelled names get a "did you mean" from the names that do exist.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

import holidays
import pendulum
from pydantic import BaseModel

from cadence.policy.conditions import (
    CAPTURED,
    AnchorTest,
    Condition,
    EventMatch,
    EventTest,
    TouchTest,
)
from cadence.policy.models import (
    PUBLIC_HOLIDAYS,
    WEEKDAY_NAMES,
    AtLeastEvery,
    AtMost,
    Backoff,
    Cap,
    ChannelChoice,
    Greeting,
    Invariant,
    Policy,
    QuietHours,
    Repeat,
    Rule,
    Step,
    Stop,
    WorkingHours,
)
from cadence.records import BUILTIN_EVENT_TYPES, CHANNELS

#: A path into the policy document: keys and list indices.
Path_ = tuple[str | int, ...]
Finding = tuple[Path_, bool, str, str]

#: The stage every lead has unless the CRM says otherwise; always known.
DEFAULT_STAGE = "new"


def walk(model: BaseModel, path: Path_ = ()) -> Iterator[tuple[Path_, BaseModel]]:
    """Every model inside ``model`` (itself first) with its path, keys spelt as in YAML."""
    yield path, model
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = field.alias or name
        yield from _walk_value(value, (*path, key))


def _walk_value(value: Any, path: Path_) -> Iterator[tuple[Path_, BaseModel]]:
    if isinstance(value, BaseModel):
        yield from walk(value, path)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _walk_value(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_value(item, (*path, key))


def _unknown(kind: str, name: str, known: Iterable[str], where: str = "") -> str:
    known = sorted(set(known))
    message = f"unknown {kind} '{name}'{where}"
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        message += f"; did you mean '{by_lower[close[0]]}'?"
    if 0 < len(known) <= 20:
        message += f" (known: {', '.join(known)})"
    elif not known:
        message += f" (the policy declares no {kind}s)"
    return message


def check_policy(policy: Policy) -> Iterator[Finding]:
    """Every problem of a structurally valid policy that only the whole document reveals."""
    yield from _check_places(policy)
    yield from _check_unique_ids(policy)
    stages = {DEFAULT_STAGE, *policy.stages}
    grades = {g.grade for g in policy.grades}
    events = {*BUILTIN_EVENT_TYPES, CAPTURED, *policy.events}
    for path, model in walk(policy):
        yield from _check_model(policy, model, path, stages, grades, events)


def _check_places(policy: Policy) -> Iterator[Finding]:
    try:
        pendulum.timezone(policy.timezone)
    except Exception:
        yield (
            ("timezone",),
            False,
            "unknown-timezone",
            f"unknown time zone '{policy.timezone}'; use an IANA name such as 'Asia/Shanghai'",
        )
    country = policy.calendar.country
    supported = holidays.list_supported_countries()
    if country is not None and country not in supported:
        yield (
            ("calendar", "country"),
            False,
            "unknown-country",
            _unknown("country", country, supported.keys(), " in the holidays package"),
        )
    elif country is not None and policy.calendar.subdivision is not None:
        subdivisions = supported[country]
        if policy.calendar.subdivision not in subdivisions:
            yield (
                ("calendar", "subdivision"),
                False,
                "unknown-country",
                _unknown(
                    "subdivision", policy.calendar.subdivision, subdivisions, f" of {country}"
                ),
            )
    for index, day in enumerate(policy.calendar.working_days):
        if day.lower() not in WEEKDAY_NAMES:
            yield (
                ("calendar", "working_days", index),
                False,
                "bad-value",
                _unknown("weekday", day, WEEKDAY_NAMES),
            )
    if any(g.grade for g in policy.grades if g.grade and " " in g.grade):
        yield (("grades",), False, "bad-value", "a grade name is one word")
    if policy.working_hours is not None and policy.working_hours.start >= policy.working_hours.end:
        yield (
            ("working_hours",),
            False,
            "conflict",
            "working hours must start before they end on the same day",
        )
    if any(g.grade == "" for g in policy.grades):
        yield (("grades",), False, "bad-value", "a grade needs a name")


def _check_unique_ids(policy: Policy) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    sections: tuple[tuple[str, tuple[Rule | Stop | Cap | Invariant, ...]], ...] = (
        ("rules", policy.rules),
        ("stops", policy.stops),
        ("caps", policy.caps),
        ("invariants", policy.invariants),
    )
    for section, items in sections:
        for index, item in enumerate(items):
            if item.id in seen:
                yield (
                    (section, index, "id"),
                    False,
                    "duplicate-id",
                    f"the id '{item.id}' is already used by an earlier {seen[item.id]}; "
                    "ids must be unique",
                )
            else:
                seen[item.id] = section.rstrip("s")


def _channels(values: Iterable[str] | None, path: Path_) -> Iterator[Finding]:
    for index, channel in enumerate(values or ()):
        if channel not in CHANNELS:
            yield ((*path, index), False, "unknown-channel", _unknown("channel", channel, CHANNELS))


def _channel(value: str | None, path: Path_) -> Iterator[Finding]:
    if value is not None and value not in CHANNELS:
        yield (path, False, "unknown-channel", _unknown("channel", value, CHANNELS))


def _check_model(
    policy: Policy,
    model: BaseModel,
    path: Path_,
    stages: set[str],
    grades: set[str],
    events: set[str],
) -> Iterator[Finding]:
    if isinstance(model, ChannelChoice):
        yield from _channel(model.use, (*path, "use"))
    elif isinstance(model, Step | Repeat | Greeting):
        yield from _channel(model.channel, (*path, "channel"))
    elif isinstance(model, Backoff):
        yield from _channel(model.switch_to, (*path, "switch_to"))
    elif isinstance(model, WorkingHours | QuietHours | Cap | AtMost):
        yield from _channels(model.channels, (*path, "channels"))
    elif isinstance(model, AtLeastEvery):
        yield from _channel(model.channel, (*path, "channel"))
    elif isinstance(model, TouchTest | AnchorTest):
        yield from _channels(model.channel, (*path, "channel"))
    if isinstance(model, QuietHours) and model.start == model.end:
        yield (path, False, "conflict", "a quiet window must not start and end at the same time")
    if isinstance(model, Greeting) and model.on == PUBLIC_HOLIDAYS and not policy.calendar.country:
        yield (
            (*path, "on"),
            False,
            "conflict",
            "greetings on public holidays need 'calendar: country:' to know the holidays",
        )
    if isinstance(model, EventMatch):
        yield from _check_event_match(model, path, stages, grades, events)
    if isinstance(model, Condition):
        for key, known, kind in (
            ("grade", grades, "grade"),
            ("grade_not", grades, "grade"),
            ("stage", stages, "stage"),
            ("stage_not", stages, "stage"),
        ):
            for index, name in enumerate(getattr(model, key) or ()):
                if name not in known:
                    yield (
                        (*path, key, index),
                        False,
                        f"unknown-{kind}",
                        _unknown(kind, name, known),
                    )


def _check_event_match(
    model: EventMatch, path: Path_, stages: set[str], grades: set[str], events: set[str]
) -> Iterator[Finding]:
    if model.event not in events:
        yield (
            (*path, "event"),
            False,
            "unknown-event",
            _unknown("event type", model.event, events, "; declare domain events under 'events:'"),
        )
    if isinstance(model, EventTest) and model.since is not None and model.since not in events:
        yield (
            (*path, "since"),
            False,
            "unknown-event",
            _unknown("event type", model.since, events),
        )
    yield from _channels(model.channel, (*path, "channel"))
    known = {"stage": stages, "grade": grades}.get(model.event)
    if known is not None:
        for index, value in enumerate(model.value or ()):
            if value not in known:
                yield (
                    (*path, "value", index),
                    False,
                    f"unknown-{model.event}",
                    _unknown(model.event, value, known),
                )
