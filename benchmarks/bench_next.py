"""Benchmark of ``cadence next`` end to end, parsing included.

Generates a seeded, realistic data set for a policy (N leads x M events, JSON Lines, in a temporary
directory) in the policy's own vocabulary: touches on several channels with outcomes, replies,
stage changes through the policy's stages, the domain events it declares, score, grade and owner
changes, a few opt-outs and opt-ins, leads in several time zones (the generator is
``_dataset.py``). Then it measures:

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
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dataset import DataSet, generate, shrink

from cadence.data import read_events, read_leads, write_actions
from cadence.engine import Engine
from cadence.errors import PolicyError
from cadence.policy import load_policy
from cadence.records import Action

GOAL_LEADS_PER_SECOND = 20_000
DEFAULT_NOW = "2025-07-21T09:00:00+08:00"
REPO = Path(__file__).resolve().parent.parent


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
