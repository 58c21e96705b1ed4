"""``cadence.simulate``: golden simulations worked out by hand (the properties of the replay are
in ``tests/properties/test_simulate_properties.py``)."""

from __future__ import annotations

import gc
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest

from cadence.data import read_events, read_leads
from cadence.engine import Engine
from cadence.policy import load_policy, parse_policy
from cadence.records import Event, Lead
from cadence.simulate import simulate

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
SHIPPED = sorted(p for p in POLICY_DIR.glob("*.yaml") if not p.name.endswith(".cases.yaml"))

FIRST_CALL = """
policy: first-call
timezone: Asia/Shanghai
rules:
  - id: first-call
    refs: [R003-4]
    obligation:
      after: captured
      within: 2 days
      channel: phone
      if_missed: {escalate: 0 days}
"""


CAPPED_CALL = """
policy: capped-call
timezone: Asia/Shanghai
caps:
  - {id: weekly, max: 3, within: 7 days}
rules:
  - id: first-call
    refs: [R003-4]
    obligation:
      after: captured
      within: 2 days
      channel: phone
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def lead(lead_id: str, captured: str = "2025-04-01T10:00:00+08:00") -> Lead:
    return Lead(lead_id, at(captured), owner="Lin Na", manager="Wang Fang")


def touch(lead_id: str, when: str, channel: str = "phone") -> Event:
    return Event(lead_id, at(when), "touch", channel, "reached")


def test_golden_audit_of_four_leads() -> None:
    # A is called after 1 day (on time), B after 4 days (2 days late), C never (missed, and
    # escalated), D opts out after a day (the obligation ends). The data ends on 5 April 10:00.
    leads = {k: lead(k) for k in "ABCD"}
    events = {
        "A": [touch("A", "2025-04-02T10:00:00+08:00")],
        "B": [touch("B", "2025-04-05T10:00:00+08:00")],
        "C": [],
        "D": [Event("D", at("2025-04-02T10:00:00+08:00"), "opt_out")],
    }
    result = simulate(Engine(parse_policy(FIRST_CALL)), leads, events)
    metrics = result.metrics()
    assert metrics["period"] == {
        "from": "2025-04-01T10:00:00+08:00",
        "to": "2025-04-06T00:00:00+08:00",  # the midnight after the last event
    }
    assert metrics["obligations"] == {
        "total": 4,
        "on_time": 1,
        "late": 1,
        "missed": 1,
        "ended": 1,
        "open": 0,
        "on_time_rate": 0.3333,  # 1 of the 3 judged (the ended one is not)
        "late_hours": {"median": 48.0, "p95": 48.0, "max": 48.0},
    }
    outcome = {o.lead_id: o.outcome for o in result.obligations if o.kind == "contact"}
    assert outcome == {"A": "on_time", "B": "late", "C": "missed", "D": "ended"}
    # B and C were both unmet when the deadline passed on 3 April 10:00.
    assert metrics["escalations"] == {"total": 2, "by_rule": {"first-call:escalate": 2}}
    # First contact: A after 24 hours, B after 96; C and D never.
    assert metrics["coverage"] == {
        "1": 0.25,
        "3": 0.25,
        "7": 0.5,
        "14": 0.5,
        "30": 0.5,
        "never": 0.5,
    }
    assert metrics["first_contact_hours"] == {"median": 24.0, "p90": 96.0}
    assert metrics["touches"]["total"] == 2
    assert metrics["by_salesperson"]["Lin Na"]["obligations"] == 4


def test_golden_over_contact() -> None:
    policy = parse_policy(
        """
        policy: careful
        timezone: Asia/Shanghai
        quiet_hours: [{start: "21:00", end: "08:00"}]
        caps: [{id: one-a-day, max: 1, within: 1 day}]
        rules:
          - id: weekly
            cadence: {every: 7 days, channel: email}
        """
    )
    events = [
        touch("A", "2025-04-01T12:00:00+08:00", "email"),
        touch("A", "2025-04-01T15:00:00+08:00", "email"),  # a second within a day: over the cap
        touch("A", "2025-04-03T23:30:00+08:00", "email"),  # in quiet hours
        Event("A", at("2025-04-04T10:00:00+08:00"), "opt_out", "email"),
        touch("A", "2025-04-06T10:00:00+08:00", "email"),  # after the opt-out
    ]
    metrics = simulate(Engine(policy), {"A": lead("A")}, {"A": events}).metrics()
    assert metrics["over_contact"] == {
        "over_cap": 1,
        "in_quiet_hours": 1,
        "after_opt_out": 1,
        "by_cap": {"one-a-day": 1},
    }


def test_golden_over_contact_with_a_cap_in_business_days() -> None:
    # A window of business days follows the calendar in the lead's zone, not elapsed time.
    policy = parse_policy(
        """
        policy: careful
        timezone: Asia/Shanghai
        calendar: {country: CN}
        caps: [{id: two-business-days, max: 1, within: 2 business days}]
        rules:
          - id: weekly
            cadence: {every: 7 days, channel: email}
        """
    )
    events = [
        # Friday 6 June 2025, 10:00 and the Monday after it, 11:00: two business days back from
        # Monday 11:00 is Thursday 11:00, so both are in one window (in elapsed time, two days
        # back is Saturday, and they would not be).
        touch("A", "2025-06-06T10:00:00+08:00", "email"),
        touch("A", "2025-06-09T11:00:00+08:00", "email"),  # over the cap
        # Thursday 12 June 12:00: two business days back is Tuesday 12:00, after Monday.
        touch("A", "2025-06-12T12:00:00+08:00", "email"),
    ]
    captured = lead("A", "2025-06-01T10:00:00+08:00")
    metrics = simulate(Engine(policy), {"A": captured}, {"A": events}).metrics()
    assert metrics["over_contact"]["over_cap"] == 1
    assert metrics["over_contact"]["by_cap"] == {"two-business-days": 1}


CAPPED = """
policy: capped
timezone: Asia/Shanghai
caps: [{id: one-a-day, max: 1, within: 1 day}]
rules:
  - id: call
    obligation: {after: captured, within: 1 day, channel: phone}
  - id: mail
    obligation: {after: captured, within: 2 days, channel: email}
