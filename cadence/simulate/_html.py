"""The HTML report of a simulation (``cadence simulate --report FILE.html``).

One self-contained page: inline CSS and inline SVG charts (:mod:`cadence.simulate._svg`), no
script, no font, image or style sheet fetched from anywhere, so it opens offline and can be
mailed as it is. It shows the measures of the terminal summary (the same rows,
:func:`cadence.simulate._report.headline_rows`), the four charts, the tables by rule, by
salesperson, by grade and by show and, for a comparison (``--against``), both policies side by
side and the leads whose actions differ.

Every text from the data is escaped; the page holds no time of its own making, so the same
metrics give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any, Final

from cadence.simulate._report import (
    SALESPERSON_HEADER,
    cell,
    headline_rows,
    percent,
    policy_name,
    salesperson_rows,
)
from cadence.simulate._svg import coverage_chart, load_heatmap, outcome_bars, touches_histogram

_STYLE: Final = """
body { font-family: system-ui, sans-serif; color: #222; margin: 24px auto; max-width: 1180px;
  padding: 0 16px; line-height: 1.4; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #ccc; }
td.part { padding-left: 26px; color: #444; }
.pair { display: flex; flex-wrap: wrap; gap: 24px; }
.pair figure { flex: 1 1 520px; min-width: 0; }
figure { margin: 0; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; color: #444; }
.scroll { overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; }
.scroll svg.chart { max-width: none; }
td.actions { text-align: left; vertical-align: top; font-size: 12px; }
td.actions div + div { margin-top: 4px; }
.reason { color: #666; }
""".strip()

_Table = tuple[Sequence[str], Sequence[Sequence[str]]]


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    out = [f"<table{klass}>", "<thead><tr>"]
    out.extend(f"<th>{_e(h)}</th>" for h in header)
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>")
        for index, value in enumerate(row):
            if index == 0 and value.startswith("  "):
                out.append(f'<td class="part">{_e(value.strip())}</td>')
            else:
                out.append(f"<td>{_e(value)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _rule_table(metrics: Mapping[str, Any]) -> _Table:
    header = (
        "rule",
        "obligations",
        "on time",
        "late",
        "missed",
        "ended",
        "open",
        "on-time rate",
        "late by, median hours",
    )
    rows = [
        [
            rule,
            cell(row["total"]),
            cell(row["on_time"]),
            cell(row["late"]),
            cell(row["missed"]),
            cell(row["ended"]),
            cell(row["open"]),
            percent(row["on_time_rate"]),
            cell(row["late_hours"]["median"]),
        ]
        for rule, row in sorted(metrics["by_rule"].items())
    ]
    return header, rows


def _group_table(groups: Mapping[str, Any], name: str) -> _Table:
    header = (
        name,
        "leads",
        "won",
        "conversion",
        "first contact, median hours",
        "first contact, p90 hours",
        "on time",
    )
    rows = [
        [
            group,
            cell(row["leads"]),
            cell(row["conversion"]["won"]),
            percent(row["conversion"]["rate"]),
            cell(row["first_contact_hours"]["median"]),
            cell(row["first_contact_hours"]["p90"]),
            percent(row["on_time_rate"]),
        ]
        for group, row in sorted(groups.items())
    ]
    return header, rows


def _figures(
    metrics: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    chart: Callable[[Mapping[str, Any], str], str],
    ident: str,
    *,
    wide: bool = False,
) -> str:
    """A figure per policy, side by side (or one under the other, for wide charts)."""
    out = ['<div class="pair">' if not wide else "<div>"]
    for number, (m, name) in enumerate(zip(metrics, names, strict=True), start=1):
        caption = f"<figcaption>{_e(name)}</figcaption>" if len(metrics) > 1 else ""
        inner = chart(m, f"{ident}-{number}")
        if wide:
            inner = f'<div class="scroll">{inner}</div>'
        out.append(f"<figure>{caption}{inner}</figure>")
    out.append("</div>")
    return "\n".join(out)


def _per_policy(
    metrics: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    table: Callable[[Mapping[str, Any]], _Table],
    what: str,
) -> str:
    out = []
    for m, name in zip(metrics, names, strict=True):
        header, rows = table(m)
        if len(metrics) > 1:
            out.append(f"<h3>{_e(what)} ({_e(name)})</h3>")
        out.append(_table(header, rows) if rows else "<p>None in the period.</p>")
    return "\n".join(out)


def _actions(asked: Sequence[Mapping[str, Any]]) -> str:
    if not asked:
        return "<div>nothing</div>"
    out = []
    for action in asked:
        channel = f" by {action['channel']}" if action.get("channel") else ""
        out.append(
            f"<div>{_e(action['kind'])}{_e(channel)} due {_e(action['due'])} "
            f'[{_e(action["rule"])}]<br><span class="reason">{_e(action.get("reason", ""))}'
            "</span></div>"
        )
    return "".join(out)


def _differences(differences: Mapping[str, Any], names: Sequence[str]) -> str:
    examples = differences["examples"]
    out = [
        '<section id="differences">',
        "<h2>Leads whose actions differ</h2>",
        f"<p>{_e(differences['leads'])} leads are asked different things (rule, kind, channel "
        f"or due time) as of {_e(differences['as_of'])}"
        + (
            f"; the first {len(examples)} are listed."
            if len(examples) < differences["leads"]
            else "."
        )
        + "</p>",
    ]
    if examples:
        out.append('<table class="differences"><thead><tr><th>lead</th>')
        out.extend(f"<th>{_e(name)} asks</th>" for name in names)
        out.append("</tr></thead><tbody>")
        for example in examples:
            out.append(
                f"<tr><td>{_e(example['lead_id'])}</td>"
                f'<td class="actions">{_actions(example["left"])}</td>'
                f'<td class="actions">{_actions(example["right"])}</td></tr>'
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def render(document: Mapping[str, Any]) -> str:
    """The report of a metrics document: one policy's metrics, or a comparison's
    ``{"schema", "policies": [m1, m2], "differences"}``."""
    if "policies" in document:
        metrics: Sequence[Mapping[str, Any]] = document["policies"]
        differences: Mapping[str, Any] | None = document.get("differences")
    else:
        metrics, differences = [document], None
    names = [policy_name(dict(m)) for m in metrics]
    first = metrics[0]
    period = first["period"]
    mode = first["mode"] + (f", capacity {first['capacity']} a day" if first["capacity"] else "")
    title = "Simulation of " + " against ".join(names)
    fingerprints = ", ".join(
        f"{name}: {m['policy']['fingerprint']}" for name, m in zip(names, metrics, strict=True)
    )
    rows = [[label, *cells] for label, cells in headline_rows([dict(m) for m in metrics])]
    spread = [m["load"]["per_salesperson_day"] for m in metrics]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(mode.capitalize())}, from {_e(period["from"])} to '
        f"{_e(period['to'])}. Policy fingerprint {_e(fingerprints)}. "
        f"Metrics schema {_e(first['schema'])}.</p>",
        "</header>",
        '<section id="summary">',
        "<h2>Summary</h2>",
        _table(["", *names], rows, "headline"),
        "</section>",
        '<section id="coverage">',
        "<h2>Coverage</h2>",
        "<p>The share of the leads captured in the period that were first contacted within 1, "
        "3, 7, 14 and 30 days of their capture.</p>",
        _figures(metrics, names, coverage_chart, "coverage"),
        "</section>",
        '<section id="load">',
        "<h2>Load</h2>",
        "<p>Touches per salesperson per working day of the period; median, p95 and max: "
        + "; ".join(
            f"{_e(name)} {'/'.join(cell(s[k]) for k in ('median', 'p95', 'max'))}"
            for name, s in zip(names, spread, strict=True)
        )
        + ".</p>",
        _figures(metrics, names, load_heatmap, "load", wide=True),
        "</section>",
        '<section id="outcomes">',
        "<h2>Obligations by rule</h2>",
        "<p>What became of the obligations each rule created, due in the period.</p>",
        _figures(metrics, names, outcome_bars, "outcomes"),
        _per_policy(metrics, names, _rule_table, "By rule"),
        "</section>",
        '<section id="touches">',
        "<h2>Touches per lead</h2>",
        "<p>How many leads captured in the period had each number of touches in it.</p>",
        _figures(metrics, names, touches_histogram, "touches"),
        "</section>",
        '<section id="salespeople">',
        "<h2>By salesperson</h2>",
        _per_policy(
            metrics,
            names,
            lambda m: (SALESPERSON_HEADER, salesperson_rows(dict(m))),
            "By salesperson",
        ),
        "</section>",
        '<section id="grades">',
        "<h2>By grade and by show</h2>",
        _per_policy(
            metrics, names, lambda m: _group_table(m["by_grade"], "grade at capture"), "By grade"
        ),
        _per_policy(metrics, names, lambda m: _group_table(m["by_show"], "show"), "By show"),
        "</section>",
    ]
    if differences is not None:
        parts.append(_differences(differences, names))
    parts.extend(["</body>", "</html>", ""])
    return "\n".join(parts)


__all__ = ["render"]
