"""The engine on small policies whose answers a reader can work out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cadence import load_policy
from cadence.calendar import zone
from cadence.durations import Duration
from cadence.engine import Engine
from cadence.engine.rules import added_in_zone
from cadence.policy import parse_policy
from cadence.records import Action, Event, Lead
from cadence.testing import carry_out
from tests.unit._calendars import moments

CST = timezone(timedelta(hours=8))  # Asia/Shanghai has no DST: a fixed offset reads plainly

HEADER = """
policy: test
timezone: Asia/Shanghai
calendar: {country: CN}
stages: [contacted, won, lost]
events: [show_closed, quote_sent, completed]
"""


def engine(body: str) -> Engine:
    return Engine(parse_policy(HEADER + body, "test.yaml"))


def at(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+08:00")


LEAD = Lead("L1", at("2025-04-23", "10:00"), owner="Ann", manager="Max", score=85)


def touch(when: datetime, channel: str = "phone", outcome: str | None = "reached") -> Event:
    return Event("L1", when, "touch", channel, outcome)


def brief(actions: list[Action]) -> list[tuple[str, str, str | None, str, str | None]]:
    return [(a.rule, a.kind, a.channel, a.due.isoformat(), a.assignee) for a in actions]


OBLIGATION = """
rules:
  - id: first
    refs: [R003-4]
    obligation:
      after: captured
      within: 7 days
      channel: phone
      if_missed: {escalate: 0 days, reassign: 7 days}
"""


def test_an_open_obligation_is_due_at_its_deadline() -> None:
    actions = engine(OBLIGATION).next_actions(LEAD, [], at("2025-04-24"))
    assert brief(actions) == [("first", "contact", "phone", "2025-04-30T10:00:00+08:00", "Ann")]
    assert actions[0].refs == ("R003-4",) and not actions[0].overdue


def test_a_missed_obligation_escalates_then_reassigns() -> None:
    e = engine(OBLIGATION)
    assert brief(e.next_actions(LEAD, [], at("2025-05-01"))) == [
        ("first", "contact", "phone", "2025-04-30T10:00:00+08:00", "Ann"),
        ("first", "escalate", None, "2025-04-30T10:00:00+08:00", "Max"),
    ]
    kinds = [a.kind for a in e.next_actions(LEAD, [], at("2025-05-08"))]
    assert kinds == ["contact", "escalate", "reassign"]


def test_a_touch_on_the_channel_meets_the_obligation_even_late() -> None:
    e = engine(OBLIGATION)
    assert e.next_actions(LEAD, [touch(at("2025-04-29"))], at("2025-05-08")) == []
    assert e.next_actions(LEAD, [touch(at("2025-05-02"))], at("2025-05-08")) == []
    # an email is not the phone call the rule asks for
    assert len(e.next_actions(LEAD, [touch(at("2025-04-29"), "email")], at("2025-05-01"))) == 2


def test_business_days_skip_the_national_day_holiday() -> None:
    e = engine("""
rules:
  - id: minutes
    obligation: {after: quote_sent, within: 2 business days, channel: email}
""")
    # Tuesday 30 September 2025 + 2 business days: 1-8 October are holidays -> Friday 10 October
    # (Thursday 9 October is day one).
    quote = Event("L1", at("2025-09-30", "15:00"), "quote_sent")
    actions = e.next_actions(LEAD, [quote], at("2025-09-30", "16:00"))
    assert brief(actions) == [("minutes", "contact", "email", "2025-10-10T15:00:00+08:00", "Ann")]


CADENCE = """
rules:
  - id: weekly
    cadence:
      every: 7 days
      channel: phone
      backoff: {on: [declined], multiply: 2, switch_to: email}
