"""Replaying leads through a policy, event by event: what it asked, and what became of it.

Each lead is a :class:`LeadRun`. It jumps from one moment to the next — an event of its history,
the due time of something the policy asked, the moment an escalation of it falls due — never
from day to day, so the cost grows with events and actions, not with the length of the period.
At each moment the engine evaluates the lead (:meth:`cadence.Engine.next_actions`) and the run
reconciles the answer with what was asked before (:class:`Obligation`): a contact or task the
policy no longer asks, or now asks for later, just after a touch, a reply or an event that meets
it, is *met* (on time or late); one that disappears otherwise has *ended* (a stop, an opt-out, a
change of stage); one still open when the history runs out is *missed* if it was due by then.

In *audit* mode the history is the real one. In *follow* mode the company's own touches are
dropped, and every contact the policy asks is carried out as a touch (outcome ``reached``) when
it is due — or, where a salesperson has no capacity left that working day, at the start of the
next working day — while what the customer did still comes from the history. The runs of all
leads are interleaved by time (:func:`run_all`), so that capacity is spent in due order.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Final

from cadence.durations import Duration
from cadence.engine import Engine
from cadence.engine.evaluate import Asked, Timed
from cadence.engine.incremental import Replayed
from cadence.engine.rules import added_in_zone
from cadence.engine.schedule import allowed
from cadence.records import Event, Lead
from cadence.simulate._capacity import Gate
from cadence.simulate._records import CONTACTS, Obligation, Touch

#: Event types that meet a contact or a task of a rule without ``met_by`` or ``counts`` when
#: they come just before it stops being asked (a touch on its own channel always does).
_MEETING: Final = frozenset({"reply"})

#: No channel touched, no event type: what a moment with no event brings.
_NONE: Final[frozenset[str]] = frozenset()

#: How many times one moment may be re-evaluated after carrying out contacts (follow mode).
_MAX_ROUNDS: Final = 20


def _key(action: Asked) -> tuple[str, str, str | None]:
    return (action.rule, action.kind, action.channel)


class Open:
    """An obligation asked and not yet met or ended, as last asked: its due time and the due time
    its rule asked for (what its escalations are counted from), and its deadline, all three as
    POSIX timestamps (``deadline`` kept in step with :attr:`Obligation.deadline`), and the reason
    it was last asked with (what tells a renewed one, :attr:`LeadRun.renewed`)."""

    __slots__ = ("counted_from", "deadline", "due", "obligation", "reason")

    def __init__(
        self, obligation: Obligation, due: float, counted_from: float, deadline: float
    ) -> None:
        self.obligation = obligation
        self.due = due
        self.counted_from = counted_from
        self.deadline = deadline
        self.reason = obligation.reason

    def follow(self, deadline: datetime) -> None:
        """Move the obligation's deadline (a hold the policy made)."""
        self.obligation.deadline = deadline
        self.deadline = deadline.timestamp()


