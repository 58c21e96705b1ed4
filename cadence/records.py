"""The records of the data contract: a lead, an event of its history, an action.

These are plain frozen dataclasses, not pydantic models: they are built once per line of input
and read many times by the engine, so they are kept small and cheap. Reading and writing them
(JSON Lines, CSV) lives in :mod:`cadence.data`; what every field means is in
``docs/data-contract.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

#: The channels a touch, a reply, an opt-out or a contact action can use.
CHANNELS: Final = ("phone", "email", "sms", "visit", "wechat", "post")

#: Event types whose meaning is built into the engine; any other type is a domain event.
BUILTIN_EVENT_TYPES: Final = (
    "touch",
    "reply",
    "stage",
    "score",
    "grade",
    "assigned",
    "opt_out",
    "opt_in",
)

#: The kinds of action the engine asks for.
ActionKind = Literal["contact", "escalate", "reassign", "task"]
ACTION_KINDS: Final = ("contact", "escalate", "reassign", "task")


@dataclass(frozen=True, slots=True)
class Lead:
    """A prospect as the CRM knows it at capture.

    ``captured_at`` is always time-zone aware. ``timezone`` is the lead's IANA zone, or ``None`` for
    the policy's zone. ``attributes`` holds every other column (``customer_type``, ``birthday``...).
    """

    id: str
    captured_at: datetime
    timezone: str | None = None
    owner: str | None = None
    manager: str | None = None
    score: float | None = None
    grade: str | None = None
    stage: str = "new"
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The lead as the contract's JSON object: the fields it has (``stage`` unless ``new``),
        then its attributes; ``captured_at`` as ISO-8601 with offset."""
        fields: dict[str, Any] = {"id": self.id, "captured_at": self.captured_at.isoformat()}
        for key in ("timezone", "owner", "manager", "score", "grade"):
            value = getattr(self, key)
            if value is not None:
                fields[key] = value
        if self.stage != "new":
            fields["stage"] = self.stage
        fields.update(self.attributes)
        return fields


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to a lead: a touch, a reply, a stage change, a domain event...

    ``at`` is always time-zone aware. ``value`` carries the new stage, score, grade or owner for
    the event types that have one.
    """

    lead_id: str
    at: datetime
    type: str
    channel: str | None = None
    outcome: str | None = None
    value: str | float | None = None
    #: ``at`` as a POSIX timestamp, worked out once when the event is made: the engine orders
    #: and compares events by it (comparing datetimes, and ``datetime.timestamp``, are slow).
    stamp: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"an event's time must carry a time zone offset, got {self.at}")
        object.__setattr__(self, "stamp", self.at.timestamp())

    def to_dict(self) -> dict[str, Any]:
        """The event as the contract's JSON object (``at`` as ISO-8601 with offset), without the
        fields it does not have."""
        fields: dict[str, Any] = {"lead_id": self.lead_id, "at": self.at.isoformat()}
        fields["type"] = self.type
        for key in ("channel", "outcome", "value"):
            value = getattr(self, key)
            if value is not None:
                fields[key] = value
        return fields


@dataclass(frozen=True, slots=True)
class Action:
    """What the policy asks for: who should do what, by which channel, when, and why.

    ``due`` is in the lead's zone, already moved out of quiet hours and non-working time where the
    policy says so. ``overdue`` is true when ``due`` is before the ``now`` of the evaluation.
    ``policy`` is the fingerprint of the policy that decided (see
    :func:`cadence.policy.fingerprint.fingerprint`); the engine always sets it.
    """

    lead_id: str
    rule: str
    refs: tuple[str, ...]
    kind: ActionKind
    channel: str | None
    assignee: str | None
    due: datetime
    overdue: bool
    reason: str
    policy: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The action as the contract's JSON object (``due`` as ISO-8601 with offset)."""
        return {
            "lead_id": self.lead_id,
            "rule": self.rule,
            "refs": list(self.refs),
            "kind": self.kind,
            "channel": self.channel,
            "assignee": self.assignee,
            "due": self.due.isoformat(),
            "overdue": self.overdue,
            "reason": self.reason,
            "policy": self.policy,
        }

    def sort_key(self) -> tuple[float, str, str]:
        """The contract's output order: by ``due`` (the instant), then ``lead_id``, then ``rule``.

        The instant is taken as a POSIX timestamp: comparing datetimes in different zones is
        slow, and due times come in every lead's zone."""
        return (self.due.timestamp(), self.lead_id, self.rule)
