"""The embedding API by example: LeadTracker's fold and fallbacks, batches, and one engine (and
one tracker) used from several threads at once giving the answers of a single thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import cadence
from cadence import backends
from cadence.engine.evaluate import Asked
from cadence.engine.incremental import Replayed

ROOT = Path(__file__).resolve().parents[2]
POLICY = cadence.load_policy(ROOT / "policies" / "post_show.yaml")
NOW = datetime.fromisoformat("2025-07-21T09:00:00+08:00")
LEADS = cadence.read_leads(ROOT / "examples/show/leads.jsonl", default_timezone="Asia/Shanghai")
EVENTS = cadence.read_events(ROOT / "examples/show/events.jsonl", LEADS)


def _busiest() -> tuple[cadence.Lead, list[cadence.Event]]:
    lead_id = max(EVENTS, key=lambda i: len(EVENTS[i]))
    return LEADS[lead_id], sorted(EVENTS[lead_id], key=lambda e: e.at.timestamp())


def test_in_order_events_are_folded_in_without_a_replay() -> None:
    engine = cadence.Engine(POLICY)
    lead, events = _busiest()
    tracker = engine.track(lead)
    for count, event in enumerate(events, start=1):
        tracker.add(event)
        assert tracker.next_actions(event.at) == engine.next_actions(lead, events[:count], event.at)
    assert tracker.full_replays == 0
    assert tracker.next_actions(NOW) == engine.next_actions(lead, events, NOW)


READS = """
policy: reads
timezone: Asia/Shanghai
stages: [new, quoted]
events: [quote_sent, complaint]
rules:
  - id: first-contact
    obligation:
      after: captured
      within: 7 days
      channel:
        - {when: {stage: quoted}, use: visit}
        - {when: {happened: {event: quote_sent}}, use: phone}
        - {use: email}
"""


def test_what_a_rule_asked_is_kept_only_across_events_it_does_not_read() -> None:
    # The rule reads the stage and the quotes (through its channel choice) and the touches:
    # a complaint changes nothing it asks, a quote and a change of stage change its channel.
    engine = cadence.Engine(cadence.parse_policy(READS))
    captured = datetime.fromisoformat("2025-04-01T10:00:00+08:00")
    lead = cadence.Lead("L1", captured, owner="Lin Na")
    rule = engine._compiled.rules[0]
    assert rule.reads == ("captured", "quote_sent", "stage", "touch")
    tracker = engine.track(lead)

    def channel_after(event_type: str, hours: int, value: str | None = None) -> str | None:
        at = captured + timedelta(hours=hours)
        tracker.add(cadence.Event("L1", at, event_type, value=value))
        (action,) = tracker.next_actions(at)
        assert [action] == engine.next_actions(lead, tracker.events, at)
        return action.channel

    assert channel_after("complaint", 1) == "email"
    assert channel_after("quote_sent", 2) == "phone"
    assert channel_after("complaint", 3) == "phone"
    assert channel_after("stage", 4, "quoted") == "visit"
    assert tracker.full_replays == 0


def test_a_late_event_or_an_early_now_replays_the_history() -> None:
    engine = cadence.Engine(POLICY)
    lead, events = _busiest()
    tracker = engine.track(lead, events[1:])
    assert tracker.full_replays == 0
    tracker.add(events[0])  # earlier than every event so far
    assert tracker.full_replays == 1
    assert tracker.next_actions(NOW) == engine.next_actions(lead, events, NOW)
    early = events[len(events) // 2].at
    assert tracker.next_actions(early) == engine.next_actions(lead, events, early)
    assert tracker.full_replays == 2


def test_a_tracker_refuses_other_leads_and_naive_times() -> None:
    lead, _ = _busiest()
    tracker = cadence.Engine(POLICY).track(lead)
    other = next(e for i, es in EVENTS.items() if i != lead.id for e in es)
    with pytest.raises(ValueError, match=r"an event of lead .* added to the tracker of"):
        tracker.add(other)
    with pytest.raises(ValueError, match="'now' must carry a time zone offset"):
        tracker.next_actions(datetime(2025, 7, 21, 9))


def test_a_batch_is_every_lead_in_the_contract_order() -> None:
    engine = cadence.Engine(POLICY)
    batch = engine.next_actions_batch(LEADS.values(), EVENTS, NOW)
    one_by_one = [
        a
        for lead in LEADS.values()
        for a in engine.next_actions(lead, EVENTS.get(lead.id, []), NOW)
    ]
    assert sorted(one_by_one, key=cadence.Action.sort_key) == batch
    assert batch == sorted(batch, key=cadence.Action.sort_key) and len(batch) > 1000


@pytest.mark.parametrize("threads", [2, 4])
def test_one_engine_serves_many_threads(threads: int, backend_name: str) -> None:
    engine = backends.load(backend_name, POLICY)
    leads = list(LEADS.values())[:600]
    alone = [engine.next_actions(lead, EVENTS.get(lead.id, []), NOW) for lead in leads]
    with ThreadPoolExecutor(threads) as pool:
        together = list(
            pool.map(lambda lead: engine.next_actions(lead, EVENTS.get(lead.id, []), NOW), leads)
        )
    assert together == alone


def test_one_tracker_shared_by_threads_ends_as_next_actions() -> None:
    engine = cadence.Engine(POLICY)
    lead, events = _busiest()
    tracker = engine.track(lead)
    moments = [e.at + timedelta(minutes=5) for e in events]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(tracker.add, events))
        list(pool.map(tracker.next_actions, moments))
    assert sorted(tracker.events, key=lambda e: (e.at.timestamp(), events.index(e))) == events
    assert tracker.next_actions(NOW) == engine.next_actions(lead, tracker.events, NOW)


_CHANNEL_BY_RECENT_EMAIL = """
policy: recent-email
version: "1"
timezone: Asia/Shanghai
rules:
  - id: call-after-an-email
    refs: [X-1]
    obligation:
      after: captured
      within: 10 days
      channel:
        - use: phone
          when: {happened: {event: touch, channel: [email], within: 1 day}}
        - use: sms
      if_missed: {escalate: 1 day}
