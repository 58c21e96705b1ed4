"""How a violation is shown: a timeline of the lead (:func:`render`) and a case file
(:func:`to_case_yaml`)."""

from __future__ import annotations

from typing import Any

import yaml

from cadence.records import Action, Event
from cadence.verify._search import Violation, _stamp, _utc


def _event_text(event: Event) -> str:
    parts = [event.type]
    for value in (event.channel, event.outcome, event.value):
        if value is not None:
            parts.append(str(value))
    return " ".join(parts)


def _action_text(action: Action, zone: Any) -> str:
    text = f"{action.kind} {action.channel or ''}".rstrip()
    overdue = ", overdue" if action.overdue else ""
    return f"{_stamp(action.due, zone)}  {text} ({action.rule}{overdue}): {action.reason}"


def render(violation: Violation) -> str:
    """A readable timeline of the lead that breaks the invariant, in the lead's zone."""
    from cadence.calendar import zone as named_zone

    tz = named_zone(violation.zone)
    lead = violation.lead
    lines = [
        f"policy {violation.policy}: invariant '{violation.invariant}' broken",
        f"  {violation.message}",
        "",
        f"lead {lead.id} in {violation.zone}: stage {lead.stage}, grade {lead.grade or '-'}, "
        f"score {lead.score if lead.score is not None else '-'}"
        + (
            ", " + ", ".join(f"{k}={v!r}" for k, v in sorted(lead.attributes.items()))
            if lead.attributes
            else ""
        ),
        "",
        "timeline (the lead's zone):",
        f"  {_stamp(lead.captured_at, tz)}  captured",
    ]
    now = _utc(violation.now)
    shown = False
    for event in sorted(violation.events, key=lambda e: _utc(e.at)):
        if not shown and _utc(event.at) > now:
            lines.append(f"  {_stamp(now, tz)}  -- now --")
            shown = True
        later = "  (after now: not known yet)" if _utc(event.at) > now else ""
        lines.append(f"  {_stamp(event.at, tz)}  {_event_text(event)}{later}")
    if not shown:
        lines.append(f"  {_stamp(now, tz)}  -- now --")
    lines.append("")
    lines.append("actions asked at now:")
    lines.extend(f"  {_action_text(a, tz)}" for a in violation.actions)
    if not violation.actions:
        lines.append("  (none)")
    lines.append("")
    lifted = " with the caps lifted" if violation.caps_lifted else ""
    lines.append(f"touches made by carrying out the actions{lifted}:")
    for number, (at, action) in enumerate(violation.touches, start=1):
        lines.append(f"  {number}. {_stamp(at, tz)}  touch {action.channel} (rule {action.rule})")
    if not violation.touches:
        lines.append("  (none)")
    lines.append("")
    lines.append(f"broken: {violation.invariant}: {violation.message}")
    lines.append(f"rules involved: {', '.join(violation.rules) or '(none)'}")
    return "\n".join(lines) + "\n"


def _without_lead(event: Event) -> dict[str, Any]:
    fields = event.to_dict()
    del fields["lead_id"]  # a case holds one lead
    return fields


def to_case_yaml(violation: Violation) -> str:
    """The violation as a cases file: its ``want`` is what the policy answered."""
    want: list[dict[str, Any]] = []
    for action in violation.actions:
        entry: dict[str, Any] = {"rule": action.rule, "kind": action.kind}
        if action.channel is not None:
            entry["channel"] = action.channel
        entry["due"] = action.due.isoformat()
        entry["overdue"] = action.overdue
        want.append(entry)
    case = {
        "note": f"cadence verify: invariant '{violation.invariant}' broken: {violation.message}",
        "now": violation.now.isoformat(),
        "lead": violation.lead.to_dict(),
        "events": [_without_lead(e) for e in violation.events],
        "want": want,
    }
    return yaml.safe_dump({"cases": [case]}, sort_keys=False, allow_unicode=True, width=100)


__all__ = ["render", "to_case_yaml"]
