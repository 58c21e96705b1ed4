"""Generate a realistic, seeded data set of leads and events after a trade show.

The data set imitates what a CRM exports three months after the Canton Fair 2025 Phase 2
(Guangzhou, 23-27 April 2025): about 2,000 leads collected at the booth by 15 salespeople under
3 managers, and their history until 19 July 2025 inclusive: touches, replies, stage changes,
quotes, meetings, contracts, deposits, complaints, opt-outs. It is meant to be judged against the
follow-up regulations (R000-R004), so it holds the imperfections a real team produces: leads never
touched, late first contacts, calls at night, bursts of calls, promises kept late or never, meeting
minutes late or missing, contracts without a deposit, a touch after an opt-out.

Standard library only. The output depends on ``--seed`` and ``--leads`` alone: every random choice
comes from ``random.Random``, lines are written in a fixed order with a fixed key order, and no
clock is read. Usage::

    python examples/generate_show.py --seed 2025 --out examples/show
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SHOW = "Canton Fair 2025 Phase 2"
CN = ZoneInfo("Asia/Shanghai")
SHOW_DAYS = tuple(date(2025, 4, 23) + timedelta(days=i) for i in range(5))
SHOW_CLOSED = datetime(2025, 4, 27, 17, 0, tzinfo=CN)
END = date(2025, 7, 20)  # the history ends on 19 July, in each lead's own zone
# The company's calendar (mainland China, 2025): Labour Day and Dragon Boat holidays, and the
# Sunday worked in exchange (the last show day).
LABOUR_DAY = tuple(date(2025, 5, d) for d in range(1, 6))
DRAGON_BOAT = (date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2))
HOLIDAYS = frozenset(LABOUR_DAY + DRAGON_BOAT)
MAKEUP_WORKDAYS = frozenset({date(2025, 4, 27)})
NEWSLETTERS = (date(2025, 5, 20), date(2025, 6, 17), date(2025, 7, 15))

TEAMS = {  # manager: the salespeople who report to them
    "Zhang Min": ("Li Wei", "Liu Yang", "Huang Ting", "Zhou Xin", "Wu Hao"),
    "Wang Fang": ("Xu Jing", "Sun Peng", "Ma Li", "Zhu Yan", "Hu Jun"),
    "Chen Jie": ("Guo Qiang", "Lin Na", "He Yu", "Gao Feng", "Luo Min"),
}
MANAGER_OF = {owner: manager for manager, team in TEAMS.items() for owner in team}
ABROAD = (  # zone, country, weight
    ("America/New_York", "United States", 16), ("Europe/Berlin", "Germany", 14),
    ("Asia/Dubai", "United Arab Emirates", 12), ("Asia/Kolkata", "India", 12),
    ("Europe/London", "United Kingdom", 10), ("Australia/Sydney", "Australia", 8),
    ("Asia/Tokyo", "Japan", 8), ("Europe/Moscow", "Russia", 8),
    ("America/Sao_Paulo", "Brazil", 6), ("Africa/Lagos", "Nigeria", 6),
)  # fmt: skip
CITIES = (  # domestic city, km from the Guangzhou office, weight
    ("Guangzhou", 15, 20), ("Foshan", 30, 12), ("Dongguan", 70, 10), ("Shenzhen", 110, 12),
    ("Zhongshan", 85, 5), ("Jiangmen", 80, 4), ("Shantou", 420, 4), ("Xiamen", 560, 5),
    ("Changsha", 570, 5), ("Nanning", 510, 4), ("Wuhan", 860, 5), ("Hangzhou", 1050, 5),
    ("Shanghai", 1210, 6), ("Chengdu", 1230, 4), ("Zhengzhou", 1320, 3), ("Beijing", 1890, 5),
)  # fmt: skip
INDUSTRIES = (
    ("home furnishings", 25), ("building materials", 20), ("kitchenware", 15), ("ceramics", 10),
    ("gifts and decorations", 12), ("sanitary ware", 10), ("garden supplies", 8),
)  # fmt: skip
INTENTS = ("purchase", "cooperation", "agency", "browsing")
INTENT_WEIGHTS = {"high": (55, 25, 15, 5), "mid": (35, 30, 15, 20), "low": (15, 20, 10, 55)}
WARMTH = {"high": 0.8, "mid": 0.5, "low": 0.22}
NEVER_TOUCHED = {"high": 0.03, "mid": 0.06, "low": 0.11}
FIRST_DELAY = {"high": (1, 3), "mid": (1, 10), "low": (2, 14)}  # calendar days after the close
GAP = {"high": (3, 8), "mid": (5, 12), "low": (8, 21)}  # calendar days between regular touches


def pick(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    """One row of a table whose last column is a weight."""
    return rng.choices(table, weights=[row[-1] for row in table])[0]


def choose(rng: random.Random, table: list[tuple[str, float]]) -> str:
    """One name of a list of (name, weight)."""
    return rng.choices([name for name, _ in table], weights=[weight for _, weight in table])[0]


def is_workday(day: date) -> bool:
    """Whether the company works that day (the mainland calendar, for every lead)."""
    return day in MAKEUP_WORKDAYS or (day.weekday() < 5 and day not in HOLIDAYS)


def workday_on_or_after(rng: random.Random, day: date) -> date:
    """The first workday from ``day`` on; about one time in 40 the day is kept as it is."""
    if rng.random() < 0.025:
        return day
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def office_time(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    """A moment of office hours on ``day`` in ``zone``, busier mid-morning and mid-afternoon."""
    hour = rng.choices(range(9, 18), weights=(6, 10, 10, 7, 3, 8, 9, 8, 5))[0]
    return datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=zone)


def make_lead(rng: random.Random, number: int) -> tuple[dict[str, Any], str]:
    """One lead as captured at the booth, in the contract's key order, and its hidden score band."""
    band = rng.choices(("high", "mid", "low"), weights=(15, 35, 50))[0]
    owner = rng.choice(sorted(MANAGER_OF))
    day = rng.choices(SHOW_DAYS, weights=(25, 24, 20, 17, 14))[0]
    closing = 17 * 60 if day == SHOW_DAYS[-1] else 18 * 60
    minute = rng.randrange(9 * 60 + 30, closing)
    captured = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=CN)
    abroad = rng.random() < 0.2
    zone_name, country = pick(rng, ABROAD)[:2] if abroad else ("Asia/Shanghai", "China")
    lead: dict[str, Any] = {
        "id": f"L{number:04d}",
        "captured_at": captured.astimezone(ZoneInfo(zone_name)).isoformat(),
        "timezone": zone_name,
        "owner": owner,
        "manager": MANAGER_OF[owner],
    }
    low, high = {"high": (80, 100), "mid": (50, 79), "low": (5, 49)}[band]
    if rng.random() < 0.94:
        lead["score"] = rng.randint(low, high)
    if rng.random() < 0.10:  # a grade from the CRM, now and then at odds with the score
        grade = {"high": "A", "mid": "B", "low": "C"}[band]
        lead["grade"] = rng.choice("ABC") if rng.random() < 0.15 else grade
    lead["stage"] = "new"
    intent = rng.choices(INTENTS, weights=INTENT_WEIGHTS[band])[0]
    types = ("distributor", "agent", "end_user")
    lead["customer_type"] = rng.choices(
        types, weights=(10, 80, 10) if intent == "agency" else (45, 15, 40)
    )[0]
    lead["intent"] = intent
    lead["industry"] = pick(rng, INDUSTRIES)[0]
    lead["existing_customer"] = rng.random() < {"high": 0.25, "mid": 0.12, "low": 0.07}[band]
    if not abroad:
        city, km = pick(rng, CITIES)[:2]
        lead["city"] = city
        lead["distance_km"] = round(km * rng.uniform(0.6, 1.3))
    if rng.random() < 0.30:
        lead["birthday"] = (date(2025, 1, 1) + timedelta(days=rng.randrange(365))).strftime("%m-%d")
    lead["show"] = SHOW
    lead["country"] = country
    return lead, band


