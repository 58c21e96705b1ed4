"""The policy language: a follow-up regulation as data.

A policy file is one :class:`Policy`. Every model is frozen and rejects keys it does not know, so a
misspelling is an error with a location, never silently ignored. The reference with an example for
every construct is ``docs/policy-language.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from cadence.durations import Duration
from cadence.policy._base import DurationField, Model, OneOrList, OrShortForms, TimeOfDay, Words
from cadence.policy.conditions import CAPTURED, Condition, EventMatch

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: The greeting occasion that means "the first day of each public holiday of the calendar".
PUBLIC_HOLIDAYS = "public holidays"


def _positive(duration: Duration, key: str) -> None:
    if duration.amount <= 0:
        raise ValueError(f"'{key}' must be a period longer than zero, got '{duration}'")


class CalendarSpec(Model):
    """The business calendar: the working week and the public holidays of a country."""

    country: str | None = Field(
        None, description="ISO country code whose public holidays and make-up workdays apply (CN)"
    )
    subdivision: str | None = Field(None, description="a state or province code, where it matters")
    working_days: Words = Field(
        ("mon", "tue", "wed", "thu", "fri"), description="the days of the working week"
    )


class WorkingHours(Model):
    """When the company works; contacts on the listed channels happen only then."""

    start: TimeOfDay = Field(description="start of the working day, HH:MM")
    end: TimeOfDay = Field(description="end of the working day, HH:MM")
    channels: Words | None = Field(
        None, description="the channels held to working hours; default: every channel"
    )


class QuietHours(Model):
    """A daily window in the lead's own zone when no contact is made (on the listed channels)."""

    start: TimeOfDay = Field(description="start of the quiet window, HH:MM")
    end: TimeOfDay = Field(description="end of the window, HH:MM; before start means the next day")
    channels: Words | None = Field(
        None, description="the channels it covers; default: every channel"
    )


class GradeSpec(Model):
    """One grade; the first grade whose tests hold is the lead's grade."""

    grade: str = Field(description="the grade's name (A, B, C...)")
    min_score: float | None = Field(None, description="the lowest score that gets this grade")
    when: Condition | None = Field(None, description="a further condition for this grade")


class Stop(Model):
    """While its condition holds, the policy asks nothing of the lead."""

    id: str = Field(description="a unique id, cited by explanations")
    refs: Words = Field((), description="the regulation clauses it encodes")
    when: Condition = Field(description="the condition that stops all follow-up")


class Cap(Model):
    """At most ``max`` contacts within any rolling period, on the listed channels (or any)."""

    id: str = Field(description="a unique id")
    refs: Words = Field((), description="the regulation clauses it encodes")
    max: int = Field(ge=1, description="the most contacts allowed in any such period")
    within: DurationField = Field(description="the length of the rolling period")
    channels: Words | None = Field(None, description="the channels counted; default: every channel")
    when: Condition | None = Field(None, description="only for leads where this holds")

    @model_validator(mode="after")
    def _within_is_a_period(self) -> Cap:
        _positive(self.within, "within")
        return self


class ChannelChoice(Model):
    """One line of a channel choice: use this channel when the condition holds."""

    use: str = Field(description="the channel")
    when: Condition | None = Field(None, description="when to use it; none means always")


def _channel_choices(value: Any) -> Any:
    if isinstance(value, str):
        return ({"use": value},)
    return value


#: A channel, or a list of choices tried in order (the first whose condition holds).
Channels = Annotated[
    tuple[ChannelChoice, ...],
    BeforeValidator(_channel_choices),
    OrShortForms({"type": "string", "description": "one channel, always used"}),
]


class IfMissed(Model):
    """What happens when an obligation is not met by its deadline."""

    escalate: DurationField | None = Field(
        None, description="escalate to the lead's manager this long after the deadline"
    )
    reassign: DurationField | None = Field(
        None, description="ask the manager to reassign the lead this long after the deadline"
    )


#: Which occurrence of a rule's ``after`` event starts it: the most recent, or the first.
Occurrence = Literal["latest", "first"]


