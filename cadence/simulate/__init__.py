"""Simulating a policy on past data: what it would have asked, what became of it, what it costs.

>>> result = simulate(engine, leads, events)                 # doctest: +SKIP
>>> result.metrics()["obligations"]["on_time_rate"]          # doctest: +SKIP

- :func:`simulate` in *audit* mode (the default) replays the real history and judges every
  obligation the policy creates: met on time, met late, missed, or ended; it counts the touches
  a cap, the quiet hours or an opt-out forbade, and the escalations that would have fired.
- ``follow=True`` carries out the policy's own contacts when they are due (with ``capacity``,
  at most that many a salesperson a working day), keeping what the customers did from the
  history: what following the policy would have taken.
- :func:`comparison` puts two simulations of the same data side by side, with the leads whose
  actions differ (``cadence simulate --against``).

Metrics are a plain dict (:meth:`Simulation.metrics`), the same for the same inputs, whose
schema is in ``docs/simulation.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from operator import attrgetter
from typing import Any

from cadence._collector import collector_paused
from cadence.engine import Engine
from cadence.engine.state import in_time_order
from cadence.policy.diff import compare_actions
from cadence.records import Event, Lead
from cadence.simulate._capacity import Capacity
from cadence.simulate._metrics import DEFAULT_WON, SCHEMA, Won, metrics
from cadence.simulate._policy import (
    Doing,
    capped_channels,
    due_times_matter,
    escalation_delays,
    meeting_types,
    occasion_rules,
    renewed_rules,
)
from cadence.simulate._records import OUTCOMES, Obligation, Outcome, Touch
from cadence.simulate._run import LeadRun, Progress, run_all


@dataclass(frozen=True, slots=True)
class Simulation:
    """The result of :func:`simulate`: every lead's run, and the period the metrics cover."""

    engine: Engine
    leads: Mapping[str, Lead]
    events: Mapping[str, Sequence[Event]]
    runs: tuple[LeadRun, ...]
    start: datetime
    end: datetime
    follow: bool
    capacity: int | None
    # The obligations due in the period, in order, once worked out (the runs are finished and
    # the due times never change): see `obligations`.
    _due_in_period: tuple[Obligation, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def obligations(self) -> list[Obligation]:
        """The obligations due in the period, in order of due time, lead and rule (a fresh
        list: sorted once, the first time it is asked for)."""
        found = self._due_in_period
        if found is None:
            found = _due_in(self.runs, self.start.timestamp(), self.end.timestamp())
            object.__setattr__(self, "_due_in_period", found)  # frozen: set once, as a cache
        return list(found)

    def metrics(self, won: Won = DEFAULT_WON) -> dict[str, object]:
        """The metrics of the run as a JSON-ready dict (see ``docs/simulation.md``)."""
        with collector_paused():  # what the metrics build makes no reference cycles either
            return metrics(self, won)


def _due_in(runs: Iterable[LeadRun], first: float, last: float) -> tuple[Obligation, ...]:
    """The obligations of the runs due in ``[first, last)`` (POSIX timestamps), in order."""
    found = [
        (o.due_stamp, o.lead_id, o.rule, o.kind, index, o)
        for index, o in enumerate(o for run in runs for o in run.obligations)
        if first <= o.due_stamp < last
    ]
    found.sort()  # by due time, lead, rule and kind, else as made (never by the obligation)
    return tuple(row[-1] for row in found)


def period_of(
    leads: Mapping[str, Lead], events: Mapping[str, Sequence[Event]]
) -> tuple[datetime, datetime]:
    """The whole period of the data: from the first capture to the last event (or capture)."""
    captures = [lead.captured_at for lead in leads.values()]
    if not captures:
        raise ValueError("no leads to simulate")
    latest = max(captures, key=datetime.timestamp)
    latest_stamp = latest.timestamp()
    for history in events.values():
        for event in history:
            if event.stamp > latest_stamp:
                latest, latest_stamp = event.at, event.stamp
    return min(captures, key=datetime.timestamp), latest


def simulate(
    engine: Engine,
    leads: Mapping[str, Lead],
    events: Mapping[str, Sequence[Event]],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    follow: bool = False,
    capacity: int | None = None,
    progress: Progress | None = None,
) -> Simulation:
    """Replay every lead through the policy; metrics count what falls in ``[start, end)``.

    ``start`` defaults to the first capture, ``end`` to the midnight (in the policy's zone)
    after the last event. Every lead is replayed from its capture to the end of the data, so
    that an obligation due in the period is judged with all that happened after it: two
    simulations of adjacent periods add up to one of the whole. ``capacity`` (follow mode only)
    is the most contacts a salesperson makes per working day. ``progress``, when given, is
    called now and then with the share done (0 to 1) and how far the replay has got, in words:
    ``"4,000 of 10,000 leads"`` (leads are replayed one after the other) or, with a capacity
    (all leads go forward in time together, to share it in due order), ``"up to 2025-05-03"``.
    """
    if capacity is not None and (not follow or capacity < 1):
        raise ValueError("capacity needs follow mode and a number of contacts of at least 1")
    for name, moment in (("start", start), ("end", end)):
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"the {name} of the period must carry a time zone offset")
    data_start, data_end = period_of(leads, events)
    zone = engine._compiled.zone
    begin = (start or data_start).astimezone(zone)
    if end is None:  # the day after the last event, so that the period holds all of it
        day = data_end.astimezone(zone).date() + timedelta(days=1)
        end = datetime.combine(day, time(0), tzinfo=zone)
    finish = end.astimezone(zone)
    if finish.timestamp() <= begin.timestamp():
        raise ValueError("the period ends before it starts")
    last = max(data_end, finish, key=datetime.timestamp)
    delays = escalation_delays(engine)
    meeting = meeting_types(engine)
    occasions = occasion_rules(engine)
    renewed = renewed_rules(engine)
    due_visits = due_times_matter(engine, follow)
    capped = capped_channels(engine, follow)
    doing = Doing(engine)
    gate = Capacity(engine, capacity) if capacity is not None else None

    def run_of(lead: Lead) -> LeadRun:
        history = _history(events.get(lead.id, ()), follow)
        return LeadRun(
            engine,
            lead,
            history,
            follow,
            last,
            delays,
            meeting,
            doing,
            occasions,
            renewed,
            due_visits,
            capped,
        )

    until = finish.timestamp()
    simulated = [
        lead
        for lead in sorted(leads.values(), key=attrgetter("id"))
        if lead.captured_at.timestamp() < until
    ]
    with collector_paused():  # the runs make no reference cycles
        runs = run_all(simulated, run_of, gate, progress)
    return Simulation(engine, leads, events, runs, begin, finish, follow, capacity)


