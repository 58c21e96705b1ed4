"""Benchmark of ``cadence next`` end to end, parsing included.

Generates a seeded, realistic data set for a policy (N leads x M events, JSON Lines, in a temporary
directory) in the policy's own vocabulary: touches on several channels with outcomes, replies,
stage changes through the policy's stages, the domain events it declares, score, grade and owner
changes, a few opt-outs and opt-ins, leads in several time zones. Then it measures:

(a) in process: ``read_leads`` + ``read_events`` + ``Engine.next_actions`` for every lead + the
    sort of all actions + ``write_actions`` to a null stream, timed with ``time.perf_counter``,
    best of R repeats, with a breakdown by phase;
(b) the installed ``cadence`` command as a subprocess (``cadence next ... --format jsonl -o FILE``),
    wall time, best of R, with its CPU time and peak resident memory (``ru_maxrss`` of the child).

Both run pinned to one CPU where the system allows it (``os.sched_setaffinity`` for this process,
``taskset -c`` for the subprocess). The goal is at least 20,000 leads/s with 10 events each on one
core, end to end. Usage::

    python benchmarks/bench_next.py --leads 20000 --events-per-lead 10 \
        --policy policies/post_show.yaml
    python benchmarks/bench_next.py --policy policies/post_show.yaml --profile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from cadence.data import read_events, read_leads, write_actions
from cadence.engine import Engine
from cadence.errors import PolicyError
from cadence.policy import Policy, load_policy
from cadence.policy.conditions import CAPTURED, AttributeTest, Condition, EventMatch, TouchTest
from cadence.policy.models import PUBLIC_HOLIDAYS, Backoff, Greeting
from cadence.records import BUILTIN_EVENT_TYPES, Action

GOAL_LEADS_PER_SECOND = 20_000
DEFAULT_NOW = "2025-07-21T09:00:00+08:00"
REPO = Path(__file__).resolve().parent.parent

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


# -- in process ----------------------------------------------------------------------------------

PHASES = ("parse leads", "parse events", "evaluate", "sort", "write")


class NullWriter(io.TextIOBase):
    """A text stream that forgets what it is given."""

    def write(self, text: str) -> int:
        return len(text)


@dataclass
class InProcess:
    """One in-process run: wall and CPU seconds by phase, and the actions."""

    setup: float
    wall: dict[str, float]
    cpu: dict[str, float]
    actions: list[Action]

    @property
    def total(self) -> float:
        return sum(self.wall.values())

    @property
    def total_cpu(self) -> float:
        return sum(self.cpu.values())


def run_in_process(policy_file: Path, data: DataSet, now: datetime) -> InProcess:
    """What ``cadence next --format jsonl`` does, phase by phase, with a fresh engine."""
    gc.collect()
    started = time.perf_counter()
    engine = Engine(load_policy(policy_file))
    setup = time.perf_counter() - started
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    marks = [(time.perf_counter(), time.process_time())]

    def mark(phase: str) -> None:
        marks.append((time.perf_counter(), time.process_time()))
        wall[phase] = marks[-1][0] - marks[-2][0]
        cpu[phase] = marks[-1][1] - marks[-2][1]

    lead_map = read_leads(data.leads, default_timezone=engine.policy.timezone)
    mark("parse leads")
    history = read_events(data.events, lead_map)
    mark("parse events")
    actions: list[Action] = []
    next_actions = engine.next_actions
    for lead_id, lead in lead_map.items():
        actions.extend(next_actions(lead, history.get(lead_id, ()), now))
    mark("evaluate")
    actions.sort(key=Action.sort_key)
    mark("sort")
    write_actions(actions, cast(TextIO, NullWriter()), "jsonl")
    mark("write")
    return InProcess(setup, wall, cpu, actions)


def peak_traced(policy_file: Path, data: DataSet, now: datetime) -> float:
    """Peak memory allocated by Python during one in-process run, in MiB (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        run_in_process(policy_file, data, now)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def profile(policy_file: Path, data: DataSet, now: datetime, scope: str, top: int) -> None:
    """cProfile over the evaluation (or the whole in-process run); print the hot spots."""
    profiler = cProfile.Profile()
    if scope == "all":
        started = time.perf_counter()
        profiler.enable()
        run_in_process(policy_file, data, now)
        profiler.disable()
        elapsed = time.perf_counter() - started
    else:
        engine = Engine(load_policy(policy_file))
        lead_map = read_leads(data.leads, default_timezone=engine.policy.timezone)
        history = read_events(data.events, lead_map)
        actions: list[Action] = []
        started = time.perf_counter()
        profiler.enable()
        for lead_id, lead in lead_map.items():
            actions.extend(engine.next_actions(lead, history.get(lead_id, ()), now))
        profiler.disable()
        elapsed = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    table = cast(dict[Any, Any], stats.stats)  # type: ignore[attr-defined]
    # Shares are of the profiled block's wall time (cProfile's own overhead included).
    total = max(elapsed, max(row[3] for row in table.values()))
    what = "the whole in-process run" if scope == "all" else "Engine.next_actions for every lead"
    print(
        f"\nProfile of {what}: {elapsed:.2f} s wall under cProfile (slower than without it; "
        "shares are of that time)"
    )
    for key, title in ((3, "cumulative"), (2, "total (own) time")):
        rows = sorted(table.items(), key=lambda item: item[1][key], reverse=True)[:top]
        print(f"\nTop {top} functions by {title}:")
        print(f"  {'calls':>10} {'own s':>8} {'own %':>6} {'cum s':>8} {'cum %':>6}  function")
        for func, (_, calls, own, cumulative, _) in rows:
            print(
                f"  {calls:>10} {own:8.3f} {100 * own / total:5.1f}% {cumulative:8.3f} "
                f"{100 * cumulative / total:5.1f}%  {_label(func)}"
            )


def _label(func: tuple[str, int, str]) -> str:
    file, line, name = func
    if file == "~":
        return name
    path = Path(file)
    parts = path.parts
    for anchor in ("cadence", "site-packages", "lib"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            if anchor == "cadence":
                return f"{'/'.join(parts[index:])}:{line}({name})"
            return f"{'/'.join(parts[index + 1 :])}:{line}({name})"
    return f"{path.name}:{line}({name})"


# -- the command as a subprocess -----------------------------------------------------------------


@dataclass
class Command:
    """One run of the ``cadence`` command."""

    wall: float
    cpu: float
    max_rss_mib: float


def cadence_command() -> str:
    """The installed ``cadence`` script: next to this Python, else on the PATH."""
    beside = Path(sys.executable).parent / "cadence"
    if beside.exists():
        return str(beside)
    found = shutil.which("cadence")
    if found is None:
        sys.exit("cannot find the 'cadence' command: install the project (pip install -e .)")
    return found


# The command is started by a small launcher process rather than by this one: on Linux the peak RSS
# of a child counts the memory of the process it was forked from (up to its exec), and this process
# holds the data set by then. The launcher also times the command, so its own start is not counted.
_LAUNCHER = """
import json, os, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    started = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "wall": wall,
                  "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss}))
"""


def run_command(prefix: list[str], args: list[str], errors: Path) -> Command:
    """Run the command; its wall time, CPU time and peak RSS (``wait4`` in the launcher)."""
    launcher = [sys.executable, "-I", "-c", _LAUNCHER, str(errors)]
    done = subprocess.run([*launcher, *prefix, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the launcher failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout)
    if figures["code"] != 0:
        detail = errors.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"cadence exited with {figures['code']}:\n{detail}")
    # ru_maxrss is in KiB on Linux; taskset execs the command, so this is cadence's own peak.
    return Command(figures["wall"], figures["cpu"], figures["maxrss"] / 1024)


# -- reporting -----------------------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one policy."""

    policy: str
    data: DataSet
    actions: int
    best: InProcess
    runs: list[float]
    command: Command | None = None
    command_runs: list[float] = field(default_factory=list)
    startup: Command | None = None
    traced_mib: float | None = None
    same_output: bool | None = None


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"


def _pin(cpu: int, enabled: bool) -> tuple[list[str], str]:
    """Pin this process to ``cpu``; the prefix that pins the subprocess, and what was done."""
    if not enabled:
        return [], "not pinned (--no-pin)"
    said: list[str] = []
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cpu})
            said.append(f"this process pinned to CPU {cpu} (os.sched_setaffinity)")
        except OSError as error:
            said.append(f"this process NOT pinned ({error})")
    else:
        said.append("this process NOT pinned (no os.sched_setaffinity here)")
    taskset = shutil.which("taskset")
    if taskset is None:
        said.append("the CLI NOT pinned by taskset (not installed; it inherits the affinity)")
        return [], "; ".join(said)
    said.append(f"the CLI pinned with `taskset -c {cpu}`")
    return [taskset, "-c", str(cpu)], "; ".join(said)


