"""``cadence verify``: search generated leads for one where the policy breaks an invariant.

Hypothesis (the ``testing`` extra) draws a lead, its history and a moment ``now`` in the policy's
vocabulary (:func:`cadence.testing.lead_histories`); the lead is evaluated as of ``now``, and
what the policy asks is carried out a few times over (:func:`cadence.testing.carry_out`: the
earliest contact each time, made when it is due). Then the built-in invariants and the policy's
own ``invariants:`` are checked. The first example that breaks one is shrunk to a small one and
returned as a :class:`Violation`; :func:`render` prints it as a timeline of that lead, and
:func:`to_case_yaml` writes it as a case file. The search is deterministic for a given seed.

The built-in invariants, by the name a violation carries:

``opt_out``
    no contact on a channel the lead opted out of; nothing at all after a full opt-out;
``quiet_hours``, ``working_hours``
    no contact due inside quiet hours, or outside working hours (and working days) for the
    channels held to them, in the lead's zone;
``caps``
    the touches made by carrying out the actions keep every cap, in every rolling window that
    ends at or after one of them;
``coverage``
    a lead that is not stopped (nor opted out of everything) has at least one action;
``before_anchor``
    no action is due before the lead's capture, nor before the event that started its rule;
``escalation``
    an obligation with ``if_missed: {escalate: ...}`` escalates exactly when it is missed: an
    escalation only for an obligation not met by its deadline, and not before its time; and an
    obligation that fell due unmet (the rule asked for it at its deadline) is escalated when the
    escalation is due, if nothing more has happened (no event after the deadline) and no stop
    holds then;
``outruns_cap``
    no cadence or sequence asks, on its own, for more contacts than a cap allows: carried out
    with the caps lifted, the touches one such rule asked on time keep every cap (where two
    rules compete, the cap decides, as meant; where one rule alone breaks it, the rule's own
    timing cannot be kept);
``engine_error``
    the engine raised an error.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from cadence.durations import Duration
from cadence.engine import Engine
from cadence.engine.compiled import CompiledCap, CompiledRule
from cadence.engine.conditions import Predicate
from cadence.engine.rules import add_in_zone, first_meeting
from cadence.engine.state import LeadState, replay
from cadence.policy.models import Invariant, Policy
from cadence.records import CHANNELS, Action, Event, Lead
from cadence.testing import carry_out, lead_histories

#: Units of a duration that are elapsed time (7 days = 168 hours across DST changes).
_ELAPSED: Final = {"hours": 3600, "days": 86400, "weeks": 7 * 86400}

#: The built-in invariants, by name.
BUILT_IN: Final = (
    "opt_out",
    "quiet_hours",
    "working_hours",
    "caps",
    "coverage",
    "before_anchor",
    "escalation",
    "outruns_cap",
    "engine_error",
)

Touches = tuple[tuple[datetime, Action], ...]


@dataclass(frozen=True, slots=True)
class Violation:
    """One lead for which the policy breaks an invariant, with what the policy did."""

    invariant: str  # a built-in name (BUILT_IN) or the id of one of the policy's invariants
    message: str
    lead: Lead
    events: tuple[Event, ...]
    now: datetime
    actions: tuple[Action, ...]  # what the policy asked as of now
    touches: Touches  # the touches made by carrying out the actions, with the action of each
    rules: tuple[str, ...]  # the rules involved
    zone: str  # the lead's zone (its own or the policy's)
    policy: str  # the policy's name
    caps_lifted: bool = False  # the touches were made with the policy's caps lifted


@dataclass(frozen=True, slots=True)
class _Found:
    invariant: str
    message: str
    rules: tuple[str, ...]
    touches: Touches | None = None  # the loop to show, when not the policy's own (caps lifted)


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _stamp(t: datetime, zone: Any) -> str:
    return t.astimezone(zone).strftime("%Y-%m-%d %H:%M %a (%z)")


class _Checker:
    """The invariants of one policy, checked on one lead at a time."""

    def __init__(self, engine: Engine, steps: int) -> None:
        self.engine = engine
        self.policy = engine.policy
        self.compiled = engine._compiled
        self.steps = steps
        self.invariants: tuple[tuple[Invariant, Predicate | None, Predicate | None], ...] = tuple(
            (
                invariant,
                None if invariant.when is None else self.compiled.condition(invariant.when),
                None if invariant.until is None else self.compiled.condition(invariant.until),
            )
            for invariant in self.policy.invariants
        )
        # The same policy without its caps: what each rule would ask if nothing held it back.
        self.uncapped = (
            Engine(self.policy.model_copy(update={"caps": ()})) if self.policy.caps else None
        )
        self.escalating = tuple(
            rule
            for rule in self.compiled.rules
            if rule.rule.obligation is not None
            and rule.rule.obligation.if_missed is not None
            and rule.rule.obligation.if_missed.escalate is not None
        )

    # -- helpers ------------------------------------------------------------------------------

    def state(self, lead: Lead, events: Sequence[Event], at: datetime) -> LeadState:
        state = replay(lead, list(events), at, self.compiled.lead_zone(lead.timezone))
        state.grade = self.compiled.grade_of(state)
        return state

    def add(self, at: datetime, duration: Duration, zone: Any) -> datetime:
        seconds = _ELAPSED.get(duration.unit)
        if seconds is not None:
            return _utc(at) + timedelta(seconds=seconds * duration.amount)
        return _utc(self.compiled.calendar.add(at.astimezone(zone), duration))

    def subtract(self, at: datetime, duration: Duration, zone: Any) -> datetime:
        seconds = _ELAPSED.get(duration.unit)
        if seconds is not None:
            return _utc(at) - timedelta(seconds=seconds * duration.amount)
        return _utc(self.compiled.calendar.subtract(at.astimezone(zone), duration))

    # -- the whole check ------------------------------------------------------------------------

    def run(
        self, lead: Lead, events: Sequence[Event], now: datetime
    ) -> tuple[_Found | None, tuple[Action, ...], Touches]:
        """The first invariant broken for this lead (or ``None``), the actions and the touches."""
        past = [e for e in events if _utc(e.at) <= _utc(now)]
        try:
            explanation = self.engine.explain(lead, past, now)
            touches = tuple(carry_out(self.engine, lead, past, now, self.steps))
        except Exception as error:  # an engine that crashes is a finding too
            return (
                _Found("engine_error", f"the engine failed: {type(error).__name__}: {error}", ()),
                (),
                (),
            )
        actions = explanation.actions
        found = self._at_now(lead, past, now, explanation.stopped_by, actions, explanation)
        if found is None:
            found = self._loop(lead, past, now, touches)
        return found, actions, touches

    def _at_now(
        self,
        lead: Lead,
        past: list[Event],
        now: datetime,
        stopped_by: str | None,
        actions: tuple[Action, ...],
        explanation: Any,
    ) -> _Found | None:
        state = self.state(lead, past, now)
        if state.opted_out and actions:
            return _Found(
                "opt_out",
                "the lead opted out of every channel, yet the policy asks for "
                + ", ".join(f"{a.kind} ({a.rule})" for a in actions),
                tuple(dict.fromkeys(a.rule for a in actions)),
            )
        for action in actions:
            found = self._action(lead, state, action)
            if found is not None:
                return found
        for rule in self.escalating:
            found = self._escalation(rule, lead, past, state, actions)
            if found is not None:
                return found
        if stopped_by is None and not actions:
            why = "; ".join(f"{v.rule}: {v.text}" for v in explanation.verdicts)
            return _Found(
                "coverage",
                f"the lead is not stopped (stage {state.stage}, grade {state.grade or '-'}"
                + (f", opted out of {', '.join(sorted(state.blocked))}" if state.blocked else "")
                + f") but the policy asks nothing: {why}",
                tuple(rule.id for rule in self.policy.rules),
            )
        return None

    def _action(self, lead: Lead, state: LeadState, action: Action) -> _Found | None:
        """The invariants of one action: consent, windows, nothing before capture or anchor."""
        rules = (action.rule,)
        local = action.due.astimezone(state.zone)
        if _utc(action.due) < _utc(lead.captured_at):
            return _Found(
                "before_anchor",
                f"{action.rule}: {action.kind} due {local.isoformat()}, before the lead was "
                f"captured at {lead.captured_at.astimezone(state.zone).isoformat()}",
                rules,
            )
        compiled_rule = next(r for r in self.compiled.rules if r.rule.id == action.rule)
        spec = compiled_rule.rule.obligation or compiled_rule.rule.sequence
        matcher = compiled_rule.matchers.get("after")
        if spec is not None and matcher is not None:
            anchor = matcher.anchor(state, spec.occurrence)
            if anchor is not None and _utc(action.due) < _utc(anchor.at):
                return _Found(
                    "before_anchor",
                    f"{action.rule}: {action.kind} due {local.isoformat()}, before the "
                    f"{anchor.type} at {anchor.at.astimezone(state.zone).isoformat()} "
                    "that started it",
                    rules,
                )
        if action.kind != "contact" or action.channel is None:
            return None
        channel = action.channel
        if channel in state.blocked:
            return _Found(
                "opt_out",
                f"{action.rule}: a contact by {channel}, which the lead opted out of",
                rules,
            )
        working, quiet = self.compiled.windows[channel]
        clock = local.time()
        for window in quiet:
            if window.contains(clock):
                return _Found(
                    "quiet_hours",
                    f"{action.rule}: {channel} due {local.isoformat()}, inside the quiet hours "
                    f"{window.start:%H:%M}-{window.end:%H:%M} in the lead's zone {state.zone.key}",
                    rules,
                )
        if working is not None and (
            not self.compiled.calendar.is_working_day(local.date()) or not working.contains(clock)
        ):
            return _Found(
                "working_hours",
                f"{action.rule}: {channel} due {local.isoformat()}, outside the working hours "
                f"{working.start:%H:%M}-{working.end:%H:%M} on working days, in the lead's zone "
                f"{state.zone.key}",
                rules,
            )
        return None

    # -- escalation -----------------------------------------------------------------------------

    def _escalation(
        self,
        rule: CompiledRule,
        lead: Lead,
        past: list[Event],
        state: LeadState,
        actions: tuple[Action, ...],
    ) -> _Found | None:
        """An obligation with an escalation escalates exactly when it is missed."""
        spec = rule.rule.obligation
        assert spec is not None and spec.if_missed is not None
        delay = spec.if_missed.escalate
        assert delay is not None
        name = rule.rule.id
        escalations = [a for a in actions if a.rule == name and a.kind == "escalate"]
        anchor = rule.matchers["after"].anchor(state, spec.occurrence)
        if anchor is None:
            if escalations:
                return _Found(
                    "escalation", f"{name}: an escalation, but nothing started it", (name,)
                )
            return None
        deadline, stamp = add_in_zone(self.compiled, state, anchor.at, anchor.stamp, spec.within)
        due = add_in_zone(self.compiled, state, deadline, stamp, delay)[0]
        channel = rule.channel.choose(state, anchor) if rule.channel is not None else None
        met = first_meeting(rule, state, anchor, channel)
        zone = state.zone
        if escalations:
            if met is not None and _utc(met.at) <= _utc(deadline):
                return _Found(
                    "escalation",
                    f"{name}: escalated, yet the obligation was met on time "
                    f"({met.type} at {_stamp(met.at, zone)}, due by {_stamp(deadline, zone)})",
                    (name,),
                )
            early = [a for a in escalations if _utc(a.due) < _utc(due)]
            if early:
                return _Found(
                    "escalation",
                    f"{name}: escalation due {_stamp(early[0].due, zone)}, before "
                    f"{_stamp(due, zone)} ({delay} after the deadline {_stamp(deadline, zone)})",
                    (name,),
                )
            return None
        if met is not None and _utc(met.at) <= _utc(deadline):
            return None
        # Fell due unmet? Then, with nothing more happening, its escalation comes when due.
        until_deadline = [e for e in past if _utc(e.at) <= _utc(deadline)]
        asked = self.engine.next_actions(lead, until_deadline, deadline)
        if not any(a.rule == name and a.kind in ("contact", "task") for a in asked):
            return None
        later = self.engine.explain(lead, until_deadline, due)
        if later.stopped_by is not None or any(
            a.rule == name and a.kind == "escalate" for a in later.actions
        ):
            return None
        return _Found(
            "escalation",
            f"{name}: the obligation fell due unmet at {_stamp(deadline, zone)}; with nothing "
            f"more happening, its escalation is due at {_stamp(due, zone)}, but then the policy "
            "asks no escalation",
            (name,),
        )

    # -- a rule that outruns a cap on its own ---------------------------------------------------

    def _outruns_cap(
        self, lead: Lead, past: list[Event], now: datetime, state: LeadState
    ) -> _Found | None:
        """Carried out with the caps lifted, does one rule alone break a cap?"""
        if self.uncapped is None:
            return None
        free = tuple(carry_out(self.uncapped, lead, past, now, self.steps))
        # A rule's own timing: the touches of a cadence or sequence made when they fell due
        # (an overdue contact is catching up, which the cap rightly spreads out); an obligation
        # asks once, and asks again in the loop only when a touch does not meet it.
        timed = {r.rule.id for r in self.compiled.rules if r.rule.kind in ("cadence", "sequence")}
        for cap in self._counting(state):
            for rule in dict.fromkeys(a.rule for _, a in free if a.rule in timed):
                own = tuple((at, a) for at, a in free if a.rule == rule and not a.overdue)
                made = [Event(lead.id, at, "touch", a.channel, "reached") for at, a in own]
                broken = self._broken(cap, lead, made, own, state)
                if broken is not None:
                    begin, end, count = broken
                    return _Found(
                        "outruns_cap",
                        f"{rule} on its own asks for {count} touches between "
                        f"{_stamp(begin, state.zone)} and {_stamp(end, state.zone)}, more than "
                        f"cap {cap.id} allows ({cap.max} within {cap.within}); the cap delays "
                        "its contacts, so the rule's own timing cannot be kept",
                        (rule,),
                        free,
                    )
        return None

    # -- the closed loop ------------------------------------------------------------------------

    def _loop(
        self, lead: Lead, past: list[Event], now: datetime, touches: Touches
    ) -> _Found | None:
        made = [Event(lead.id, at, "touch", action.channel, "reached") for at, action in touches]
        history = past + made
        end_state = self.state(lead, history, touches[-1][0] if touches else now)
        for _at, action in touches:
            found = self._action(lead, end_state, action)
            if found is not None:
                return found
        found = self._caps(lead, history, touches, end_state)
        if found is not None:
            return found
        found = self._outruns_cap(lead, past, now, end_state)
        if found is not None:
            return found
        for invariant, when, until in self.invariants:
            if invariant.at_most is not None:
                found = self._at_most(invariant, when, until, lead, history, touches)
            else:
                found = self._at_least_every(invariant, when, until, lead, history, now, touches)
            if found is not None:
                return found
        return None

    def _counted(
        self, lead: Lead, history: list[Event], channels: frozenset[str]
    ) -> list[datetime]:
        captured = _utc(lead.captured_at)
        return sorted(
            _utc(e.at)
            for e in history
            if e.type == "touch" and e.channel in channels and _utc(e.at) >= captured
        )

    def _windows(
        self,
        lead: Lead,
        history: list[Event],
        touches: Touches,
        channels: frozenset[str],
        within: Duration,
        most: int,
        zone: Any,
        counts: Callable[[datetime], bool] | None = None,
    ) -> tuple[datetime, datetime, int] | None:
        """A rolling window ``(begin, end]`` holding a touch of the loop and more than ``most``
        (and, with ``counts``, one whose end ``counts`` accepts)."""
        times = self._counted(lead, history, channels)
        for made_at, action in touches:
            if action.channel not in channels:
                continue
            at = _utc(made_at)
            for end in times:
                if end < at:
                    continue
                begin = self.subtract(end, within, zone)
                if begin >= at:
                    continue
                count = sum(1 for t in times if begin < t <= end)
                if count > most and (counts is None or counts(end)):
                    return begin, end, count
        return None

    def _counting(self, state: LeadState) -> Iterator[CompiledCap]:
        """The caps that hold for this lead (those whose ``when`` holds, or that have none)."""
        for cap in self.compiled.caps:
            if cap.when is None or cap.when(state, None):
                yield cap

    def _broken(
        self, cap: CompiledCap, lead: Lead, history: list[Event], touches: Touches, state: LeadState
    ) -> tuple[datetime, datetime, int] | None:
        """A rolling window of ``cap`` that one of ``touches`` fills past its maximum."""
        return self._windows(lead, history, touches, cap.channels, cap.within, cap.max, state.zone)

    def _involved(self, touches: Touches, begin: datetime, end: datetime) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.rule for at, a in touches if begin <= _utc(at) <= end))

    def _caps(
        self, lead: Lead, history: list[Event], touches: Touches, state: LeadState
    ) -> _Found | None:
        for cap in self._counting(state):
            broken = self._broken(cap, lead, history, touches, state)
            if broken is not None:
                begin, end, count = broken
                return _Found(
                    "caps",
                    f"cap {cap.id} ({cap.max} within {cap.within}) broken: {count} touches "
                    f"between {_stamp(begin, state.zone)} and {_stamp(end, state.zone)}",
                    self._involved(touches, begin, end),
                )
        return None

    def _applies(
        self,
        when: Predicate | None,
        until: Predicate | None,
        lead: Lead,
        history: list[Event],
        at: datetime,
    ) -> bool:
        state = self.state(lead, history, at)
        if when is not None and not when(state, None):
            return False
        return until is None or not until(state, None)

    def _at_most(
        self,
        invariant: Invariant,
        when: Predicate | None,
        until: Predicate | None,
        lead: Lead,
        history: list[Event],
        touches: Touches,
    ) -> _Found | None:
        spec = invariant.at_most
        assert spec is not None
        zone = self.compiled.lead_zone(lead.timezone)
        channels = frozenset(spec.channels or CHANNELS)
        broken = self._windows(
            lead,
            history,
            touches,
            channels,
            spec.within,
            spec.contacts,
            zone,
            counts=lambda end: self._applies(when, until, lead, history, end),
        )
        if broken is None:
            return None
        begin, end, count = broken
        on = ", ".join(spec.channels) if spec.channels else "any channel"
        return _Found(
            invariant.id,
            f"{count} touches ({on}) between {_stamp(begin, zone)} and "
            f"{_stamp(end, zone)}; at most {spec.contacts} within {spec.within}",
            self._involved(touches, begin, end),
        )

    def _at_least_every(
        self,
        invariant: Invariant,
        when: Predicate | None,
        until: Predicate | None,
        lead: Lead,
        history: list[Event],
        now: datetime,
        touches: Touches,
    ) -> _Found | None:
        spec = invariant.at_least_every
        assert spec is not None
        zone = self.compiled.lead_zone(lead.timezone)
        times = self._counted(lead, history, frozenset((spec.channel,)))
        start = _utc(now)
        # The loop sees as far as its last touch; when the policy asked no more, it sees all.
        end = _utc(touches[-1][0]) if len(touches) == self.steps and touches else None
        before = [t for t in times if t <= start]
        previous = before[-1] if before else _utc(lead.captured_at)
        for _ in range(len(times) + 2):
            deadline = max(self.add(previous, spec.within, zone), start)
            if end is not None and deadline > end:
                return None
            following = next((t for t in times if t > previous), None)
            if following is not None and following <= deadline:
                previous = following
                continue
            if self._applies(when, until, lead, history, deadline):
                until_then = following if following is not None else end or deadline
                return _Found(
                    invariant.id,
                    f"no {spec.channel} touch from {_stamp(previous, zone)} to "
                    f"{_stamp(deadline, zone)}; one at least every {spec.within}"
                    + (
                        f" (the next one only at {_stamp(following, zone)})"
                        if following is not None
                        else ""
                    ),
                    self._involved(touches, previous, until_then),
                )
            if following is None:
                return None
            previous = following
        return None

    def violation(self, lead: Lead, events: Sequence[Event], now: datetime) -> Violation | None:
        found, actions, touches = self.run(lead, events, now)
        if found is None:
            return None
        return Violation(
            found.invariant,
            found.message,
            lead,
            tuple(events),
            now,
            actions,
            touches if found.touches is None else found.touches,
            found.rules,
            lead.timezone or self.policy.timezone,
            self.policy.policy,
            caps_lifted=found.touches is not None,
        )


def verify(
    policy: Policy, *, examples: int = 200, seed: int = 0, steps: int = 8
) -> Violation | None:
    """Search ``examples`` generated leads for one that breaks an invariant; the shrunk
    counterexample, or ``None``. The same seed gives the same answer."""
    engine = Engine(policy)
    checker = _Checker(engine, steps)

    def broken(case: tuple[Lead, list[Event], datetime]) -> bool:
        found, _, _ = checker.run(*case)
        return found is not None

    chosen = settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
        print_blob=False,
    )
    try:
        lead, events, now = find(
            lead_histories(policy), broken, settings=chosen, random=random.Random(seed)
        )
    except NoSuchExample:
        return None
    return checker.violation(lead, events, now)


__all__ = ["BUILT_IN", "Violation", "verify"]