"""


def test_a_cadence_counts_from_the_last_qualifying_touch() -> None:
    e = engine(CADENCE)
    assert brief(e.next_actions(LEAD, [], at("2025-04-24"))) == [
        ("weekly", "contact", "phone", "2025-04-30T10:00:00+08:00", "Ann")
    ]
    history = [touch(at("2025-05-05", "11:00"))]
    assert e.next_actions(LEAD, history, at("2025-05-06"))[0].due == at("2025-05-12", "11:00")


def test_backoff_after_a_rejection_doubles_the_interval_and_switches_the_channel() -> None:
    history = [touch(at("2025-05-05", "11:00"), outcome="declined")]
    actions = engine(CADENCE).next_actions(LEAD, history, at("2025-05-06"))
    assert brief(actions) == [("weekly", "contact", "email", "2025-05-19T11:00:00+08:00", "Ann")]
    assert "backed off" in actions[0].reason


SEQUENCE = """
rules:
  - id: sms
    until: {happened: completed}
    sequence:
      after: {event: touch, channel: phone, outcome: [interested, put_off]}
      steps:
        - {at: 0 hours, channel: sms, when: {anchor: {outcome: interested}}, refs: [R004-1]}
        - {at: 1 day, channel: sms, when: {anchor: {outcome: put_off}}, refs: [R004-2]}
        - {at: 2 days, channel: sms, refs: [R004-3]}
      then: {every: 3 days, channel: sms, refs: [R004-3]}
"""


def test_a_sequence_skips_steps_whose_condition_fails() -> None:
    e = engine(SEQUENCE)
    call = touch(at("2025-05-06", "10:00"), outcome="put_off")
    actions = e.next_actions(LEAD, [call], at("2025-05-06", "11:00"))
    assert brief(actions) == [("sms", "contact", "sms", "2025-05-07T10:00:00+08:00", "Ann")]
    assert actions[0].refs == ("R004-2",)


def test_a_sequence_advances_one_step_per_touch_then_repeats_until_it_ends() -> None:
    e = engine(SEQUENCE)
    history = [
        touch(at("2025-05-06", "10:00"), outcome="interested"),
        touch(at("2025-05-06", "10:30"), "sms"),
    ]
    assert e.next_actions(LEAD, history, at("2025-05-06", "11:00"))[0].due == at(
        "2025-05-08", "10:00"
    )
    history.append(touch(at("2025-05-08", "12:00"), "sms"))
    repeat = e.next_actions(LEAD, history, at("2025-05-08", "13:00"))
    assert brief(repeat) == [("sms", "contact", "sms", "2025-05-11T12:00:00+08:00", "Ann")]
    history.append(Event("L1", at("2025-05-09"), "completed"))
    assert e.next_actions(LEAD, history, at("2025-05-09", "10:00")) == []


def test_quiet_hours_move_a_contact_to_their_end_in_the_leads_zone() -> None:
    e = engine("""
quiet_hours: [{start: "21:00", end: "08:00"}]
rules:
  - id: sms
    sequence:
      after: {event: touch, channel: phone}
      steps: [{at: 0 hours, channel: sms}]
""")
    berlin = Lead("L1", at("2025-04-23"), timezone="Europe/Berlin", owner="Ann")
    late_call = touch(datetime(2025, 5, 6, 21, 30, tzinfo=UTC))  # 23:30 in Berlin
    actions = e.next_actions(berlin, [late_call], datetime(2025, 5, 6, 22, 0, tzinfo=UTC))
    assert actions[0].due.isoformat() == "2025-05-07T08:00:00+02:00"


def test_working_hours_and_holidays_move_calls_but_not_emails() -> None:
    e = engine("""
working_hours: {start: "09:00", end: "18:00", channels: [phone]}
rules:
  - id: call
    obligation: {after: quote_sent, within: 0 hours, channel: phone}
  - id: mail
    obligation: {after: quote_sent, within: 0 hours, channel: email}
""")
    quote = Event("L1", at("2025-09-30", "19:00"), "quote_sent")
    got = {
        a.rule: a.due.isoformat() for a in e.next_actions(LEAD, [quote], at("2025-09-30", "19:30"))
    }
    assert got == {"call": "2025-10-09T09:00:00+08:00", "mail": "2025-09-30T19:00:00+08:00"}


def test_a_cap_moves_a_contact_until_the_window_allows_it() -> None:
    e = engine("""
caps: [{id: one-a-day, max: 1, within: 1 day}]
rules:
  - id: call
    obligation: {after: quote_sent, within: 0 hours, channel: phone}
