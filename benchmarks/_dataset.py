"""The seeded data sets of the benchmarks (``bench_next.py``, ``bench_simulate.py``): leads and
their histories as a CRM exports them, JSON Lines, in the vocabulary of the policy under test.

``vocabulary_of`` reads what a policy talks about (its stages, domain events, touch outcomes,
grades, the attributes it tests, the dates of its greetings); ``generate`` writes N leads x M
events from one seed for a ``Season`` (when the leads were captured: ``SPRING``, one show and a
campaign from March to July 2025; ``YEAR``, two shows and the year before 2025-07-21) in ten time
zones, with touches on several channels with outcomes, replies, stage changes, the domain events,
score, grade and owner changes, and a few opt-outs and opt-ins; ``shrink`` keeps the first leads
of a data set and their events.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from cadence.policy import Policy
from cadence.policy.conditions import CAPTURED, AttributeTest, Condition, EventMatch, TouchTest
from cadence.policy.models import PUBLIC_HOLIDAYS, Backoff, Greeting
from cadence.records import BUILTIN_EVENT_TYPES

# -- the vocabulary of a data set ----------------------------------------------------------------

SHOW_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Show:
    """A trade show: its five days and the moment it closed."""

    days: tuple[date, ...]
    closed: datetime

    @classmethod
    def of(cls, first: date) -> Show:
        """A five-day show from ``first``, closing at 17:00 (Shanghai) on its last day."""
        days = tuple(first + timedelta(days=i) for i in range(5))
        return cls(days, datetime.combine(days[-1], clock(17, 0), tzinfo=SHOW_ZONE))


@dataclass(frozen=True)
class Season:
    """When the leads of a data set were captured: 80 % at its shows (shared equally), the rest
    on any of ``campaign_days`` days from ``campaign_start``."""

    shows: tuple[Show, ...]
    campaign_start: date
    campaign_days: int


#: The default: one spring show and a four-month campaign around it (March to July 2025).
SPRING = Season((Show.of(date(2025, 4, 23)),), date(2025, 3, 1), 120)
#: A whole year before the default ``now`` (2025-07-21): an autumn and a spring show, and
#: captures on any day in between; what the simulate benchmark's goal speaks of.
YEAR = Season((Show.of(date(2024, 10, 23)), Show.of(date(2025, 4, 23))), date(2024, 7, 22), 360)
SEASONS = {"spring": SPRING, "year": YEAR}
ZONES = (  # zone, weight: most leads at home, the rest abroad
    ("Asia/Shanghai", 62),
    ("America/New_York", 6),
    ("Europe/Berlin", 6),
    ("Asia/Dubai", 5),
    ("Asia/Kolkata", 5),
    ("Europe/London", 4),
    ("Australia/Sydney", 4),
    ("America/Sao_Paulo", 3),
    ("Asia/Tokyo", 3),
    ("Africa/Lagos", 2),
)
TEAMS = {
    "Zhang Min": ("Li Wei", "Liu Yang", "Huang Ting", "Zhou Xin", "Wu Hao"),
    "Wang Fang": ("Xu Jing", "Sun Peng", "Ma Li", "Zhu Yan", "Hu Jun"),
    "Chen Jie": ("Guo Qiang", "Lin Na", "He Yu", "Gao Feng", "Luo Min"),
}
MANAGER_OF = {owner: manager for manager, team in TEAMS.items() for owner in team}
OWNERS = tuple(sorted(MANAGER_OF))
INDUSTRIES = ("home furnishings", "building materials", "kitchenware", "ceramics", "garden")
CUSTOMER_TYPES = ("distributor", "agent", "end_user")
BASE_OUTCOMES = ("reached", "no_answer", "declined", "interested")
TOUCH_CHANNELS = (
    ("phone", 34),
    ("email", 30),
    ("wechat", 15),
    ("sms", 10),
    ("visit", 6),
    ("post", 5),
)
LOST_STAGES = frozenset(("lost",))


@dataclass
class Vocabulary:
    """What a policy talks about, so that the data exercise its rules."""

    progression: tuple[str, ...]  # stages a lead moves through, after "new"
    lost: str | None  # the stage of a lead given up
    domain: tuple[str, ...]  # domain events (show_closed apart)
    show_closed: bool
    outcomes: tuple[str, ...]  # touch outcomes with weights below
    grades: tuple[str, ...]
    attributes: dict[str, list[AttributeTest]] = field(default_factory=dict)
    dates: tuple[str, ...] = ()  # attributes holding a date (birthday greetings)


def _walk(value: Any) -> Iterator[BaseModel]:
    """Every model inside a policy, depth first."""
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)


def vocabulary_of(policy: Policy) -> Vocabulary:
    """The stages, events, outcomes, grades and attributes a policy uses."""
    domain = list(policy.events)
    outcomes: list[str] = []
    attributes: dict[str, list[AttributeTest]] = {}
    dates: list[str] = []
    for model in _walk(policy):
        if isinstance(model, EventMatch):
            if model.event not in BUILTIN_EVENT_TYPES and model.event != CAPTURED:
                domain.append(model.event)
            outcomes.extend(model.outcome or ())
        elif isinstance(model, TouchTest):
            outcomes.extend(model.outcome or ())
        elif isinstance(model, Backoff):
            outcomes.extend(model.on)
        elif isinstance(model, Greeting) and model.on != PUBLIC_HOLIDAYS:
            dates.append(model.on)
        elif isinstance(model, Condition) and model.attributes:
            for name, test in model.attributes.items():
                attributes.setdefault(name, []).append(test)
    stages = [s for s in policy.stages if s != "new"] or ["contacted", "quoted", "won"]
    lost = next((s for s in stages if s in LOST_STAGES), None)
    return Vocabulary(
        progression=tuple(s for s in stages if s != lost),
        lost=lost,
        domain=tuple(dict.fromkeys(e for e in domain if e != "show_closed")),
        show_closed="show_closed" in domain,
        outcomes=tuple(dict.fromkeys([*BASE_OUTCOMES, *outcomes])),
        grades=tuple(g.grade for g in policy.grades) or ("A", "B", "C"),
        attributes=attributes,
        dates=tuple(dict.fromkeys(dates)),
    )


# -- generating leads and events -----------------------------------------------------------------


def _attribute_value(rng: random.Random, tests: list[AttributeTest]) -> Any:
    """A value for an attribute that the policy tests; None leaves it out."""
    bounds = [b for t in tests for b in (t.below, t.at_most, t.above, t.at_least) if b is not None]
    if bounds:
        return round(rng.uniform(0, 3 * max(bounds)))
    named: list[Any] = []
    for test in tests:
        for value in (test.is_, test.is_not, *(test.in_ or ()), *(test.not_in or ())):
            if value is not None:
                named.append(value)
    if any(isinstance(v, bool) for v in named):
        return rng.random() < 0.2
    if named:
        return rng.choice([*named, "other", "unknown"])
    return rng.choice(("yes", "no")) if rng.random() < 0.5 else None


def _moment(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    """A moment of ``day`` in ``zone``: office hours mostly, now and then in the evening."""
    if rng.random() < 0.9:
        hour = rng.choices(range(9, 18), weights=(6, 10, 10, 7, 3, 8, 9, 8, 5))[0]
    else:
        hour = rng.randint(18, 23)
    return datetime.combine(day, clock(hour, rng.randrange(60)), tzinfo=zone)


class Generator:
    """Leads and their histories for one policy, from one seed."""

    def __init__(
        self, vocabulary: Vocabulary, seed: int, now: datetime, season: Season = SPRING
    ) -> None:
        self.v = vocabulary
        self.season = season
        self.seed = seed
        self.now = now
        self.zones = {name: ZoneInfo(name) for name, _ in ZONES}
        self.zone_names = [name for name, _ in ZONES]
        self.zone_weights = [weight for _, weight in ZONES]
        self.channels = [name for name, _ in TOUCH_CHANNELS]
        self.channel_weights = [weight for _, weight in TOUCH_CHANNELS]
        extra = [o for o in vocabulary.outcomes if o not in BASE_OUTCOMES]
        self.outcomes = [*BASE_OUTCOMES, *extra]
        self.outcome_weights = [38, 28, 6, 18] + [10 / max(1, len(extra))] * len(extra)

    def lead(self, number: int, events: int) -> tuple[dict[str, Any], list[tuple[float, str]]]:
        """One lead (its JSON object) and its events as (UTC timestamp, JSON line)."""
        rng = random.Random(f"{self.seed}:{number}")
        zone_name = rng.choices(self.zone_names, weights=self.zone_weights)[0]
        zone = self.zones[zone_name]
        season = self.season
        at_show = rng.random() < 0.8
        show = season.shows[0]
        if at_show:
            if len(season.shows) > 1:
                show = rng.choice(season.shows)
            day = rng.choices(show.days, weights=(25, 24, 20, 17, 14))[0]
            minute = rng.randrange(9 * 60 + 30, 17 * 60)
            captured = datetime.combine(day, clock(minute // 60, minute % 60), tzinfo=SHOW_ZONE)
            captured = captured.astimezone(zone)
        else:
            day = season.campaign_start + timedelta(days=rng.randrange(season.campaign_days))
            captured = _moment(rng, day, zone)
        owner = rng.choice(OWNERS)
        lead: dict[str, Any] = {"id": f"L{number:06d}"}
        if zone_name == "Asia/Shanghai" and rng.random() < 0.02:
            lead["captured_at"] = captured.date().isoformat()  # a bare date: 00:00 in the zone
        else:
            lead["captured_at"] = captured.isoformat()
        if zone_name != "Asia/Shanghai" or rng.random() < 0.85:  # else the policy's zone
            lead["timezone"] = zone_name
        lead.update(owner=owner, manager=MANAGER_OF[owner])
        if rng.random() < 0.9:
            lead["score"] = rng.randint(5, 100)
        if rng.random() < 0.06:
            lead["grade"] = rng.choice(self.v.grades)
        lead["stage"] = "new"
        lead["customer_type"] = rng.choice(CUSTOMER_TYPES)
        lead["industry"] = rng.choice(INDUSTRIES)
        for name, tests in self.v.attributes.items():
            value = _attribute_value(rng, tests)
            if value is not None:
                lead[name] = value
        for name in self.v.dates:
            if rng.random() < 0.3:
                lead[name] = f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lead["region"] = zone_name.split("/")[-1].replace("_", " ")
        return lead, self._history(rng, lead, captured, zone, show if at_show else None, events)

    def _history(
        self,
        rng: random.Random,
        lead: dict[str, Any],
        captured: datetime,
        zone: ZoneInfo,
        show: Show | None,  # the show the lead was captured at
        count: int,
    ) -> list[tuple[float, str]]:
        v = self.v
        lead_id = lead["id"]
        owner = lead["owner"]
        out: list[tuple[float, str]] = []

        def add(at: datetime, kind: str, **fields: Any) -> None:
            record = {"lead_id": lead_id, "at": at.isoformat(), "type": kind, **fields}
            out.append((at.timestamp(), json.dumps(record, ensure_ascii=False)))

        if count <= 0:
            return out
        if v.show_closed and show is not None:
            add(show.closed.astimezone(zone), "show_closed")
            count -= 1
        # The moments of the history: denser soon after capture, all before now.
        span = (self.now - captured).total_seconds() / 86_400 - 1
        start = captured.astimezone(zone).date()
        moments: list[datetime] = []
        for _ in range(count):
            day = start + timedelta(days=int(span * rng.random() ** 1.6))
            at = _moment(rng, day, zone)
            if at <= captured:
                at = captured + timedelta(minutes=rng.randint(5, 600))
            moments.append(min(at, self.now - timedelta(hours=rng.randint(1, 48))))
        moments.sort()
        opt_out_slot = rng.randrange(count // 2, count) if rng.random() < 0.03 else -1
        opt_in_slot = -1
        blocked = False
        stage = -1
        lost = False
        for slot, at in enumerate(moments):
            if slot == opt_out_slot:
                if rng.random() < 0.5:
                    channel = rng.choices(self.channels, weights=self.channel_weights)[0]
                    add(at, "opt_out", channel=channel)
                    if slot + 1 < count and rng.random() < 0.25:
                        opt_in_slot = rng.randrange(slot + 1, count)
                        opt_in_channel = channel
                else:
                    add(at, "opt_out")
                    blocked = True
                continue
            if slot == opt_in_slot:
                add(at, "opt_in", channel=opt_in_channel)
                continue
            kind = rng.choices(
                ("touch", "reply", "stage", "domain", "score", "grade", "assigned"),
                weights=(52, 9, 11, 14 if v.domain else 0, 4, 2, 2),
            )[0]
            if kind == "stage" and not lost and stage + 1 < len(v.progression):
                if v.lost is not None and rng.random() < 0.12:
                    add(at, "stage", value=v.lost)
                    lost = True
                else:
                    stage = min(len(v.progression) - 1, stage + rng.choice((1, 1, 1, 2)))
                    add(at, "stage", value=v.progression[stage])
            elif kind == "reply":
                add(at, "reply", channel=rng.choice(("email", "email", "wechat", "phone")))
            elif kind == "domain":
                add(at, rng.choice(v.domain))
            elif kind == "score":
                add(at, "score", value=rng.randint(5, 100))
            elif kind == "grade":
                add(at, "grade", value=rng.choice(v.grades))
            elif kind == "assigned":
                team = TEAMS[MANAGER_OF[owner]]
                owner = rng.choice([name for name in team if name != owner])
                add(at, "assigned", value=owner)
            else:  # a touch (also when a stage change is not possible any more)
                channel = rng.choices(self.channels, weights=self.channel_weights)[0]
                if channel == "email" and (blocked or rng.random() < 0.1):
                    add(at, "touch", channel=channel)  # a mass mailing has no outcome
                else:
                    outcome = rng.choices(self.outcomes, weights=self.outcome_weights)[0]
                    add(at, "touch", channel=channel, outcome=outcome)
        return out


@dataclass
class DataSet:
    """The files of a generated data set."""

    leads: Path
    events: Path
    lead_count: int
    event_count: int
    seconds: float


def generate(
    policy: Policy,
    folder: Path,
    leads: int,
    per_lead: int,
    seed: int,
    now: datetime,
    season: Season = SPRING,
) -> DataSet:
    """Write ``leads.jsonl`` and ``events.jsonl`` (sorted by time, as a CRM exports them)."""
    start = time.perf_counter()
    generator = Generator(vocabulary_of(policy), seed, now, season)
    folder.mkdir(parents=True, exist_ok=True)
    lead_path, event_path = folder / "leads.jsonl", folder / "events.jsonl"
    events: list[tuple[float, str]] = []
    with lead_path.open("w", encoding="utf-8", newline="\n") as out:
        for number in range(1, leads + 1):
            lead, history = generator.lead(number, per_lead)
            out.write(json.dumps(lead, ensure_ascii=False) + "\n")
            events.extend(history)
    events.sort(key=lambda item: item[0])  # stable: a lead's own order on ties
    with event_path.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(line + "\n" for _, line in events)
    return DataSet(lead_path, event_path, leads, len(events), time.perf_counter() - start)


def shrink(data: DataSet, folder: Path, count: int) -> DataSet:
    """The first ``count`` leads of a data set and their events (for the CLI's start-up time)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids: set[str] = set()
    leads, events = folder / "leads.jsonl", folder / "events.jsonl"
    with data.leads.open(encoding="utf-8") as src, leads.open("w", encoding="utf-8") as out:
        for line in src:
            if len(ids) >= count:
                break
            ids.add(json.loads(line)["id"])
            out.write(line)
    kept = 0
    with data.events.open(encoding="utf-8") as src, events.open("w", encoding="utf-8") as out:
        for line in src:
            if json.loads(line)["lead_id"] in ids:
                out.write(line)
                kept += 1
    return DataSet(leads, events, len(ids), kept, 0.0)
