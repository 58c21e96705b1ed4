"""Evaluation backends behind one protocol: ``reference`` (the pure-Python engine, the source of
truth) and ``durable`` (conditions decided by durable_rules; an optional extra, imported only
when asked for).

>>> engine = cadence.backends.load("durable", policy)           # doctest: +SKIP
>>> engine.next_actions(lead, events, now)                      # doctest: +SKIP

Every backend gives the same actions as ``reference`` for every policy and history; the tests
check it on generated policies and histories, and on every shipped policy's cases.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

from cadence.engine import Explanation, LeadTracker
from cadence.errors import BackendUnavailable
from cadence.policy.models import Policy
from cadence.records import Action, Event, Lead

#: The backends, by name; ``reference`` first (the default).
BACKENDS: Final = ("reference", "durable")


@runtime_checkable
class Backend(Protocol):
    """What every backend offers: the calls of :class:`cadence.Engine`."""

    #: The backend's name, one of :data:`BACKENDS`.
    name: str
    #: The policy evaluated.
    policy: Policy
    #: The policy's fingerprint, carried by every action as ``policy``.
    fingerprint: str

    def next_actions(self, lead: Lead, events: Iterable[Event], now: datetime) -> list[Action]:
        """The actions for one lead as of ``now``, in the contract's order."""
        ...

    def next_actions_batch(
        self, leads: Iterable[Lead], events: Mapping[str, Iterable[Event]], now: datetime
    ) -> list[Action]:
        """The actions for many leads as of ``now``, in the contract's order."""
        ...

    def explain(self, lead: Lead, events: Iterable[Event], now: datetime) -> Explanation:
        """What every rule concluded for one lead, and why."""
        ...

    def track(self, lead: Lead, events: Iterable[Event] = ()) -> LeadTracker:
        """A tracker that keeps the lead's history replayed as its events arrive."""
        ...


def load(name: str, policy: Policy) -> Backend:
    """The backend ``name`` (one of :data:`BACKENDS`) for ``policy``.

    Raises :class:`ValueError` for an unknown name and :class:`cadence.BackendUnavailable`
    (saying why) when the backend cannot be used on this installation."""
    if name not in BACKENDS:
        message = f"unknown backend {name!r}; expected one of: {', '.join(BACKENDS)}"
        raise ValueError(message)
    try:
        module = importlib.import_module(f"cadence.backends.{name}")
    except BackendUnavailable:
        raise
    except ImportError as error:  # pragma: no cover - a broken installation
        raise BackendUnavailable(
            f"the {name} backend cannot be imported ({error}); use --backend reference"
        ) from error
    engine: Backend = module.create(policy)
    return engine


__all__ = ["BACKENDS", "Backend", "load"]