""")
    history = [
        touch(at("2025-05-06", "09:00"), "email"),
        Event("L1", at("2025-05-06", "10:00"), "quote_sent"),
    ]
    actions = e.next_actions(LEAD, history, at("2025-05-06", "10:00"))
    assert actions[0].due == at("2025-05-07", "09:00")


def test_an_overdue_call_counts_against_a_cap_when_working_hours_allow_it() -> None:
    # Captured on Thursday 12 June 17:00. On Saturday 14 June 20:00 the call (due Friday 17:00)
    # and the mail (due Saturday 17:00) are both overdue. Calls wait for working hours, so the
    # call will be made on Monday 09:00; the mail can go now: 37 hours apart, within the cap.
    # (Counting the call as made now, as before, put the mail on Sunday 20:00: done so, the
    # call on Monday 09:00 came 13 hours after it, over the cap.)
    e = engine("""
working_hours: {start: "09:00", end: "18:00", channels: [phone]}
caps: [{id: one-a-day, max: 1, within: 1 day}]
rules:
  - id: call
    obligation: {after: captured, within: 1 day, channel: phone}
  - id: mail
    obligation: {after: captured, within: 2 days, channel: email}
""")
    lead = Lead("L1", at("2025-06-12", "17:00"), owner="Ann", manager="Max")
    now = at("2025-06-14", "20:00")
    actions = e.next_actions(lead, [], now)
    assert [(a.rule, a.due, a.overdue) for a in actions] == [
        ("call", at("2025-06-13", "17:00"), True),
        ("mail", at("2025-06-14", "17:00"), True),
    ]
    # A salesperson doing as told (cadence.testing.carry_out) mails now and calls on Monday.
    made = carry_out(e, lead, [], now, steps=2)
    assert [(when, action.rule) for when, action in made] == [
        (now, "mail"),
        (at("2025-06-16", "09:00"), "call"),
    ]


def test_opt_out_of_a_channel_removes_it_and_a_full_opt_out_removes_everything() -> None:
    e = engine(CADENCE)
    email_out = Event("L1", at("2025-04-24"), "opt_out", "email")
    history = [touch(at("2025-05-05", "11:00"), outcome="declined"), email_out]
    # the backoff would switch to email, which is refused: the phone stays
    assert [a.channel for a in e.next_actions(LEAD, history, at("2025-05-06"))] == ["phone"]
    everything = Event("L1", at("2025-04-24"), "opt_out")
    assert e.next_actions(LEAD, [everything], at("2025-05-06")) == []
    back = Event("L1", at("2025-04-25"), "opt_in")
    assert len(e.next_actions(LEAD, [everything, back], at("2025-05-06"))) == 1


def test_a_stop_ends_all_follow_up_and_explain_says_which() -> None:
    e = engine("stops: [{id: closed, when: {stage: [won, lost]}}]\n" + CADENCE)
    won = Event("L1", at("2025-05-01"), "stage", value="won")
    assert e.next_actions(LEAD, [won], at("2025-05-06")) == []
    assert e.explain(LEAD, [won], at("2025-05-06")).stopped_by == "closed"


def test_grades_follow_score_and_grade_events() -> None:
    e = engine("""
grades: [{grade: A, min_score: 80}, {grade: B, min_score: 50}, {grade: C}]
rules:
  - id: a-only
    when: {grade: A}
    cadence: {every: 7 days, channel: phone}
""")
    assert e.explain(LEAD, [], at("2025-05-06")).grade == "A"
    lower = Event("L1", at("2025-05-01"), "score", value=60.0)
    assert e.explain(LEAD, [lower], at("2025-05-06")).grade == "B"
    assert e.next_actions(LEAD, [lower], at("2025-05-06")) == []
    crm = Event("L1", at("2025-05-02"), "grade", value="A")
    assert e.explain(LEAD, [lower, crm], at("2025-05-06")).grade == "A"


def test_events_after_now_are_not_yet_history() -> None:
    e = engine(OBLIGATION)
    future = touch(at("2025-05-02"))
    assert len(e.next_actions(LEAD, [future], at("2025-05-01"))) == 2


def test_a_greeting_on_the_next_public_holiday_and_on_the_birthday() -> None:
    e = engine("""
