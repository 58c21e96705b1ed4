"""The strategy for small generated policies, :func:`small_policies`: valid policies of one to
four rules of every kind, built as the YAML a person would write and validated by the models."""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st

from cadence.policy.conditions import CAPTURED
from cadence.policy.models import PUBLIC_HOLIDAYS, WEEKDAY_NAMES, Policy
from cadence.records import CHANNELS
from cadence.testing._vocabulary import DEFAULT_ZONES, OUTCOMES

_SMALL_STAGES: Final = ("contacted", "quoted", "won", "lost")
_SMALL_EVENTS: Final = ("show_closed", "quote_sent", "promise", "promise_kept", "meeting")
_COUNTRIES: Final = (None, None, None, "CN", "DE", "US")
_UNITS: Final = ("hours", "days", "business days", "weeks", "months")
_HALF_HOURS: Final = (0, 30)
_CONDITION_KINDS: Final = (
    "stage",
    "stage_not",
    "vip",
    "distance",
    "happened",
    "not_since",
    "within",
    "last",
)


def _clock(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _draw_duration(draw: st.DrawFn, *, least: int = 0, short: bool = False) -> str:
    """A duration as a policy writes it, in any unit (short ones: at most about two days)."""
    unit = draw(st.sampled_from(_UNITS[:4] if short else _UNITS))
    most = {"hours": 72, "days": 20, "business days": 10, "weeks": 4, "months": 3}[unit]
    if short:
        most = {"hours": 48, "days": 7, "business days": 3, "weeks": 1}[unit]
    least = max(least, 1) if unit in ("weeks", "months") else least
    return f"{draw(st.integers(least, most))} {unit}"


def _draw_channels(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True))


def _draw_condition(draw: st.DrawFn, grades: bool, depth: int = 0) -> dict[str, Any]:
    kinds: tuple[str, ...] = _CONDITION_KINDS
    if grades:
        kinds += ("grade", "grade_not")
    if depth == 0:
        kinds += ("any", "not")
    kind = draw(st.sampled_from(kinds))
    if kind in ("stage", "stage_not"):
        return {
            kind: draw(
                st.lists(st.sampled_from(_SMALL_STAGES), min_size=1, max_size=2, unique=True)
            )
        }
    if kind in ("grade", "grade_not"):
        return {kind: draw(st.lists(st.sampled_from(("A", "B", "C")), min_size=1, unique=True))}
    if kind == "vip":
        return {"attributes": {"vip": draw(st.booleans())}}
    if kind == "distance":
        bound = draw(st.sampled_from(("below", "at_most", "above", "at_least")))
        return {"attributes": {"distance_km": {bound: draw(st.integers(0, 200))}}}
    if kind == "happened":
        return {"happened": draw(st.sampled_from(_SMALL_EVENTS))}
    if kind == "not_since":
        return {"not_happened": {"event": "reply", "since": draw(st.sampled_from(_SMALL_EVENTS))}}
    if kind == "within":
        within = _draw_duration(draw, least=1, short=True)
        return {"happened": {"event": "touch", "channel": _draw_channels(draw), "within": within}}
    if kind == "last":
        return {"last_touch": {"outcome": draw(st.sampled_from(OUTCOMES))}}
    if kind == "not":
        return {"not": _draw_condition(draw, grades, depth + 1)}
    return {
        "any": [_draw_condition(draw, grades, depth + 1) for _ in range(draw(st.integers(1, 2)))]
    }


def _draw_event_match(draw: st.DrawFn, *, captured: bool = True) -> Any:
    """What starts a rule or meets it: an event type, or a touch or stage change narrowed down."""
    kind = draw(st.sampled_from(("captured", "captured", "domain", "reply", "touch", "stage")))
    if kind == "captured" and captured:
        return CAPTURED
    if kind == "reply":
        return "reply"
    if kind == "touch":
        match: dict[str, Any] = {"event": "touch"}
        if draw(st.booleans()):
            match["channel"] = _draw_channels(draw)
        if draw(st.booleans()):
            match["outcome"] = draw(
                st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=3, unique=True)
            )
        return match
    if kind == "stage":
        return {"event": "stage", "value": [draw(st.sampled_from(_SMALL_STAGES))]}
    return draw(st.sampled_from(_SMALL_EVENTS))