def _version() -> str:
    """The commit of the code measured, when it is a git checkout."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{REPO} (not a git checkout)"
    return f"{REPO} at commit {head}"


def report(result: Result) -> None:
    """Print the figures of one policy."""
    data, best = result.data, result.best
    n, e = data.lead_count, data.event_count
    print(f"\n== {result.policy}: {n:,} leads, {e:,} events, {result.actions:,} actions")
    spread = ", ".join(f"{t:.3f}" for t in result.runs)
    print(
        f"in process (best of {len(result.runs)}: {spread} s): {best.total:.3f} s wall, "
        f"{best.total_cpu:.3f} s CPU -> {_rate(n, best.total)} leads/s, "
        f"{_rate(e, best.total)} events/s"
    )
    print(f"  (not counted above: load and compile the policy {1000 * best.setup:.0f} ms)")
    print(f"  {'phase':<13} {'wall s':>8} {'CPU s':>8} {'share':>6} {'us/lead':>8} {'leads/s':>11}")
    for phase in PHASES:
        wall = best.wall[phase]
        print(
            f"  {phase:<13} {wall:8.3f} {best.cpu[phase]:8.3f} {100 * wall / best.total:5.1f}% "
            f"{1e6 * wall / n:8.1f} {_rate(n, wall):>11}"
        )
    if result.traced_mib is not None:
        print(f"  peak traced by tracemalloc: {result.traced_mib:,.0f} MiB")
    command = result.command
    if command is not None:
        spread = ", ".join(f"{t:.3f}" for t in result.command_runs)
        print(
            f"cadence next as a subprocess (best of {len(result.command_runs)}: {spread} s): "
            f"{command.wall:.3f} s wall, {command.cpu:.3f} s CPU -> {_rate(n, command.wall)} "
            f"leads/s, {_rate(e, command.wall)} events/s, peak RSS {command.max_rss_mib:,.0f} MiB"
        )
        if result.startup is not None:
            s = result.startup
            print(
                f"  of which start-up (the same command on 1 lead): {s.wall:.3f} s wall, "
                f"peak RSS {s.max_rss_mib:,.0f} MiB"
            )
        if result.same_output is not None:
            verdict = "identical" if result.same_output else "DIFFERENT"
            print(f"  output of the CLI and of the in-process run: {verdict}")
    figure = command.wall if command is not None else best.total
    where = "CLI" if command is not None else "in process"
    ratio = (n / figure) / GOAL_LEADS_PER_SECOND
    verdict = "met" if ratio >= 1 else "NOT met"
    print(f"goal {GOAL_LEADS_PER_SECOND:,} leads/s end to end ({where}): {verdict} ({ratio:.2f}x)")


def summary(results: list[Result]) -> None:
    """A Markdown table of every policy, for benchmarks/README.md."""
    print(
        "\n| policy | events | actions | in process leads/s | events/s | CLI leads/s | "
        "CLI events/s | CLI wall / CPU | CLI peak RSS | parse leads | parse events | evaluate | "
        "sort | write |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in results:
        n, e, best, c = r.data.lead_count, r.data.event_count, r.best, r.command
        w = best.wall
        cli = (
            f"{_rate(n, c.wall)} | {_rate(e, c.wall)} | {c.wall:.2f} s / {c.cpu:.2f} s | "
            f"{c.max_rss_mib:,.0f} MiB"
            if c
            else "- | - | - | -"
        )
        phases = " | ".join(f"{w[phase]:.2f} s" for phase in PHASES)
        print(
            f"| {r.policy} | {e:,} | {r.actions:,} | {_rate(n, best.total)} | "
            f"{_rate(e, best.total)} | {cli} | {phases} |"
        )


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, generate the data, measure and report."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\nBoth run")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Both run pinned to one CPU where the system allows it (os.sched_setaffinity here,\n"
            "taskset -c for the subprocess); --no-pin to measure unpinned. Goal: "
            f"{GOAL_LEADS_PER_SECOND:,} leads/s\nwith 10 events each, on one core, end to end.\n\n"
            "Examples:\n"
            "  python benchmarks/bench_next.py --leads 20000 --events-per-lead 10 "
            "--policy policies/post_show.yaml\n"
            "  python benchmarks/bench_next.py --policy policies/post_show.yaml --profile\n"
            "  python benchmarks/bench_next.py --policy policies/post_show.yaml "
            "--policy policies/canton_fair.yaml"
        ),
    )
    parser.add_argument(
        "--leads", type=int, default=20_000, help="number of leads (default: %(default)s)"
    )
    parser.add_argument(
        "--events-per-lead", type=int, default=10, help="events of each lead (default: %(default)s)"
    )
    parser.add_argument(
        "--policy",
        type=Path,
        action="append",
        help="policy file; repeat it to measure several (default: policies/post_show.yaml)",
    )
    parser.add_argument(
        "--seed", type=int, default=2025, help="seed of the data (default: %(default)s)"
    )
    parser.add_argument(
        "--now", default=DEFAULT_NOW, help="evaluate as of this moment (default: %(default)s)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each measurement; the best counts (default: %(default)s)",
    )
    parser.add_argument(
        "--cpu", type=int, default=0, help="the CPU to pin to (default: %(default)s)"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess measurement")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="one more in-process run under tracemalloc"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after measuring, run cProfile and print the top functions",
    )
    parser.add_argument(
        "--profile-scope",
        choices=("evaluate", "all"),
        default="evaluate",
        help="profile the evaluation only, or parsing and writing too (default: %(default)s)",
    )
    parser.add_argument(
        "--top", type=int, default=25, help="rows of each profile table (default: %(default)s)"
    )
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated files here (default: a temporary dir)"
    )
    args = parser.parse_args(argv)
    if args.leads < 1 or args.events_per_lead < 0 or args.repeats < 1:
        parser.error("--leads and --repeats must be at least 1, --events-per-lead at least 0")
    policies: list[Path] = args.policy or [REPO / "policies" / "post_show.yaml"]
    now = datetime.fromisoformat(args.now)
    if now.tzinfo is None:
        parser.error("--now needs an offset, e.g. 2025-07-21T09:00:00+08:00")

    prefix, pinned = _pin(args.cpu, not args.no_pin)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"cadence benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python "
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load}"
    )
    print(f"cadence: {_version()}")
    print(f"pinning: {pinned}")
    print(f"now = {now.isoformat()}; seed {args.seed}; best of {args.repeats}")

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="cadence-bench-") as temporary:
        root = args.data_dir or Path(temporary)
        for policy_file in policies:
            try:
                policy = load_policy(policy_file)
            except (OSError, PolicyError) as error:
                print(f"\n{policy_file}: cannot be loaded, skipped:\n{error}")
                continue
            folder = root / policy.policy
            data = generate(policy, folder, args.leads, args.events_per_lead, args.seed, now)
            size = (data.leads.stat().st_size + data.events.stat().st_size) / 2**20
            print(
                f"\n{policy_file}: generated {data.lead_count:,} leads and {data.event_count:,} "
                f"events ({size:,.1f} MiB) in {data.seconds:.1f} s under {folder}"
            )
            runs = [run_in_process(policy_file, data, now) for _ in range(args.repeats)]
            best = min(runs, key=lambda run: run.total)
            result = Result(policy.policy, data, len(best.actions), best, [r.total for r in runs])
            for run in runs:
                if run is not best:
                    run.actions = []
            if args.tracemalloc:
                result.traced_mib = peak_traced(policy_file, data, now)
            if not args.no_cli:
                out = folder / "actions.jsonl"
                base = ["next", str(policy_file), "--now", args.now, "--format", "jsonl"]
                command = [cadence_command(), *base, "-o", str(out)]
                files = ["--leads", str(data.leads), "--events", str(data.events)]
                errors = folder / "stderr.txt"
                measured = [
                    run_command(prefix, command + files, errors) for _ in range(args.repeats)
                ]
                result.command = min(measured, key=lambda run: run.wall)
                result.command_runs = [run.wall for run in measured]
                expected = io.StringIO()
                write_actions(best.actions, expected, "jsonl")
                result.same_output = out.read_text(encoding="utf-8") == expected.getvalue()
                tiny = shrink(data, folder / "one", 1)
                small = ["--leads", str(tiny.leads), "--events", str(tiny.events)]
                starts = [run_command(prefix, command + small, errors) for _ in range(args.repeats)]
                result.startup = min(starts, key=lambda run: run.wall)
            best.actions = []
            report(result)
            results.append(result)
            if args.profile:
                profile(policy_file, data, now, args.profile_scope, args.top)
    if len(results) > 1:
        summary(results)


if __name__ == "__main__":
    main()
