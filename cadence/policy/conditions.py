"""Conditions: what a rule tests about a lead and its history.

A condition is a mapping; every key in it must hold (they are joined by *and*)::

    when:
      grade: [A, B]
      stage_not: [won, lost]
      attributes:
        customer_type: distributor
        distance_km: {below: 50}
      happened: quote_sent
      not_happened: {event: reply, since: quote_sent}
      last_touch: {outcome: declined}

``any:`` (a list, one must hold), ``all:`` (a list, all must hold) and ``not:`` (a condition that
must not hold) combine conditions. ``docs/policy-language.md`` has an example of each key.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from cadence.policy._base import DurationField, Model, Words

#: The pseudo-event at the moment a lead was captured; usable wherever an event type is.
CAPTURED = "captured"


def _event_shorthand(value: Any) -> Any:
    return {"event": value} if isinstance(value, str) else value


class EventMatch(Model):
    """Which events count: a type, narrowed by channel, outcome or value.

    Written as a bare type (``quote_sent``) or a mapping
    (``{event: touch, channel: phone, outcome: [interested, put_off]}``).
    ``captured`` stands for the moment the lead was captured.
    """

    event: str = Field(description="the event type, or 'captured'")
    channel: Words | None = Field(None, description="only events on one of these channels")
    outcome: Words | None = Field(None, description="only touches with one of these outcomes")
    value: Words | None = Field(None, description="only events whose value is one of these")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _event_shorthand(value)


class EventTest(EventMatch):
    """Whether a matching event happened, optionally since another event or within a period.

    ``since`` bounds the search to after the latest event of that type (``since: quote_sent``:
    "since the quote was sent"); ``within`` to the period that ends now.
    """

    since: str | None = Field(None, description="only after the latest event of this type")
    within: DurationField | None = Field(None, description="only in this period before now")


class TouchTest(Model):
    """A test of the lead's last touch (the most recent outbound contact)."""

    channel: Words | None = Field(None, description="the last touch was on one of these")
    outcome: Words | None = Field(None, description="the last touch had one of these outcomes")


class AnchorTest(Model):
    """A test of the event that started the rule (in a sequence step or an obligation)."""

    channel: Words | None = Field(None, description="the anchor event was on one of these")
    outcome: Words | None = Field(None, description="the anchor touch had one of these outcomes")
    value: Words | None = Field(None, description="the anchor event's value is one of these")


class AttributeTest(Model):
    """A test of one lead attribute. A bare value means ``is: value``; a bare list ``in: list``."""

    is_: Any = Field(None, alias="is", description="equals this value")
    is_not: Any = Field(None, description="differs from this value")
    in_: tuple[Any, ...] | None = Field(None, alias="in", description="is one of these")
    not_in: tuple[Any, ...] | None = Field(None, description="is none of these")
    below: float | None = Field(None, description="a number below this")
    at_most: float | None = Field(None, description="a number at most this")
    above: float | None = Field(None, description="a number above this")
    at_least: float | None = Field(None, description="a number at least this")
    present: bool | None = Field(None, description="the attribute is present (true) or absent")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        if isinstance(value, list):  # a list of values reads as "one of these"
            return {"in": value}
        return {"is": value}

    @model_validator(mode="after")
    def _not_empty(self) -> AttributeTest:
        if not self.model_fields_set:
            raise ValueError(
                "an attribute test needs one of: is, is_not, in, not_in, below, "
                "at_most, above, at_least, present"
            )
        return self


class Condition(Model):
    """A test of the lead at the moment of evaluation; every key given must hold."""

    grade: Words | None = Field(None, description="the lead's grade is one of these")
    grade_not: Words | None = Field(None, description="the lead's grade is none of these")
    stage: Words | None = Field(None, description="the lead's stage is one of these")
    stage_not: Words | None = Field(None, description="the lead's stage is none of these")
    attributes: dict[str, AttributeTest] | None = Field(
        None, description="tests of lead attributes, by attribute name"
    )
    happened: EventTest | None = Field(None, description="a matching event happened")
    not_happened: EventTest | None = Field(None, description="no matching event happened")
    last_touch: TouchTest | None = Field(None, description="a test of the most recent touch")
    anchor: AnchorTest | None = Field(None, description="a test of the event that started the rule")
    all_: tuple[Condition, ...] | None = Field(None, alias="all", description="all of these hold")
    any_: tuple[Condition, ...] | None = Field(None, alias="any", description="one of these holds")
    not_: Condition | None = Field(None, alias="not", description="this does not hold")

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_fields_set:
            raise ValueError("an empty condition tests nothing; leave it out or give a test")
        return self
