"""The terminal summary of one simulation, or of two side by side (``--against``).

The rows are defined once here (:func:`headline_rows`, :data:`SALESPERSON_HEADER`,
:func:`salesperson_rows`) and shared with the HTML report (:mod:`cadence.simulate._html`), so
that both show the same measures with the same labels. A label starting with two spaces is a
part of the row above it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


def cell(value: Any) -> str:
    """A number (or anything) as the summary prints it: ``-`` for none, 4 significant digits."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def percent(value: float | None) -> str:
    """A rate from 0 to 1 as a percentage with one decimal, ``-`` for none."""
    return "-" if value is None else f"{value * 100:.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    yield "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
    for row in rows:
        yield "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()


def headline_rows(metrics: Sequence[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The measures of the summary: a label and a cell per metrics document."""

    def each(get: Any) -> list[str]:
        return [get(m) for m in metrics]

    return [
        ("leads simulated", each(lambda m: cell(m["leads"]["simulated"]))),
        ("obligations due", each(lambda m: cell(m["obligations"]["total"]))),
        ("  met on time", each(lambda m: cell(m["obligations"]["on_time"]))),
        ("  met late", each(lambda m: cell(m["obligations"]["late"]))),
        ("  missed", each(lambda m: cell(m["obligations"]["missed"]))),
        ("  ended (stopped, opted out)", each(lambda m: cell(m["obligations"]["ended"]))),
        ("  not yet due at the end", each(lambda m: cell(m["obligations"]["open"]))),
        ("on-time rate", each(lambda m: percent(m["obligations"]["on_time_rate"]))),
        ("late by, median hours", each(lambda m: cell(m["obligations"]["late_hours"]["median"]))),
        ("escalations that fire", each(lambda m: cell(m["escalations"]["total"]))),
        ("touches beyond a cap", each(lambda m: cell(m["over_contact"]["over_cap"]))),
        ("touches in quiet hours", each(lambda m: cell(m["over_contact"]["in_quiet_hours"]))),
        ("touches after opt-out", each(lambda m: cell(m["over_contact"]["after_opt_out"]))),
        ("touches", each(lambda m: cell(m["touches"]["total"]))),
        ("touches per lead, mean", each(lambda m: cell(m["touches"]["per_lead"]["mean"]))),
        (
            "load per salesperson-day, median/p95/max",
            each(
                lambda m: "/".join(
                    cell(m["load"]["per_salesperson_day"][k]) for k in ("median", "p95", "max")
                )
            ),
        ),
        ("breached because of capacity", each(lambda m: cell(m["breached_by_capacity"]))),
        ("first contact, median hours", each(lambda m: cell(m["first_contact_hours"]["median"]))),
        *(
            (
                f"first contacted within {days} days",
                each(lambda m, d=days: percent(m["coverage"][d])),
            )
            for days in ("1", "3", "7", "14", "30")
        ),
        ("never contacted", each(lambda m: percent(m["coverage"]["never"]))),
        ("conversion", each(lambda m: percent(m["conversion"]["rate"]))),
    ]


#: The columns of the by-salesperson table.
SALESPERSON_HEADER: tuple[str, ...] = (
    "salesperson",
    "leads",
    "obligations",
    "on time",
    "touches/working day",
)


def salesperson_rows(metrics: dict[str, Any]) -> list[list[str]]:
    """A row per salesperson of one metrics document (:data:`SALESPERSON_HEADER`)."""
    return [
        [
            person,
            cell(row["leads"]),
            cell(row["obligations"]),
            percent(row["on_time_rate"]),
            cell(row["touches_per_working_day"]),
        ]
        for person, row in metrics["by_salesperson"].items()
    ]


def policy_name(metrics: dict[str, Any]) -> str:
    """A policy's name and version, as a column header."""
    return f"{metrics['policy']['name']} {metrics['policy']['version'] or ''}".strip()


def summary(metrics: Sequence[dict[str, Any]], differences: dict[str, Any] | None) -> Iterator[str]:
    """The summary as lines: the period and mode, the measures (a column per policy), the
    salespeople, and with two policies the leads whose actions differ."""
    first = metrics[0]
    period = first["period"]
    mode = first["mode"] + (f", capacity {first['capacity']} a day" if first["capacity"] else "")
    yield f"Simulation ({mode}) from {period['from']} to {period['to']}"
    names = [policy_name(m) for m in metrics]
    yield from _table(["", *names], [[label, *cells] for label, cells in headline_rows(metrics)])
    for m, name in zip(metrics, names, strict=True):
        people = m["by_salesperson"]
        if not people:
            continue
        yield ""
        yield f"By salesperson ({name}):"
        yield from _table(SALESPERSON_HEADER, salesperson_rows(m))
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
