"""A policy prepared for evaluation: zones, calendar, time windows and predicates built once.

Everything here is immutable after construction, so one compiled policy can serve many threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cadence.calendar import BusinessCalendar, TimeWindow, zone
from cadence.durations import Duration
from cadence.engine.conditions import (
    EventPredicate,
    Predicate,
    compile_condition,
    compile_event_match,
    reads_now,
    types_read,
)
from cadence.engine.state import LeadState
from cadence.policy.conditions import CAPTURED, Condition, EventMatch
from cadence.policy.models import WEEKDAY_NAMES, ChannelChoice, Policy, Rule, RuleKind
from cadence.records import CHANNELS, Event


@dataclass(frozen=True, slots=True)
class Matcher:
    """An event match ready to use: the type to look up and the test of each event."""

    event: str
    test: EventPredicate
    spec: EventMatch

    def latest(self, state: LeadState, before: datetime | None = None) -> Event | None:
        """The most recent matching event (before ``before`` when given)."""
        until = before.timestamp() if before is not None else None
        for event in reversed(state.of_type(self.event)):
            if until is not None and event.stamp >= until:
                continue
            if self.test(event):
                return event
        return None

    def anchor(self, state: LeadState, occurrence: str) -> Event | None:
        """The occurrence that starts a rule: the latest (default) or the first."""
        if occurrence == "latest":
            return self.latest(state)
        for event in state.of_type(self.event):
            if self.test(event):
                return event
        return None

    def first_after(self, state: LeadState, anchor: Event) -> Event | None:
        """The first matching event at or after ``anchor`` (never the anchor itself)."""
        for event in state.of_type(self.event):
            if event.stamp >= anchor.stamp and event is not anchor and self.test(event):
                return event
        return None


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """A compiled channel choice: the first line whose condition holds and whose channel the
    lead has not opted out of."""

    choices: tuple[tuple[str, Predicate | None], ...]
    #: Every channel the choice can give.
    channels: frozenset[str]

    def choose(self, state: LeadState, anchor: Event | None = None) -> str | None:
        """The channel to use now, or ``None`` when no line applies."""
        for channel, condition in self.choices:
            if channel in state.blocked:
                continue
            if condition is None or condition(state, anchor):
                return channel
        return None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its conditions compiled."""

    rule: Rule
    order: int
    kind: RuleKind  # obligation, cadence, sequence or greeting
    when: Predicate | None
    until: Predicate | None
    matchers: dict[str, Matcher]
    channel: ChannelRule | None
    step_conditions: tuple[Predicate | None, ...]
    #: Whether what the rule asks, once it applies, depends only on the lead's history, not on
    #: ``now``: none of its channel or step conditions is ``within`` a period that ends now
    #: (its ``when`` and ``until`` are decided before, at every evaluation), and it is no
    #: greeting (whose next occasion is counted from today). An obligation's escalations are
    #: apart: they are added at every evaluation (see :func:`cadence.engine.rules.apply_rule`).
    timeless: bool
    #: The event types whose events applying the rule looks at (its anchor, what meets or counts
    #: for it, the touches, its conditions, ``stage`` when they test the stage); besides them it
    #: reads only the lead's grade, owner, consent and attributes. An event of another type
    #: changes nothing it asks.
    reads: tuple[str, ...] = ()
    #: The event type that starts the rule (its ``after``, a cadence's ``start``), when it is
    #: not the capture: with no event of that type yet, the rule asks nothing, whatever else
    #: the history holds.
    anchor: str | None = None
    #: When the rule reads touches only on some channels, those channels (a touch on another
    #: changes nothing it asks); ``None`` when it reads touches on any channel, or none.
    touch_channels: frozenset[str] | None = None
    #: The event types of :attr:`reads` whose number of events keys what the rule asked
    #: (:func:`cadence.engine.rules.apply_rule`): all of them but ``touch`` when
    #: :attr:`touch_channels` counts the touches instead.
    counted: tuple[str, ...] = ()
    #: For an obligation rule: the event types of :attr:`counted` that key what it asks once
    #: it asks nothing (met, waiting for its anchor, no channel it may use), with the touches on
    #: :attr:`touch_channels` when ``settled_touches``. The rest only meet it (its ``met_by``,
    #: or the touches), and more of them leave it asking nothing: the first event that met it
    #: stays the first. ``None`` for other rules.
    settled: tuple[str, ...] | None = None
    settled_touches: bool = False


@dataclass(frozen=True, slots=True)
class CompiledCap:
    """A cap with its channels resolved and its condition compiled."""

    id: str
    max: int
    channels: frozenset[str]
    when: Predicate | None
    within: Duration
    length: timedelta | None  # the window as elapsed time, for hours, days and weeks


_ELAPSED_UNITS = {"hours": 3600, "days": 86400, "weeks": 7 * 86400}


def _elapsed(duration: Duration) -> timedelta | None:
    """A duration in hours, days or weeks as elapsed time; ``None`` for calendar units."""
    seconds = _ELAPSED_UNITS.get(duration.unit)
    return None if seconds is None else timedelta(seconds=seconds * duration.amount)