"""


def test_a_tracker_asked_again_later_sees_what_time_alone_changed() -> None:
    # The tracker remembers what a rule asked while the history stays the same; what depends on
    # `now` must not be remembered: a channel chosen by an email "within 1 day", and the
    # escalation once the obligation is a day overdue.
    engine = cadence.Engine(cadence.parse_policy(_CHANNEL_BY_RECENT_EMAIL))
    captured = datetime.fromisoformat("2025-07-01T10:00:00+08:00")
    lead = cadence.Lead("L1", captured)
    events = [cadence.Event("L1", captured + timedelta(hours=1), "touch", "email", "reached")]
    tracker = engine.track(lead, events)
    asked = []
    for hours in (2, 50, 12 * 24):
        now = captured + timedelta(hours=hours)
        actions = tracker.next_actions(now)
        assert actions == engine.next_actions(lead, events, now)
        asked.append([(a.kind, a.channel) for a in actions])
    assert asked == [
        [("contact", "phone")],  # an email an hour ago: call
        [("contact", "sms")],  # the email is two days old: text instead
        [("contact", "sms"), ("escalate", None)],  # 12 days on: overdue by more than a day
    ]


_ONE_A_DAY = """
policy: one-a-day
version: "1"
timezone: Asia/Shanghai
caps:
  - {id: one-a-day, max: 1, within: 1 day}
rules:
  - id: thank-you
    refs: [X-1]
    obligation: {after: captured, within: 1 hour, channel: email}
  - id: call
    refs: [X-2]
    obligation: {after: captured, within: 1 day, channel: phone}
"""


def test_what_the_rules_proposed_placed_again_is_the_answer_at_a_later_now() -> None:
    # The thank-you, once overdue, counts against the cap from `now` (it can be sent at once),
    # so the call the cap holds behind it moves on with the time, with nothing else changing:
    # placing again what the rules proposed (`placing_only`) gives what a whole evaluation
    # gives, and after a new event a whole evaluation is made whatever the caller says.
    engine = cadence.Engine(cadence.parse_policy(_ONE_A_DAY))
    captured = datetime.fromisoformat("2025-07-01T10:00:00+08:00")
    lead = cadence.Lead("L1", captured)
    replayed = Replayed(engine, lead)
    replayed.timed(captured)
    calls = []
    for hours in (2, 30, 50):
        now = captured + timedelta(hours=hours)
        placed = replayed.timed(now, placing_only=True)
        assert [row[2].action() for row in placed] == engine.next_actions(lead, [], now)
        calls.append(next(row[0] for row in placed if row[1] == "call") - now.timestamp())
    assert calls == [86400.0] * 3  # a day after `now`, each time: the cap moved it again
    sent = cadence.Event("L1", captured + timedelta(hours=51), "touch", "email", "reached")
    replayed.extend([sent])
    now = captured + timedelta(hours=52)
    placed = replayed.timed(now, placing_only=True)
    assert [row[2].action() for row in placed] == engine.next_actions(lead, [sent], now)
    assert [row[1] for row in placed] == ["call"]  # the thank-you was sent: it is asked no more


_TOUCH_CHANNELS = """
policy: touch-channels
version: "1"
timezone: Asia/Shanghai
rules:
  - id: thank-you
    refs: [X-1]
    obligation: {after: captured, within: 2 days, channel: email}
  - id: call-after-a-reply
    refs: [X-2]
    obligation:
      after: captured
      within: 3 days
      channel:
        - {use: phone, when: {last_touch: {outcome: replied}}}
        - {use: sms}
