"""Both backends on the same data, leads per second side by side, and the reference engine's
throughput from 2 threads and from 2 processes.

    python benchmarks/bench_backends.py [--policy policies/post_show.yaml] [--repeats 3]

The data is the example show (examples/show: 2,000 leads, 30,923 events), evaluated as of
2025-07-21T09:00:00+08:00; parsing is done once and not timed. Best of ``--repeats``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import cadence
from cadence import backends

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime.fromisoformat("2025-07-21T09:00:00+08:00")


def _data(policy: cadence.Policy) -> tuple[list[cadence.Lead], dict[str, list[cadence.Event]]]:
    leads = cadence.read_leads(ROOT / "examples/show/leads.jsonl", default_timezone=policy.timezone)
    return list(leads.values()), cadence.read_events(ROOT / "examples/show/events.jsonl", leads)


def _evaluate(engine: backends.Backend, leads: Sequence[cadence.Lead],
              events: dict[str, list[cadence.Event]]) -> int:  # fmt: skip
    return sum(len(engine.next_actions(lead, events.get(lead.id, ()), NOW)) for lead in leads)


_worker: dict[str, object] = {}


def _load(policy_path: str) -> None:
    """In a worker process, once: the engine and the data (not timed)."""
    policy = cadence.load_policy(policy_path)
    _worker["engine"] = cadence.Engine(policy)
    _worker["data"] = _data(policy)


def _half(part: int) -> int:
    """In a worker process: evaluate one half of the leads."""
    leads, events = _worker["data"]  # type: ignore[misc]
    return _evaluate(_worker["engine"], leads[part::2], events)  # type: ignore[arg-type]


def _best(repeats: int, run: object) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default=str(ROOT / "policies" / "post_show.yaml"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    policy = cadence.load_policy(args.policy)
    leads, events = _data(policy)
    print(f"policy {Path(args.policy).name}, {len(leads)} leads, "
          f"{sum(map(len, events.values()))} events, now {NOW.isoformat()}")  # fmt: skip
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, best of {args.repeats}")
    rows: list[tuple[str, float, int]] = []
    for name in backends.BACKENDS:
        try:
            engine = backends.load(name, policy)
        except cadence.BackendUnavailable as error:
            print(f"{name}: skipped: {error}")
            continue
        seconds, actions = _best(args.repeats, lambda e=engine: _evaluate(e, leads, events))
        rows.append((f"{name}, 1 thread", seconds, actions))
    reference = backends.load("reference", policy)
    with ThreadPoolExecutor(2) as pool:
        seconds, actions = _best(
            args.repeats,
            lambda: sum(pool.map(lambda p: _evaluate(reference, leads[p::2], events), (0, 1))),
        )
    rows.append(("reference, 2 threads", seconds, actions))
    with ProcessPoolExecutor(2, initializer=_load, initargs=(args.policy,)) as pool:
        list(pool.map(_half, (0, 1)))  # both workers started and loaded
        seconds, actions = _best(args.repeats, lambda: sum(pool.map(_half, (0, 1))))
    rows.append(("reference, 2 processes", seconds, actions))
    print(f"{'backend':<26}{'seconds':>9}{'leads/s':>10}{'actions':>9}")
    for label, seconds, actions in rows:
        print(f"{label:<26}{seconds:>9.2f}{len(leads) / seconds:>10,.0f}{actions:>9}")


if __name__ == "__main__":
    main()