@dataclass
class Story:
    """The history of one lead while it is written: its events and the state they lead to."""

    lead: dict[str, Any]
    band: str
    rng: random.Random
    events: list[dict[str, Any]] = field(default_factory=list)
    stage: str = "new"
    active: bool = True  # the salesperson is still working the lead
    blocked: list[str] = field(default_factory=list)  # channels the lead opted out of
    touches: int = 0  # regular touches so far
    opt_out_at: int = 0  # the regular touch at which the lead opts out (0: never)
    burst_at: int = 0  # the regular touch followed by a burst of calls (0: none)
    owner: str = ""
    score: int | None = None
    grade: str | None = None

    def __post_init__(self) -> None:
        """Start from the lead as captured."""
        self.owner, self.score = self.lead["owner"], self.lead.get("score")
        self.grade = self.lead.get("grade")

    @property
    def zone(self) -> ZoneInfo:
        """The lead's time zone."""
        return ZoneInfo(self.lead["timezone"])

    @property
    def warmth(self) -> float:
        """How likely the lead is to respond and move on, from 0 to about 1."""
        factor = 0.5 if self.lead["intent"] == "browsing" else 1.0
        return WARMTH[self.band] * factor * (1.3 if self.lead["existing_customer"] else 1.0)

    def add(
        self, at: datetime, kind: str, channel: str = "", outcome: str = "", value: Any = None
    ) -> None:
        """Record an event; events after 19 July (the lead's time) are not in the export."""
        if at >= datetime.combine(END, time(), tzinfo=self.zone):
            return
        event = {"lead_id": self.lead["id"], "at": at, "type": kind, "channel": channel}
        event.update(outcome=outcome, value=value)  # the contract's key order; absent keys omitted
        self.events.append({key: v for key, v in event.items() if v is not None and v != ""})

    def touch(self, at: datetime, channel: str, outcome: str = "") -> None:
        """Record an outbound contact (``outcome`` empty for a mass mailing)."""
        self.add(at, "touch", channel=channel, outcome=outcome)

    def at_work(self, day: date, zone: ZoneInfo | None = None) -> datetime:
        """A moment of office hours on the first workday from ``day`` (default: the lead's zone)."""
        return office_time(self.rng, workday_on_or_after(self.rng, day), zone or self.zone)

    def set_stage(self, at: datetime, stage: str, recorded: bool = True) -> None:
        """Move the lead to ``stage``; an unrecorded move leaves no event (a sloppy CRM entry)."""
        self.stage = stage
        if recorded:
            self.add(at, "stage", value=stage)
        if stage in ("won", "lost"):
            self.active = False

    def rescore(self, at: datetime, delta: int) -> None:
        """Change the score by ``delta`` (within 0-100), for leads that have one."""
        if self.score is not None:
            self.score = max(0, min(100, self.score + delta))
            self.add(at + timedelta(minutes=5), "score", value=self.score)

    def regrade(self, at: datetime, grade: str) -> None:
        """Change the CRM grade, for leads that have one."""
        if self.grade is not None and grade != self.grade:
            self.grade = grade
            self.add(at, "grade", value=grade)


