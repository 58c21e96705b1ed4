"""The metrics of a simulation, as a JSON-ready dict with a fixed shape (``docs/simulation.md``).

Everything is counted in the period ``[start, end)``: obligations by their due time, touches by
when they were made, leads by their capture (for coverage and conversion). Rates are rounded to
4 decimals and hours to 2, and every mapping is sorted, so the same inputs give the same bytes.
The measures follow the regulations: conversion (R000-12, R001-9), time to first contact and
coverage (R000-1, R000-6), obligations met on time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cadence.engine.state import in_time_order, replay
from cadence.records import Event
from cadence.simulate._over_contact import OverContact, over_contact
from cadence.simulate._records import CONTACTS, OUTCOMES, Obligation

if TYPE_CHECKING:
    from cadence.simulate import Simulation

#: The version of the metrics' shape; it changes only when a field changes meaning.
SCHEMA: Final = "cadence.simulation/1"

#: The days of the coverage curve: the share of leads first contacted within so many days.
COVERAGE_DAYS: Final = (1, 3, 7, 14, 30)

_HOUR: Final = 3600.0

#: A count or a length of time: a percentile of counts stays a whole number (the JSON says 3,
#: not 3.0, also in the compiled build, where a value annotated ``float`` becomes one).
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True, slots=True)
class Won:
    """What makes a lead won, for conversion: reaching one of ``stages``, or an event of one of
    ``events`` (a contract, a deposit)."""

    stages: frozenset[str]
    events: frozenset[str]

    def of(self, events: Iterable[Event]) -> bool:
        """Whether this history shows the lead won."""
        for event in events:
            if event.type in self.events:
                return True
            if event.type == "stage" and str(event.value) in self.stages:
                return True
        return False


DEFAULT_WON: Final = Won(frozenset({"won", "signed"}), frozenset({"contract_signed"}))


def percentile(values: Sequence[_Number], share: float) -> _Number | None:
    """The nearest-rank percentile (``share`` from 0 to 1) of ``values``; ``None`` if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / _HOUR, 2)


def _spread(values: Sequence[_Number]) -> dict[str, _Number | None]:
    return {
        "median": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": max(values) if values else None,
    }


class _Tally:
    """Obligations counted by outcome, with how late (in seconds) each one met late was."""

    __slots__ = ("counts", "late")

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        self.late: list[float] = []

    def add(self, outcome: str, late: float | None) -> None:
        self.counts[outcome] += 1
        if late is not None:
            self.late.append(late)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def on_time_rate(self) -> float | None:
        """The share on time of those met or missed."""
        counts = self.counts
        return _rate(counts["on_time"], counts["on_time"] + counts["late"] + counts["missed"])

    def summary(self) -> dict[str, Any]:
        late = self.late
        return {
            "total": self.total,
            **self.counts,
            "on_time_rate": self.on_time_rate,
            "late_hours": {
                "median": _hours(percentile(late, 0.5)),
                "p95": _hours(percentile(late, 0.95)),
                "max": _hours(max(late) if late else None),
            },
        }


def _late_seconds(obligation: Obligation) -> float | None:
    gap = obligation.late_by
    return None if gap is None else gap.total_seconds()


def outcomes(obligations: Iterable[Obligation]) -> dict[str, Any]:
    """Counts by outcome, the on-time rate (of those met or missed) and how late the late were."""
    tally = _Tally()
    for obligation in obligations:
        tally.add(obligation.outcome, _late_seconds(obligation))
    return tally.summary()


