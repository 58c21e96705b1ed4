"""What each kind of rule asks of one lead: obligations, cadences, sequences, greetings.

Each evaluator reads the lead's state and returns its proposals (actions before quiet hours, working
hours and caps move them) and a sentence saying what it concluded, for ``explain``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cadence.calendar import BusinessCalendar
from cadence.durations import Duration
from cadence.engine.compiled import CompiledPolicy, CompiledRule, Matcher
from cadence.engine.state import LeadState
from cadence.engine.verdict import Verdict
from cadence.policy.conditions import CAPTURED
from cadence.policy.models import PUBLIC_HOLIDAYS
from cadence.records import ActionKind, Event

if TYPE_CHECKING:
    from cadence.engine.evaluate import Asked


@dataclass(slots=True, init=False)
class Proposal:
    """An action a rule asks for, before scheduling moves its due time. Never changed once made
    (but for :attr:`asked`, a cache): the proposals of a rule are kept and handed to later
    evaluations of the lead (scheduling says where each must move,
    :func:`cadence.engine.schedule.place`). A dataclass for its ``repr`` and equality, with its
    own ``__init__``, which a compiled build compiles (it does not compile the one ``dataclass``
    writes)."""

    rule: CompiledRule
    kind: ActionKind
    channel: str | None
    due: datetime
    reason: str
    refs: tuple[str, ...]
    assignee: str | None
    #: ``due`` as a POSIX timestamp.
    stamp: float
    #: The action last made of it (:class:`cadence.engine.evaluate.Asked`, with where it was
    #: placed and whether it was overdue), for the next evaluation that places it the same way.
    asked: Asked | None = field(repr=False, compare=False)

    def __init__(
        self,
        rule: CompiledRule,
        kind: ActionKind,
        channel: str | None,
        due: datetime,
        reason: str,
        refs: tuple[str, ...],
        assignee: str | None,
        stamp: float,
    ) -> None:
        self.rule = rule
        self.kind = kind
        self.channel = channel
        self.due = due
        self.reason = reason
        self.refs = refs
        self.assignee = assignee
        self.stamp = stamp
        self.asked = None


def when(t: datetime, zone: tzinfo) -> str:
    """A moment as a salesperson reads it, in the lead's zone: ``2025-04-30 10:30``."""
    return t.astimezone(zone).isoformat(" ", "minutes")[:16]


#: The key of the lead's table of :func:`when` by event, in its ``memo`` (:func:`_when_of`).
_WHEN: tuple[str] = ("when",)


def _when_of(state: LeadState, event: Event) -> str:
    """:func:`when` of an event, in the lead's zone, remembered in the lead's ``memo``: the
    reasons name the same anchor each time its rule is worked out again."""
    table: dict[float, str] | None = state.memo.get(_WHEN)
    if table is None:
        table = state.memo[_WHEN] = {}
    found = table.get(event.stamp)
    if found is None:
        found = table[event.stamp] = when(event.at, state.zone)
    return found


def describe(event: Event) -> str:
    """An event in a few words: ``captured``, ``quote sent``, ``phone touch (interested)``."""
    if event.type == CAPTURED:
        return "captured"
    if event.type == "touch":
        outcome = f" ({event.outcome})" if event.outcome else ""
        return f"{event.channel} touch{outcome}"
    if event.type in ("stage", "grade", "score", "assigned") and event.value is not None:
        return f"{event.type} set to {event.value}"
    return event.type.replace("_", " ")


def _ask(rule: CompiledRule, default: str) -> str:
    say = rule.rule.say
    return say.rstrip(".") if say else default


def _proposal(
    rule: CompiledRule,
    state: LeadState,
    kind: ActionKind,
    channel: str | None,
    due: datetime,
    reason: str,
    refs: tuple[str, ...] | None,
    stamp: float,
) -> Proposal:
    """``stamp`` is ``due`` as a POSIX timestamp; ``refs`` ``None`` for the rule's own."""
    manager = state.lead.manager
    to_manager = kind in ("escalate", "reassign") or rule.rule.assignee == "manager"
    return Proposal(
        rule,
        kind,
        channel,
        due,
        reason,
        refs if refs is not None else rule.rule.refs,
        manager if to_manager else state.owner,
        stamp,
    )