def channel_for(s: Story) -> str:
    """The channel of the next regular touch: phone and WeChat at home, email abroad (R000-5)."""
    if "distance_km" in s.lead:
        near = s.lead["distance_km"] < 150 and s.stage in ("needs_analysis", "quoted")
        table: list[tuple[str, float]] = [("phone", 40), ("wechat", 30), ("email", 14)]
        table += [("sms", 9), ("post", 1)]
        table.append(("visit", 25 if near else 1))
    else:
        table = [("email", 60), ("phone", 18), ("wechat", 7), ("sms", 5), ("post", 3)]
    return choose(s.rng, [row for row in table if row[0] not in s.blocked] or table)


def touch_time(s: Story, day: date, channel: str) -> datetime:
    """When a touch on ``day`` happens: office hours of the lead, or of Guangzhou (night abroad)."""
    rng = s.rng
    if channel in ("phone", "wechat") and "distance_km" not in s.lead and rng.random() < 0.3:
        return office_time(rng, day, CN)  # the salesperson calls from the office: night in New York
    if channel == "wechat" and rng.random() < 0.05:  # a late message from home
        return datetime.combine(day, time(rng.randint(20, 23), rng.randrange(60)), tzinfo=s.zone)
    return office_time(rng, day, s.zone)


def outcome_for(s: Story, channel: str) -> str:
    """How a touch went, by channel and by the lead's warmth."""
    w = s.warmth
    if channel in ("email", "post", "sms"):
        return choose(
            s.rng, [("reached", 70), ("no_answer", 15), ("interested", 25 * w), ("declined", 3)]
        )
    miss = 5 if channel == "visit" else 30
    table = [("reached", 35), ("no_answer", miss), ("interested", 40 * w), ("put_off", 10)]
    return choose(s.rng, [*table, ("declined", 10 * (1 - w))])