def metrics(simulation: Simulation, won: Won) -> dict[str, Any]:
    """Every metric of a simulation (see the module's docstring)."""
    engine = simulation.engine
    # The obligations due in the period, as the runs made them: every count below is the same
    # in any order (the mappings are sorted, percentiles sort), so they need not be sorted.
    first, last = simulation.start.timestamp(), simulation.end.timestamp()
    contacts: list[Obligation] = []
    escalations: list[Obligation] = []
    for run in simulation.runs:
        for obligation in run.obligations:
            if first <= obligation.due_stamp < last:
                if obligation.kind in CONTACTS:
                    contacts.append(obligation)
                elif obligation.kind in ("escalate", "reassign"):
                    escalations.append(obligation)
    fired: dict[str, int] = defaultdict(int)
    for obligation in escalations:
        fired[f"{obligation.rule}:{obligation.kind}"] += 1
    runs = _RunsRead(simulation, won)
    judged = _Judged(contacts, runs.lead_rows)
    working_days = _working_days(simulation)
    people = sorted(set(judged.by_assignee) | set(runs.touches_by_person))
    load = runs.load
    per_day: list[int] = [load.get((p, day), 0) for p in people for day in working_days]
    over = runs.over
    touches_per_lead = runs.touches_per_lead
    return {
        "schema": SCHEMA,
        "policy": {
            "name": engine.policy.policy,
            "version": engine.policy.version,
            "fingerprint": engine.fingerprint,
        },
        "mode": "follow" if simulation.follow else "audit",
        "capacity": simulation.capacity,
        "period": {"from": simulation.start.isoformat(), "to": simulation.end.isoformat()},
        "leads": {"simulated": len(simulation.runs), "captured_in_period": len(runs.lead_rows)},
        "obligations": judged.all.summary(),
        "by_rule": {rule: tally.summary() for rule, tally in sorted(judged.by_rule.items())},
        "escalations": {"total": len(escalations), "by_rule": dict(sorted(fired.items()))},
        "over_contact": {
            "over_cap": over.over_cap,
            "in_quiet_hours": over.in_quiet_hours,
            "after_opt_out": over.after_opt_out,
            "by_cap": dict(sorted(over.by_cap.items())),
        },
        "touches": {
            "total": sum(runs.touches_by_person.values()),
            "per_lead": {
                "mean": round(sum(touches_per_lead) / len(touches_per_lead), 4)
                if touches_per_lead
                else None,
                **_spread(touches_per_lead),
            },
            "histogram": _histogram(touches_per_lead),
        },
        "load": {
            "working_days": len(working_days),
            "per_salesperson_day": _spread(per_day),
            "by_day": {
                day.isoformat(): {person: load.get((person, day), 0) for person in people}
                for day in working_days
            },
        },
        "breached_by_capacity": judged.breached,
        **_lead_measures(runs.lead_rows),
        "by_grade": _grouped(runs.lead_rows, judged.by_grade, "grade"),
        "by_salesperson": _by_salesperson(people, runs, judged, len(working_days)),
        "by_show": _grouped(runs.lead_rows, judged.by_show, "show"),
    }


class _RunsRead:
    """What the metrics take from each lead's run, in one pass over the runs: its over-contact,
    its touches in the period (by salesperson, by salesperson and day) and, for a lead captured in
    the period, a row with its grade, show, owner, whether it was won, and how long it waited
    for its first touch (seconds)."""

    __slots__ = ("lead_rows", "load", "over", "touches_by_person", "touches_per_lead")

    def __init__(self, simulation: Simulation, won: Won) -> None:
        engine = simulation.engine
        compiled = engine._compiled
        zone = compiled.zone
        first, last = simulation.start.timestamp(), simulation.end.timestamp()
        self.over = OverContact()
        self.touches_per_lead: list[int] = []
        self.lead_rows: list[dict[str, Any]] = []
        self.touches_by_person: dict[str, int] = defaultdict(int)
        self.load: dict[tuple[str, Any], int] = defaultdict(int)
        # With grades by score alone, the grade at capture follows from the lead's own grade
        # and score (CompiledPolicy.grade_of reads nothing else then): worked out once for each.
        by_score = all(condition is None for _, _, condition in compiled.grades)
        graded: dict[tuple[str | None, float | None], str] = {}
        for run in simulation.runs:
            lead = run.lead
            history = (  # the run's history is in time order; follow mode's touches are added
                in_time_order([*run.history, *run.made]) if run.made else run.history
            )
            self.over.add(over_contact(engine, lead, history, simulation.start, simulation.end))
            in_period = [t for t in run.touches if first <= t.stamp < last]
            for touch in in_period:
                person = touch.owner or "(none)"
                self.touches_by_person[person] += 1
                self.load[(person, touch.at.astimezone(zone).date())] += 1
            captured = lead.captured_at.timestamp()
            if not first <= captured < last:
                continue
            self.touches_per_lead.append(len(in_period))
            first_touch = next((t.stamp for t in run.touches if t.stamp >= captured), None)
            grade = graded.get((lead.grade, lead.score)) if by_score else None
            if grade is None:
                state = replay(lead, [], lead.captured_at, compiled.lead_zone(lead.timezone))
                grade = compiled.grade_of(state) or "(none)"
                if by_score:
                    graded[(lead.grade, lead.score)] = grade
            self.lead_rows.append(
                {
                    "lead": lead,
                    "grade": grade,
                    "show": str(lead.attributes.get("show", "(none)")),
                    "owner": lead.owner or "(none)",
                    "won": won.of(e for e in history if e.stamp < last),
                    "first_contact": None if first_touch is None else first_touch - captured,
                }
            )