@dataclass(slots=True)
class LeadRun:
    """The replay of one lead: its history, the moments still to visit, its obligations."""

    engine: Engine
    lead: Lead
    history: list[Event]  # the events the run replays (follow mode: without the real touches)
    follow: bool
    end: datetime  # the end of the data: nothing is visited after it
    escalation_delays: Mapping[str, tuple[Duration, ...]]
    meeting_types: Mapping[str, frozenset[str]]  # per rule: the event types that meet it
    carried_by: Callable[[Asked, datetime], Event]  # follow mode: the event that does an action
    occasions: frozenset[str]  # the rules that ask for one day each time (greetings)
    # The rules whose contact or task, asked again with another reason (a greeting's next
    # occasion, an obligation started again by a later event), is a new obligation.
    renewed: frozenset[str]
    # Whether the run visits each obligation's due time: an audit need not when time alone
    # changes nothing the engine answers but escalations and greetings' days, which it visits
    # anyway (:func:`due_times_matter`).
    due_visits: bool
    # An audit with caps and nothing else that reads the time: the channels the caps count. A
    # due time with nothing new that changes no obligation (:meth:`_unchanged_until`,
    # :meth:`_deadline_may_follow`) is passed over (:func:`capped_channels`). ``None``: every
    # due time is evaluated.
    capped: frozenset[str] | None = None
    obligations: list[Obligation] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    # What is asked and not yet met or ended, by rule, kind and channel (Asked.identity), and
    # with the n-th of those after the first, n.
    open: dict[str | tuple[str, int], Open] = field(default_factory=dict)
    # (moment, order, obligation, due): a moment to visit, for an obligation while it is open (its
    # due time, its escalation) or, without one, in any case (the capture, a deferred contact);
    # ``due`` for the due time of what is asked (see ``capped``).
    timers: list[tuple[float, int, Obligation | None, bool]] = field(default_factory=list)
    pushed: int = 0
    made: list[Event] = field(default_factory=list)
    deferred: dict[tuple[str, str, str | None], datetime] = field(default_factory=dict)
    position: int = 0  # history[:position] is in the past
    owner: str | None = None
    evaluations: int = 0
    # The lead's history up to the moment visited, kept replayed (``None`` once the run is done).
    replayed: Replayed | None = None
    stamps: list[float] = field(default_factory=list)  # of the history, as POSIX timestamps
    last: float = 0.0  # the end of the data, as a POSIX timestamp
    # With ``capped``: the last moment up to which, with no event, the engine answers as it did
    # at the last evaluation (:meth:`_unchanged_until`).
    unchanged_until: float = -math.inf

    def __post_init__(self) -> None:
        self.owner = self.lead.owner
        self.replayed = Replayed(self.engine, self.lead)
        self.stamps = [event.stamp for event in self.history]
        self.last = self.end.timestamp()
        self._visit(self.lead.captured_at.timestamp())

    # -- moments ------------------------------------------------------------------------------

    def next_moment(self) -> float | None:
        """The next moment worth evaluating (a POSIX timestamp), or ``None`` when done."""
        timers = self.timers
        while timers and timers[0][2] is not None and timers[0][2].resolved_at is not None:
            heapq.heappop(timers)  # its obligation was met or ended: nothing to look at then
        moment = timers[0][0] if timers else None
        if self.position < len(self.stamps):
            event = self.stamps[self.position]
            moment = event if moment is None or event < moment else moment
        return moment if moment is not None and moment <= self.last else None

    def step(self, moment: float, gate: Gate | None) -> None:
        """Visit one moment: take in the events up to it, evaluate, reconcile, carry out."""
        due_only = True  # visited only for due times
        while self.timers and self.timers[0][0] <= moment:
            due_only = heapq.heappop(self.timers)[3] and due_only
        if (
            due_only
            and self.capped is not None
            and (self.position >= len(self.stamps) or self.stamps[self.position] > moment)
            and (
                moment <= self.unchanged_until or not self._deadline_may_follow(moment, self.capped)
            )
        ):
            # Nothing happened since the last evaluation, and either time alone has changed
            # nothing the engine answers, or what it can change (a contact held back later)
            # would change no obligation: reconciling would change nothing.
            return
        now = datetime.fromtimestamp(moment, UTC)
        batch: list[Event] = []
        while self.position < len(self.stamps) and self.stamps[self.position] <= moment:
            event = self.history[self.position]
            batch.append(event)
            self._record(event, made=False)
            self.position += 1
        if batch:
            self._replayed.extend(batch)
        # A due time alone, in an audit whose only reader of the time is a cap: what the rules
        # propose is what they proposed at the last evaluation; only its placing can differ.
        placing_only = due_only and not batch and self.capped is not None
        for _ in range(_MAX_ROUNDS):
            asked = self._evaluate(now, moment, placing_only=placing_only)
            to_do = self._to_do(asked, now, gate) if self.follow else []
            # An escalation asked at the very moment its obligation is being done is not one.
            self._reconcile(asked, now, moment, batch, escalations=not to_do)
            if not to_do:
                return
            batch = [self._do(action, now) for action in to_do]

    def finish(self) -> None:
        """Classify what is still open when the history ends, and let go of the replayed
        history."""
        for still in self.open.values():
            still.obligation.outcome = "missed" if still.deadline <= self.last else "open"
        self.open.clear()
        self.replayed = None

    def _visit(
        self, moment: float, obligation: Obligation | None = None, *, due: bool = False
    ) -> None:
        """Visit ``moment`` (while ``obligation`` is open, if one is given; ``due``: because it
        is due then)."""
        self.pushed += 1
        heapq.heappush(self.timers, (moment, self.pushed, obligation, due))

    # -- inside a moment ----------------------------------------------------------------------

    @property
    def _replayed(self) -> Replayed:
        if self.replayed is None:
            raise RuntimeError(f"the run of lead {self.lead.id} is finished")
        return self.replayed

    def _evaluate(self, now: datetime, moment: float, *, placing_only: bool = False) -> list[Timed]:
        # Every event visited is at or before `now` and none is earlier than those before it
        # (the made ones are made at `now`): they are folded in as they come, no replay.
        self.evaluations += 1
        asked = self._replayed.timed(now, moment, placing_only=placing_only)
        if self.capped is not None:
            self.unchanged_until = self._unchanged_until(asked, moment, self.capped)
        return asked

    def _unchanged_until(
        self, asked: Sequence[Timed], moment: float, capped: frozenset[str]
    ) -> float:
        """The last moment up to which, with no event, the engine answers as it does at
        ``moment`` (an audit whose only reader of the time is a cap). The time changes the
        placing of contacts only through those on a ``capped`` channel that are overdue: each
        counts against the caps from the first moment from now that its hours allow
        (:func:`cadence.engine.schedule.place`). So the answer stays the same until another
        falls overdue (its rule's due time is passed) or one that is overdue could be made —
        unless no cap can hold a contact back at all (:meth:`_caps_have_room`): then the answer
        stays the same until the next event."""
        replayed = self._replayed
        policy = self.engine._compiled
        if self._caps_have_room(asked, moment):
            return math.inf
        until = math.inf
        for _, _, action, wanted in asked:
            channel = action.channel
            if action.kind != "contact" or channel is None or channel not in capped:
                continue
            if wanted >= moment:
                until = min(until, wanted)  # overdue after it
            else:
                until = min(until, allowed(policy, replayed.memo, channel, moment, replayed.zone))
        return until

    def _caps_have_room(self, asked: Sequence[Timed], moment: float) -> bool:
        """Whether, with no event after ``moment``, no cap can hold a contact back at ``moment``
        or later. A cap of ``max`` contacts within a window holds one back only where a window
        holding it would hold ``max`` others (:func:`cadence.engine.schedule.place`). Every
        contact is placed at or after ``moment``, so a window holding it begins after
        ``moment - within``; it can hold only the lead's touches since then and the other
        contacts asked on the cap's channels. When those are ``max`` or fewer for every cap,
        no window is ever full, and they only become fewer as time passes: touches leave the
        window, and without an event the engine asks the same contacts. Caps counted in months
        or business days are not looked at this way (``False``)."""
        state = self._replayed.state
        if state is None:
            return False
        touches = state.touches
        for cap in self.engine._compiled.caps:
            length = cap.length
            if length is None:
                return False
            room = cap.max  # counted down: more than `max` is a window that may be full
            for _, _, action, _ in asked:
                if action.kind == "contact" and action.channel in cap.channels:
                    room -= 1
                    if room < 0:
                        return False
            begin = moment - length.total_seconds()
            for index in range(len(touches) - 1, -1, -1):
                touch = touches[index]
                if touch.stamp <= begin:
                    break
                if touch.channel in cap.channels:
                    room -= 1
                    if room < 0:
                        return False
        return True

    def _record(self, event: Event, *, made: bool) -> None:
        if event.type == "assigned" and event.value is not None:
            self.owner = str(event.value)
        elif event.type == "touch" and event.channel is not None:
            self.touches.append(Touch.of(event, self.owner, made))

    def _reconcile(
        self,
        actions: Sequence[Timed],
        now: datetime,
        moment: float,  # `now` as a POSIX timestamp
        batch: Sequence[Event],
        *,
        escalations: bool = True,
    ) -> None:
        if not actions and not self.open:
            return  # nothing asked, nothing open: nothing to reconcile
        touched: frozenset[str | None] = _NONE
        types: frozenset[str] = _NONE
        if batch:
            touched = frozenset(e.channel for e in batch if e.type == "touch")
            types = frozenset(e.type for e in batch)
        # What is asked now: the action, its due time and the due time its rule asked for,
        # under its rule, kind and channel; the n-th action of the same after the first under
        # those and n.
        asked: dict[str | tuple[str, int], tuple[Asked, float, float]] = {}
        for due, _, action, wanted in actions:
            key: str | tuple[str, int] = action.identity
            if key in asked:
                n = 1
                while (action.identity, n) in asked:
                    n += 1
                key = (action.identity, n)
            asked[key] = (action, due, wanted)
        for key, still_open in list(self.open.items()):
            obligation = still_open.obligation
            found = asked.get(key)
            if found is None:
                still, still_due = None, 0.0
            else:
                still, still_due, wanted = found
                if wanted != still_open.counted_from and obligation.kind in CONTACTS:
                    # Still asked, but its rule's deadline moved (a later event it is counted
                    # from, its contact placed as before): so do the moments it escalates.
                    still_open.counted_from = wanted
                    self._visit_escalations(obligation.rule, wanted, moment, obligation)
                if still_due <= still_open.due or still_due <= moment:
                    # Still asked, no later (or already due): still open, the same obligation,
                    # even if asked with another reason now (an obligation started again by a
                    # later event that puts its contact where it was).
                    still_open.reason = still.reason
                    continue
            meets = obligation.kind in CONTACTS and (
                obligation.channel in touched
                or bool(types & self.meeting_types.get(obligation.rule, _MEETING))
            )
            if (
                still is not None
                and not meets
                and obligation.rule in self.renewed
                and obligation.kind in CONTACTS
                and still.reason != still_open.reason
            ):
                # A greeting asked for its next occasion (the day of this one is over), or an
                # obligation started again by a later event (a second promise before the first
                # was kept): this one is missed if it was due, ended if not (or if the policy
                # itself held a greeting past its day).
                del self.open[key]
                obligation.resolved_at = now
                obligation.outcome = "missed" if moment > still_open.deadline else "ended"
                continue  # what is asked now is a new obligation (below)
            if still is not None and not meets:
                # Asked for later, and nothing met it: the policy moved it (a cap filled up
                # before it was due; once overdue, it stays late whatever the policy says).
                deadline = still_open.deadline
                time_alone = not (self.follow or types)  # nothing happened to the lead now
                if moment <= deadline < still_due and (
                    not time_alone or self._made_first_elsewhere(obligation)
                ):
                    left = self.position < len(self.history)
                    following = self.history[self.position] if left else None
                    if time_alone and following is not None and following.stamp > still_due:
                        # Time alone holds it back until something happens to the lead.
                        still_open.follow(following.at.astimezone(self._replayed.zone))
                    else:
                        still_open.follow(still.due)
                        self._visit(still_due, obligation, due=True)
                continue  # asked for later, but nothing met it: moved, still the same one
            del self.open[key]
            obligation.resolved_at = now
            if meets:
                on_time = moment <= still_open.deadline
                obligation.outcome = "on_time" if on_time else "late"
            else:
                obligation.outcome = "ended"
        for key, (action, due, wanted) in asked.items():
            if key in self.open or (not escalations and action.kind in ("escalate", "reassign")):
                continue
            deadline_at, deadline_stamp = self._deadline(action, now, moment)
            obligation = Obligation(
                self.lead.id,
                action.rule,
                action.refs,
                action.kind,
                action.channel,
                action.assignee,
                now,
                action.due,
                action.reason,
                deadline_at,
                due_stamp=due,
            )
            self.open[key] = Open(obligation, due, wanted, deadline_stamp)
            self.obligations.append(obligation)
            if due > moment and self.due_visits:
                self._visit(due, obligation, due=True)
            if action.rule in self.occasions:
                # Its occasion's day over (whatever moved the contact), the policy moves on to
                # the next occasion.
                zone = self._replayed.zone
                day = datetime.fromtimestamp(wanted, zone).date() + timedelta(days=1)
                over = datetime.combine(day, time(0), zone).timestamp()
                self._visit(over, obligation)
            if action.kind in CONTACTS:
                self._visit_escalations(action.rule, wanted, moment, obligation)

    def _visit_escalations(
        self, rule: str, deadline: float, moment: float, obligation: Obligation
    ) -> None:
        """Visit each moment after ``moment`` at which the engine escalates (reassigns) what
        ``rule`` asked, while it is open: its delay after the rule's own deadline (``deadline``,
        before quiet hours or working hours moved the contact), counted as the engine counts it."""
        delays = self.escalation_delays.get(rule)
        if not delays:
            return
        compiled = self.engine._compiled
        replayed = self._replayed
        zone = replayed.zone
        start = datetime.fromtimestamp(deadline, zone)
        for delay in delays:
            # Through the lead's memo: the rule counts the same escalation from the same deadline.
            escalated = added_in_zone(compiled, replayed.memo, zone, start, deadline, delay)[1]
            if escalated > moment:
                self._visit(escalated, obligation)

    def _deadline_may_follow(self, moment: float, capped: frozenset[str]) -> bool:
        """Audit, with nothing happening to the lead at ``moment``: whether reconciling could
        change an obligation. Without an event, the engine's answer changes only by escalations
        and greetings' next occasions (visited in any case: ``capped``) and by the caps holding a
        contact back later; of that, reconciling takes in only a hold of an obligation not yet
        overdue whose next touch in the history is on another channel
        (:meth:`_made_first_elsewhere`): its deadline follows. Only a contact on a ``capped``
        channel can be held (:func:`cadence.engine.schedule.place` moves nothing else, and
        without a cap a contact's place does not depend on ``now``): tasks, escalations and
        contacts on other channels stay as they are."""
        following = self._next_touch() if self.open else None
        if following is None:
            return False
        for still in self.open.values():
            obligation = still.obligation
            if (
                obligation.kind == "contact"
                and obligation.channel in capped
                and obligation.channel != following.channel
                and still.deadline >= moment
            ):
                return True
        return False

    def _next_touch(self) -> Event | None:
        """The history's next touch (``None``: no touch is left)."""
        history = self.history
        for index in range(self.position, len(history)):
            if history[index].type == "touch":
                return history[index]
        return None

    def _made_first_elsewhere(self, obligation: Obligation) -> bool:
        """Audit: whether the history's next touch is on another channel than the obligation's.
        As time alone passes, the engine holds a contact back behind overdue ones, counted as
        made as soon as their hours allow; the hold was real only if the salesperson did make
        another contact first. Otherwise the deadline must not follow it (behind contacts that
        nobody makes, it would follow again and again)."""
        following = self._next_touch()
        return following is not None and following.channel != obligation.channel

    def _deadline(self, action: Asked, now: datetime, moment: float) -> tuple[datetime, float]:
        """The deadline of an obligation first asked now (see :class:`Obligation`), and it as a
        POSIX timestamp; ``moment`` is ``now`` as one."""
        if action.stamp > moment:
            return action.due, action.stamp
        if action.kind != "contact" or action.channel is None:
            return now, moment
        zone = self._replayed.zone  # the lead's, as the action's due time is
        allowed = self.engine._compiled.allowed_from(action.channel, now.astimezone(zone))
        return allowed, allowed.timestamp()

    def _to_do(self, actions: Sequence[Timed], now: datetime, gate: Gate | None) -> list[Asked]:
        """Follow mode: the contacts and tasks due by now that capacity allows now (the others
        are deferred to the moment the gate gives)."""
        moment = now.timestamp()
        compiled = self.engine._compiled
        chosen: dict[tuple[str, str, str | None], Asked] = {}
        for due, _, action, _ in actions:
            key = _key(action)
            if action.kind not in CONTACTS or key in chosen:
                continue
            if due > moment:
                continue
            waiting = self.deferred.get(key)
            if waiting is not None and waiting.timestamp() > moment:
                continue
            if action.channel is not None:  # overdue: at the next moment the hours allow
                hours = compiled.allowed_from(action.channel, now.astimezone(self._replayed.zone))
                if hours.timestamp() > moment:
                    self.deferred[key] = hours
                    self._visit(hours.timestamp())
                    continue
            allowed = now if gate is None else gate(action.assignee, now)
            if allowed.timestamp() > moment:
                self.deferred[key] = allowed
                self._visit(allowed.timestamp())
                for still in self.open.values():
                    obligation = still.obligation
                    if (obligation.rule, obligation.kind, obligation.channel) == key:
                        obligation.deferred = True
                continue
            self.deferred.pop(key, None)
            chosen[key] = action
        return list(chosen.values())

    def _do(self, action: Asked, now: datetime) -> Event:
        """Follow mode: carry out one action now."""
        event = self.carried_by(action, now)
        self.made.append(event)
        self._replayed.extend([event])
        self._record(event, made=True)
        return event