def progress(s: Story, at: datetime, outcome: str) -> datetime:
    """Move the deal on after a touch; returns the time of the last event scheduled."""
    rng, last = s.rng, at
    push = {"interested": 1.0, "reached": 0.4}.get(outcome, 0.0) * s.warmth
    if s.stage == "new":  # the first touch usually moves the lead to contacted
        s.set_stage(at + timedelta(minutes=2), "contacted", recorded=rng.random() < 0.9)
    elif outcome == "declined" and rng.random() < (0.5 if s.lead["intent"] == "browsing" else 0.3):
        s.rescore(at, -rng.randint(10, 25))
        s.set_stage(at + timedelta(minutes=10), "lost")
        if rng.random() < 0.5:
            s.regrade(at + timedelta(minutes=11), "C")
    elif s.stage == "contacted" and rng.random() < push * 0.8:
        s.set_stage(at + timedelta(minutes=3), "needs_analysis")
        if outcome == "interested" and rng.random() < 0.3:
            s.rescore(at, rng.randint(5, 15))
    elif s.stage == "needs_analysis" and rng.random() < push * 0.6:
        last = s.at_work(at.date() + timedelta(days=rng.randint(1, 3)))
        s.add(last, "quote_sent")
        s.set_stage(last + timedelta(minutes=1), "quoted")
        if rng.random() < 0.4:
            s.regrade(last + timedelta(minutes=2), {"C": "B"}.get(s.grade or "", "A"))
    elif s.stage == "quoted" and rng.random() < push * 0.5:
        last = meeting(s, at.date() + timedelta(days=rng.randint(2, 7)))
        if rng.random() < 0.7:
            last += timedelta(days=rng.randint(0, 3))
            s.set_stage(last, "negotiating")
    elif s.stage == "negotiating" and rng.random() < push * 0.4:
        last = s.at_work(at.date() + timedelta(days=rng.randint(1, 5)))
        contract(s, last)
    return last


def meeting(s: Story, day: date) -> datetime:
    """A face-to-face meeting (a visit when the lead is near) and its minutes (R003-6), if any."""
    rng = s.rng
    at = s.at_work(day)
    if s.lead.get("distance_km", 10_000) < 300:
        s.touch(at, "visit", "reached")
    s.add(at, "meeting")
    lag = rng.choices((0, 1, 2, 3, rng.randint(4, 9), -1), weights=(25, 30, 15, 10, 10, 10))[0]
    if lag >= 0:  # -1: the minutes were never written
        day = at.date()
        for _ in range(lag):
            day = workday_on_or_after(rng, day + timedelta(days=1))
        same_day = at + timedelta(hours=rng.randint(2, 5))
        s.add(same_day if lag == 0 else office_time(rng, day, s.zone), "meeting_minutes")
    return at


def contract(s: Story, at: datetime) -> None:
    """A signed contract, the stage won at once, and a deposit for most (R002-3 chases the rest)."""
    s.add(at, "contract_signed")
    s.set_stage(at + timedelta(minutes=1), "won")
    if s.rng.random() < 0.8:
        s.add(s.at_work(at.date() + timedelta(days=s.rng.randint(3, 15))), "deposit_received")


def opt_out(s: Story, at: datetime, channel: str) -> None:
    """The lead asks not to be contacted on ``channel`` or on any; rarely opts in again."""
    rng = s.rng
    when = at + timedelta(minutes=rng.randint(1, 30))
    if rng.random() < 0.5:
        s.add(when, "opt_out", channel=channel)
        s.blocked.append(channel)
        if rng.random() < 0.25:
            s.add(when + timedelta(days=rng.randint(20, 40)), "opt_in", channel=channel)
    else:
        s.add(when, "opt_out")
        s.active = False
        if rng.random() < 0.15:  # somebody did not look: a touch after the opt-out
            s.touch(
                s.at_work(when.date() + timedelta(days=rng.randint(10, 30))), "email", "no_answer"
            )


