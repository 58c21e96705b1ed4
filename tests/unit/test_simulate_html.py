"""The HTML report of a simulation (``cadence.simulate._html``, charts from ``_svg``): one chart
per metric with as many marks as the metrics have values, text from the data escaped, nothing
fetched from the network, and the same bytes for the same metrics."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import escape
from typing import Any

import pytest

from cadence.engine import Engine
from cadence.policy import parse_policy
from cadence.records import Event, Lead
from cadence.simulate import comparison, simulate
from cadence.simulate._html import render
from cadence.simulate._report import headline_rows

POLICY = """
policy: report-test
version: "2"
timezone: Asia/Shanghai
rules:
  - id: first-call
    refs: [R003-4]
    obligation:
      after: captured
      within: 2 days
      channel: phone
  - id: weekly-email
    refs: [R003-5]
    cadence: {every: 7 days, channel: email}
"""

SCRIPT = "<script>alert(1)</script>"
ODD_LEAD = '<img src=x onerror="alert(2)">'


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def touch(lead_id: str, when: str, channel: str = "phone") -> Event:
    return Event(lead_id, at(when), "touch", channel, "reached")


def _data() -> tuple[dict[str, Lead], dict[str, list[Event]]]:
    # A is called within a day, B (owned by a salesperson with a hostile name) after four, C
    # never; the data runs for two weeks.
    captured = at("2025-04-01T10:00:00+08:00")
    leads = {
        "A": Lead("A", captured, owner="Lin Na"),
        "B": Lead("B", captured, owner=SCRIPT),
        ODD_LEAD: Lead(ODD_LEAD, captured, owner="Wang & Co"),
    }
    events = {
        "A": [
            touch("A", "2025-04-01T15:00:00+08:00"),
            touch("A", "2025-04-08T11:00:00+08:00", "email"),
            touch("A", "2025-04-15T11:00:00+08:00", "email"),
        ],
        "B": [touch("B", "2025-04-05T10:00:00+08:00")],
        ODD_LEAD: [],
    }
    return leads, events


def _metrics() -> dict[str, Any]:
    leads, events = _data()
    return simulate(Engine(parse_policy(POLICY)), leads, events).metrics()


def _chart(page: str, ident: str) -> str:
    found = re.findall(rf'<svg id="{ident}".*?</svg>', page, flags=re.DOTALL)
    assert len(found) == 1, f"no single chart {ident}"
    return str(found[0])


@pytest.fixture(scope="module")
def metrics() -> dict[str, Any]:
    return _metrics()


@pytest.fixture(scope="module")
def page(metrics: dict[str, Any]) -> str:
    return render(metrics)


def test_one_chart_per_metric_with_a_mark_per_value(page: str, metrics: dict[str, Any]) -> None:
    assert page.count("<svg ") == 4
    coverage = _chart(page, "coverage-1")
    assert coverage.count('class="point"') == 5
    # A within a day, B within 7 days, the third never: a third, then two thirds.
    labels = re.findall(r'class="value">([^<]*)<', coverage)
    assert labels == ["33.3%", "33.3%", "66.7%", "66.7%", "66.7%"]
    outcomes = _chart(page, "outcomes-1")
    assert outcomes.count('class="bar-group"') == 2 == len(metrics["by_rule"])
    assert re.findall(r'data-rule="([^"]*)"', outcomes) == ["first-call", "weekly-email"]
    first_call = metrics["by_rule"]["first-call"]
    segments = sum(1 for key in ("on_time", "late", "missed", "ended", "open") if first_call[key])
    group = outcomes.split('data-rule="first-call"')[1].split("</g>")[0]
    assert group.count('class="seg ') == segments == 3  # on time, late, missed
    histogram = _chart(page, "touches-1")
    pairs = metrics["touches"]["histogram"]
    assert pairs == [[0, 1], [1, 1], [3, 1]]
    assert histogram.count('class="bar"') == len(pairs)
    load = _chart(page, "load-1")
    people = 3  # Lin Na, the script, Wang & Co
    assert load.count('class="load-row"') == people
    assert load.count('class="cell"') == people * metrics["load"]["working_days"]


def test_every_chart_is_labelled_for_screen_readers(page: str) -> None:
    charts = re.findall(r"<svg [^>]*>", page)
    assert len(charts) == 4
    for tag in charts:
        ident = re.search(r'id="([^"]+)"', tag)
        assert ident is not None
        assert 'role="img"' in tag
        assert f'aria-labelledby="{ident[1]}-title {ident[1]}-desc"' in tag
        assert f'<title id="{ident[1]}-title">' in page
        assert f'<desc id="{ident[1]}-desc">' in page
    for label in ("days since capture", "working day (month-day)", "touches in the period"):
        assert label in page


def test_the_headline_rows_of_the_summary_are_in_the_page(
    page: str, metrics: dict[str, Any]
) -> None:
    summary = page.split('<section id="summary">')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td>([^<]*)</td></tr>", summary)
    expected = [
        (escape(label.strip()), escape(cells[0])) for label, cells in headline_rows([metrics])
    ]
    assert rows == expected
    assert summary.count('<td class="part">') == 5  # the outcomes under "obligations due"


def test_text_from_the_data_is_escaped(page: str) -> None:
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Wang &amp; Co" in page
    assert "<script" not in page.lower()


def test_nothing_is_fetched_from_the_network(page: str) -> None:
    assert "http://" not in page
    assert "https://" not in page
    assert re.search(r"<[a-z][^>]*\s(src|href)\s*=", page, flags=re.IGNORECASE) is None
    assert "@import" not in page
    assert "url(" not in page


def test_the_same_metrics_give_the_same_bytes(page: str, metrics: dict[str, Any]) -> None:
    assert render(_metrics()).encode() == page.encode()
    # As written by --json (sorted keys) and read back: the same page.
    again = json.loads(json.dumps(metrics, sort_keys=True))
    assert render(again) == page


def test_a_comparison_shows_both_policies_and_the_leads_that_differ() -> None:
    leads, events = _data()
    left = Engine(parse_policy(POLICY))
    right = Engine(parse_policy(POLICY.replace("within: 2 days", "within: 5 days")))
    now = at("2025-04-02T12:00:00+08:00")  # the end of the period: what each asks then
    first, second = simulate(left, leads, events, end=now), simulate(right, leads, events, end=now)
    document = comparison(first, second)
    differences = document["differences"]
    assert differences["as_of"] == now.isoformat()
    # neither called by then; A was
    assert [d["lead_id"] for d in differences["examples"]] == [ODD_LEAD, "B"]
    page = render(document)
    assert page.count("<svg ") == 8
    ids = re.findall(r'<svg id="([^"]+)"', page)
    assert len(set(ids)) == 8
    assert 'id="differences"' in page
    assert ODD_LEAD not in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "due 2025-04-03T10:00:00+08:00" in page
    assert "due 2025-04-06T10:00:00+08:00" in page
    assert re.search(r"<[a-z][^>]*\s(src|href)\s*=", page, flags=re.IGNORECASE) is None
    assert render(document) == page
