"""One evaluation: the gate's decision, every rule's proposals, their placement, the actions.

What :class:`cadence.Engine` does for one lead's replayed state, kept apart from the public
class so that a compiled build (docs/embedding.md) compiles it with the rules and scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from cadence.engine.compiled import CompiledPolicy
from cadence.engine.gate import Decision, Gate
from cadence.engine.rules import Proposal, apply_rule, refused, when
from cadence.engine.schedule import place
from cadence.engine.state import LeadState
from cadence.engine.verdict import Verdict
from cadence.records import Action, ActionKind, Lead


class Asked:
    """One action as an evaluation asks it: the fields of its :class:`~cadence.records.Action`,
    with its due time as a POSIX timestamp (``stamp``). The due time as a datetime (``due``) and
    the Action itself (:meth:`action`) are made the first time they are read: a simulation,
    which evaluates a lead again at every event and due time, reads neither for most of what
    it is asked again. Never changed once made; kept on its proposal (:attr:`Proposal.asked`)."""

    __slots__ = (
        "_action",
        "_due",
        "_unmoved",
        "_zone",
        "assignee",
        "channel",
        "identity",
        "kind",
        "lead_id",
        "overdue",
        "policy",
        "reason",
        "refs",
        "rule",
        "stamp",
    )

    def __init__(
        self,
        lead_id: str,
        proposal: Proposal,
        stamp: float,
        overdue: bool,
        zone: ZoneInfo,
        policy: str,
    ) -> None:
        self.lead_id = lead_id
        self.rule: str = proposal.rule.rule.id
        self.refs = proposal.refs
        self.kind: ActionKind = proposal.kind
        self.channel = proposal.channel
        #: Its rule, kind and channel as one string: what a reader that follows a lead's actions
        #: over time (a simulation) tells the same action asked again by; a string keeps its
        #: hash, a tuple works it out again at every look-up.
        self.identity = f"{self.rule}\x1f{self.kind}\x1f{self.channel or ''}"
        self.assignee = proposal.assignee
        self.reason = proposal.reason
        self.overdue = overdue
        self.policy = policy
        self.stamp = stamp
        # Not the proposal itself, which keeps this (Proposal.asked): no reference cycle.
        self._unmoved = proposal.due if stamp == proposal.stamp else None
        self._zone = zone
        self._due: datetime | None = None
        self._action: Action | None = None

    @property
    def due(self) -> datetime:
        """The due time in the lead's zone: where its rule asked for it, or where quiet hours,
        working hours or caps moved it."""
        found = self._due
        if found is None:
            unmoved = self._unmoved  # the due time its rule asked for, if not moved
            if unmoved is not None:
                found = unmoved.astimezone(self._zone)
            else:
                found = datetime.fromtimestamp(self.stamp, self._zone)
            self._due = found
        return found

    def action(self) -> Action:
        """The action of the data contract."""
        found = self._action
        if found is None:
            found = self._action = Action(
                self.lead_id,
                self.rule,
                self.refs,
                self.kind,
                self.channel,
                self.assignee,
                self.due,
                self.overdue,
                self.reason,
                self.policy,
            )
        return found


#: An action asked, with its due time as a POSIX timestamp and its rule (how the engine orders
#: them), and last the due time its rule asked for, before quiet hours, working hours or caps
#: moved it (an obligation's deadline: what its escalations are counted from).
Timed = tuple[float, str, Asked, float]


class Proposed:
    """What the rules of a policy propose for a lead's state, before it is placed: the
    proposals, and the ids of the caps that hold for the lead (the gate's decision). Placing it
    again at a later ``now`` (:meth:`Evaluator.placed`) gives the answer at that moment when
    nothing the rules read has changed."""

    __slots__ = ("caps", "proposals")

    def __init__(self, proposals: list[Proposal], caps: frozenset[str]) -> None:
        self.proposals = proposals
        self.caps = caps


class Evaluator:
    """A compiled policy, the gate that decides its conditions, and the fingerprint its actions
    carry: what evaluates one lead's state."""

    __slots__ = ("fingerprint", "gate", "policy")

    def __init__(self, policy: CompiledPolicy, gate: Gate, fingerprint: str) -> None:
        self.policy = policy
        self.gate = gate
        self.fingerprint = fingerprint

    def actions(
        self, lead: Lead, state: LeadState, *, explain: bool = False
    ) -> tuple[list[Action], str | None, list[Verdict]]:
        """The actions in the contract's order, what stopped the lead (``opt_out``, a stop's
        id, or ``None``) and, when ``explain``, every rule's verdict."""
        ordered, stopped_by, verdicts = self.timed(lead, state, explain=explain)
        return [row[2].action() for row in ordered], stopped_by, verdicts

    def timed(
        self, lead: Lead, state: LeadState, *, explain: bool = False
    ) -> tuple[list[Timed], str | None, list[Verdict]]:
        """:meth:`actions` as :data:`Timed` rows, ``(stamp, rule, asked, wanted)``: each
        action's due time as a POSIX timestamp, its rule, the action as asked (:class:`Asked`;
        its ``action()`` is the contract's) and the due time its rule asked for, in the
        contract's order (what a simulation reads)."""
        proposed, stopped_by, verdicts = self.proposed(state, explain=explain)
        if proposed is None:
            return [], stopped_by, verdicts
        ordered, moves = self.placed(lead, state, proposed)
        if explain:
            verdicts = _with_moves(verdicts, proposed.proposals, moves, state.zone)
        return ordered, None, verdicts

    def proposed(
        self, state: LeadState, *, explain: bool = False
    ) -> tuple[Proposed | None, str | None, list[Verdict]]:
        """What the rules propose for the state, before quiet hours, working hours and caps
        place it (``None`` when the lead is stopped: with what stopped it, ``opt_out`` or a
        stop's id), and, when ``explain``, every rule's verdict."""
        policy = self.policy
        verdicts: list[Verdict] = []
        decision = self.decide(state)
        if decision is None:
            return None, "opt_out", verdicts
        if decision.stop is not None:
            return None, decision.stop, verdicts
        proposals: list[Proposal] = []
        applying = decision.rules
        if len(applying) != len(policy.rules):
            raise ValueError(f"the gate decided {len(applying)} rules of {len(policy.rules)}")
        for index, rule in enumerate(policy.rules):  # not zip(strict=True): slower, compiled
            applies = applying[index]
            if applies == "applies":
                found, verdict = apply_rule(policy, rule, state)
                proposals.extend(found)
                if explain:
                    verdicts.append(verdict())
            elif explain:  # asks nothing: only its verdict, when one is wanted
                verdicts.append(refused(rule, applies)[1]())
        return Proposed(proposals, decision.caps), None, verdicts

    def placed(
        self, lead: Lead, state: LeadState, proposed: Proposed
    ) -> tuple[list[Timed], dict[int, float]]:
        """What was proposed, placed as of the state's ``now`` (:func:`place`), as
        :data:`Timed` rows in the contract's order, and the new due time of each proposal that
        moved, by its index."""
        proposals = proposed.proposals
        now_stamp = state.now_stamp
        moves = place(self.policy, state, proposals, proposed.caps, now_stamp)
        zone = state.zone
        decided_by = self.fingerprint
        ordered: list[Timed] = []
        for index, p in enumerate(proposals):
            moved = moves.get(index)
            stamp = p.stamp if moved is None else moved
            overdue = stamp < now_stamp
            # A kept proposal (the same object at every evaluation until its rule is asked
            # again) due at the same moment, overdue or not as before, is the same action.
            asked = p.asked
            if asked is None or asked.stamp != stamp or asked.overdue != overdue:
                asked = p.asked = Asked(lead.id, p, stamp, overdue, zone, decided_by)
            ordered.append((stamp, asked.rule, asked, p.stamp))
        # The contract's order (Action.sort_key: due, lead, rule); one lead here.
        ordered.sort(key=_by_due_and_rule)
        return ordered, moves

    def decide(self, state: LeadState) -> Decision | None:
        """Set the lead's grade and return what the gate decides (``None``: opted out of every
        channel). When no condition of the gate depends on ``now``
        (:attr:`CompiledPolicy.timeless_gate`), both are kept in the lead's ``kept`` under what
        they depend on: the stage, score, explicit grade and consent, and how many events there
        are of each type the conditions look at (:attr:`CompiledPolicy.gate_reads`), so that an
        event of another type (a touch, most often) does not decide them again."""
        gate = self.gate
        if not self.policy.timeless_gate:
            state.grade = gate.grade(state)
            return None if state.opted_out else gate.decide(state)
        # What the gate's conditions read: the lead's stage, score, explicit grade and consent,
        # and how many events there are of the types they look at (CompiledPolicy.gate_reads).
        by_type = state.by_type
        counts = [len(by_type.get(t, ())) for t in self.policy.gate_reads]
        key = ("gate", state.stage, state.score, state.explicit_grade, state.blocked, *counts)
        remembered: tuple[str | None, Decision | None] | None = state.kept.get(key)
        if remembered is None:
            state.grade = gate.grade(state)
            decided = None if state.opted_out else gate.decide(state)
            remembered = state.kept[key] = (state.grade, decided)
        state.grade = remembered[0]
        return remembered[1]


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


def _by_due_and_rule(row: Timed) -> tuple[float, str]:
    return row[0], row[1]
