"""Policy cases: a lead, its events and a moment, with the actions a policy must answer.

A cases file sits next to its policy (``post_show.yaml`` → ``post_show.cases.yaml``)::

    cases:
      - note: a visitor nobody contacted gets the thank-you letter the day after the show
        now: 2025-04-28T09:00:00+08:00
        lead: {id: L1, captured_at: 2025-04-23T10:00:00+08:00, score: 85}
        events:
          - {at: 2025-04-27T17:00:00+08:00, type: show_closed}
        want:
          - {rule: thank-you, kind: contact, channel: email, due: 2025-04-28T17:00:00+08:00}

``want`` lists every action expected, in the contract's order; each entry names only the fields
it checks (``rule``, ``kind``, ``channel``, ``assignee``, ``due``, ``overdue``, ``refs``,
``reason``, or ``reason_contains``). ``want: []`` means no action at all. Events need no
``lead_id``: they belong to the case's lead. ``covers`` names the clauses a case shows at work
when no action carries them (a stop, a cap).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from cadence.data import parse_event, parse_lead
from cadence.engine import Engine
from cadence.errors import Location, PolicyError, Problem
from cadence.policy.loader import MarkedDocument, PolicyLoader
from cadence.records import Action, Event, Lead

_CHECKED = (
    "rule",
    "kind",
    "channel",
    "assignee",
    "due",
    "overdue",
    "refs",
    "reason",
    "reason_contains",
)


@dataclass(frozen=True, slots=True)
class Case:
    """One case: where it is written, what it says, and its inputs and expectations."""

    location: Location
    note: str
    lead: Lead
    events: tuple[Event, ...]
    now: datetime
    want: tuple[Mapping[str, Any], ...]
    covers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one case: the actions the policy gave and what differs from ``want``."""

    case: Case
    actions: tuple[Action, ...]
    differences: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether the actions are exactly the ones wanted."""
        return not self.differences


def cases_path(policy_path: str | Path) -> Path:
    """Where the cases of a policy live: ``NAME.cases.yaml`` beside ``NAME.yaml``."""
    path = Path(policy_path)
    return path.with_name(path.stem + ".cases.yaml")


def _text(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def load_cases(path: str | Path, *, default_timezone: str) -> list[Case]:
    """Read a cases file; raise :class:`PolicyError` with every problem, located."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError([Problem(Location(str(path), 1, 1), "yaml-syntax", str(error))]) from None
    return parse_cases(text, str(path), default_timezone=default_timezone)


def parse_cases(text: str, file: str = "<cases>", *, default_timezone: str) -> list[Case]:
    """Read cases given as YAML text; ``file`` names it in messages."""
    try:
        node = yaml.compose(text, Loader=PolicyLoader)
    except yaml.YAMLError as error:
        raise PolicyError([Problem(Location(file, 1, 1), "yaml-syntax", str(error))]) from None
    document = MarkedDocument(file)
    data = document.build(node, ()) if node is not None else None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise PolicyError(
            [
                Problem(
                    Location(file, 1, 1),
                    "not-a-mapping",
                    "a cases file is a mapping with a list under 'cases'",
                )
            ]
        )
    problems: list[Problem] = list(document.problems)
    cases: list[Case] = []
    for index, raw in enumerate(data["cases"]):
        where = document.location(("cases", index))
        try:
            cases.append(_case(raw, where, default_timezone))
        except ValueError as error:
            problems.append(Problem(where, "bad-value", f"case {index + 1}: {error}"))
    if problems:
        raise PolicyError(problems)
    return cases


def _case(raw: Any, where: Location, default_timezone: str) -> Case:
    if not isinstance(raw, dict):
        raise ValueError("a case is a mapping with note, now, lead, events and want")
    unknown = set(raw) - {"note", "now", "lead", "events", "want", "covers"}
    if unknown:
        raise ValueError(
            f"unknown keys {sorted(unknown)}; a case has note, now, lead, events, want and covers"
        )
    for key in ("now", "lead", "want"):
        if key not in raw:
            raise ValueError(f"it needs '{key}'")
    now = datetime.fromisoformat(str(_text(raw["now"])))
    if now.tzinfo is None:
        raise ValueError("'now' needs an offset, e.g. 2025-04-28T09:00:00+08:00")
    lead_fields = {k: _text(v) for k, v in dict(raw["lead"]).items()}
    lead = parse_lead(lead_fields, default_timezone=default_timezone)
    events = tuple(
        parse_event({"lead_id": lead.id, **{k: _text(v) for k, v in dict(e).items()}})
        for e in raw.get("events") or ()
    )
    want = raw["want"] or []
    for entry in want:
        bad = set(entry) - set(_CHECKED)
        if bad:
            raise ValueError(f"'want' entries check only {', '.join(_CHECKED)}; not {sorted(bad)}")
    covers = raw.get("covers") or ()
    covers = (covers,) if isinstance(covers, str) else tuple(str(c) for c in covers)
    return Case(where, str(raw.get("note", "")), lead, events, now, tuple(want), covers)


def run_case(engine: Engine, case: Case) -> CaseResult:
    """Evaluate one case and compare the actions with what it wants."""
    actions = engine.next_actions(case.lead, case.events, case.now)
    return CaseResult(case, tuple(actions), tuple(_differences(actions, case.want)))


def _differences(actions: list[Action], want: tuple[Mapping[str, Any], ...]) -> Iterator[str]:
    if len(actions) != len(want):
        yield (
            f"wanted {len(want)} actions, got {len(actions)}: "
            + "; ".join(
                f"{a.rule} {a.kind} {a.channel or ''} due {a.due.isoformat()}" for a in actions
            )
        )
        return
    for number, (action, expected) in enumerate(zip(actions, want, strict=True), start=1):
        got = action.to_dict()
        for key, value in expected.items():
            if key == "reason_contains":
                if str(value) not in action.reason:
                    yield f"action {number}: reason {action.reason!r} lacks {value!r}"
                continue
            if key == "due":
                wanted_due = datetime.fromisoformat(str(_text(value)))
                if wanted_due != action.due or wanted_due.utcoffset() != action.due.utcoffset():
                    yield f"action {number}: due {action.due.isoformat()}, wanted {_text(value)}"
                continue
            if key == "refs":
                value = list(value)
            if got[key] != value:
                yield f"action {number}: {key} is {got[key]!r}, wanted {value!r}"