def _draw_channel_choice(draw: st.DrawFn, grades: bool) -> Any:
    if draw(st.booleans()):
        return draw(st.sampled_from(CHANNELS))
    choices: list[dict[str, Any]] = []
    for channel in _draw_channels(draw):
        choice: dict[str, Any] = {"use": channel}
        if draw(st.booleans()):
            choice["when"] = _draw_condition(draw, grades)
        choices.append(choice)
    return choices


def _draw_obligation(draw: st.DrawFn, grades: bool) -> dict[str, Any]:
    obligation: dict[str, Any] = {
        "after": _draw_event_match(draw),
        "within": _draw_duration(draw),
    }
    if draw(st.integers(0, 3)) == 0:
        obligation["task"] = "Do what was agreed"
        obligation["met_by"] = [_draw_event_match(draw, captured=False)]
    else:
        obligation["channel"] = _draw_channel_choice(draw, grades)
        if draw(st.booleans()):
            count = draw(st.integers(1, 2))
            obligation["met_by"] = [_draw_event_match(draw, captured=False) for _ in range(count)]
    if draw(st.booleans()):
        missed: dict[str, str] = {}
        if draw(st.integers(0, 3)):
            missed["escalate"] = _draw_duration(draw)
        if not missed or draw(st.booleans()):
            missed["reassign"] = _draw_duration(draw)
        obligation["if_missed"] = missed
    return obligation


def _draw_cadence(draw: st.DrawFn, grades: bool) -> dict[str, Any]:
    cadence: dict[str, Any] = {
        "every": _draw_duration(draw, least=1),
        "channel": _draw_channel_choice(draw, grades),
    }
    if draw(st.booleans()):
        cadence["start"] = _draw_event_match(draw)
    if draw(st.integers(0, 2)) == 0:
        count = draw(st.integers(1, 2))
        cadence["counts"] = [_draw_event_match(draw, captured=False) for _ in range(count)]
    if draw(st.booleans()):
        backoff: dict[str, Any] = {
            "on": ["declined"] if draw(st.booleans()) else ["declined", "no_answer"]
        }
        if draw(st.booleans()):
            backoff["multiply"] = draw(st.integers(2, 3))
        if "multiply" not in backoff or draw(st.booleans()):
            backoff["switch_to"] = draw(st.sampled_from(CHANNELS))
        cadence["backoff"] = backoff
    return cadence


def _draw_sequence(draw: st.DrawFn, grades: bool) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        step: dict[str, Any] = {
            "at": _draw_duration(draw),
            "channel": draw(st.sampled_from(CHANNELS)),
        }
        if draw(st.integers(0, 2)) == 0:
            if draw(st.booleans()):
                step["when"] = {"anchor": {"outcome": [draw(st.sampled_from(OUTCOMES))]}}
            else:
                step["when"] = _draw_condition(draw, grades)
        steps.append(step)
    sequence: dict[str, Any] = {"after": _draw_event_match(draw), "steps": steps}
    if draw(st.booleans()):
        sequence["then"] = {
            "every": _draw_duration(draw, least=1),
            "channel": draw(st.sampled_from(CHANNELS)),
        }
    return sequence