class Obligation(Model):
    """Within a period after an event, something must be done: a contact or a task."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["channel"]}, {"required": ["task"]}],
            "dependentRequired": {"task": ["met_by"]},
        }
    )

    after: EventMatch = Field(description="the event that starts the clock")
    occurrence: Occurrence = Field(
        "latest", description="which occurrence of 'after' starts the clock: latest or first"
    )
    within: DurationField = Field(description="how long after it the obligation is due")
    channel: Channels | None = Field(None, description="the contact to make (for a contact)")
    task: str | None = Field(None, description="the task to do, in words (instead of a contact)")
    met_by: EventMatches | None = Field(
        None, description="the events that meet it; default: a touch on the chosen channel"
    )
    if_missed: IfMissed | None = Field(None, description="escalation and reassignment")

    @model_validator(mode="after")
    def _contact_or_task(self) -> Obligation:
        if (self.channel is None) == (self.task is None):
            raise ValueError("an obligation needs either 'channel' (a contact) or 'task'")
        if self.task is not None and self.met_by is None:
            raise ValueError("a task obligation needs 'met_by': the event that shows it is done")
        return self


class Backoff(Model):
    """After a rejection: lengthen the interval, switch the channel, or both."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["multiply"]}, {"required": ["switch_to"]}]}
    )

    on: Words = Field(("declined",), description="the touch outcomes that count as a rejection")
    multiply: int | None = Field(None, ge=2, description="multiply the interval by this")
    switch_to: str | None = Field(None, description="use this channel instead")

    @model_validator(mode="after")
    def _does_something(self) -> Backoff:
        if self.multiply is None and self.switch_to is None:
            raise ValueError("a backoff needs 'multiply', 'switch_to' or both")
        return self


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str | dict) else value


#: Event matches; a single one may be written without the list.
EventMatches = Annotated[tuple[EventMatch, ...], BeforeValidator(_listed), OneOrList()]


class Cadence(Model):
    """A recurring contact: at least every period, counted from the last touch that qualifies."""

    every: DurationField = Field(description="the longest allowed gap between touches")
    channel: Channels = Field(description="the channel to use")
    start: EventMatch = Field(
        EventMatch(event=CAPTURED), description="counted from this event until a touch qualifies"
    )
    counts: EventMatches | None = Field(
        None, description="the touches that qualify; default: a touch on one of its channels"
    )
    backoff: Backoff | None = Field(None, description="what a rejection changes")

    @model_validator(mode="after")
    def _every_is_a_period(self) -> Cadence:
        _positive(self.every, "every")
        return self


class Step(Model):
    """One step of a sequence, at an offset from the sequence's anchor."""

    at: DurationField = Field(description="the offset from the anchor")
    channel: str = Field(description="the channel to use")
    when: Condition | None = Field(None, description="skip the step unless this holds")
    say: str | None = Field(None, description="what to send or say, in words")
    refs: Words | None = Field(None, description="the clauses of this step; default: the rule's")


class Repeat(Model):
    """After the last step: a contact every period until the rule's ``until`` holds."""

    every: DurationField = Field(description="the period")
    channel: str = Field(description="the channel to use")
    say: str | None = Field(None, description="what to send or say, in words")
    refs: Words | None = Field(None, description="the clauses of the repetition")

    @model_validator(mode="after")
    def _every_is_a_period(self) -> Repeat:
        _positive(self.every, "every")
        return self


class Sequence(Model):
    """Steps at offsets after an anchor event, then optionally a repetition."""

    after: EventMatch = Field(description="the anchor event")
    occurrence: Occurrence = Field(
        "latest", description="which occurrence of 'after' is the anchor: latest or first"
    )
    steps: tuple[Step, ...] = Field(min_length=1, description="the steps, in order")
    then: Repeat | None = Field(None, description="what follows the last step")


class Greeting(Model):
    """A contact on the calendar's public holidays or on a date held by a lead attribute."""

    on: str = Field(description="'public holidays', or the attribute holding a date (birthday)")
    channel: str = Field(description="the channel to use")
    at: TimeOfDay = Field(description="the time of day to send it")


RuleKind = Literal["obligation", "cadence", "sequence", "greeting"]