def touch(s: Story, day: date) -> tuple[datetime, str]:
    """One regular touch on ``day`` and what follows from it: the last moment used, the outcome."""
    rng = s.rng
    channel = channel_for(s)
    at = touch_time(s, day, channel)
    outcome = outcome_for(s, channel)
    s.touches += 1
    if s.touches == s.opt_out_at:
        s.touch(at, channel, "declined")
        opt_out(s, at, channel)
        return at, "declined"
    s.touch(at, channel, outcome)
    if channel == "email" and rng.random() < 0.1 + 0.4 * s.warmth:
        s.add(at + timedelta(minutes=rng.randint(90, 2880)), "reply", channel="email")
    elif channel == "wechat" and outcome in ("reached", "interested") and rng.random() < 0.4:
        s.add(at + timedelta(minutes=rng.randint(3, 120)), "reply", channel="wechat")
    elif channel == "phone" and outcome == "no_answer" and rng.random() < 0.12:
        s.add(at + timedelta(minutes=rng.randint(30, 360)), "reply", channel="phone")
    if outcome == "interested" and "sms" not in s.blocked and rng.random() < 0.4:  # R004-1
        s.touch(at + timedelta(minutes=rng.randint(10, 180)), "sms", "reached")
    elif outcome == "put_off" and rng.random() < 0.4:  # R004-2: a greeting the next day
        s.touch(office_time(rng, day + timedelta(days=1), s.zone), "sms", "reached")
    if s.touches == s.burst_at and channel == "phone":
        for _ in range(rng.randint(2, 4)):  # over-contact: the same lead called again and again
            at += timedelta(minutes=rng.randint(15, 90))
            s.touch(at, rng.choice(("phone", "phone", "sms", "wechat")), "no_answer")
        if rng.random() < 0.25:
            complaint(s, at + timedelta(hours=rng.randint(1, 20)))
    return max(at, progress(s, at, outcome)), outcome


def complaint(s: Story, at: datetime) -> None:
    """A complaint, answered by a touch within hours, within days, or not at all (R000-11)."""
    s.add(at, "complaint")
    answer = s.rng.choices(("soon", "late", "never"), weights=(70, 20, 10))[0]
    if answer != "never":
        days = s.rng.randint(0, 1) if answer == "soon" else s.rng.randint(3, 8)
        answered = s.at_work(at.date() + timedelta(days=days))
        s.touch(max(at + timedelta(hours=1), answered), "phone", "reached")


def follow_up(s: Story, day: date) -> None:
    """Regular touches from ``day`` on, until the deal ends, the salesperson gives up, or July."""
    rng, misses = s.rng, 0
    while s.active and day < END:
        last, outcome = touch(s, day)
        misses = misses + 1 if outcome in ("no_answer", "put_off") else 0
        if misses >= 4 and rng.random() < 0.5:  # dropped as having no potential (R002-1)
            s.active = False
            if rng.random() < 0.5:
                s.set_stage(last + timedelta(days=rng.randint(1, 7)), "lost")
            break
        low, high = GAP[s.band]
        if s.stage == "quoted":  # R004-14: a quote is chased within one to three days
            low, high = 1, 3
        gap = rng.randint(low, high) * (2 if outcome == "declined" else 1)
        if rng.random() < 0.002:  # the manager hands the lead to a teammate to balance the load
            reassign(s, s.at_work(last.date() + timedelta(days=1), CN))
        day = workday_on_or_after(rng, last.date() + timedelta(days=gap))
    if s.stage == "won":
        after_sales(s, day)
    elif s.stage == "lost" and rng.random() < 0.4:  # long-term news for lasting potential
        day += timedelta(days=rng.randint(20, 40))
        while day < END:
            s.touch(office_time(rng, day, s.zone), "email", "reached")
            day = workday_on_or_after(rng, day + timedelta(days=rng.randint(25, 40)))


def after_sales(s: Story, day: date) -> None:
    """Care after a signed contract: a feedback call every two weeks or so (R004-6)."""
    rng = s.rng
    while day < END:
        day = workday_on_or_after(rng, day + timedelta(days=rng.randint(10, 20)))
        s.touch(office_time(rng, day, s.zone), rng.choice(("phone", "wechat")), "reached")
        if rng.random() < 0.04:
            complaint(s, office_time(rng, day + timedelta(days=rng.randint(1, 5)), s.zone))


def reassign(s: Story, at: datetime) -> None:
    """The manager gives the lead to another salesperson of the same team (R003-3, R003-4)."""
    team = TEAMS[s.lead["manager"]]
    s.owner = s.rng.choice([name for name in team if name != s.owner])
    s.add(at, "assigned", value=s.owner)


