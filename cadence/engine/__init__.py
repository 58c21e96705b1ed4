"""The engine: a pure function of (policy, lead, the lead's events, now) to actions.

No clock, no I/O, no global state: :class:`Engine` compiles a policy once and is then read-only,
so one engine can serve many threads. The rules of evaluation are in ``docs/policy-language.md``;
day counting in ``docs/day-counting.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cadence.engine.compiled import CompiledPolicy
from cadence.engine.evaluate import Evaluator
from cadence.engine.gate import Gate, GateFactory, ReferenceGate
from cadence.engine.state import LeadState, replay
from cadence.engine.tracker import LeadTracker
from cadence.engine.verdict import Verdict
from cadence.errors import PolicyError
from cadence.policy.fingerprint import fingerprint
from cadence.policy.models import Policy
from cadence.records import Action, Event, Lead


@dataclass(frozen=True, slots=True)
class Explanation:
    """For one lead: its state as of ``now``, every rule's verdict, and the actions."""

    lead_id: str
    now: datetime
    stage: str
    grade: str | None
    owner: str | None
    opted_out: tuple[str, ...]
    stopped_by: str | None
    verdicts: tuple[Verdict, ...]
    actions: tuple[Action, ...]


class Engine:
    """A policy ready to evaluate leads. Build once, call from any thread.

    ``gate`` is for backends (:mod:`cadence.backends`): what builds the object that decides the
    policy's conditions; by default the engine's own compiled predicates
    (:class:`~cadence.engine.gate.ReferenceGate`).

    >>> engine = Engine(load_policy("policies/post_show.yaml"))      # doctest: +SKIP
    >>> engine.next_actions(lead, events, now)                       # doctest: +SKIP
    """

    __slots__ = ("_compiled", "_evaluator", "_gate", "fingerprint", "name", "policy")

    def __init__(self, policy: Policy, *, gate: GateFactory | None = None) -> None:
        from cadence.policy.loader import problems_of

        problems = problems_of(policy)
        if problems:
            raise PolicyError(problems)
        self.policy = policy
        #: The policy's fingerprint; every action carries it as ``policy``.
        self.fingerprint = fingerprint(policy)
        self._compiled = CompiledPolicy(policy)
        self._gate: Gate = (gate or ReferenceGate)(self._compiled)
        #: The backend that decides the conditions: ``reference`` or ``durable``.
        self.name = self._gate.name
        self._evaluator = Evaluator(self._compiled, self._gate, self.fingerprint)

    def next_actions(self, lead: Lead, events: Iterable[Event], now: datetime) -> list[Action]:
        """The actions the policy asks for this lead as of ``now``, in the contract's order."""
        return self._evaluator.actions(lead, self.replay(lead, events, now))[0]

    def next_actions_batch(
        self,
        leads: Iterable[Lead],
        events: Mapping[str, Iterable[Event]],
        now: datetime,
    ) -> list[Action]:
        """The actions for many leads as of ``now``, all in the contract's order (by due, lead,
        rule), as ``cadence next`` prints them. ``events`` maps a lead's id to its events; a lead
        without an entry has no events."""
        actions: list[Action] = []
        for lead in leads:
            actions.extend(self.next_actions(lead, events.get(lead.id, ()), now))
        actions.sort(key=Action.sort_key)
        return actions

    def explain(self, lead: Lead, events: Iterable[Event], now: datetime) -> Explanation:
        """What every rule concluded for this lead, and why, with the resulting actions."""
        state = self.replay(lead, events, now)
        actions, stopped_by, verdicts = self._evaluator.actions(lead, state, explain=True)
        return Explanation(
            lead_id=lead.id,
            now=state.now,
            stage=state.stage,
            grade=state.grade,
            owner=state.owner,
            opted_out=tuple(sorted(state.blocked)),
            stopped_by=stopped_by,
            verdicts=tuple(verdicts),
            actions=tuple(actions),
        )

    def track(self, lead: Lead, events: Iterable[Event] = ()) -> LeadTracker:
        """A :class:`LeadTracker` for one lead: add its events as they happen and ask for its
        actions, without replaying the whole history each time."""
        return LeadTracker(self, lead, events)

    def replay(self, lead: Lead, events: Iterable[Event], now: datetime) -> LeadState:
        """The lead's history replayed as of ``now`` (checks that ``now`` has an offset)."""
        _check_now(now)
        return replay(lead, events, now, self._compiled.lead_zone(lead.timezone))

    def zone_of(self, lead: Lead) -> ZoneInfo:
        """The lead's zone: its own, or the policy's."""
        return self._compiled.lead_zone(lead.timezone)


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"'now' must carry a time zone offset, got {now.isoformat()}")


__all__ = ["Engine", "Explanation", "LeadTracker", "Verdict"]