rules:
  - id: holidays
    greeting: {on: public holidays, channel: sms, at: "10:00"}
  - id: birthday
    greeting: {on: birthday, channel: sms, at: "09:30"}
""")
    lead = Lead("L1", at("2025-04-23"), attributes={"birthday": "1980-06-15"})
    got = {a.rule: a.due.isoformat() for a in e.next_actions(lead, [], at("2025-05-06"))}
    assert got == {
        "holidays": "2025-05-31T10:00:00+08:00",  # Dragon Boat Festival
        "birthday": "2025-06-15T09:30:00+08:00",
    }


def test_now_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        engine(OBLIGATION).next_actions(LEAD, [], datetime(2025, 5, 1, 9, 0))


def test_explain_gives_a_verdict_for_every_rule() -> None:
    e = engine(
        OBLIGATION
        + """
  - id: weekly
    when: {stage: won}
    cadence: {every: 7 days, channel: phone}
"""
    )
    verdicts = {v.rule: v for v in e.explain(LEAD, [], at("2025-04-24")).verdicts}
    assert verdicts["first"].fired and "due by 2025-04-30 10:00" in verdicts["first"].text
    assert not verdicts["weekly"].fired and "when" in verdicts["weekly"].text


def test_events_in_one_zone_are_ordered_by_instant_in_the_repeated_hour() -> None:
    # Amsterdam's clocks went back at 03:00 on 2025-10-26, so 02:00-03:00 came twice. A call at
    # the first 02:45 (00:45 UTC) was made before a quote sent at the second 02:30 (01:30 UTC),
    # although its wall clock is later: it does not count as the chase of that quote.
    root = Path(__file__).resolve().parents[2]
    engine = Engine(load_policy(root / "policies" / "quote_chase.yaml"))
    amsterdam = ZoneInfo("Europe/Amsterdam")
    quote = Event("L1", datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=amsterdam), "quote_sent")
    call = Event("L1", datetime(2025, 10, 26, 2, 45, fold=0, tzinfo=amsterdam), "touch", "phone")
    assert call.stamp < quote.stamp
    lead = Lead("L1", datetime(2025, 10, 20, 9, 0, tzinfo=amsterdam), owner="ann")
    now = datetime(2025, 10, 27, 9, 0, tzinfo=amsterdam)
    [action] = engine.next_actions(lead, [call, quote], now)
    assert action.reason.startswith("Call about the quote, which has had no reply: step 1")


@settings(deadline=None)
@example(  # 273 days on: 02:30 on 26 October 2025, first at +2, then again at +1 as at the start
    t=datetime(2025, 1, 26, 2, 30, tzinfo=zone("Europe/Berlin")),
    n=273,
    unit="days",
    other="Europe/Berlin",
)
@example(  # 2 days on: 02:30 on 30 March 2025 does not exist
    t=datetime(2025, 3, 28, 2, 30, tzinfo=zone("Europe/Berlin")),
    n=2,
    unit="days",
    other="Europe/Berlin",
)
@given(
    t=moments(),
    n=st.integers(0, 400),
    unit=st.sampled_from(["days", "weeks"]),
    other=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
)
def test_days_counted_as_elapsed_time_are_the_calendars_days(
    t: datetime, n: int, unit: str, other: str
) -> None:
    # The engine counts days and weeks from a whole second as that many times 24 hours when the
    # lead's zone has the same offset at both ends and the end is no second showing of a
    # repeated time; the answer, in every zone and near every change of the clocks, is the
    # calendar's (whose days move the wall clock), for times written in the lead's zone or not.
    policy = engine(OBLIGATION)._compiled  # its calendar and working day start are what count
    lead_zone = zone(other)
    t = t.replace(microsecond=0)
    duration = Duration(n, unit)  # type: ignore[arg-type]
    expected = policy.add_in_zone(t, duration, lead_zone)
    found, stamp = added_in_zone(policy, {}, lead_zone, t, t.timestamp(), duration)
    assert (found, found.utcoffset(), found.fold, found.tzinfo) == (
        expected,
        expected.utcoffset(),
        expected.fold,
        expected.tzinfo,
    )
    assert stamp == expected.timestamp()