class Rule(Model):
    """A rule of the policy: what it asks, for which leads, and which clauses it encodes."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [kind]} for kind in ("obligation", "cadence", "sequence", "greeting")
            ]
        }
    )

    id: str = Field(description="a unique id; every action the rule produces carries it")
    refs: Words = Field((), description="the regulation clauses it encodes")
    title: str | None = Field(None, description="a short title")
    say: str | None = Field(None, description="what to do, as the salesperson should read it")
    when: Condition | None = Field(None, description="the rule applies only while this holds")
    until: Condition | None = Field(
        None, description="the rule asks nothing while this holds (e.g. once an event happened)"
    )
    assignee: Literal["owner", "manager"] = Field("owner", description="who acts on it")
    obligation: Obligation | None = Field(
        None, description="a deadline: within a period after an event, a contact or a task"
    )
    cadence: Cadence | None = Field(
        None, description="a recurring contact: at least every period until the rule's 'until'"
    )
    sequence: Sequence | None = Field(
        None, description="steps at offsets after an anchor event, then optionally a repetition"
    )
    greeting: Greeting | None = Field(
        None, description="a contact on public holidays or on a date a lead attribute holds"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        given = [
            k
            for k in ("obligation", "cadence", "sequence", "greeting")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a rule needs exactly one of: obligation, cadence, sequence, greeting"
                + (f" (it has {', '.join(given)})" if given else "")
            )
        return self

    @property
    def kind(self) -> RuleKind:
        """Which of the four kinds of rule this is."""
        kinds: tuple[RuleKind, ...] = ("obligation", "cadence", "sequence", "greeting")
        for kind in kinds:
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated rule without a kind")


class AtMost(Model):
    """At most ``contacts`` contacts within any rolling period, on the listed channels (or any)."""

    contacts: int = Field(ge=1, description="the most contacts allowed in any such period")
    within: DurationField = Field(description="the length of the rolling period")
    channels: Words | None = Field(None, description="the channels counted; default: every channel")

    @model_validator(mode="after")
    def _within_is_a_period(self) -> AtMost:
        _positive(self.within, "within")
        return self


class AtLeastEvery(Model):
    """A touch on the channel at least every period."""

    within: DurationField = Field(description="the longest allowed gap between touches")
    channel: str = Field(description="the channel of the touches")

    @model_validator(mode="after")
    def _within_is_a_period(self) -> AtLeastEvery:
        _positive(self.within, "within")
        return self


class Invariant(Model):
    """What must always hold when the policy's actions are carried out; checked by
    ``cadence verify``, never by the engine."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["at_most"]}, {"required": ["at_least_every"]}],
        }
    )

    id: str = Field(description="a unique id; verify names it when it is broken")
    refs: Words = Field((), description="the regulation clauses it states")
    when: Condition | None = Field(None, description="checked only for leads where this holds")
    until: Condition | None = Field(None, description="no longer checked once this holds")
    at_most: AtMost | None = Field(
        None, description="at most so many contacts in any rolling period"
    )
    at_least_every: AtLeastEvery | None = Field(
        None, description="a touch on a channel at least every period"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Invariant:
        if (self.at_most is None) == (self.at_least_every is None):
            raise ValueError("an invariant needs exactly one of: at_most, at_least_every")
        return self


def _version_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        raise ValueError(f'write the version in quotes, "{value}", so that it stays as written')
    return value


#: A version as its authors number it; a whole number may be written without quotes.
VersionText = Annotated[
    str,
    BeforeValidator(_version_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
]


class Policy(Model):
    """A follow-up policy: calendar, time rules, grades, stops, caps and rules."""

    policy: str = Field(description="the policy's name")
    title: str | None = Field(None, description="a title for people")
    version: VersionText | None = Field(
        None, description="the version of the policy, as its authors number it ('1.0', '2025-2')"
    )
    effective_from: date | None = Field(
        None, description="the day from which this version applies, YYYY-MM-DD"
    )
    owner: str | None = Field(
        None, description="who is responsible for the policy: a team or a person"
    )
    timezone: str = Field(description="the default zone of leads that give none (IANA name)")
    calendar: CalendarSpec = Field(CalendarSpec(), description="the business calendar")
    working_hours: WorkingHours | None = Field(None, description="when contacts may be made")
    quiet_hours: tuple[QuietHours, ...] = Field((), description="when no contact is made")
    stages: Words = Field((), description="the stages a lead can be in")
    events: Words = Field((), description="the domain events the policy uses")
    grades: tuple[GradeSpec, ...] = Field((), description="grades, first match wins")
    stops: tuple[Stop, ...] = Field((), description="conditions that end all follow-up")
    caps: tuple[Cap, ...] = Field((), description="limits on contacts across all rules")
    rules: tuple[Rule, ...] = Field(min_length=1, description="the rules")
    invariants: tuple[Invariant, ...] = Field(
        (), description="what must always hold; checked by 'cadence verify'"
    )
