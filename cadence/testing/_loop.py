"""The closed loop, :func:`carry_out`: a salesperson who does what the policy asks, to the
letter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from hypothesis.errors import InvalidArgument

from cadence.engine import Engine
from cadence.records import Action, Event, Lead


def carry_out(
    engine: Engine, lead: Lead, events: Iterable[Event], now: datetime, steps: int
) -> list[tuple[datetime, Action]]:
    """Do what the policy asks, ``steps`` times, and return the touches made.

    Each step evaluates the lead as of ``now``, takes the contact action that can be made first
    (at its ``due`` or, if it is overdue, at the first moment from ``now`` that its channel's
    quiet and working hours allow: a call overdue on Saturday evening waits for Monday morning;
    on a tie, the first in the contract's order), moves ``now`` to that moment and adds a
    ``touch`` on its channel then, outcome ``reached``, to the history. It stops
    early when the policy asks for no contact. Each touch is returned with the action it carried
    out. Events of ``events`` later than ``now`` count from the moment ``now`` passes them.

    This is how a salesperson who follows the advice to the letter behaves; properties such as
    "doing as told never breaks a cap" are stated over it. ``events`` and ``now`` are not changed.
    """
    if not isinstance(engine, Engine):
        raise InvalidArgument(f"carry_out() needs a cadence Engine, got {engine!r}")
    if not isinstance(steps, int) or steps < 0:
        raise InvalidArgument(f"carry_out(): steps must be a whole number >= 0, got {steps!r}")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidArgument(f"carry_out(): now must be a time-zone-aware datetime, got {now!r}")
    history = list(events)
    made: list[tuple[datetime, Action]] = []
    for _ in range(steps):
        contacts = [
            action
            for action in engine.next_actions(lead, history, now)
            if action.kind == "contact" and action.channel is not None
        ]
        if not contacts:
            break
        # Instants compared as timestamps: datetimes sharing a zone compare by wall clock,
        # which is wrong in the hour the clocks go back over.
        when = [(_made_at(engine, lead, a, now), a) for a in contacts]
        made_at, action = min(when, key=lambda row: (row[0].timestamp(), row[1].due.timestamp()))
        now = made_at
        history.append(Event(lead.id, now, "touch", action.channel, "reached"))
        made.append((now, action))
    return made


def _made_at(engine: Engine, lead: Lead, action: Action, now: datetime) -> datetime:
    """When a salesperson doing as told makes a contact: at its due, or, overdue, at the first
    moment from ``now`` that its channel's hours allow (in the lead's zone)."""
    if action.due.timestamp() > now.timestamp():
        return action.due
    assert action.channel is not None
    return engine._compiled.allowed_from(action.channel, now.astimezone(engine.zone_of(lead)))