"""


def test_a_touch_on_a_channel_a_rule_does_not_read_leaves_what_it_asked_kept() -> None:
    # The thank-you is met by an email: a call changes nothing it asks, so what it asked is
    # kept (the same action object) and not worked out again; the email meets it. The other
    # rule's channel depends on the last touch, whatever its channel: it reads every touch.
    engine = cadence.Engine(cadence.parse_policy(_TOUCH_CHANNELS))
    thank_you, call = engine._compiled.rules
    assert thank_you.touch_channels == frozenset({"email"})
    assert thank_you.counted == ("captured",)
    assert call.touch_channels is None
    captured = datetime.fromisoformat("2025-07-01T10:00:00+08:00")
    lead = cadence.Lead("L1", captured)
    replayed = Replayed(engine, lead)
    history: list[cadence.Event] = []

    def asked(hours: int, channel: str | None = None) -> dict[str, Asked]:
        at = captured + timedelta(hours=hours)
        if channel is not None:
            event = cadence.Event("L1", at, "touch", channel, "reached")
            history.append(event)
            replayed.extend([event])
        rows = replayed.timed(at)
        assert [row[2].action() for row in rows] == engine.next_actions(lead, history, at)
        return {row[1]: row[2] for row in rows}

    first = asked(1)
    after_a_call = asked(2, "phone")
    assert after_a_call["thank-you"] is first["thank-you"]
    assert asked(3, "email").keys() == {"call-after-a-reply"}


_MET_ONCE = """
policy: met-once
version: "1"
timezone: Asia/Shanghai
rules:
  - id: first-contact
    refs: [X-1]
    obligation:
      after: captured
      within: 7 days
      channel: phone
      met_by: [{event: touch, outcome: [reached]}, reply]
"""


def test_an_obligation_met_is_not_worked_out_again_after_more_of_what_meets_it() -> None:
    # Once a reached call met it, more touches and replies (all it reads besides its anchor)
    # leave it met by that first call: what it said is kept, not worked out again, and the
    # answers stay those of a whole evaluation.
    engine = cadence.Engine(cadence.parse_policy(_MET_ONCE))
    (rule,) = engine._compiled.rules
    assert (rule.counted, rule.settled) == (("captured", "reply", "touch"), ("captured",))
    captured = datetime.fromisoformat("2025-07-01T10:00:00+08:00")
    lead = cadence.Lead("L1", captured)
    replayed = Replayed(engine, lead)
    history: list[cadence.Event] = []
    verdicts = []
    for hours, kind, channel, outcome in [
        (1, "touch", "phone", "no_answer"),
        (2, "touch", "phone", "reached"),
        (3, "touch", "email", "reached"),
        (4, "reply", "email", None),
    ]:
        at = captured + timedelta(hours=hours)
        event = cadence.Event("L1", at, kind, channel, outcome)
        history.append(event)
        replayed.extend([event])
        rows = replayed.timed(at)
        assert [row[2].action() for row in rows] == engine.next_actions(lead, history, at)
        latest = [k for k in replayed.kept if k[:2] == ("rule", rule.order)][-1]  # as kept now
        verdicts.append(replayed.kept[latest][1])
    assert verdicts[2] is verdicts[1] and verdicts[3] is verdicts[1]  # kept since the call
    assert verdicts[1] is not verdicts[0]  # the call met it: worked out again then


def test_the_gate_decides_again_only_after_an_event_its_conditions_read() -> None:
    # post_show's gate reads the stage (its stops and the rules' `when`), the grade (the score)
    # and consent: after touches its decision is kept, after a change of stage it is made again.
    engine = cadence.Engine(POLICY)
    assert engine._compiled.gate_reads == ("stage",)
    captured = datetime.fromisoformat("2025-07-01T10:00:00+08:00")
    lead = cadence.Lead("L1", captured, owner="Lin Na")
    replayed = Replayed(engine, lead)
    history: list[cadence.Event] = []

    def decisions_after(hours: int, kind: str, channel: str | None, value: str | None) -> int:
        at = captured + timedelta(hours=hours)
        event = cadence.Event("L1", at, kind, channel, "reached" if channel else None, value)
        history.append(event)
        replayed.extend([event])
        rows = replayed.timed(at)
        assert [row[2].action() for row in rows] == engine.next_actions(lead, history, at)
        return sum(1 for key in replayed.kept if key[0] == "gate")

    replayed.timed(captured)
    assert decisions_after(1, "touch", "phone", None) == 1
    assert decisions_after(2, "touch", "email", None) == 1
    assert decisions_after(3, "stage", None, "contacted") == 2
    assert decisions_after(4, "stage", None, "lost") == 3