"""


def test_a_cap_moves_a_deadline_only_for_contacts_really_made() -> None:
    # All three are captured on 1 April 10:00: the call is due on 2 April 10:00, the mail on
    # 3 April 10:00 (a day apart: the cap of one contact a day lets both through).
    events = {
        # X is never called. At the mail's deadline the engine, counting the overdue call as
        # made now, holds the mail back a day (and the next day again, and so on): that is only
        # time passing behind a call nobody made, so the deadline stays. Mailed on 4 April
        # 12:00, the mail is 26 hours late.
        "X": [touch("X", "2025-04-04T12:00:00+08:00", "email")],
        # Z is called late, on 3 April 15:00: at the mail's deadline the engine held the mail
        # back behind that call, and the call was in fact made before the mail, so the hold was
        # real and the deadline follows it: 24 hours after the call.
        "Z": [
            touch("Z", "2025-04-03T15:00:00+08:00", "phone"),
            touch("Z", "2025-04-04T15:00:00+08:00", "email"),
        ],
        # Y is called on time. A WeChat message on 3 April 08:00, before the mail is due, fills
        # the day: the policy now asks for the mail on 4 April 08:00, and the deadline follows.
        "Y": [
            touch("Y", "2025-04-01T15:00:00+08:00", "phone"),
            touch("Y", "2025-04-03T08:00:00+08:00", "wechat"),
            touch("Y", "2025-04-04T08:00:00+08:00", "email"),
        ],
    }
    result = simulate(Engine(parse_policy(CAPPED)), {k: lead(k) for k in "XYZ"}, events)
    found = {(o.lead_id, o.rule): o for o in result.obligations}
    assert {key: o.outcome for key, o in found.items()} == {
        ("X", "call"): "missed",
        ("X", "mail"): "late",
        ("Y", "call"): "on_time",
        ("Y", "mail"): "on_time",
        ("Z", "call"): "late",
        ("Z", "mail"): "on_time",
    }
    assert found[("X", "mail")].deadline == at("2025-04-03T10:00:00+08:00")
    assert found[("X", "mail")].late_by == timedelta(hours=26)
    assert found[("Y", "mail")].deadline == at("2025-04-04T08:00:00+08:00")
    assert found[("Z", "mail")].deadline == at("2025-04-04T15:00:00+08:00")


def test_a_greeting_not_sent_on_its_day_is_missed_and_the_next_occasion_is_a_new_one() -> None:
    # Public holidays in mainland China after 20 December 2024: New Year's Day (1 January),
    # Chinese New Year's Eve (28 January), Tomb-Sweeping Day (4 April)... each greeted by SMS at
    # 10:00. The New Year text goes out at 09:30; nothing on New Year's Eve; a text on
    # 10 February greets no holiday (it does not make up for the Eve); the Tomb-Sweeping text
    # goes out two hours late. The data ends on 5 April 00:00.
    policy = parse_policy(
        """
        policy: greetings
        timezone: Asia/Shanghai
        calendar: {country: CN}
        rules:
          - id: holidays
            greeting: {on: public holidays, channel: sms, at: "10:00"}
        """
    )
    events = [
        touch("A", "2025-01-01T09:30:00+08:00", "sms"),
        touch("A", "2025-02-10T10:00:00+08:00", "sms"),
        touch("A", "2025-04-04T12:00:00+08:00", "sms"),
    ]
    result = simulate(Engine(policy), {"A": lead("A", "2024-12-20T10:00:00+08:00")}, {"A": events})
    found = [(o.due.date().isoformat(), o.outcome) for o in result.obligations]
    assert found == [
        ("2025-01-01", "on_time"),
        ("2025-01-28", "missed"),
        ("2025-04-04", "late"),
    ]
    eve = result.obligations[1]
    assert eve.resolved_at == at("2025-01-29T00:00:00+08:00")  # when its day was over
    assert result.obligations[2].late_by == timedelta(hours=2)


def test_a_greeting_a_cap_holds_past_its_day_ends_when_the_day_is_over() -> None:
    # A's birthday is 4 March. A is captured on 3 March 10:00 with a call at that moment, which
    # fills the cap of one contact a week: the birthday text is held to 10 March 10:00. When
    # 4 March is over, the policy asks for the next birthday (4 March 2026) instead: the policy
    # itself held this one past its day, so it ended then (not met, not missed). The text sent
    # on 6 March greets no birthday. Until this was fixed, the run noticed the change only at
    # its next visit (here the text on 6 March) and counted the text as meeting the greeting.
    policy = parse_policy(
        """
        policy: greetings
        timezone: Asia/Shanghai
        caps: [{id: one-a-week, max: 1, within: 7 days}]
        rules:
          - id: birthday
            greeting: {on: birthday, channel: sms, at: "10:00"}
        """
    )
    captured = Lead(
        "A",
        at("2025-03-03T10:00:00+08:00"),
        owner="Lin Na",
        attributes={"birthday": "1980-03-04"},
    )
    events = [
        touch("A", "2025-03-03T10:00:00+08:00", "phone"),
        touch("A", "2025-03-06T12:00:00+08:00", "sms"),
    ]
    result = simulate(Engine(policy), {"A": captured}, {"A": events})
    found = [(o.due.isoformat(), o.outcome, o.resolved_at) for o in result.runs[0].obligations]
    assert found == [
        ("2025-03-10T10:00:00+08:00", "ended", at("2025-03-05T00:00:00+08:00")),
        ("2026-03-04T10:00:00+08:00", "open", None),
    ]


def test_an_obligation_started_again_by_a_later_event_is_a_new_one() -> None:
    # Each promise is to be kept within 3 days. A promises on 1 April and again on 6 April, and
    # keeps a promise on 7 April: the first was never kept by its deadline (missed), the second
    # on time. B promises on 1 and 2 April and keeps a promise on 3 April: the first was
    # superseded before it was due (ended), the second kept on time. Until this was fixed, A
    # had one obligation, kept 3 days late, and B one, on time.
    policy = parse_policy(
        """
        policy: promises
        timezone: Asia/Shanghai
        events: [promise, promise_kept]
        rules:
          - id: keep-promises
            obligation:
              after: promise
              within: 3 days
              task: Keep the promise
              met_by: promise_kept
        """
    )

    def events_of(lead_id: str, *days: tuple[str, str]) -> list[Event]:
        return [Event(lead_id, at(f"2025-04-{day}T10:00:00+08:00"), kind) for day, kind in days]

    events = {
        "A": events_of("A", ("01", "promise"), ("06", "promise"), ("07", "promise_kept")),
        "B": events_of("B", ("01", "promise"), ("02", "promise"), ("03", "promise_kept")),
    }
    until = at("2025-04-10T00:00:00+08:00")  # past the second deadline of A
    result = simulate(Engine(policy), {k: lead(k) for k in "AB"}, events, end=until)
    found = [(o.lead_id, o.due.date().isoformat(), o.outcome) for o in result.obligations]
    assert sorted(found) == [
        ("A", "2025-04-04", "missed"),
        ("A", "2025-04-09", "on_time"),
        ("B", "2025-04-04", "ended"),
        ("B", "2025-04-05", "on_time"),
    ]
    first = next(o for o in result.obligations if o.lead_id == "A" and o.outcome == "missed")
    assert first.resolved_at == at("2025-04-06T10:00:00+08:00")  # when the next promise came


def test_an_escalation_is_asked_when_the_engine_asks_it_not_when_the_moved_contact_is_due() -> None:
    # Both leads are captured on 1 April at 22:00 and are to be called within 2 days: by
    # 3 April 22:00, in quiet hours, so the call is moved to 4 April 08:00. The engine escalates
    # at the deadline itself (escalate: 0 days), before the moved call is due. A is never called
    # (missed, escalated at 22:00); B is called at 08:00, on time for the call as asked, yet it
    # was escalated at 22:00 too. Until this was fixed, the run looked for escalations only
    # after the moved due time: A's was asked 10 hours late, and B's never.
    policy = parse_policy(
        FIRST_CALL.replace(
            "timezone: Asia/Shanghai",
            'timezone: Asia/Shanghai\nquiet_hours: [{start: "21:00", end: "08:00"}]',
        )
    )
    engine = Engine(policy)
    leads = {k: lead(k, "2025-04-01T22:00:00+08:00") for k in "AB"}
    events = {"A": [], "B": [touch("B", "2025-04-04T08:00:00+08:00")]}
    end = at("2025-04-06T00:00:00+08:00")
    result = simulate(engine, leads, events, end=end)
    found = sorted((o.lead_id, o.kind, o.outcome) for o in result.obligations)
    assert found == [
        ("A", "contact", "missed"),
        ("A", "escalate", "missed"),
        ("B", "contact", "on_time"),
        ("B", "escalate", "ended"),
    ]
    deadline = at("2025-04-03T22:00:00+08:00")
    assert [o.asked_at for o in result.obligations if o.kind == "escalate"] == [deadline] * 2
    moved = at("2025-04-04T08:00:00+08:00")
    assert all(o.due == moved for o in result.obligations if o.kind == "contact")
    # Following the policy, the call is made at 08:00, after the escalation: it still fires.
    followed = simulate(engine, leads, events, end=end, follow=True).metrics()
    assert followed["escalations"]["total"] == 2
    assert followed["obligations"]["on_time"] == 2


def test_an_escalation_follows_a_deadline_that_a_later_event_moves() -> None:
    # The deposit is to be chased by phone within a day of the contract, in working hours. The
    # contract is signed on Monday 7 April 2025 at 20:00 and signed again at 20:30: the deadline
    # is then Tuesday 20:30, not 20:00 (the rule counts from the latest), and the engine
    # escalates at 20:30. Both deadlines put the call on Wednesday 09:00, so it stays the same
    # obligation. Until this was fixed, the run looked for the escalation only at 20:00, where
    # there was none yet, and then only at the next event or due time it visited: here none,
    # so the escalation never showed.
    policy = parse_policy(
        """
        policy: deposits
        timezone: Asia/Shanghai
        working_hours: {start: "09:00", end: "18:00", channels: [phone]}
        events: [contract_signed]
        rules:
          - id: deposit-chase
            obligation:
              after: contract_signed
              within: 1 day
              channel: phone
              if_missed: {escalate: 0 days}
        """
    )
    events = [
        Event("A", at("2025-04-07T20:00:00+08:00"), "contract_signed"),
        Event("A", at("2025-04-07T20:30:00+08:00"), "contract_signed"),
    ]
    end = at("2025-04-12T00:00:00+08:00")
    captured = lead("A", "2025-04-07T19:00:00+08:00")
    result = simulate(Engine(policy), {"A": captured}, {"A": events}, end=end)
    found = [(o.kind, o.due, o.asked_at, o.outcome) for o in result.obligations]
    assert found == [
        (
            "escalate",
            at("2025-04-08T20:30:00+08:00"),
            at("2025-04-08T20:30:00+08:00"),
            "missed",
        ),
        ("contact", at("2025-04-09T09:00:00+08:00"), at("2025-04-07T20:00:00+08:00"), "missed"),
    ]


def test_follow_with_capacity_moves_what_does_not_fit_to_the_next_working_day() -> None:
    # Three leads of one salesperson, each to be called within 2 days, all due on Thursday
    # 3 April 10:00; with a capacity of 2 a day, the third call waits for Monday 7 April
    # (4-6 April is the Qingming holiday and a weekend in China) and is met late.
    policy = parse_policy(
        FIRST_CALL.replace(
            "timezone: Asia/Shanghai", "timezone: Asia/Shanghai\ncalendar: {country: CN}"
        )
    )
    leads = {k: lead(k) for k in "ABC"}
    events: dict[str, list[Event]] = {k: [] for k in "ABC"}
    end = at("2025-04-10T10:00:00+08:00")
    free = simulate(Engine(policy), leads, events, end=end, follow=True).metrics()
    assert (free["obligations"]["on_time"], free["obligations"]["late"]) == (3, 0)
    tight = simulate(Engine(policy), leads, events, end=end, follow=True, capacity=2)
    metrics = tight.metrics()
    assert (metrics["obligations"]["on_time"], metrics["obligations"]["late"]) == (2, 1)
    assert metrics["breached_by_capacity"] == 1
    late = next(o for o in tight.obligations if o.outcome == "late")
    assert late.resolved_at is not None
    assert late.resolved_at.astimezone(late.due.tzinfo).isoformat() == "2025-04-07T09:00:00+08:00"


def test_the_same_inputs_give_the_same_metrics() -> None:
    policy = load_policy(POLICY_DIR / "post_show.yaml")
    leads = {k: lead(k) for k in "AB"}
    events = {"A": [touch("A", "2025-04-02T10:00:00+08:00")], "B": []}
    first = simulate(Engine(policy), leads, events).metrics()
    second = simulate(Engine(policy), dict(reversed(leads.items())), events).metrics()
    assert first == second


def test_counts_in_the_metrics_are_whole_numbers() -> None:
    # A percentile of touch counts is a count: 3, never 3.0. Equality cannot tell them apart
    # (3 == 3.0) but the JSON bytes can, so this is checked by type; it is what caught a build
    # that compiled the metrics with mypyc, whose float annotations turn ints into floats.
    show = POLICY_DIR.parent / "examples" / "show"
    policy = load_policy(POLICY_DIR / "post_show.yaml")
    leads = read_leads(show / "leads.jsonl", default_timezone=policy.timezone)
    events = read_events(show / "events.jsonl", leads)
    metrics = simulate(Engine(policy), leads, events, follow=True).metrics()
    spreads = [metrics["touches"]["per_lead"], metrics["load"]["per_salesperson_day"]]
    counts = [spread[key] for spread in spreads for key in ("median", "p95", "max")]
    counts += [n for pair in metrics["touches"]["histogram"] for n in pair]
    assert counts and all(type(n) is int for n in counts), counts


@pytest.mark.parametrize("follow", [False, True])
def test_a_simulation_leaves_no_reference_cycles(follow: bool) -> None:
    # simulate() and metrics() pause the cycle collector: safe only because nothing they build
    # (runs, obligations, the trackers' remembered deadlines and verdicts, the metrics' rows)
    # refers back to itself.
    examples = Path(__file__).resolve().parents[2] / "examples" / "show"
    leads = read_leads(examples / "leads.jsonl", default_timezone="Asia/Shanghai")
    events = read_events(examples / "events.jsonl", leads)
    some = dict(sorted(leads.items())[:200])
    engine = Engine(load_policy(POLICY_DIR / "post_show.yaml"))
    gc.collect()
    gc.disable()
    try:
        result = simulate(engine, some, events, follow=follow, capacity=3 if follow else None)
        result.metrics()
        assert result.obligations
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_an_audit_passes_over_a_due_time_at_which_the_engine_answers_as_before() -> None:
    # The example of docs/simulation.md (Limits): captured Tuesday 10:00, the call asked for
    # Thursday 10:00, made on Friday 11:00. Nothing happens on Thursday and nothing capped was
    # overdue before it, so the run evaluates at the capture and the call only; evaluating at
    # the due time as well judges the call the same.
    engine = Engine(parse_policy(CAPPED_CALL))
    data = ({"A": lead("A")}, {"A": [touch("A", "2025-04-04T11:00:00+08:00")]})
    end = at("2025-04-10T00:00:00+08:00")
    passing = simulate(engine, *data, end=end)
    with patch("cadence.simulate.capped_channels", return_value=None):
        evaluating = simulate(engine, *data, end=end)
    for result, evaluations in ((passing, 2), (evaluating, 3)):
        (call,) = (o for o in result.obligations if o.kind == "contact")
        assert (call.due, call.outcome, call.late_by) == (
            at("2025-04-03T10:00:00+08:00"),
            "late",
            timedelta(hours=25),
        )
        assert result.runs[0].evaluations == evaluations


def test_the_obligations_are_a_fresh_list_in_due_order_each_time() -> None:
    # Worked out once and kept: a caller changing the list it got changes nothing for the next.
    policy = load_policy(POLICY_DIR / "post_show.yaml")
    leads = {k: lead(k) for k in "AB"}
    events = {"A": [touch("A", "2025-04-02T10:00:00+08:00")]}
    result = simulate(Engine(policy), leads, events, end=at("2025-06-01T00:00:00+08:00"))
    first = result.obligations
    assert len(first) > 2
    assert [o.due.timestamp() for o in first] == sorted(o.due.timestamp() for o in first)
    first.clear()
    again = result.obligations
    assert again == result.obligations and again is not result.obligations
    made = [o for run in result.runs for o in run.obligations]
    assert len(again) == sum(result.start <= o.due < result.end for o in made)


def test_bad_periods_are_refused() -> None:
    engine = Engine(parse_policy(FIRST_CALL))
    data = ({"A": lead("A")}, {"A": []})
    with pytest.raises(ValueError, match="ends before it starts"):
        simulate(
            engine, *data, start=at("2025-05-01T00:00+08:00"), end=at("2025-04-01T00:00+08:00")
        )
    with pytest.raises(ValueError, match="capacity needs follow mode"):
        simulate(engine, *data, capacity=3)