def _draw_rule(draw: st.DrawFn, index: int, grades: bool, country: str | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": f"rule-{index}", "refs": [f"R-{index}"]}
    if draw(st.integers(0, 3)) == 0:
        rule["when"] = _draw_condition(draw, grades)
    if draw(st.integers(0, 4)) == 0:
        rule["until"] = _draw_condition(draw, grades)
    if draw(st.integers(0, 5)) == 0:
        rule["assignee"] = "manager"
    kind = draw(st.sampled_from(("obligation", "cadence", "sequence", "greeting")))
    if kind == "obligation":
        rule["obligation"] = _draw_obligation(draw, grades)
    elif kind == "cadence":
        rule["cadence"] = _draw_cadence(draw, grades)
    elif kind == "sequence":
        rule["sequence"] = _draw_sequence(draw, grades)
    else:
        holidays = country is not None and draw(st.booleans())
        rule["greeting"] = {
            "on": PUBLIC_HOLIDAYS if holidays else "birthday",
            "channel": draw(st.sampled_from(CHANNELS)),
            "at": _clock(draw(st.integers(0, 23)), draw(st.sampled_from(_HALF_HOURS))),
        }
    return rule


def _draw_windows(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Working and quiet hours that leave every channel some free time each working day: working
    hours start by 11:30 and end from 15:00, nights start from 20:00 and end by 09:30, and the
    lunch break lasts at most an hour, between 12:00 and 14:00."""
    if draw(st.booleans()):
        working: dict[str, Any] = {
            "start": _clock(draw(st.integers(6, 11)), draw(st.sampled_from(_HALF_HOURS))),
            "end": _clock(draw(st.integers(15, 21)), draw(st.sampled_from(_HALF_HOURS))),
        }
        if draw(st.booleans()):
            working["channels"] = _draw_channels(draw)
        data["working_hours"] = working
    quiet: list[dict[str, Any]] = []
    if draw(st.booleans()):
        night: dict[str, Any] = {
            "start": _clock(draw(st.integers(20, 23)), draw(st.sampled_from(_HALF_HOURS))),
            "end": _clock(
                draw(st.sampled_from((0, 5, 6, 7, 8, 9))), draw(st.sampled_from(_HALF_HOURS))
            ),
        }
        if draw(st.integers(0, 2)) == 0:
            night["channels"] = _draw_channels(draw)
        quiet.append(night)
    if draw(st.integers(0, 2)) == 0:
        begin = draw(st.integers(12 * 60, 13 * 60))
        lunch: dict[str, Any] = {
            "start": _clock(*divmod(begin, 60)),
            "end": _clock(*divmod(begin + draw(st.integers(15, 60)), 60)),
        }
        if draw(st.booleans()):
            lunch["channels"] = _draw_channels(draw)
        quiet.append(lunch)
    if quiet:
        data["quiet_hours"] = quiet


def _draw_small_policy(draw: st.DrawFn) -> Policy:
    country = draw(st.sampled_from(_COUNTRIES))
    data: dict[str, Any] = {
        "policy": "generated",
        "timezone": draw(st.sampled_from(DEFAULT_ZONES)),
        "stages": list(_SMALL_STAGES),
        "events": list(_SMALL_EVENTS),
    }
    calendar: dict[str, Any] = {}
    if country is not None:
        calendar["country"] = country
    if draw(st.integers(0, 3)) == 0:
        calendar["working_days"] = draw(
            st.lists(st.sampled_from(WEEKDAY_NAMES), min_size=1, max_size=7, unique=True)
        )
    if calendar:
        data["calendar"] = calendar
    _draw_windows(draw, data)
    grades = draw(st.booleans())
    if grades:
        high = draw(st.integers(60, 95))
        low = draw(st.integers(10, high - 1))
        data["grades"] = [
            {"grade": "A", "min_score": high},
            {"grade": "B", "min_score": low},
            {"grade": "C"},
        ]
    stop = draw(st.integers(0, 3))
    if stop:
        when = ({"stage": ["won", "lost"]}, {"stage": "lost"}, {"happened": "promise_kept"})
        data["stops"] = [{"id": "stop-1", "when": when[stop - 1]}]
    caps: list[dict[str, Any]] = []
    for index in range(draw(st.integers(0, 2))):
        cap: dict[str, Any] = {
            "id": f"cap-{index}",
            "max": draw(st.integers(1, 3)),
            "within": _draw_duration(draw, least=1, short=True),
        }
        if draw(st.booleans()):
            cap["channels"] = _draw_channels(draw)
        if draw(st.integers(0, 3)) == 0:
            cap["when"] = {"attributes": {"vip": True}}
        caps.append(cap)
    if caps:
        data["caps"] = caps
    count = draw(st.integers(1, 4))
    data["rules"] = [_draw_rule(draw, index, grades, country) for index in range(1, count + 1)]
    return Policy.model_validate(data)


@st.composite
def _small_policies(draw: st.DrawFn) -> Policy:
    return _draw_small_policy(draw)


def small_policies() -> st.SearchStrategy[Policy]:
    """Small valid policies built from the language's models: one to four rules of the four kinds
    (obligations with channel choices or tasks, escalations and reassignments; cadences with
    starts, counts and backoff; sequences with conditional steps and repetitions; greetings on
    public holidays or birthdays), with or without a country's calendar, a working week, working
    hours, quiet hours (per channel or all), grades, a stop and caps.

    Every one loads and compiles (``Engine(policy)`` does not raise) and leaves each channel some
    free time every working day. Their attributes are ``vip`` (boolean), ``distance_km`` (number)
    and ``birthday``; their stages ``contacted``, ``quoted``, ``won``, ``lost``; their domain
    events ``show_closed``, ``quote_sent``, ``promise``, ``promise_kept``, ``meeting``.
    """
    return _small_policies()
