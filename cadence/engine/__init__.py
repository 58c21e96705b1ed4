"""The engine: a pure function of (policy, lead, the lead's events, now) to actions.

No clock, no I/O, no global state: :class:`Engine` compiles a policy once and is then read-only,
so one engine can serve many threads. The rules of evaluation are in ``docs/policy-language.md``;
day counting in ``docs/day-counting.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from cadence.engine.compiled import CompiledPolicy
from cadence.engine.rules import Proposal, Verdict, evaluate_rule, when
from cadence.engine.schedule import place
from cadence.engine.state import LeadState, replay
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

    >>> engine = Engine(load_policy("policies/post_show.yaml"))      # doctest: +SKIP
    >>> engine.next_actions(lead, events, now)                       # doctest: +SKIP
    """

    __slots__ = ("_compiled", "fingerprint", "policy")

    def __init__(self, policy: Policy) -> None:
        from cadence.policy.loader import problems_of

        problems = problems_of(policy)
        if problems:
            raise PolicyError(problems)
        self.policy = policy
        #: The policy's fingerprint; every action carries it as ``policy``.
        self.fingerprint = fingerprint(policy)
        self._compiled = CompiledPolicy(policy)

    def next_actions(self, lead: Lead, events: Iterable[Event], now: datetime) -> list[Action]:
        """The actions the policy asks for this lead as of ``now``, in the contract's order."""
        return self._evaluate(lead, events, now)[0]

    def explain(self, lead: Lead, events: Iterable[Event], now: datetime) -> Explanation:
        """What every rule concluded for this lead, and why, with the resulting actions."""
        actions, state, stopped_by, verdicts = self._evaluate(lead, events, now, explain=True)
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

    def _evaluate(
        self, lead: Lead, events: Iterable[Event], now: datetime, *, explain: bool = False
    ) -> tuple[list[Action], LeadState, str | None, list[Verdict]]:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"'now' must carry a time zone offset, got {now.isoformat()}")
        policy = self._compiled
        state = replay(lead, events, now, policy.lead_zone(lead.timezone))
        state.grade = policy.grade_of(state)
        verdicts: list[Verdict] = []
        if state.opted_out:
            return [], state, "opt_out", verdicts
        for stop, condition in policy.stops:
            if condition(state, None):
                return [], state, stop.id, verdicts
        proposals: list[Proposal] = []
        for rule in policy.rules:
            found, verdict = evaluate_rule(policy, rule, state)
            proposals.extend(found)
            if explain:
                verdicts.append(verdict())
        asked = [p.due for p in proposals] if explain else []
        place(policy, state, proposals)
        if explain:
            verdicts = _with_moves(verdicts, proposals, asked, state)
        zone = state.zone
        now_stamp = state.now.timestamp()
        decided_by = self.fingerprint
        actions = [
            Action(
                lead.id,
                p.rule.rule.id,
                p.refs,
                p.kind,
                p.channel,
                p.assignee,
                p.due.astimezone(zone),
                p.due.timestamp() < now_stamp,
                p.reason,
                decided_by,
            )
            for p in proposals
        ]
        actions.sort(key=Action.sort_key)
        return actions, state, None, verdicts


def _with_moves(
    verdicts: list[Verdict], proposals: list[Proposal], asked: list[datetime], state: LeadState
) -> list[Verdict]:
    """Verdicts that also say where quiet hours, working hours or caps moved a contact."""
    moved: dict[str, str] = {}
    for proposal, before in zip(proposals, asked, strict=True):
        if proposal.due != before:
            moved[proposal.rule.rule.id] = when(proposal.due, state)
    return [
        replace(v, text=f"{v.text}; moved to {moved[v.rule]} by quiet hours, working hours or caps")
        if v.rule in moved
        else v
        for v in verdicts
    ]


__all__ = ["Engine", "Explanation", "Verdict"]
