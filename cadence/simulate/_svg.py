"""The charts of the HTML report, drawn as inline SVG from a metrics document.

Each function takes one policy's metrics (``docs/simulation.md``) and returns one ``<svg>``
element as text: a visible title, axis labels, a legend where colours mean something, a
``<title>`` and ``<desc>`` named by ``aria-labelledby`` for screen readers, and the numbers
written on the chart (nothing needs hovering). Every text taken from the data (rule ids,
salespeople, dates) is escaped. Coordinates are rounded to two decimals and nothing depends on
the clock or the machine, so the same metrics always give the same bytes.

- :func:`coverage_chart`: the share of leads first contacted within 1, 3, 7, 14 and 30 days.
- :func:`load_heatmap`: touches per salesperson per working day.
- :func:`outcome_bars`: obligations by outcome, a stacked bar per rule.
- :func:`touches_histogram`: how many leads had each number of touches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any, Final

#: The colour of each outcome, in the order of the stacked bars.
OUTCOME_COLOURS: Final = (
    ("on_time", "#2e7d32", "on time"),
    ("late", "#f0a500", "late"),
    ("missed", "#c62828", "missed"),
    ("ended", "#78909c", "ended"),
    ("open", "#64b5f6", "open"),
)

_LINE: Final = "#1f5fa8"
_AXIS: Final = "#444"
_GRID: Final = "#e3e3e3"
_FONT: Final = 12


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate or number with at most two decimals, the same text every time."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else _n(value)


def _text(
    x: float,
    y: float,
    content: object,
    *,
    anchor: str = "start",
    size: int = _FONT,
    cls: str = "",
    fill: str = "#222",
    extra: str = "",
) -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{klass}{extra}>{_e(content)}</text>'
    )


def _open(ident: str, width: float, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg id="{_e(ident)}" class="chart" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-labelledby="{_e(ident)}-title {_e(ident)}-desc" '
        'font-family="system-ui, sans-serif">',
        f'<title id="{_e(ident)}-title">{_e(title)}</title>',
        f'<desc id="{_e(ident)}-desc">{_e(description)}</desc>',
        _text(0, 16, title, size=14, cls="heading", extra=' font-weight="600"'),
    ]


def _ticks(top: float, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    count = math.ceil(top / step)
    return [i * step for i in range(count + 1)]


def _fit(name: str, most: int) -> str:
    return name if len(name) <= most else name[: most - 1] + "…"


def _empty(parts: list[str], x: float, y: float, message: str) -> str:
    parts.append(_text(x, y, message, cls="empty", fill="#666"))
    parts.append("</svg>")
    return "\n".join(parts)


def coverage_chart(metrics: Mapping[str, Any], ident: str) -> str:
    """The coverage curve: a point per number of days (1, 3, 7, 14, 30), the share of the leads
    captured in the period that were first contacted within it."""
    coverage = metrics["coverage"]
    days = [key for key in coverage if key != "never"]
    days.sort(key=int)
    width, height = 520.0, 300.0
    left, right, top, bottom = 56.0, 20.0, 40.0, 56.0
    plot_w, plot_h = width - left - right, height - top - bottom
    leads = metrics["leads"]["captured_in_period"]
    title = "Coverage: leads first contacted within N days"
    values = [coverage[d] for d in days]
    described = ", ".join(
        f"{d} days: {'none' if v is None else f'{v * 100:.1f}%'}"
        for d, v in zip(days, values, strict=True)
    )
    parts = _open(
        ident,
        width,
        height,
        title,
        f"Share of the {leads} leads captured in the period first contacted within "
        f"{described}; never contacted: {_pct(coverage.get('never'))}.",
    )
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" y2="{_n(y)}" '
            f'stroke="{_GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{tick}%", anchor="end", size=11))
    parts.append(_axes(left, top, plot_w, plot_h))
    step = plot_w / max(len(days), 1)
    xs = [left + step * (i + 0.5) for i in range(len(days))]
    for x, d in zip(xs, days, strict=True):
        parts.append(_text(x, top + plot_h + 16, d, anchor="middle", size=11))
    parts.append(
        _text(left + plot_w / 2, height - 12, "days since capture", anchor="middle", cls="axis")
    )
    parts.append(_y_label(14, top + plot_h / 2, "leads first contacted (%)"))
    if not leads or any(v is None for v in values):
        return _empty(parts, left + 12, top + 24, "no lead captured in the period")
    points = [
        (x, top + plot_h * (1 - float(v))) for x, v in zip(xs, values, strict=True) if v is not None
    ]
    path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{_LINE}" stroke-width="2"/>')
    for (x, y), d, v in zip(points, days, values, strict=True):
        parts.append(
            f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{_LINE}">'
            f"<title>within {_e(d)} days: {_pct(v)}</title></circle>"
        )
        label_y = y - 9 if y - 9 > top + 8 else y + 18
        parts.append(_text(x, label_y, _pct(v), anchor="middle", size=11, cls="value"))
    parts.append(
        _text(
            left + plot_w,
            30,
            f"never contacted: {_pct(coverage.get('never'))} of {leads} leads",
            anchor="end",
            size=11,
            fill="#555",
        )
    )
    parts.append("</svg>")
    return "\n".join(parts)


def load_heatmap(metrics: Mapping[str, Any], ident: str) -> str:
    """Touches per salesperson (a row each) per working day (a column each), darker for more,
    with the count written in every cell that has any; the median, p95 and max above."""
    load = metrics["load"]
    by_day: Mapping[str, Mapping[str, int]] = load["by_day"]
    days = sorted(by_day)
    people = sorted({person for counts in by_day.values() for person in counts})
    spread = load["per_salesperson_day"]
    headline = (
        f"per salesperson-day: median {_maybe(spread['median'])}, p95 {_maybe(spread['p95'])}, "
        f"max {_maybe(spread['max'])}"
    )
    title = "Load: touches per salesperson per working day"
    names = [_fit(person, 24) for person in people]
    left = 24 + 7 * max((len(name) for name in names), default=8)
    cell_w = min(28.0, max(16.0, 760 / max(len(days), 1)))
    cell_h = 20.0
    top = 70.0
    width = max(520.0, left + cell_w * len(days) + 20)
    height = top + cell_h * len(people) + 64
    total = sum(sum(counts.values()) for counts in by_day.values())
    parts = _open(
        ident,
        width,
        height,
        title,
        f"{total} touches by {len(people)} salespeople over {len(days)} working days; {headline}.",
    )
    parts.append(_text(0, 36, f"Touches {headline}", size=12, cls="headline", fill="#333"))
    if not days or not people:
        return _empty(parts, 0, 60, "no touch on a working day of the period")
    most = max(max(counts.values(), default=0) for counts in by_day.values())
    parts.extend(_scale_legend(width - 20, 52, most))
    every = max(1, math.ceil(len(days) / max(1.0, (width - left) / 44)))
    for column, day in enumerate(days):
        x = left + cell_w * column
        if column % every == 0:
            parts.append(
                _text(
                    x + cell_w / 2,
                    top + cell_h * len(people) + 14,
                    day[5:],
                    size=10,
                    anchor="middle",
                )
            )
    for row, person in enumerate(people):
        y = top + cell_h * row
        parts.append(_text(left - 6, y + cell_h / 2 + 4, names[row], anchor="end", size=11))
        cells = [f'<g class="load-row" data-salesperson="{_e(person)}">']
        for column, day in enumerate(days):
            value = by_day[day].get(person, 0)
            x = left + cell_w * column
            cells.append(
                f'<rect class="cell" x="{_n(x)}" y="{_n(y)}" width="{_n(cell_w - 1)}" '
                f'height="{_n(cell_h - 1)}" fill="{_shade(value, most)}">'
                f"<title>{_e(person)}, {_e(day)}: {value}</title></rect>"
            )
            if value:
                ink = "#fff" if value / max(most, 1) > 0.5 else "#111"
                cells.append(
                    _text(
                        x + (cell_w - 1) / 2,
                        y + cell_h / 2 + 3.5,
                        value,
                        anchor="middle",
                        size=10,
                        fill=ink,
                    )
                )
        cells.append("</g>")
        parts.append("".join(cells))
    bottom = top + cell_h * len(people)
    parts.append(
        _text(
            left + cell_w * len(days) / 2,
            bottom + 34,
            "working day (month-day)",
            anchor="middle",
            cls="axis",
        )
    )
    parts.append(
        _text(0, bottom + 52, "rows: salespeople; cells: touches that day", size=11, fill="#555")
    )
    parts.append("</svg>")
    return "\n".join(parts)


def outcome_bars(metrics: Mapping[str, Any], ident: str) -> str:
    """A stacked horizontal bar per rule: its obligations on time, late, missed, ended, open,
    with each count written on its segment where it fits and the total after the bar."""
    by_rule: Mapping[str, Mapping[str, Any]] = metrics["by_rule"]
    rules = sorted(by_rule)
    names = [_fit(rule, 28) for rule in rules]
    left = 24 + 7 * max((len(name) for name in names), default=8)
    bar_area = 420.0
    bar_h, gap = 18.0, 8.0
    top = 64.0
    width = left + bar_area + 60
    height = top + (bar_h + gap) * len(rules) + 52
    title = "Obligations by outcome, per rule"
    total = sum(int(by_rule[rule]["total"]) for rule in rules)
    parts = _open(
        ident,
        width,
        height,
        title,
        f"{total} obligations of {len(rules)} rules, by outcome: "
        + "; ".join(
            f"{rule}: "
            + ", ".join(f"{label} {by_rule[rule][key]}" for key, _, label in OUTCOME_COLOURS)
            for rule in rules
        ),
    )
    parts.extend(_outcome_legend(0, 40))
    if not rules:
        return _empty(parts, 0, top + 14, "no obligation due in the period")
    most = max(int(by_rule[rule]["total"]) for rule in rules) or 1
    ticks = _ticks(most, 4)
    scale = bar_area / ticks[-1]
    bottom = top + (bar_h + gap) * len(rules)
    for tick in ticks:
        x = left + tick * scale
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(top - 4)}" x2="{_n(x)}" y2="{_n(bottom)}" '
            f'stroke="{_GRID}"/>'
        )
        parts.append(_text(x, bottom + 14, _count(tick), anchor="middle", size=11))
    for row, rule in enumerate(rules):
        counts = by_rule[rule]
        y = top + (bar_h + gap) * row
        group = [f'<g class="bar-group" data-rule="{_e(rule)}">']
        group.append(_text(left - 6, y + bar_h / 2 + 4, names[row], anchor="end", size=11))
        x = left
        for key, colour, label in OUTCOME_COLOURS:
            value = int(counts[key])
            if not value:
                continue
            w = value * scale
            group.append(
                f'<rect class="seg seg-{key}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" '
                f'height="{_n(bar_h)}" fill="{colour}"><title>{_e(rule)}: {label} {value}'
                "</title></rect>"
            )
            if w >= 7 * len(str(value)) + 4:
                ink = "#111" if key in ("late", "open") else "#fff"
                group.append(
                    _text(x + w / 2, y + bar_h / 2 + 4, value, anchor="middle", size=10, fill=ink)
                )
            x += w
        group.append(_text(x + 4, y + bar_h / 2 + 4, counts["total"], size=11, cls="total"))
        group.append("</g>")
        parts.append("".join(group))
    parts.append(
        _text(
            left + bar_area / 2,
            bottom + 34,
            "obligations due in the period",
            anchor="middle",
            cls="axis",
        )
    )
    parts.append("</svg>")
    return "\n".join(parts)


def touches_histogram(metrics: Mapping[str, Any], ident: str) -> str:
    """A bar per number of touches, as tall as the number of leads that had it, the count above."""
    pairs: Sequence[Sequence[int]] = metrics["touches"]["histogram"]
    width, height = 520.0, 300.0
    left, right, top, bottom = 56.0, 20.0, 40.0, 56.0
    plot_w, plot_h = width - left - right, height - top - bottom
    title = "Touches per lead"
    leads = sum(count for _, count in pairs)
    parts = _open(
        ident,
        width,
        height,
        title,
        f"How many of the {leads} leads captured in the period had each number of touches: "
        + ", ".join(f"{n} touches: {count}" for n, count in pairs)
        + ".",
    )
    parts.append(_y_label(14, top + plot_h / 2, "leads"))
    parts.append(
        _text(left + plot_w / 2, height - 12, "touches in the period", anchor="middle", cls="axis")
    )
    if not pairs:
        parts.append(_axes(left, top, plot_w, plot_h))
        return _empty(parts, left + 12, top + 24, "no lead captured in the period")
    highest = max(count for _, count in pairs)
    ticks = _ticks(highest, 5)
    scale = plot_h / ticks[-1]
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" y2="{_n(y)}" '
            f'stroke="{_GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, _count(tick), anchor="end", size=11))
    parts.append(_axes(left, top, plot_w, plot_h))
    span = max(n for n, _ in pairs) + 1
    unit = plot_w / span
    every = max(1, math.ceil(span / 12))
    for n in range(0, span, every):
        parts.append(_text(left + unit * (n + 0.5), top + plot_h + 16, n, anchor="middle", size=11))
    for n, count in pairs:
        h = count * scale
        x = left + unit * n + unit * 0.1
        y = top + plot_h - h
        parts.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(unit * 0.8)}" '
            f'height="{_n(h)}" fill="{_LINE}"><title>{n} touches: {count} leads</title></rect>'
        )
        parts.append(_text(x + unit * 0.4, y - 4, count, anchor="middle", size=10, cls="value"))
    parts.append("</svg>")
    return "\n".join(parts)


# -- pieces ------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _maybe(value: float | None) -> str:
    return "-" if value is None else _count(value)


def _axes(left: float, top: float, plot_w: float, plot_h: float) -> str:
    bottom = top + plot_h
    return (
        f'<path d="M{_n(left)},{_n(top)} V{_n(bottom)} H{_n(left + plot_w)}" fill="none" '
        f'stroke="{_AXIS}"/>'
    )


def _y_label(x: float, y: float, label: str) -> str:
    return _text(
        x, y, label, anchor="middle", cls="axis", extra=f' transform="rotate(-90 {_n(x)} {_n(y)})"'
    )


def _shade(value: int, most: int) -> str:
    """White for none, then from a pale to a deep blue as the count nears the most."""
    if value <= 0 or most <= 0:
        return "#f7f7f7"
    share = value / most
    pale, deep = (222, 235, 247), (8, 69, 148)
    rgb = (round(p + (d - p) * share) for p, d in zip(pale, deep, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _scale_legend(right: float, y: float, most: int) -> Iterable[str]:
    steps = sorted({0, *(round(most * s / 4) for s in range(1, 5))})
    x = right - 30 * len(steps)
    yield _text(x - 6, y + 4, "touches:", anchor="end", size=11)
    for value in steps:
        yield (
            f'<rect class="legend" x="{_n(x)}" y="{_n(y - 8)}" width="14" height="12" '
            f'fill="{_shade(value, most)}" stroke="#ccc"/>'
        )
        yield _text(x + 16, y + 2, value, size=10)
        x += 30


def _outcome_legend(x: float, y: float) -> Iterable[str]:
    for _, colour, label in OUTCOME_COLOURS:
        yield (
            f'<rect class="legend" x="{_n(x)}" y="{_n(y - 10)}" width="12" height="12" '
            f'fill="{colour}"/>'
        )
        yield _text(x + 16, y, label, size=11)
        x += 22 + 7 * len(label) + 12


__all__ = [
    "OUTCOME_COLOURS",
    "coverage_chart",
    "load_heatmap",
    "outcome_bars",
    "touches_histogram",
]
