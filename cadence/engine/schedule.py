"""Moving proposed contacts to moments the policy allows: out of quiet hours, into working time
(for the channels held to it), and past the caps.

Contacts are placed in due order; each placed contact counts against the caps of the ones after it,
so that carrying out every action as scheduled never breaks a cap. Moments are compared as POSIX
timestamps: two datetimes in one zone compare by wall clock in Python, which is wrong in the
repeated hour of a DST change, and comparing datetimes across zones is slow. Windows of caps are
measured in the lead's zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cadence.engine.compiled import CompiledCap, CompiledPolicy
from cadence.engine.rules import Proposal
from cadence.engine.state import LeadState

_MAX_ROUNDS = 200

#: How many moments a lead's table of first allowed moments on a channel holds at most.
_TABLE_LIMIT = 1024

#: The key of the lead's tables of first allowed moments, by channel, in its ``memo``
#: (:func:`allowed_on`): one key made once, not a tuple of the channel at every look-up.
_ALLOWED: tuple[str] = ("allowed",)


def place(
    policy: CompiledPolicy,
    state: LeadState,
    proposals: list[Proposal],
    caps: frozenset[str],
    now: float,
) -> dict[int, float]:
    """Where each contact must move to be due at the first allowed moment, keeping the caps whose
    ids are in ``caps`` (the ones whose ``when`` holds for this lead): the new due time of each
    contact that moves, by its index in ``proposals``, as a POSIX timestamp.

    The proposals themselves are left as they are (what a rule asked is kept and shared by the
    evaluations of a lead). Instants are worked with as POSIX timestamps (comparing them is
    cheap and never by wall clock); ``now`` is the state's ``now`` as one."""
    moves: dict[int, float] = {}
    contacts = [
        (p.stamp, p.rule.order, index, p)
        for index, p in enumerate(proposals)
        if p.kind == "contact" and p.channel is not None
    ]
    if not contacts:
        return moves
    zone = state.zone
    memo = state.memo
    active = [(cap, _touches(state, cap)) for cap in policy.caps if cap.id in caps]
    contacts.sort(key=_by_due)
    # By channel: the caps that count its contacts (with the instants each counts), and when an
    # overdue contact on it can be made.
    relevant_to: dict[str, list[tuple[CompiledCap, list[float]]]] = {}
    made_on: dict[str, float] = {}
    tables: dict[str, dict[float, float]] = {}
    for due, _, index, proposal in contacts:
        channel = proposal.channel
        assert channel is not None
        relevant = relevant_to.get(channel)
        if relevant is None:
            relevant = relevant_to[channel] = [c for c in active if channel in c[0].channels]
            tables[channel] = allowed_on(memo, channel)
        table = tables[channel]
        # When it can be made: an overdue contact at the first moment from now that its hours
        # allow (a call overdue on Saturday evening is made on Monday morning), for the caps.
        made = now
        if relevant and due < now:
            found = made_on.get(channel)
            if found is None:
                found = made_on[channel] = _allowed(policy, table, channel, now, zone)
            made = found
        for _ in range(_MAX_ROUNDS):
            moved = _allowed(policy, table, channel, due, zone)
            for cap, times in relevant:
                moved = _past_cap(policy, cap, times, moved, made, zone)
            if moved == due:
                break
            due = moved
        else:  # pragma: no cover - a policy whose windows and caps never agree
            raise ValueError(
                f"rule {proposal.rule.rule.id}: no moment satisfies quiet hours, "
                "working hours and caps"
            )
        if due != proposal.stamp:
            moves[index] = due
        for _, times in relevant:
            counted = max(due, made)
            times.insert(_after(times, counted), counted)
    return moves


def allowed(
    policy: CompiledPolicy,
    memo: dict[tuple[Any, ...], Any],
    channel: str,
    at: float,
    zone: ZoneInfo,
) -> float:
    """The first moment at or after ``at`` that the channel's quiet and working hours allow
    (remembered in the lead's ``memo``)."""
    return _allowed(policy, allowed_on(memo, channel), channel, at, zone)