class CompiledPolicy:
    """A validated policy prepared for evaluation."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.zone: ZoneInfo = zone(policy.timezone)
        cal = policy.calendar
        self.calendar = BusinessCalendar(
            cal.country,
            cal.subdivision,
            working_days=[WEEKDAY_NAMES.index(d.lower()) for d in cal.working_days],
        )
        self.day_start = policy.working_hours.start if policy.working_hours else None
        self._spoken: dict[tuple[int, str], str] = {}  # see spoken()
        self.windows: dict[str, tuple[TimeWindow | None, tuple[TimeWindow, ...]]] = {}
        for channel in CHANNELS:
            working = None
            hours = policy.working_hours
            if hours is not None and (hours.channels is None or channel in hours.channels):
                working = TimeWindow(hours.start, hours.end)
            quiet = tuple(
                TimeWindow(q.start, q.end)
                for q in policy.quiet_hours
                if q.channels is None or channel in q.channels
            )
            self.windows[channel] = (working, quiet)
        #: Per channel, the first moment its hours allow (:meth:`allowed_from`), windows checked
        #: once here; windows that leave no moment free raise when a contact on it is placed.
        self._first_allowed = {
            channel: _finder(self.calendar, *windows) for channel, windows in self.windows.items()
        }
        self.grades: tuple[tuple[str, float | None, Predicate | None], ...] = tuple(
            (g.grade, g.min_score, self._condition(g.when)) for g in policy.grades
        )
        self.stops = tuple((s, self.condition(s.when)) for s in policy.stops)
        self.caps = tuple(
            CompiledCap(
                c.id,
                c.max,
                frozenset(c.channels or CHANNELS),
                self._condition(c.when),
                c.within,
                _elapsed(c.within),
            )
            for c in policy.caps
        )
        self.rules = tuple(self._rule(index, rule) for index, rule in enumerate(policy.rules))
        #: Whether the grade, the stops, the rules' ``when`` and ``until`` and the caps' ``when``
        #: depend only on the lead's history (none is ``within`` a period that ends now): then
        #: what the gate decides is remembered while the history stays the same.
        gate_conditions = (
            *(g.when for g in policy.grades),
            *(s.when for s in policy.stops),
            *(r.when for r in policy.rules),
            *(r.until for r in policy.rules),
            *(c.when for c in policy.caps),
        )
        self.timeless_gate = not any(reads_now(condition) for condition in gate_conditions)
        #: The event types those conditions look at: with a timeless gate, what it decides
        #: stays the same across events of other types while the lead's stage, score, explicit
        #: grade and consent stay the same (:meth:`cadence.engine.evaluate.Evaluator.decide`).
        self.gate_reads: tuple[str, ...] = tuple(
            sorted(frozenset().union(*(types_read(c) for c in gate_conditions)))
        )
        self.zones: dict[str, ZoneInfo] = {policy.timezone: self.zone}

    def condition(self, condition: Condition) -> Predicate:
        """Compile one condition against this policy's calendar."""
        return compile_condition(condition, self.calendar)

    def _condition(self, condition: Condition | None) -> Predicate | None:
        return None if condition is None else self.condition(condition)

    def spoken(self, duration: Duration) -> str:
        """A duration in words, as reasons say it (``"7 days"``, ``"1 business day"``):
        ``str(duration)``, remembered by amount and unit (the reasons of every evaluation say
        the policy's few durations again and again; one assignment: safe to race, same value)."""
        key = (duration.amount, duration.unit)
        found = self._spoken.get(key)
        if found is None:
            found = self._spoken[key] = str(duration)
        return found

    def lead_zone(self, name: str | None) -> ZoneInfo:
        """The zone of a lead (its own, or the policy's)."""
        if name is None:
            return self.zone
        found = self.zones.get(name)
        if found is None:
            found = self.zones[name] = zone(name)  # zones are immutable: safe to share
        return found

    def _channels(self, choices: tuple[ChannelChoice, ...]) -> ChannelRule:
        compiled = tuple((c.use, self._condition(c.when)) for c in choices)
        return ChannelRule(compiled, frozenset(c.use for c in choices))

    def _rule(self, order: int, rule: Rule) -> CompiledRule:
        matchers: dict[str, Matcher] = {}

        def add(name: str, match: EventMatch) -> None:
            matchers[name] = Matcher(match.event, compile_event_match(match), match)

        channel: ChannelRule | None = None
        steps: tuple[Predicate | None, ...] = ()
        if rule.obligation is not None:
            add("after", rule.obligation.after)
            for index, met in enumerate(rule.obligation.met_by or ()):
                add(f"met_by.{index}", met)
            if rule.obligation.channel is not None:
                channel = self._channels(rule.obligation.channel)
        elif rule.cadence is not None:
            add("start", rule.cadence.start)
            for index, counted in enumerate(rule.cadence.counts or ()):
                add(f"counts.{index}", counted)
            channel = self._channels(rule.cadence.channel)
        elif rule.sequence is not None:
            add("after", rule.sequence.after)
            steps = tuple(self._condition(step.when) for step in rule.sequence.steps)
        # The rule's own `when` and `until` are decided afresh at every evaluation (by the
        # gate), before the rule is applied: only what applying it reads counts here.
        conditions: list[Condition | None] = []
        if rule.obligation is not None:
            conditions += [c.when for c in rule.obligation.channel or ()]
        elif rule.cadence is not None:
            conditions += [c.when for c in rule.cadence.channel]
        elif rule.sequence is not None:
            conditions += [step.when for step in rule.sequence.steps]
        timeless = rule.greeting is None and not any(reads_now(c) for c in conditions)
        # Besides its matchers, a rule may look at the touches: what meets an obligation without
        # met_by, a cadence's last touch and the touches after a switch, a sequence's steps.
        reads = {m.event for m in matchers.values()}
        if not (rule.obligation is not None and rule.obligation.met_by):
            reads.add("touch")
        for condition in conditions:
            reads |= types_read(condition)
        starts = matchers.get("after") or matchers.get("start")
        anchor = starts.event if starts is not None and starts.event != CAPTURED else None
        touch_channels = (
            _touch_channels(rule, matchers, channel, conditions) if "touch" in reads else None
        )
        keyed = tuple(t for t in sorted(reads) if touch_channels is None or t != "touch")
        settled: tuple[str, ...] | None = None
        settled_touches = False
        if rule.obligation is not None and starts is not None:
            meeting = [m.event for name, m in matchers.items() if name.startswith("met_by.")]
            read_otherwise = {starts.event}.union(*(types_read(c) for c in conditions))
            only_meet = {t for t in meeting or ["touch"] if t not in read_otherwise}
            settled = tuple(t for t in keyed if t not in only_meet)
            settled_touches = touch_channels is not None and "touch" not in only_meet
        return CompiledRule(
            rule,
            order,
            rule.kind,
            self._condition(rule.when),
            self._condition(rule.until),
            matchers,
            channel,
            steps,
            timeless,
            tuple(sorted(reads)),
            anchor,
            touch_channels,
            keyed,
            settled,
            settled_touches,
        )

    def add_in_zone(self, t: datetime, duration: Duration, zone: ZoneInfo) -> datetime:
        """``t`` plus ``duration``, counted in ``zone`` (a lead's): days, months and business days
        are that zone's, and a business-day count that starts on a day off starts at the policy's
        working day start. How every deadline and escalation moment is counted."""
        return self.calendar.add(t.astimezone(zone), duration, day_start=self.day_start)

    def allowed_from(self, channel: str, t: datetime) -> datetime:
        """The first moment at or after ``t`` that the channel's quiet and working hours allow,
        in ``t``'s zone (``t`` itself when they allow it)."""
        return self._first_allowed[channel](t)

    def grade_of(self, state: LeadState) -> str | None:
        """The lead's grade: the explicit one, else the first grade whose tests hold."""
        if state.explicit_grade is not None:
            return state.explicit_grade
        for grade, min_score, condition in self.grades:
            if min_score is not None and (state.score is None or state.score < min_score):
                continue
            if condition is not None and not condition(state, None):
                continue
            return grade
        return None


