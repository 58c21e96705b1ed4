"""What a run reads off the policy before it starts: which events meet which rule, how follow
mode carries an action out, which rules renew their obligations or ask for one day, at which
delays escalations fall due, and which due times an audit must visit."""

from __future__ import annotations

from datetime import datetime

from cadence.durations import Duration
from cadence.engine import Engine
from cadence.engine.evaluate import Asked
from cadence.policy.conditions import EventMatch
from cadence.records import Event


def meeting_types(engine: Engine) -> dict[str, frozenset[str]]:
    """For each rule, the event types that meet what it asks: its ``met_by`` (an obligation) or
    ``counts`` (a cadence), else a reply."""
    found: dict[str, frozenset[str]] = {}
    for rule in engine.policy.rules:
        matches = None
        if rule.obligation is not None:
            matches = rule.obligation.met_by
        elif rule.cadence is not None:
            matches = rule.cadence.counts
        if matches:
            found[rule.id] = frozenset(m.event for m in matches)
    return found


class Doing:
    """Follow mode: the event that carries out an action. A contact is a touch on its channel
    (outcome ``reached``); an obligation with ``met_by`` is done by the first event it names (a
    task ``met_by: promise_kept`` by a ``promise_kept``; a channel, outcome or value it asks for
    is taken from the match)."""

    def __init__(self, engine: Engine) -> None:
        self.first: dict[str, EventMatch] = {}
        for rule in engine.policy.rules:
            if rule.obligation is not None and rule.obligation.met_by:
                self.first[rule.id] = rule.obligation.met_by[0]

    def __call__(self, action: Asked, now: datetime) -> Event:
        match = self.first.get(action.rule)
        if match is None or (match.event == "touch" and not (match.channel or match.outcome)):
            return Event(action.lead_id, now, "touch", action.channel, "reached")
        channel = match.channel[0] if match.channel else action.channel
        outcome = (
            match.outcome[0] if match.outcome else ("reached" if match.event == "touch" else None)
        )
        value = match.value[0] if match.value else None
        return Event(action.lead_id, now, match.event, channel, outcome, value)


def renewed_rules(engine: Engine) -> frozenset[str]:
    """The rules whose contact or task, asked again with another reason, is a new obligation:
    greetings (the next occasion) and obligations (a later event of their ``after`` starts them
    again; what they asked for the earlier one is over, met or not)."""
    return frozenset(
        rule.id
        for rule in engine.policy.rules
        if rule.greeting is not None or rule.obligation is not None
    )


def _reads_the_time(engine: Engine) -> bool:
    """Whether a condition of the gate or of a rule other than a greeting reads ``now``."""
    compiled = engine._compiled
    return not compiled.timeless_gate or any(
        not rule.timeless and rule.kind != "greeting" for rule in compiled.rules
    )


def due_times_matter(engine: Engine, follow: bool) -> bool:
    """Whether a run must visit each obligation's due time. Follow mode carries the contacts out
    then. An audit, as time alone passes, learns something there only if the engine's answer can
    change with time alone: a cap, which judges overdue contacts from ``now`` and may hold a
    contact back behind them, or a condition of the gate or of a rule that reads ``now``. Without
    either, what the engine asks between two events changes only by escalations and greetings'
    next occasions, whose moments the run visits in any case."""
    return follow or bool(engine._compiled.caps) or _reads_the_time(engine)


def capped_channels(engine: Engine, follow: bool) -> frozenset[str] | None:
    """The channels the caps count, when an audit may pass over some due times; ``None`` when
    it may not.

    Where due times matter only because of a cap (:func:`due_times_matter`: an audit, no
    condition that reads ``now``), the engine's answer changes with time alone only through
    the contacts on a capped channel that are overdue: each counts against the cap from the
    first moment from ``now`` that its hours allow
    (:meth:`cadence.simulate._run.LeadRun._unchanged_until`). And what it changes, a contact
    held back later, moves a deadline only in the cases of
    :meth:`cadence.simulate._run.LeadRun._deadline_may_follow`. Elsewhere, reconciling changes
    nothing."""
    compiled = engine._compiled
    if follow or not compiled.caps or _reads_the_time(engine):
        return None
    return frozenset(channel for cap in compiled.caps for channel in cap.channels)


def occasion_rules(engine: Engine) -> frozenset[str]:
    """The rules whose every action is for one day: greetings (a holiday, a birthday). When the
    day is over unmet, the obligation is missed, and the next occasion is a new one."""
    return frozenset(rule.id for rule in engine.policy.rules if rule.greeting is not None)


def escalation_delays(engine: Engine) -> dict[str, tuple[Duration, ...]]:
    """For each obligation rule with ``if_missed``, the delays after its due time at which an
    escalation or a reassignment appears, so that the run visits those moments."""
    delays: dict[str, tuple[Duration, ...]] = {}
    for rule in engine.policy.rules:
        missed = rule.obligation.if_missed if rule.obligation is not None else None
        if missed is not None:
            found = tuple(d for d in (missed.escalate, missed.reassign) if d is not None)
            delays[rule.id] = found
    return delays
