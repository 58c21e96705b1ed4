"""Incremental evaluation: one lead's history kept replayed while its events arrive.

A service that sees events as they happen (a CRM's webhook, a message queue) keeps a
:class:`cadence.LeadTracker` (``cadence/engine/tracker.py``) per active lead, built on
:class:`Replayed`: each event in time order is folded into the replayed state at once, and asking
for the actions evaluates the rules on that state, without sorting and replaying the history
again; the deadlines already counted out are remembered (the lead's calendar arithmetic,
:attr:`cadence.engine.state.LeadState.memo`), what each rule asked until an event of a type it
reads, and the gate's decision until an event of a type its conditions read
(:attr:`cadence.engine.state.LeadState.kept`). The answer is always the one
:meth:`cadence.Engine.next_actions` gives on the whole history (``tracker.events``); an event
earlier than the latest one, or a ``now`` before the latest event, makes the tracker replay the
history whole, as ``next_actions`` would.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cadence.engine.evaluate import Proposed, Timed
from cadence.engine.state import Fold, LeadState, in_time_order
from cadence.records import Action, Event, Lead

if TYPE_CHECKING:
    from cadence.engine import Engine

#: How many results of calendar arithmetic, and how many kept answers, a tracker keeps before it
#: starts that cache afresh.
_MEMO_LIMIT: Final = 1024


class Replayed:
    """One lead's history folded in, and what its evaluations remember: a tracker without its
    checks and its lock, for a caller that adds the lead's own events in time order (the
    simulator's replay of a lead). :class:`cadence.LeadTracker` is built on it."""

    __slots__ = (
        "engine",
        "evaluator",
        "fold",
        "kept",
        "lead",
        "memo",
        "proposed",
        "state",
        "zone",
    )

    def __init__(self, engine: Engine, lead: Lead) -> None:
        self.engine = engine
        self.evaluator = engine._evaluator
        self.lead = lead
        self.zone = engine.zone_of(lead)
        self.fold = Fold(lead)
        #: The lead's calendar arithmetic (:attr:`cadence.engine.state.LeadState.memo`).
        self.memo: dict[tuple[Any, ...], Any] = {}
        #: What the rules asked, by the part of the history each reads
        #: (:attr:`cadence.engine.state.LeadState.kept`): kept while events are added in order.
        self.kept: dict[tuple[Any, ...], Any] = {}
        #: The state of the history as folded in, handed to each evaluation with its ``now``
        #: (made afresh when an event is added: nothing an evaluation keeps refers to it).
        self.state: LeadState | None = None
        #: What the rules proposed at the last evaluation of this state (``None`` before one,
        #: or when it stopped the lead), for :meth:`timed` with ``placing_only``.
        self.proposed: Proposed | None = None

    @property
    def last(self) -> float:
        """The timestamp of the latest event folded in (``-inf`` before any)."""
        return self.fold.last

    def extend(self, events: list[Event]) -> None:
        """Fold in events of this lead, in time order, none before :attr:`last`."""
        self.fold.extend(events)
        self.state = None
        self.proposed = None

    def refold(self, events: Iterable[Event]) -> None:
        """Fold in the whole history again (in time order), as if from the start."""
        self.kept.clear()  # keyed by how many events of a type: only while the history grows
        fold = Fold(self.lead)
        fold.extend(in_time_order(events))
        self.fold = fold
        self.state = None
        self.proposed = None

    def actions(self, now: datetime) -> list[Action]:
        """The actions as of ``now``, which carries an offset and is not before :attr:`last`."""
        return [row[2].action() for row in self.timed(now)]

    def timed(
        self, now: datetime, stamp: float | None = None, *, placing_only: bool = False
    ) -> list[Timed]:
        """:meth:`actions` as :data:`~cadence.engine.evaluate.Timed` rows (the due time as a
        POSIX timestamp, the rule, the action as asked, the due time its rule asked for);
        ``stamp``, when given, is ``now`` as a POSIX timestamp.

        ``placing_only``: the caller knows that, since the last evaluation, no event was folded
        in and nothing the rules propose has changed with the time (no rule or gate condition
        reads ``now``, no escalation and no greeting's day fell due between the two): what the
        rules proposed then is placed again as of ``now`` (quiet hours, working hours, caps),
        without applying them again. The simulator's audit uses it at due times
        (:mod:`cadence.simulate._run`)."""
        if len(self.memo) > _MEMO_LIMIT:
            self.memo.clear()  # a long-lived lead: keep its caches small
        if len(self.kept) > _MEMO_LIMIT:
            self.kept.clear()
        state = self.state
        if state is None:
            state = self.state = self.fold.state(self.lead, now, self.zone, self.memo, self.kept)
        else:
            state.set_now(now.astimezone(self.zone), stamp)
            if placing_only:
                proposed = self.proposed
                if proposed is None:
                    return []  # stopped at the last evaluation, and nothing has changed since
                return self.evaluator.placed(self.lead, state, proposed)[0]
        proposed, _, _ = self.evaluator.proposed(state)
        self.proposed = proposed
        if proposed is None:
            return []
        return self.evaluator.placed(self.lead, state, proposed)[0]
