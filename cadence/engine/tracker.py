"""The incremental API: :class:`LeadTracker`, one lead's history kept replayed as events arrive.

Built on :class:`cadence.engine.incremental.Replayed` (where the fold and what evaluations
remember are described), with the checks and the lock a service needs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from cadence.engine.incremental import Replayed
from cadence.engine.state import replay
from cadence.records import Action, Event, Lead

if TYPE_CHECKING:
    from cadence.engine import Engine


class LeadTracker:
    """One lead and its history, kept replayed; build it with :meth:`Engine.track`.

    >>> tracker = engine.track(lead, events_so_far)                  # doctest: +SKIP
    >>> tracker.add(event)                                           # doctest: +SKIP
    >>> tracker.next_actions(now)                                    # doctest: +SKIP

    A tracker is safe to share between threads (a lock guards its history), but one per lead is
    the intended use. ``full_replays`` counts the times the history had to be replayed whole.
    """

    __slots__ = ("_given", "_lock", "_replayed", "full_replays")

    def __init__(self, engine: Engine, lead: Lead, events: Iterable[Event] = ()) -> None:
        self._replayed = Replayed(engine, lead)
        self._lock = threading.Lock()
        self._given: list[Event] = []
        #: How many times the whole history was replayed (out-of-order events, an early ``now``).
        self.full_replays = 0
        self.extend(events)

    @property
    def lead(self) -> Lead:
        """The lead tracked."""
        return self._replayed.lead

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
        lead_id = self._replayed.lead.id
        for event in batch:
            if event.lead_id != lead_id:
                message = f"an event of lead {event.lead_id!r} added to the tracker of {lead_id!r}"
                raise ValueError(message)
        if not batch:
            return
        with self._lock:
            self._given.extend(batch)
            last = self._replayed.last
            for event in batch:
                if event.stamp < last:
                    self.full_replays += 1
                    self._replayed.refold(self._given)
                    return
                last = event.stamp
            self._replayed.extend(batch)

    def next_actions(self, now: datetime) -> list[Action]:
        """The actions as of ``now``: ``engine.next_actions(lead, tracker.events, now)``."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"'now' must carry a time zone offset, got {now.isoformat()}")
        with self._lock:
            replayed = self._replayed
            if now.timestamp() >= replayed.last:
                return replayed.actions(now)
            # Some events are after `now`: they must not count.
            self.full_replays += 1
            state = replay(replayed.lead, self._given, now, replayed.zone)
            return replayed.evaluator.actions(replayed.lead, state)[0]