def _touch_channels(
    rule: Rule,
    matchers: dict[str, Matcher],
    channel: ChannelRule | None,
    conditions: list[Condition | None],
) -> frozenset[str] | None:
    """The channels whose touches applying a rule looks at, or ``None`` for any channel
    (:attr:`CompiledRule.touch_channels`): those its matchers of touches name (its anchor, what
    meets or counts for it), those its contact may be on (an obligation without ``met_by`` is
    met by a touch on its channel; a cadence counts from the last touch on its channels or its
    backoff's ``switch_to``; a sequence's steps and repetition are done by touches on theirs).
    A condition that looks at touches, a matcher of touches on any channel, or a greeting reads
    every touch."""
    if rule.greeting is not None or any("touch" in types_read(c) for c in conditions):
        return None
    found: set[str] = set()
    for matcher in matchers.values():
        if matcher.event == "touch":
            if matcher.spec.channel is None:
                return None
            found.update(matcher.spec.channel)
    if rule.obligation is not None:
        if not rule.obligation.met_by:
            if channel is None:  # a task: met by a touch without a channel, if any
                return None
            found |= channel.channels
    elif rule.cadence is not None:
        assert channel is not None
        found |= channel.channels
        backoff = rule.cadence.backoff
        if backoff is not None and backoff.switch_to is not None:
            found.add(backoff.switch_to)
    elif rule.sequence is not None:
        found.update(step.channel for step in rule.sequence.steps)
        if rule.sequence.then is not None:
            found.add(rule.sequence.then.channel)
    return frozenset(found)


def _finder(
    calendar: BusinessCalendar, working: TimeWindow | None, quiet: tuple[TimeWindow, ...]
) -> Callable[[datetime], datetime]:
    """The calendar's first-allowed-moment function for one channel's windows; for windows that
    leave no moment free, one that raises the calendar's error when it is called."""
    try:
        return calendar.allowed_finder(working, quiet)
    except ValueError as error:
        message = str(error)

        def refuse(t: datetime) -> datetime:
            raise ValueError(message)

        return refuse