Result = tuple[list[Proposal], Callable[[], Verdict]]


def _verdict(rule: CompiledRule, fired: bool, text: Callable[[], str]) -> Callable[[], Verdict]:
    """A verdict written only when asked for (by ``explain``): most evaluations never read it."""
    return lambda: Verdict(rule.rule.id, rule.rule.refs, fired, text())


def evaluate_rule(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    """Apply one rule to one lead: its proposals and its verdict."""
    if rule.when is not None and not rule.when(state, None):
        return refused(rule, "when")
    if rule.until is not None and rule.until(state, None):
        return refused(rule, "until")
    return apply_rule(policy, rule, state)


def refused(rule: CompiledRule, why: str) -> Result:
    """The verdict of a rule that does not apply: its ``when`` fails (``why="when"``) or its
    ``until`` holds (``why="until"``)."""
    if why == "when":
        return [], _verdict(
            rule, False, lambda: "does not apply: its 'when' condition does not hold"
        )
    return [], _verdict(rule, False, lambda: "has ended: its 'until' condition holds")


def apply_rule(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    """Apply a rule whose ``when`` and ``until`` allow it: its proposals and its verdict.

    What a timeless rule (:attr:`CompiledRule.timeless`) asks is kept in the lead's ``kept``
    under the part of the history it reads (the lead's grade, owner and consent, and how many
    events there are of each type in :attr:`CompiledRule.reads`), so that the evaluations of
    one lead at later moments (a tracker, a simulation) do not work it out again, after events of
    other types either; a rule not yet started (:attr:`CompiledRule.anchor`) is kept whatever
    else happens. An obligation's escalations, which fall due with time, are looked at afresh
    each time (and, once due, kept with the unmet obligation they follow)."""
    if not rule.timeless:
        proposals, verdict = _apply(policy, rule, state)
    else:
        by_type = state.by_type  # the capture, also read, is the same at every evaluation
        # Not started (no event of its anchor's type), it waits whatever else happened.
        started = rule.anchor is None or rule.anchor in by_type
        counts = [len(by_type.get(t, ())) for t in rule.counted] if started else []
        channels = rule.touch_channels
        on_them = 0
        if started and channels is not None:  # only the touches on the channels it reads
            touched = state.touch_counts
            for channel in channels:
                on_them += touched.get(channel, 0)
            counts.append(on_them)
        kept = state.kept
        key = ("rule", rule.order, state.grade, state.owner, state.blocked, *counts)
        remembered: tuple[tuple[Proposal, ...], Callable[[], Verdict]] | None = kept.get(key)
        if remembered is not None:
            proposals, verdict = list(remembered[0]), remembered[1]
        else:
            # An obligation that asked nothing (met, say) asks nothing after more events that
            # only meet it: kept under the part of the history that can change that.
            settled_key: tuple[Any, ...] | None = None
            settled: Callable[[], Verdict] | None = None
            if rule.settled is not None and started:
                others = [len(by_type.get(t, ())) for t in rule.settled]
                if rule.settled_touches:
                    others.append(on_them)
                settled_key = ("asks nothing", rule.order, *key[2:5], *others)
                settled = kept.get(settled_key)
            if settled is not None:
                proposals, verdict = [], settled
            else:
                proposals, verdict = _apply(policy, rule, state)
                if settled_key is not None and not proposals:
                    kept[settled_key] = verdict
            kept[key] = (tuple(proposals), verdict)
    if proposals and rule.kind == "obligation":
        proposals.extend(_escalations(policy, rule, state, proposals[0]))
    return proposals, verdict


def _apply(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    kind = rule.kind
    if kind == "obligation":
        return _obligation(policy, rule, state)
    if kind == "cadence":
        return _cadence(policy, rule, state)
    if kind == "sequence":
        return _sequence(policy, rule, state)
    return _greeting(policy, rule, state)


def add_in_zone(
    policy: CompiledPolicy, state: LeadState, t: datetime, stamp: float, duration: Duration
) -> tuple[datetime, float]:
    """``t`` plus ``duration``, counted in the lead's zone (events keep the offset they were
    written with; days, months and business days are the lead's), and that moment as a POSIX
    timestamp; ``stamp`` is ``t`` as one. Remembered in the lead's ``memo``, keyed by the
    duration's amount and unit (hashing a Duration runs the hash ``dataclass`` wrote, which a
    compiled build does not compile)."""
    return added_in_zone(policy, state.memo, state.zone, t, stamp, duration)


def added_in_zone(
    policy: CompiledPolicy,
    memo: dict[tuple[Any, ...], Any],
    zone: ZoneInfo,
    t: datetime,
    stamp: float,
    duration: Duration,
) -> tuple[datetime, float]:
    """:func:`add_in_zone` for a lead's ``memo`` and ``zone`` without its state (a simulation
    counting the moments an obligation escalates, through the same memo as the rules)."""
    key = ("add", stamp, duration.amount, duration.unit)
    found: tuple[datetime, float] | None = memo.get(key)
    if found is None:
        found = memo[key] = _added(policy, zone, t, stamp, duration)
    return found


def _added(
    policy: CompiledPolicy, zone: ZoneInfo, t: datetime, stamp: float, duration: Duration
) -> tuple[datetime, float]:
    """:meth:`CompiledPolicy.add_in_zone` and its result as a timestamp. Days and weeks move the
    wall clock in the lead's zone: from a whole second, that is the instant as many times 24
    hours later whenever the zone's offset then is its offset at the start (whatever the clocks
    did in between) and that instant is not the second showing of a repeated time; else (a gap,
    a repeated hour, another offset) the calendar counts it."""
    unit = duration.unit
    if (unit == "days" or unit == "weeks") and stamp == math.floor(stamp):
        days = duration.amount * 7 if unit == "weeks" else duration.amount
        end_stamp = stamp + days * 86400.0
        end = datetime.fromtimestamp(end_stamp, zone)
        if not end.fold and end.utcoffset() == datetime.fromtimestamp(stamp, zone).utcoffset():
            return end, end_stamp
    moment = policy.add_in_zone(t, duration, zone)
    return moment, moment.timestamp()


def _obligation(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    zone = state.zone  # what verdicts keep: not the state (the lead's `kept` keeps them)
    spec = rule.rule.obligation
    assert spec is not None
    anchor = rule.matchers["after"].anchor(state, spec.occurrence)
    if anchor is None:
        return [], _verdict(
            rule, False, lambda: f"waiting: no {spec.after.event.replace('_', ' ')} yet"
        )
    channel: str | None = None
    if rule.channel is not None:
        channel = rule.channel.choose(state, anchor)
        if channel is None:
            return [], _verdict(
                rule, False, lambda: "no channel it may use: opted out or no choice holds"
            )
    deadline, stamp = add_in_zone(policy, state, anchor.at, anchor.stamp, spec.within)
    met = first_meeting(rule, state, anchor, channel)
    if met is not None:
        late = "late" if met.stamp > stamp else "on time"
        return [], _verdict(
            rule,
            False,
            lambda: (
                f"met {late}: {describe(met)} on {when(met.at, zone)} after "
                f"{describe(anchor)} on {when(anchor.at, zone)}"
            ),
        )
    what = _what(rule, channel)
    since = f"{describe(anchor).capitalize()} on {_when_of(state, anchor)}, nothing done since"
    reason = f"{_ask(rule, what.capitalize())} within {policy.spoken(spec.within)}: {since}"
    kind: ActionKind = "task" if spec.task is not None else "contact"
    proposals = [_proposal(rule, state, kind, channel, deadline, reason + ".", None, stamp)]
    return proposals, _verdict(rule, True, lambda: f"not met: {what} due by {when(deadline, zone)}")


def _what(rule: CompiledRule, channel: str | None) -> str:
    """What an obligation asks, in words: its task, or a contact on its channel."""
    spec = rule.rule.obligation
    assert spec is not None
    return spec.task if spec.task is not None else f"contact by {channel}"


def _escalations(
    policy: CompiledPolicy, rule: CompiledRule, state: LeadState, unmet: Proposal
) -> list[Proposal]:
    """The escalation and reassignment of an unmet obligation (``unmet``: what it asks, due at
    its deadline) whose delays after the deadline have passed by now."""
    zone = state.zone
    spec = rule.rule.obligation
    assert spec is not None
    missed = spec.if_missed
    deadline = unmet.due
    now = state.now_stamp
    if missed is None or now < unmet.stamp:
        return []
    what = _what(rule, unmet.channel)
    found: list[Proposal] = []
    steps: tuple[tuple[ActionKind, Duration | None], ...] = (
        ("escalate", missed.escalate),
        ("reassign", missed.reassign),
    )
    for step, delay in steps:
        if delay is None:
            continue
        at, stamp = add_in_zone(policy, state, deadline, unmet.stamp, delay)
        if now < stamp:
            continue
        # The same for every later evaluation that asks the same unmet obligation (the same
        # kept proposal): kept with it.
        key = ("escalation", id(unmet), step)
        before: tuple[Proposal, Proposal] | None = state.kept.get(key)
        if before is not None and before[0] is unmet:
            found.append(before[1])
            continue
        by = when(deadline, zone)
        text = (
            f"Escalate to the manager: {what} was due by {by} and is not done"
            if step == "escalate"
            else f"Reassign the lead: {what} was due by {by} and is still not done after "
            f"{policy.spoken(delay)}"
        )
        proposal = _proposal(rule, state, step, None, at, text + ".", None, stamp)
        state.kept[key] = (unmet, proposal)
        found.append(proposal)
    return found


def first_meeting(
    rule: CompiledRule, state: LeadState, anchor: Event, channel: str | None
) -> Event | None:
    """The first event up to now that meets an obligation started by ``anchor`` (its
    ``met_by``, or else a touch on its channel), or ``None``."""
    matchers = [m for name, m in rule.matchers.items() if name.startswith("met_by.")]
    if not matchers:
        for event in state.touches:
            if event.stamp >= anchor.stamp and event is not anchor and event.channel == channel:
                return event
        return None
    found = [m.first_after(state, anchor) for m in matchers]
    hits = [e for e in found if e is not None]
    return min(hits, key=lambda e: e.stamp) if hits else None


def _cadence(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    zone = state.zone  # what verdicts keep: not the state (the lead's `kept` keeps them)
    spec = rule.rule.cadence
    assert spec is not None and rule.channel is not None
    start = rule.matchers["start"].latest(state)
    if start is None:
        return [], _verdict(
            rule, False, lambda: f"waiting: no {spec.start.event.replace('_', ' ')} yet"
        )
    counted = [m for name, m in rule.matchers.items() if name.startswith("counts.")]
    last = _last_counted(state, start, counted, rule.channel.channels)
    anchor = last if last is not None else start
    channel = rule.channel.choose(state)
    interval = spec.every
    backed_off = ""
    backoff = spec.backoff
    if last is not None and backoff is not None and last.outcome in backoff.on:
        # The backoff holds until the next touch that counts: the interval is longer and, with
        # switch_to, the contact moves to that channel, whose touches then reset the clock.
        if backoff.multiply is not None:
            interval = interval.times(backoff.multiply)
        switch = backoff.switch_to
        if switch is not None and switch not in state.blocked:
            channel = switch
            switched = _last_counted(state, last, [], frozenset((switch,)))
            anchor = switched if switched is not None else last
        backed_off = f" (backed off after the {last.outcome} {last.channel} touch)"
    if channel is None:
        return [], _verdict(
            rule, False, lambda: "no channel it may use: opted out or no choice holds"
        )
    due, stamp = add_in_zone(policy, state, anchor.at, anchor.stamp, interval)
    reason = (
        f"{_ask(rule, f'Contact by {channel}')}: at least every {policy.spoken(interval)}"
        f"{backed_off}; "
        f"last counted: {describe(anchor)} on {_when_of(state, anchor)}."
    )
    return (
        [_proposal(rule, state, "contact", channel, due, reason, None, stamp)],
        _verdict(rule, True, lambda: f"next {channel} contact due {when(due, zone)}{backed_off}"),
    )


def _last_counted(
    state: LeadState, start: Event, counted: list[Matcher], channels: frozenset[str]
) -> Event | None:
    best: Event | None = None
    if counted:
        for matcher in counted:
            event = matcher.latest(state)
            if (
                event is not None
                and event.stamp >= start.stamp
                and event is not start
                and (best is None or event.stamp > best.stamp)
            ):
                best = event
        return best
    for event in reversed(state.touches):
        if event.stamp < start.stamp:
            return None
        if event.channel in channels and event is not start:
            return event
    return None


def _sequence(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    zone = state.zone  # what verdicts keep: not the state (the lead's `kept` keeps them)
    spec = rule.rule.sequence
    assert spec is not None
    anchor = rule.matchers["after"].anchor(state, spec.occurrence)
    if anchor is None:
        return [], _verdict(
            rule, False, lambda: f"waiting: no {spec.after.event.replace('_', ' ')} yet"
        )
    since = anchor.stamp
    after = [e for e in state.touches if e.stamp >= since and e is not anchor]
    position = 0
    last_done = anchor
    for number, (step, condition) in enumerate(
        zip(spec.steps, rule.step_conditions, strict=True), start=1
    ):
        if condition is not None and not condition(state, anchor):
            continue
        while position < len(after) and after[position].channel != step.channel:
            position += 1
        if position < len(after):
            last_done = after[position]
            position += 1
            continue
        if step.channel in state.blocked:
            blocked = f"step {number} is on {step.channel}, opted out"
            return [], _verdict(rule, False, blocked.__str__)
        due, stamp = add_in_zone(policy, state, anchor.at, anchor.stamp, step.at)
        what = step.say or _ask(rule, f"Contact by {step.channel}")
        reason = (
            f"{what.rstrip('.')}: step {number} of the sequence, {policy.spoken(step.at)} after "
            f"{describe(anchor)} on {_when_of(state, anchor)}."
        )
        return (
            [_proposal(rule, state, "contact", step.channel, due, reason, step.refs, stamp)],
            _verdict(rule, True, functools.partial(_step_due, number, due, zone)),
        )
    repeat = spec.then
    if repeat is None:
        return [], _verdict(
            rule, False, lambda: "done: every step of the sequence has been carried out"
        )
    if repeat.channel in state.blocked:
        return [], _verdict(rule, False, lambda: f"repeats on {repeat.channel}, opted out")
    for event in reversed(after):
        if event.stamp < last_done.stamp:
            break
        if event.channel == repeat.channel:
            last_done = event
            break
    due, stamp = add_in_zone(policy, state, last_done.at, last_done.stamp, repeat.every)
    what = repeat.say or _ask(rule, f"Contact by {repeat.channel}")
    reason = (
        f"{what.rstrip('.')}: every {policy.spoken(repeat.every)} after the sequence; last: "
        f"{describe(last_done)} on {_when_of(state, last_done)}."
    )
    return (
        [_proposal(rule, state, "contact", repeat.channel, due, reason, repeat.refs, stamp)],
        _verdict(rule, True, lambda: f"repeat due {when(due, zone)}"),
    )


def _step_due(number: int, due: datetime, zone: tzinfo) -> str:
    return f"step {number} due {when(due, zone)}"


def _greeting(policy: CompiledPolicy, rule: CompiledRule, state: LeadState) -> Result:
    spec = rule.rule.greeting
    assert spec is not None
    if spec.channel in state.blocked:
        return [], _verdict(rule, False, lambda: f"greets on {spec.channel}, opted out")
    anniversary: tuple[int, int] | None = None
    if spec.on != PUBLIC_HOLIDAYS:
        anniversary = _anniversary(state.attributes.get(spec.on))
        if anniversary is None:  # whatever the day: looked at before anything else
            return [], _verdict(rule, False, lambda: f"no {spec.on} date to greet on")
    today = state.now.date()
    # The next occasion found from `today` is the next one from any later day up to it, as long
    # as no touch on its channel greeted it and the owner is the same: kept for those days (the
    # lead's `kept`), under the number of touches on its channel and, to find it without
    # counting them, under the number of all touches.
    kept = state.kept
    quick = ("greeting touches", rule.order, len(state.touches), state.owner)
    remembered = _greeting_kept(kept, quick, today)
    if remembered is not None:
        return list(remembered[2]), remembered[3]
    sent = [e for e in state.touches if e.channel == spec.channel]
    key = ("greeting", rule.order, len(sent), state.owner)
    remembered = _greeting_kept(kept, key, today)
    if remembered is not None:
        kept[quick] = remembered
        return list(remembered[2]), remembered[3]
    first = max(today, state.captured.at.date())
    greeted = {e.at.astimezone(state.zone).date() for e in sent}
    captured = state.captured.stamp
    while True:
        occasion: tuple[date, str] | None = None
        if anniversary is None:
            occasion = _next_holiday(policy.calendar, first, greeted)
        else:
            occasion = _next_anniversary(anniversary, spec.on, first, greeted)
        if occasion is None:
            return [], _verdict(rule, False, lambda: f"no {spec.on} date to greet on")
        day, name = occasion
        due = datetime.combine(day, spec.at, tzinfo=state.zone)
        stamp = due.timestamp()
        if stamp >= captured:
            break
        greeted.add(day)  # the occasion's hour had passed when the lead was captured
    reason = f"{_ask(rule, f'Send {name} greetings by {spec.channel}')} on {day.isoformat()}."
    proposal = _proposal(rule, state, "contact", spec.channel, due, reason, None, stamp)
    verdict = _verdict(rule, True, lambda: f"next greeting: {name} on {day.isoformat()}")
    kept[key] = kept[quick] = (today, day, (proposal,), verdict)
    return [proposal], verdict


_KeptGreeting = tuple[date, date, tuple[Proposal, ...], Callable[[], Verdict]]


def _greeting_kept(
    kept: dict[tuple[Any, ...], Any], key: tuple[Any, ...], today: date
) -> _KeptGreeting | None:
    """What a greeting kept under ``key``, if it holds ``today`` (found from a day up to it, for
    an occasion not before it)."""
    found: _KeptGreeting | None = kept.get(key)
    return found if found is not None and found[0] <= today <= found[1] else None


def _next_holiday(
    calendar: BusinessCalendar, first: date, greeted: set[date]
) -> tuple[date, str] | None:
    for day, name in calendar.holidays_from(first):
        if day not in greeted:
            return day, name
    return None


def _next_anniversary(
    month_day: tuple[int, int], name: str, first: date, greeted: set[date]
) -> tuple[date, str] | None:
    month, day = month_day
    for year in range(first.year, first.year + 3):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February in a common year
            candidate = date(year, 2, 28)
        if candidate >= first and candidate not in greeted:
            return candidate, name.replace("_", " ")
    return None


def _anniversary(value: object) -> tuple[int, int] | None:
    """The month and day of an anniversary attribute (a date, ``YYYY-MM-DD`` or ``MM-DD``), or
    ``None`` when it has none that exists."""
    month_day = _month_day(value)
    if month_day is None:
        return None
    try:
        date(2000, *month_day)  # a leap year: every real month and day exists in it
    except ValueError:
        return None
    return month_day


def _month_day(value: object) -> tuple[int, int] | None:
    if isinstance(value, date):
        return value.month, value.day
    if not isinstance(value, str):
        return None
    parts = value.strip().split("-")
    try:
        if len(parts) == 3:
            return int(parts[1]), int(parts[2])
        if len(parts) == 2:
            return int(parts[0]), int(parts[1])
    except ValueError:
        return None
    return None
