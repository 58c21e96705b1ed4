"""What a simulation records of each lead: the obligations the policy created, and what became of
them; the touches of the simulated history."""

from __future__ import annotations

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


@dataclass(slots=True, init=False)
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
    (:meth:`cadence.simulate._run.LeadRun._made_first_elsewhere`).

    A dataclass for its ``repr`` and equality, with its own ``__init__``, which a compiled build
    compiles (it does not compile the one ``dataclass`` writes)."""

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
    outcome: Outcome
    resolved_at: datetime | None
    deferred: bool  # follow mode: capacity moved the contact that met it
    #: ``due`` as a POSIX timestamp (the metrics order obligations by it); worked out from
    #: ``due`` when not given.
    due_stamp: float = field(repr=False, compare=False)

    def __init__(
        self,
        lead_id: str,
        rule: str,
        refs: tuple[str, ...],
        kind: ActionKind,
        channel: str | None,
        assignee: str | None,
        asked_at: datetime,
        due: datetime,
        reason: str,
        deadline: datetime,
        outcome: Outcome = "open",
        resolved_at: datetime | None = None,
        deferred: bool = False,
        *,
        due_stamp: float | None = None,
    ) -> None:
        self.lead_id = lead_id
        self.rule = rule
        self.refs = refs
        self.kind = kind
        self.channel = channel
        self.assignee = assignee
        self.asked_at = asked_at
        self.due = due
        self.reason = reason
        self.deadline = deadline
        self.outcome = outcome
        self.resolved_at = resolved_at
        self.deferred = deferred
        self.due_stamp = due.timestamp() if due_stamp is None else due_stamp

    @property
    def late_by(self) -> timedelta | None:
        """How late it was met, for an obligation met late."""
        if self.outcome != "late" or self.resolved_at is None:
            return None
        return self.resolved_at - self.deadline


@dataclass(frozen=True, slots=True, init=False)
class Touch:
    """A touch of the simulated history (the real one, or the one follow mode made). A frozen
    dataclass with its own ``__init__`` (see :class:`Obligation`)."""

    lead_id: str
    at: datetime
    channel: str
    owner: str | None
    made: bool  # made by follow mode (False: from the real history)
    #: ``at`` as a POSIX timestamp (see :attr:`cadence.Event.stamp`); worked out from ``at``
    #: when not given.
    stamp: float = field(repr=False, compare=False)

    def __init__(
        self,
        lead_id: str,
        at: datetime,
        channel: str,
        owner: str | None,
        made: bool,
        *,
        stamp: float | None = None,
    ) -> None:
        setattr_ = object.__setattr__  # frozen
        setattr_(self, "lead_id", lead_id)
        setattr_(self, "at", at)
        setattr_(self, "channel", channel)
        setattr_(self, "owner", owner)
        setattr_(self, "made", made)
        setattr_(self, "stamp", at.timestamp() if stamp is None else stamp)

    @classmethod
    def of(cls, event: Event, owner: str | None, made: bool) -> Touch:
        """The touch an event of the history is (its channel set), by ``owner``."""
        assert event.channel is not None
        return cls(event.lead_id, event.at, event.channel, owner, made, stamp=event.stamp)
