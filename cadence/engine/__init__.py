"""The engine: a pure function of (policy, lead, the lead's events, now) to actions.

No clock, no I/O, no global state: :class:`Engine` compiles a policy once and is then read-only,
so one engine can serve many threads. The rules of evaluation are in ``docs/policy-language.md``;
day counting in ``docs/day-counting.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from cadence.engine.compiled import CompiledPolicy
from cadence.engine.gate import Decision, Gate, GateFactory, ReferenceGate
from cadence.engine.incremental import LeadTracker
from cadence.engine.rules import Proposal, Verdict, apply_rule, refused, when
from cadence.engine.schedule import place
from cadence.engine.state import LeadState, replay
from cadence.errors import PolicyError
from cadence.policy.fingerprint import fingerprint
from cadence.policy.models import Policy
from cadence.records import Action, Event, Lead

#: An action with its due time as a POSIX timestamp and its rule (how the engine orders them), and
#: last the due time its rule asked for, before quiet hours, working hours or caps moved it (an
#: obligation's deadline: what its escalations are counted from).
Timed = tuple[float, str, Action, float]


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

    __slots__ = ("_compiled", "_gate", "fingerprint", "name", "policy")

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

    def next_actions(self, lead: Lead, events: Iterable[Event], now: datetime) -> list[Action]:
        """The actions the policy asks for this lead as of ``now``, in the contract's order."""
        return self._evaluate(lead, self.replay(lead, events, now))[0]

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
        actions, state, stopped_by, verdicts = self._evaluate(
            lead, self.replay(lead, events, now), explain=True
        )
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

    def _evaluate(
        self, lead: Lead, state: LeadState, *, explain: bool = False
    ) -> tuple[list[Action], LeadState, str | None, list[Verdict]]:
        ordered, state, stopped_by, verdicts = self._evaluate_timed(lead, state, explain=explain)
        return [row[2] for row in ordered], state, stopped_by, verdicts

    def _evaluate_timed(
        self, lead: Lead, state: LeadState, *, explain: bool = False
    ) -> tuple[list[Timed], LeadState, str | None, list[Verdict]]:
        """:meth:`_evaluate` with each action's due time as a POSIX timestamp and its rule:
        ``(stamp, rule, action, asked)`` rows (:data:`Timed`) in the contract's order (what a
        simulation reads)."""
        policy = self._compiled
        verdicts: list[Verdict] = []
        decision = self._decide(state)
        if decision is None:
            return [], state, "opt_out", verdicts
        if decision.stop is not None:
            return [], state, decision.stop, verdicts
        proposals: list[Proposal] = []
        for rule, applies in zip(policy.rules, decision.rules, strict=True):
            if applies == "applies":
                found, verdict = apply_rule(policy, rule, state)
            else:
                found, verdict = refused(rule, applies)
            proposals.extend(found)
            if explain:
                verdicts.append(verdict())
        moves = place(policy, state, proposals, decision.caps)
        zone = state.zone
        if explain:
            verdicts = _with_moves(verdicts, proposals, moves, zone)
        now_stamp = state.now.timestamp()
        decided_by = self.fingerprint
        kept = state.kept
        ordered: list[Timed] = []
        for index, p in enumerate(proposals):
            moved = moves.get(index)
            stamp = p.stamp if moved is None else moved
            overdue = stamp < now_stamp
            # A kept proposal (the same object at every evaluation until its rule is asked
            # again) due at the same moment, overdue or not as before, is the same action.
            key = ("action", id(p), stamp, overdue)
            before: tuple[Proposal, Action] | None = kept.get(key)
            if before is not None and before[0] is p:
                action = before[1]
            else:
                due = (
                    p.due.astimezone(zone) if moved is None else datetime.fromtimestamp(moved, zone)
                )
                action = Action(
                    lead.id,
                    p.rule.rule.id,
                    p.refs,
                    p.kind,
                    p.channel,
                    p.assignee,
                    due,
                    overdue,
                    p.reason,
                    decided_by,
                )
                if p.kind != "escalate" and p.kind != "reassign":  # made afresh each time
                    kept[key] = (p, action)
            ordered.append((stamp, action.rule, action, p.stamp))
        # The contract's order (Action.sort_key: due, lead, rule); one lead here.
        ordered.sort(key=_by_due_and_rule)
        return ordered, state, None, verdicts

    def _decide(self, state: LeadState) -> Decision | None:
        """Set the lead's grade and return what the gate decides (``None``: opted out of every
        channel). When no condition of the gate depends on ``now``, both are remembered for
        the history (:attr:`CompiledPolicy.timeless_gate`)."""
        gate = self._gate
        if not self._compiled.timeless_gate:
            state.grade = gate.grade(state)
            return None if state.opted_out else gate.decide(state)
        key = ("gate", len(state.events))
        remembered: tuple[str | None, Decision | None] | None = state.answers.get(key)
        if remembered is None:
            state.grade = gate.grade(state)
            decided = None if state.opted_out else gate.decide(state)
            remembered = state.answers[key] = (state.grade, decided)
        state.grade = remembered[0]
        return remembered[1]


def _by_due_and_rule(row: Timed) -> tuple[float, str]:
    return row[0], row[1]


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"'now' must carry a time zone offset, got {now.isoformat()}")


def _with_moves(
    verdicts: list[Verdict], proposals: list[Proposal], moves: Mapping[int, float], zone: ZoneInfo
) -> list[Verdict]:
    """Verdicts that also say where quiet hours, working hours or caps moved a contact
    (``moves``: the new due time of each proposal moved, by its index)."""
    moved: dict[str, str] = {}
    for index, stamp in sorted(moves.items()):
        moved[proposals[index].rule.rule.id] = when(datetime.fromtimestamp(stamp, zone), zone)
    return [
        replace(v, text=f"{v.text}; moved to {moved[v.rule]} by quiet hours, working hours or caps")
        if v.rule in moved
        else v
        for v in verdicts
    ]


__all__ = ["Engine", "Explanation", "LeadTracker", "Verdict"]
