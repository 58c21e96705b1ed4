"""Moving proposed contacts to moments the policy allows: out of quiet hours, into working time
(for the channels held to it), and past the caps.

Contacts are placed in due order; each placed contact counts against the caps of the ones after it,
so that carrying out every action as scheduled never breaks a cap.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from datetime import datetime

from cadence.engine.compiled import CompiledCap, CompiledPolicy
from cadence.engine.rules import Proposal
from cadence.engine.state import LeadState

_MAX_ROUNDS = 200


def place(policy: CompiledPolicy, state: LeadState, proposals: list[Proposal]) -> None:
    """Move each contact's ``due`` to the first allowed moment, in place."""
    contacts = [p for p in proposals if p.kind == "contact" and p.channel is not None]
    if not contacts:
        return
    caps = [cap for cap in policy.caps if cap.when is None or cap.when(state, None)]
    counted: dict[str, list[datetime]] = {}
    if caps:
        for cap in caps:
            counted[cap.id] = sorted(e.at for e in state.touches if e.channel in cap.channels)
    contacts.sort(key=lambda p: (p.due, p.rule.order))
    for proposal in contacts:
        channel = proposal.channel
        assert channel is not None
        working, quiet = policy.windows[channel]
        relevant = [cap for cap in caps if channel in cap.channels]
        due = proposal.due.astimezone(state.zone)
        for _ in range(_MAX_ROUNDS):
            moved = policy.calendar.next_allowed(due, working_hours=working, quiet=quiet)
            for cap in relevant:
                moved = _past_cap(policy, cap, counted[cap.id], moved, state.now)
            if moved == due:
                break
            due = moved
        else:  # pragma: no cover - a policy whose windows and caps never agree
            raise ValueError(
                f"rule {proposal.rule.rule.id}: no moment satisfies quiet hours, "
                f"working hours and caps"
            )
        proposal.due = due
        for cap in relevant:
            insort(counted[cap.id], max(due, state.now))


def _past_cap(
    policy: CompiledPolicy, cap: CompiledCap, times: list[datetime], due: datetime, now: datetime
) -> datetime:
    """The first moment at or after ``due`` when one more contact keeps every rolling window of
    the cap within its maximum. An overdue contact is judged at ``now``, when it can be made."""
    at = max(due, now)
    for _ in range(_MAX_ROUNDS):
        blocker = _violation(policy, cap, times, at)
        if blocker is None:
            return due if at == max(due, now) else at
        at = blocker
    raise ValueError(f"cap {cap.id}: no moment keeps it")  # pragma: no cover


def _violation(
    policy: CompiledPolicy, cap: CompiledCap, times: list[datetime], at: datetime
) -> datetime | None:
    """``None`` when a contact at ``at`` keeps the cap; otherwise the next moment worth trying."""
    window = cap.within
    # Every window (s - within, s] that contains ``at``, for s from ``at`` to ``at + within``.
    end_limit = policy.calendar.add(at, window)
    candidates = [at] + [s for s in times if at < s < end_limit]
    for end in candidates:
        start = policy.calendar.subtract(end, window)
        inside = bisect_right(times, end) - bisect_right(times, start)
        if inside + 1 > cap.max:
            # Wait until the oldest contact in this window leaves it.
            oldest = times[bisect_right(times, start)]
            return policy.calendar.add(oldest, window)
    return None
