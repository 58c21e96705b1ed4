"""Writing actions (``write_actions``): JSON Lines and CSV, byte for byte, and no actions at all."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cadence.data import write_actions
from cadence.records import Action

ACTIONS = [
    Action(
        lead_id="L1",
        rule="first-call",
        refs=("3.1", "3.2"),
        kind="contact",
        channel="phone",
        assignee="wang",
        due=datetime(2025, 4, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        overdue=False,
        reason="Captured at the show on 15 April; §3.1 asks for a call within one business day.",
        policy="sha256:0123456789abcdef",
    ),
    Action(
        lead_id="L2",
        rule="escalate",
        refs=(),
        kind="escalate",
        channel=None,
        assignee=None,
        due=datetime(2025, 4, 14, 18, 30, tzinfo=UTC),
        overdue=True,
        reason='No reply to "quote, v2"; tell 李经理.',
    ),
]


def test_actions_as_json_lines() -> None:
    out = io.StringIO()
    write_actions(ACTIONS, out, "jsonl")
    assert out.getvalue() == (
        '{"lead_id": "L1", "rule": "first-call", "refs": ["3.1", "3.2"], "kind": "contact", '
        '"channel": "phone", "assignee": "wang", "due": "2025-04-16T09:00:00+08:00", '
        '"overdue": false, "reason": "Captured at the show on 15 April; §3.1 asks for a call '
        'within one business day.", "policy": "sha256:0123456789abcdef"}\n'
        '{"lead_id": "L2", "rule": "escalate", "refs": [], "kind": "escalate", "channel": null, '
        '"assignee": null, "due": "2025-04-14T18:30:00+00:00", "overdue": true, '
        '"reason": "No reply to \\"quote, v2\\"; tell 李经理.", "policy": null}\n'
    )


def test_actions_as_csv() -> None:
    out = io.StringIO()
    write_actions(ACTIONS, out, "csv")
    assert out.getvalue() == (
        "lead_id,rule,refs,kind,channel,assignee,due,overdue,reason,policy\n"
        "L1,first-call,3.1;3.2,contact,phone,wang,2025-04-16T09:00:00+08:00,false,"
        "Captured at the show on 15 April; §3.1 asks for a call within one business day.,"
        "sha256:0123456789abcdef\n"
        "L2,escalate,,escalate,,,2025-04-14T18:30:00+00:00,true,"
        '"No reply to ""quote, v2""; tell 李经理.",\n'
    )


def test_no_actions_is_an_empty_jsonl_and_a_bare_csv_header() -> None:
    jsonl_out, csv_out = io.StringIO(), io.StringIO()
    write_actions([], jsonl_out, "jsonl")
    write_actions(iter([]), csv_out, "csv")
    assert jsonl_out.getvalue() == ""
    assert csv_out.getvalue() == (
        "lead_id,rule,refs,kind,channel,assignee,due,overdue,reason,policy\n"
    )
