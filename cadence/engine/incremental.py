"""Incremental evaluation: one lead's history kept replayed while its events arrive.

A service that sees events as they happen (a CRM's webhook, a message queue) keeps a
:class:`LeadTracker` per active lead: each event in time order is folded into the replayed state
at once, and asking for the actions evaluates the rules on that state, without sorting and
replaying the history again; the deadlines already counted out are remembered (the lead's
calendar arithmetic, :attr:`cadence.engine.state.LeadState.memo`), and until the next event, what
the rules asked (:attr:`cadence.engine.state.LeadState.answers`). The answer is always the one
:meth:`Engine.next_actions` gives on the whole history (``tracker.events``); an event earlier than
the latest one, or a ``now`` before the latest event, makes the tracker replay the history whole,
as ``next_actions`` would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cadence.engine.state import Fold, in_time_order, replay
from cadence.records import Action, Event, Lead

if TYPE_CHECKING:
    from cadence.engine import Engine

#: How many results of calendar arithmetic a tracker keeps before it starts its cache afresh.
_MEMO_LIMIT: Final = 1024


class LeadTracker:
    """One lead and its history, kept replayed; build it with :meth:`Engine.track`.

    >>> tracker = engine.track(lead, events_so_far)                  # doctest: +SKIP
    >>> tracker.add(event)                                           # doctest: +SKIP
    >>> tracker.next_actions(now)                                    # doctest: +SKIP

    A tracker is safe to share between threads (a lock guards its history), but one per lead is
    the intended use. ``full_replays`` counts the times the history had to be replayed whole.
    """

    __slots__ = (
        "_answers",
        "_engine",
        "_fold",
        "_given",
        "_lead",
        "_lock",
        "_memo",
        "_zone",
        "full_replays",
    )

    def __init__(self, engine: Engine, lead: Lead, events: Iterable[Event] = ()) -> None:
        self._engine = engine
        self._lead = lead
        self._zone = engine.zone_of(lead)
        self._lock = threading.Lock()
        self._given: list[Event] = []
        self._fold = Fold(lead)
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._answers: dict[tuple[Any, ...], Any] = {}
        #: How many times the whole history was replayed (out-of-order events, an early ``now``).
        self.full_replays = 0
        self.extend(events)

    @property
    def lead(self) -> Lead:
        """The lead tracked."""
        return self._lead

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event added so far, in the order given."""
        with self._lock:
            return tuple(self._given)

    def add(self, event: Event) -> None:
        """Add one event of this lead. In time order it is folded in at once; earlier than the
        latest event, the history is replayed whole."""
        self.extend((event,))

    def extend(self, events: Iterable[Event]) -> None:
        """Add events of this lead, in the order given (events at one instant keep it)."""
        batch = list(events)
        for event in batch:
            if event.lead_id != self._lead.id:
                message = (
                    f"an event of lead {event.lead_id!r} added to the tracker of {self._lead.id!r}"
                )
                raise ValueError(message)
        if not batch:
            return
        with self._lock:
            self._given.extend(batch)
            last = self._fold.last
            for event in batch:
                stamp = event.stamp
                if stamp < last:
                    self._refold()
                    return
                last = stamp
            self._fold.extend(batch)
            self._answers.clear()  # remembered for the history without these events

    def next_actions(self, now: datetime) -> list[Action]:
        """The actions as of ``now``: ``engine.next_actions(lead, tracker.events, now)``."""
        engine = self._engine
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"'now' must carry a time zone offset, got {now.isoformat()}")
        with self._lock:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()  # a long-lived tracker: keep its cache small
            if now.timestamp() >= self._fold.last:
                state = self._fold.state(self._lead, now, self._zone, self._memo, self._answers)
            else:  # some events are after `now`: they must not count
                self.full_replays += 1
                state = replay(self._lead, self._given, now, self._zone)
            return engine._evaluate(self._lead, state)[0]

    def _refold(self) -> None:
        self.full_replays += 1
        self._answers.clear()  # remembered for the history as it was
        fold = Fold(self._lead)
        fold.extend(in_time_order(self._given))
        self._fold = fold