#: What a run reports as it goes: the share done (0 to 1) and how far it has got, in words.
Progress = Callable[[float, str], None]


def run_all(
    leads: Sequence[Lead],
    run_of: Callable[[Lead], LeadRun],
    gate: Gate | None,
    progress: Progress | None = None,
) -> tuple[LeadRun, ...]:
    """The run of every lead (made by ``run_of``), replayed to the end of the data. With a gate
    (a capacity the leads share), all leads go forward in time together, so that capacity is
    spent in due order; without one, the leads are independent and each is made and replayed
    from its capture to its end in turn (the same results; only one lead's replayed history is
    held at a time, and what it replays was just made: in memory the processor still has at
    hand)."""
    if gate is None:
        made: list[LeadRun] = []
        for done, lead in enumerate(leads, start=1):
            run = run_of(lead)
            moment = run.next_moment()
            while moment is not None:
                run.step(moment, None)
                moment = run.next_moment()
            run.finish()
            made.append(run)
            if progress is not None and (done % 100 == 0 or done == len(leads)):
                progress(done / len(leads), f"{done:,} of {len(leads):,} leads")
        return tuple(made)
    runs = tuple(run_of(lead) for lead in leads)
    queue: list[tuple[float, int]] = []
    for index, run in enumerate(runs):
        moment = run.next_moment()
        if moment is None:
            run.finish()
        else:
            queue.append((moment, index))
    heapq.heapify(queue)
    first = min(queue)[0] if queue else 0.0
    span = max(runs[0].last - first, 1.0) if runs else 1.0
    steps = 0
    while queue:
        moment, index = heapq.heappop(queue)
        run = runs[index]
        run.step(moment, gate)
        steps += 1
        if progress is not None and steps % 1000 == 0:
            day = datetime.fromtimestamp(moment, UTC).date().isoformat()
            progress(min((moment - first) / span, 1.0), f"up to {day}")
        following = run.next_moment()
        if following is None:
            run.finish()
        else:  # always later: step() consumed everything up to moment
            heapq.heappush(queue, (following, index))
    return runs
