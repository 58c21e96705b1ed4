"""What a simulation records of each lead: the obligations the policy created, and what became of
them; the touches of the simulated history."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from cadence.records import ActionKind, Event

#: What became of an obligation: met by its due time, met after it, never met though due,
#: ended (no longer asked, nothing met it: a stop, an opt-out, a change of stage), still open
#: (not due when the history ends).
Outcome = Literal["on_time", "late", "missed", "ended", "open"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("on_time", "late", "missed", "ended", "open")

#: The kinds of action that a salesperson does (what escalations follow, what touches meet).
CONTACTS: Final = ("contact", "task")


@dataclass(slots=True)
class Obligation:
    """One thing the policy asked of one lead, from when it was first asked to what became of it.

    Every action the policy asks creates one, whatever the kind of rule behind it (an obligation,
    a cadence's next touch, a sequence step, a greeting, an escalation). ``due`` is the due time
    when it was first asked. It is judged against ``deadline``: the due time or, for one born
    overdue (a cadence that starts to apply when the grade changes, long after the last touch),
    the first moment after it was asked that the quiet and working hours allow: it could not
    be met before it existed. When the policy later asks for it later still, with nothing done
    (a cap filled up in between), the deadline follows; in an audit, a hold that time alone
    brings only if another contact was in fact made first
    (:meth:`cadence.simulate._run.LeadRun._made_first_elsewhere`)."""

    lead_id: str
    rule: str
    refs: tuple[str, ...]
    kind: ActionKind
    channel: str | None
    assignee: str | None
    asked_at: datetime
    due: datetime
    reason: str
    deadline: datetime  # see above
    outcome: Outcome = "open"
    resolved_at: datetime | None = None
    deferred: bool = False  # follow mode: capacity moved the contact that met it
    #: ``due`` as a POSIX timestamp (the metrics order obligations by it); worked out from
    #: ``due`` when not given.
    due_stamp: float = field(default=math.nan, repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.due_stamp != self.due_stamp:  # not given (NaN)
            self.due_stamp = self.due.timestamp()

    @property
    def late_by(self) -> timedelta | None:
        """How late it was met, for an obligation met late."""
        if self.outcome != "late" or self.resolved_at is None:
            return None
        return self.resolved_at - self.deadline


@dataclass(frozen=True, slots=True)
class Touch:
    """A touch of the simulated history (the real one, or the one follow mode made)."""

    lead_id: str
    at: datetime
    channel: str
    owner: str | None
    made: bool  # made by follow mode (False: from the real history)
    #: ``at`` as a POSIX timestamp (see :attr:`cadence.Event.stamp`); worked out from ``at``
    #: when not given.
    stamp: float = field(default=math.nan, repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.stamp != self.stamp:  # not given (NaN)
            object.__setattr__(self, "stamp", self.at.timestamp())

    @classmethod
    def of(cls, event: Event, owner: str | None, made: bool) -> Touch:
        """The touch an event of the history is (its channel set), by ``owner``."""
        assert event.channel is not None
        return cls(event.lead_id, event.at, event.channel, owner, made, stamp=event.stamp)