class _Judged:
    """The contacts and tasks due in the period, each judged once and counted in every grouping
    it falls in: all of them, by rule, by assignee and, for those of a lead captured in the period
    (``lead_rows``), by its grade and show; and how many capacity deferred that ended late or
    missed."""

    __slots__ = ("all", "breached", "by_assignee", "by_grade", "by_rule", "by_show")

    def __init__(self, contacts: Iterable[Obligation], lead_rows: Sequence[dict[str, Any]]) -> None:
        self.all = _Tally()
        self.by_rule: dict[str, _Tally] = defaultdict(_Tally)
        self.by_assignee: dict[str, _Tally] = defaultdict(_Tally)
        self.by_grade: dict[str, _Tally] = defaultdict(_Tally)
        self.by_show: dict[str, _Tally] = defaultdict(_Tally)
        self.breached = 0
        grade_of = {row["lead"].id: row["grade"] for row in lead_rows}
        show_of = {row["lead"].id: row["show"] for row in lead_rows}
        for obligation in contacts:
            outcome, late = obligation.outcome, _late_seconds(obligation)
            self.all.add(outcome, late)
            self.by_rule[obligation.rule].add(outcome, late)
            self.by_assignee[obligation.assignee or "(none)"].add(outcome, late)
            grade = grade_of.get(obligation.lead_id)
            if grade is not None:  # its lead captured in the period
                self.by_grade[grade].add(outcome, late)
                self.by_show[show_of[obligation.lead_id]].add(outcome, late)
            if obligation.deferred and outcome in ("late", "missed"):
                self.breached += 1


def _by_salesperson(
    people: Sequence[str], runs: _RunsRead, judged: _Judged, working_days: int
) -> dict[str, Any]:
    """Each salesperson's leads, obligations, on-time rate and touches (a working day)."""
    owned: dict[str, int] = defaultdict(int)
    for row in runs.lead_rows:
        owned[row["owner"]] += 1
    found: dict[str, Any] = {}
    for person in people:
        tally = judged.by_assignee.get(person) or _Tally()
        touches = runs.touches_by_person.get(person, 0)
        found[person] = {
            "leads": owned.get(person, 0),
            "obligations": tally.total,
            "on_time_rate": tally.on_time_rate,
            "touches": touches,
            "touches_per_working_day": round(touches / working_days, 4) if working_days else None,
        }
    return found


def _lead_measures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Coverage, time to first contact and conversion of some leads."""
    waits = [row["first_contact"] for row in rows if row["first_contact"] is not None]
    total = len(rows)
    coverage = {}
    for days in COVERAGE_DAYS:
        within = timedelta(days=days).total_seconds()
        coverage[str(days)] = _rate(sum(1 for w in waits if w <= within), total)
    coverage["never"] = _rate(total - len(waits), total)
    won = sum(1 for row in rows if row["won"])
    return {
        "coverage": coverage,
        "first_contact_hours": {
            "median": _hours(percentile(waits, 0.5)),
            "p90": _hours(percentile(waits, 0.9)),
        },
        "conversion": {"leads": total, "won": won, "rate": _rate(won, total)},
    }


def _grouped(
    rows: Sequence[dict[str, Any]], tallies: dict[str, _Tally], key: str
) -> dict[str, Any]:
    """The leads grouped by ``key`` (grade, show), with the obligations of each group's leads
    (``tallies``)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    result = {}
    for group in sorted(groups):
        measures = _lead_measures(groups[group])
        result[group] = {
            "leads": len(groups[group]),
            "conversion": measures["conversion"],
            "first_contact_hours": measures["first_contact_hours"],
            "on_time_rate": (tallies.get(group) or _Tally()).on_time_rate,
        }
    return result


def _histogram(counts: Sequence[int]) -> list[list[int]]:
    """``[touches, leads]`` pairs: how many leads had each number of touches, in order."""
    found: dict[int, int] = defaultdict(int)
    for count in counts:
        found[count] += 1
    return [[n, found[n]] for n in sorted(found)]


def _working_days(simulation: Simulation) -> list[Any]:
    compiled = simulation.engine._compiled
    zone = compiled.zone
    day = simulation.start.astimezone(zone).date()
    last = simulation.end.astimezone(zone).date()
    days = []
    while day <= last:
        if compiled.calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


__all__ = ["COVERAGE_DAYS", "DEFAULT_WON", "SCHEMA", "Won", "metrics", "outcomes", "percentile"]