def _history(events: Iterable[Event], follow: bool) -> list[Event]:
    ordered = in_time_order(events)
    if follow:
        return [e for e in ordered if e.type != "touch"]
    return ordered


def comparison(first: Simulation, second: Simulation, *, examples: int = 100) -> dict[str, Any]:
    """Two simulations of the same data side by side (``cadence simulate --against``): both
    metrics, and the leads whose actions as of the end of the period differ (the first
    ``examples`` of them in full: ``left`` the actions only the first policy asks, ``right``
    those only the second asks), as ``cadence diff`` compares them."""
    changes = compare_actions(first.engine, second.engine, first.leads, first.events, first.end)
    return {
        "schema": SCHEMA,
        "policies": [first.metrics(), second.metrics()],
        "differences": {
            "as_of": first.end.isoformat(),
            "leads": len(changes),
            "examples": [
                {
                    "lead_id": change.lead_id,
                    "left": [a.to_dict() for a in change.removed],
                    "right": [a.to_dict() for a in change.added],
                }
                for change in changes[:examples]
            ],
        },
    }


__all__ = [
    "DEFAULT_WON",
    "OUTCOMES",
    "Obligation",
    "Outcome",
    "Progress",
    "Simulation",
    "Touch",
    "Won",
    "comparison",
    "period_of",
    "simulate",
]