def write_story(s: Story) -> None:
    """The whole history of one lead: the booth, the follow-up, the newsletters."""
    rng, lead = s.rng, s.lead
    captured = datetime.fromisoformat(lead["captured_at"])
    s.add(SHOW_CLOSED, "show_closed")
    promised = rng.random() < 0.18 + 0.2 * s.warmth
    if promised:  # something promised at the booth: samples, a catalogue, a checked price
        s.add(captured + timedelta(minutes=rng.randint(1, 15)), "promise")
    if lead["existing_customer"] and rng.random() < 0.2:  # a reorder signed at the booth
        contract(s, captured + timedelta(minutes=rng.randint(20, 90)))
    if rng.random() < NEVER_TOUCHED[s.band]:
        if rng.random() < 0.1:  # the lead wrote, and nobody answered
            s.add(
                s.at_work(date(2025, 5, 6) + timedelta(days=rng.randint(0, 30))), "reply", "email"
            )
        return
    if promised and rng.random() < 0.85:  # most promises kept within days, some weeks late
        days = rng.randint(1, 6) if rng.random() < 0.8 else rng.randint(14, 30)
        s.add(s.at_work(date(2025, 4, 28) + timedelta(days=days)), "promise_kept")
    if rng.random() < 0.03:
        s.opt_out_at = rng.randint(1, 6)
    if rng.random() < 0.05:
        s.burst_at = rng.randint(1, 4)
    late = rng.random() < 0.07  # first contact only after two or three weeks
    low, high = (15, 24) if late else FIRST_DELAY[s.band]
    first = workday_on_or_after(rng, date(2025, 4, 27) + timedelta(days=rng.randint(low, high)))
    if late and rng.random() < 0.35:  # R003-4: not contacted within a week, the manager steps in
        moved = s.at_work(first - timedelta(days=6), CN)
        reassign(s, moved)
        first = workday_on_or_after(rng, moved.date() + timedelta(days=rng.randint(1, 3)))
    if s.score is None and rng.random() < 0.3:  # scored by the CRM after qualification
        s.score = rng.randint(20, 90)
        s.add(office_time(rng, first + timedelta(days=2), s.zone), "score", value=s.score)
    follow_up(s, first)
    newsletters(s)


def newsletters(s: Story) -> None:
    """The monthly product news by email (R002-9), to touched leads not opted out of email."""
    touched = [e["at"] for e in s.events if e["type"] == "touch"]
    for day in NEWSLETTERS:
        at = datetime.combine(day, time(10), tzinfo=s.zone) + timedelta(minutes=s.rng.randrange(90))
        stops = [e for e in s.events if e["type"] in ("opt_out", "opt_in") and e["at"] < at]
        last = stops[-1] if stops else {"type": "opt_in"}
        opted_out = last["type"] == "opt_out" and last.get("channel") in (None, "email")
        if touched and min(touched) < at and not opted_out:
            s.touch(at, "email")


def generate(seed: int, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The leads (sorted by id) and the events (sorted by time, then lead) of one data set."""
    rng = random.Random(seed)
    leads, events = [], []
    for number in range(1, count + 1):
        lead, band = make_lead(rng, number)
        story = Story(lead, band, random.Random(f"{seed}:{lead['id']}"))
        write_story(story)
        leads.append(lead)
        events.extend(story.events)
    events.sort(key=lambda e: (e["at"], e["lead_id"]))  # stable: a lead's own order on ties
    zones = {lead["id"]: ZoneInfo(lead["timezone"]) for lead in leads}
    for event in events:
        event["at"] = event["at"].astimezone(zones[event["lead_id"]]).isoformat()
    return leads, events


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` as JSON Lines, keys in the order given, with Unix line ends."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and write ``leads.jsonl`` and ``events.jsonl``."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="Writes OUT/leads.jsonl and OUT/events.jsonl; the same --seed and --leads give "
        "byte-identical files. Evaluate them as of now = 2025-07-21T09:00:00+08:00.",
    )
    parser.add_argument("--seed", type=int, default=2025, help="seed of every random choice")
    parser.add_argument("--leads", type=int, default=2000, help="number of leads (1-9999)")
    parser.add_argument("--out", type=Path, default=Path("examples/show"), help="output folder")
    args = parser.parse_args(argv)
    if args.leads < 1 or args.leads > 9999:
        parser.error("--leads must be between 1 and 9999")
    leads, events = generate(args.seed, args.leads)
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "leads.jsonl", leads)
    write_jsonl(args.out / "events.jsonl", events)
    print(f"{len(leads)} leads, {len(events)} events written to {args.out}")


if __name__ == "__main__":
    main()