def allowed_on(memo: dict[tuple[Any, ...], Any], channel: str) -> dict[float, float]:
    """The lead's remembered first allowed moments on a channel, by the moment asked about (a
    table of its ``memo``: looking a moment up in it needs no key to be built). Started afresh
    past :data:`_TABLE_LIMIT` moments, as the memo itself is past its own limit
    (:mod:`cadence.engine.incremental`)."""
    tables: dict[str, dict[float, float]] | None = memo.get(_ALLOWED)
    if tables is None:
        tables = memo[_ALLOWED] = {}
    table = tables.get(channel)
    if table is None or len(table) > _TABLE_LIMIT:  # a long-lived lead: keep it small
        table = tables[channel] = {}
    return table


def _allowed(
    policy: CompiledPolicy, table: dict[float, float], channel: str, at: float, zone: ZoneInfo
) -> float:
    found = table.get(at)
    if found is None:
        local = datetime.fromtimestamp(at, zone)
        first = policy.allowed_from(channel, local)
        found = table[at] = at if first is local else first.timestamp()  # allowed: `at` itself
    return found


def _after(times: list[float], at: float) -> int:
    """Where ``at`` goes in ``times`` (sorted), after the instants equal to it: what
    ``bisect.bisect_right`` gives. Written out because a compiled build (docs/embedding.md) runs
    it as a loop of its own, on the few instants a cap counts, where ``bisect`` is a generic call
    into another extension module at every check (benchmarks/README.md)."""
    low, high = 0, len(times)
    while low < high:
        middle = (low + high) // 2
        if at < times[middle]:
            high = middle
        else:
            low = middle + 1
    return low


def _by_due(row: tuple[float, int, int, Proposal]) -> tuple[float, int]:
    return row[0], row[1]


def _touches(state: LeadState, cap: CompiledCap) -> list[float]:
    """The instants (timestamps) of the lead's touches that count against a cap, in order (a
    fresh list: placing contacts adds to it). Kept while the lead's touches stay the same."""
    key = ("cap touches", cap.id, len(state.touches))
    found: list[float] | None = state.kept.get(key)
    if found is None:
        found = state.kept[key] = sorted(
            e.stamp for e in state.touches if e.channel in cap.channels
        )
    return list(found)


def _past_cap(
    policy: CompiledPolicy,
    cap: CompiledCap,
    times: list[float],
    due: float,
    made: float,
    zone: ZoneInfo,
) -> float:
    """The first moment at or after ``due`` when one more contact keeps every rolling window of
    the cap within its maximum. An overdue contact is judged at ``made``, when it can be made
    (the first moment from now that its hours allow)."""
    start = max(due, made)
    at = start
    for _ in range(_MAX_ROUNDS):
        blocker = _violation(policy, cap, times, at, zone)
        if blocker is None:
            return due if at == start else at
        at = blocker
    raise ValueError(f"cap {cap.id}: no moment keeps it")  # pragma: no cover


def _violation(
    policy: CompiledPolicy, cap: CompiledCap, times: list[float], at: float, zone: ZoneInfo
) -> float | None:
    """``None`` when a contact at ``at`` keeps the cap; otherwise the next moment worth trying.

    Every window ``(end - within, end]`` that would hold the new contact is checked: the one
    ending at ``at`` and those ending at each later contact less than ``within`` after it. Windows
    in hours, days or weeks are elapsed time (7 days = 168 hours, whatever the DST changes);
    months and business days follow the calendar in the lead's zone.
    """
    length = cap.length.total_seconds() if cap.length is not None else None
    if length is not None:  # hours, days, weeks: a rolling window of elapsed time
        if _after(times, at + length) - _after(times, at - length) < cap.max:
            return None  # fewer than max contacts within a window's length either side
        horizon = at + length
    else:
        horizon = _shifted(policy, cap, at, zone, later=True)
    for end in [at] + [s for s in times if at < s < horizon]:
        begin = end - length if length is not None else _shifted(policy, cap, end, zone)
        first = _after(times, begin)
        if _after(times, end) - first + 1 > cap.max:
            # Wait until the oldest contact in this window leaves it.
            oldest = times[first]
            if length is not None:
                return oldest + length
            return _shifted(policy, cap, oldest, zone, later=True)
    return None


def _shifted(
    policy: CompiledPolicy, cap: CompiledCap, at: float, zone: ZoneInfo, *, later: bool = False
) -> float:
    """``at`` moved by the cap's calendar window (months, business days) in the lead's zone:
    forward when ``later``, else back."""
    local = datetime.fromtimestamp(at, zone)
    if later:
        return policy.calendar.add(local, cap.within).timestamp()
    return policy.calendar.subtract(local, cap.within).timestamp()
