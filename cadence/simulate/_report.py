"""The terminal summary of one simulation, or of two side by side (``--against``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    yield "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
    for row in rows:
        yield "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()


def _rows(metrics: Sequence[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    def each(get: Any) -> list[str]:
        return [get(m) for m in metrics]

    return [
        ("leads simulated", each(lambda m: _cell(m["leads"]["simulated"]))),
        ("obligations due", each(lambda m: _cell(m["obligations"]["total"]))),
        ("  met on time", each(lambda m: _cell(m["obligations"]["on_time"]))),
        ("  met late", each(lambda m: _cell(m["obligations"]["late"]))),
        ("  missed", each(lambda m: _cell(m["obligations"]["missed"]))),
        ("  ended (stopped, opted out)", each(lambda m: _cell(m["obligations"]["ended"]))),
        ("  not yet due at the end", each(lambda m: _cell(m["obligations"]["open"]))),
        ("on-time rate", each(lambda m: _percent(m["obligations"]["on_time_rate"]))),
        ("late by, median hours", each(lambda m: _cell(m["obligations"]["late_hours"]["median"]))),
        ("escalations that fire", each(lambda m: _cell(m["escalations"]["total"]))),
        ("touches beyond a cap", each(lambda m: _cell(m["over_contact"]["over_cap"]))),
        ("touches in quiet hours", each(lambda m: _cell(m["over_contact"]["in_quiet_hours"]))),
        ("touches after opt-out", each(lambda m: _cell(m["over_contact"]["after_opt_out"]))),
        ("touches", each(lambda m: _cell(m["touches"]["total"]))),
        ("touches per lead, mean", each(lambda m: _cell(m["touches"]["per_lead"]["mean"]))),
        (
            "load per salesperson-day, median/p95/max",
            each(
                lambda m: "/".join(
                    _cell(m["load"]["per_salesperson_day"][k]) for k in ("median", "p95", "max")
                )
            ),
        ),
        ("breached because of capacity", each(lambda m: _cell(m["breached_by_capacity"]))),
        ("first contact, median hours", each(lambda m: _cell(m["first_contact_hours"]["median"]))),
        *(
            (
                f"first contacted within {days} days",
                each(lambda m, d=days: _percent(m["coverage"][d])),
            )
            for days in ("1", "3", "7", "14", "30")
        ),
        ("never contacted", each(lambda m: _percent(m["coverage"]["never"]))),
        ("conversion", each(lambda m: _percent(m["conversion"]["rate"]))),
    ]


def summary(metrics: Sequence[dict[str, Any]], differences: dict[str, Any] | None) -> Iterator[str]:
    """The summary as lines: the period and mode, the measures (a column per policy), the
    salespeople, and with two policies the leads whose actions differ."""
    first = metrics[0]
    period = first["period"]
    mode = first["mode"] + (f", capacity {first['capacity']} a day" if first["capacity"] else "")
    yield f"Simulation ({mode}) from {period['from']} to {period['to']}"
    names = [f"{m['policy']['name']} {m['policy']['version'] or ''}".strip() for m in metrics]
    yield from _table(["", *names], [[label, *cells] for label, cells in _rows(metrics)])
    for m, name in zip(metrics, names, strict=True):
        people = m["by_salesperson"]
        if not people:
            continue
        yield ""
        yield f"By salesperson ({name}):"
        yield from _table(
            ["salesperson", "leads", "obligations", "on time", "touches/working day"],
            [
                [
                    person,
                    _cell(row["leads"]),
                    _cell(row["obligations"]),
                    _percent(row["on_time_rate"]),
                    _cell(row["touches_per_working_day"]),
                ]
                for person, row in people.items()
            ],
        )
    if differences is not None:
        yield ""
        yield f"Leads whose actions differ as of {differences['as_of']}: {differences['leads']}"
        for example in differences["examples"][:10]:
            yield f"  {example['lead_id']}:"
            for side, name in (("left", names[0]), ("right", names[1])):
                asked = example[side]
                if not asked:
                    yield f"    {name}: nothing"
                for action in asked:
                    channel = f" by {action['channel']}" if action["channel"] else ""
                    yield (
                        f"    {name}: {action['kind']}{channel} due {action['due']} "
                        f"[{action['rule']}]: {action['reason']}"
                    )
