"""What changed between two versions of a policy, in words, and which leads it affects.

:func:`describe_changes` compares two policies field by field (their dumps, by alias, without the
unset fields) and says every difference in words a compliance reader understands; rules, stops
and caps are matched by id and grades by name, never by position. A setting the vocabulary does
not know is still reported, by its path (``rules[weekly-call].cadence.backoff.on: declined →
declined, put_off``): nothing is dropped.

:func:`compare_actions` runs both policies over the same leads and says, lead by lead, which
actions only the old policy asks for and which only the new one does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cadence.engine import Engine
from cadence.policy.models import Policy
from cadence.records import Action, Event, Lead

__all__ = ["LeadChange", "compare_actions", "describe_changes", "render_action", "render_changes"]

#: Lists whose items are matched by a key rather than by position: list name -> key.
_KEYED: Final[dict[str, str]] = {"rules": "id", "stops": "id", "caps": "id", "grades": "grade"}

#: How a keyed list's items are named.
_ITEM_NAMES: Final[dict[str, str]] = {
    "rules": "rule",
    "stops": "stop",
    "caps": "cap",
    "grades": "grade",
}

#: Lists of words compared as sets: what was added and what was removed.
_WORD_SETS: Final[dict[str, str]] = {
    "refs": "refs",
    "stages": "stages declared",
    "events": "events declared",
    "working_days": "the working days",
}

#: Keys whose value is a condition, said as a whole.
_CONDITION_KEYS: Final = frozenset(("when", "until", "not"))

#: Keys whose value is an event match, or a list of them.
_EVENT_KEYS: Final = frozenset(("after", "start", "happened", "not_happened", "met_by", "counts"))

#: Words for settings: the path after the owner (rule, cap, step...) -> the setting's name.
#: The longest suffix of the path that is in the table names it.
_VOCABULARY: Final[dict[tuple[str, ...], str]] = {
    ("policy",): "the policy's name",
    ("title",): "the title",
    ("timezone",): "the time zone",
    ("version",): "the version",
    ("effective_from",): "the date it takes effect",
    ("owner",): "the owner of the policy",
    ("calendar", "country"): "the country of the public holidays",
    ("calendar", "subdivision"): "the subdivision of the public holidays",
    ("calendar",): "the business calendar",
    ("working_hours",): "the working hours",
    ("working_hours", "start"): "the start of the working hours",
    ("working_hours", "end"): "the end of the working hours",
    ("working_hours", "channels"): "the channels held to working hours",
    ("quiet", "start"): "the start",
    ("quiet", "end"): "the end",
    ("quiet", "channels"): "the channels it covers",
    ("obligation", "within"): "the deadline",
    ("cap", "within"): "the rolling period",
    ("cap", "max"): "the maximum number of contacts",
    ("cap", "channels"): "the channels counted",
    ("grade", "min_score"): "the lowest score",
    ("every",): "the interval",
    ("after",): "the anchor event",
    ("occurrence",): "which occurrence of the anchor event counts",
    ("channel",): "the channel",
    ("when",): "its condition",
    ("until",): "the condition that pauses it",
    ("assignee",): "who acts on it",
    ("say",): "the instruction",
    ("task",): "the task",
    ("met_by",): "what meets it",
    ("counts",): "the touches that count",
    ("cadence", "start"): "the event it counts from",
    ("if_missed",): "what happens after a missed deadline",
    ("if_missed", "escalate"): "escalation after the deadline",
    ("if_missed", "reassign"): "reassignment after the deadline",
    ("backoff",): "the backoff after a rejection",
    ("backoff", "switch_to"): "the channel used after a rejection",
    ("backoff", "on"): "the outcomes that count as a rejection",
    ("step", "at"): "the offset",
    ("then",): "the repetition after the last step",
    ("greeting", "on"): "the occasion",
    ("greeting", "at"): "the time of day",
}

#: Rule kinds, for the words "after capture" and the like.
_KINDS: Final = ("obligation", "cadence", "sequence", "greeting")

_Change = tuple[list[str], Any, Any]


# -- describe_changes -------------------------------------------------------------------------


def describe_changes(old: Policy, new: Policy) -> list[str]:
    """Every difference between two policies, one sentence each, in the order of the policy file.

    Rules, stops and caps are matched by id, grades by name; a reordering is reported too.
    """
    before = _dump(old)
    after = _dump(new)
    sentences: list[str] = []
    for key in _keys(before, after):
        if key in _KEYED:
            sentences.extend(_keyed_list(key, before.get(key, []), after.get(key, [])))
        elif key == "quiet_hours":
            sentences.extend(_quiet_hours(before.get(key, []), after.get(key, [])))
        else:
            changes: list[_Change] = []
            _compare([key], before.get(key), after.get(key), changes)
            sentences.extend(_say(change, "the policy", "", [], "policy") for change in changes)
    return sentences


def _dump(policy: Policy) -> dict[str, Any]:
    dumped: dict[str, Any] = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def _keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return list(before) + [k for k in after if k not in before]


def _compare(path: list[str], old: Any, new: Any, out: list[_Change]) -> None:
    """Append the differences between two dumped values, down to the settings that differ."""
    if old == new:
        return
    key = path[-1] if path else ""
    atomic = key in _CONDITION_KEYS or key in _EVENT_KEYS or key == "channel"
    if isinstance(old, dict) and isinstance(new, dict) and not atomic:
        for sub in _keys(old, new):
            _compare([*path, sub], old.get(sub), new.get(sub), out)
        return
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and not atomic
        and key not in _WORD_SETS
        and any(isinstance(item, dict) for item in old + new)
    ):
        for index in range(max(len(old), len(new))):
            _compare(
                [*path, f"[{index + 1}]"],
                old[index] if index < len(old) else None,
                new[index] if index < len(new) else None,
                out,
            )
        return
    out.append((path, old, new))


def _keyed_list(name: str, old: list[Any], new: list[Any]) -> list[str]:
    key = _KEYED[name]
    item = _ITEM_NAMES[name]
    old_ids = [entry.get(key) for entry in old]
    new_ids = [entry.get(key) for entry in new]
    if len(set(old_ids)) != len(old_ids) or len(set(new_ids)) != len(new_ids):
        changes: list[_Change] = []  # ids not unique (an invalid policy): compare by position
        _compare([name], old, new, changes)
        return [_say(change, "the policy", "", [], "policy") for change in changes]
    old_by = dict(zip(old_ids, old, strict=True))
    new_by = dict(zip(new_ids, new, strict=True))
    sentences: list[str] = []
    for ident in old_ids:
        if ident not in new_by:
            sentences.append(f"{item} {ident} is removed: {_summary(name, old_by[ident])}")
    for ident in new_ids:
        if ident not in old_by:
            sentences.append(f"{item} {ident} is added: {_summary(name, new_by[ident])}")
    for ident in [i for i in old_ids if i in new_by]:
        before, after = old_by[ident], new_by[ident]
        owner = f"{item} {ident}"
        kind = next((k for k in _KINDS if k in after), "") if name == "rules" else item
        anchor = _anchor(after.get("obligation")) if name == "rules" else ""
        for sub in _keys(before, after):
            if name == "rules" and sub in ("sequence", "cadence"):
                sentences.extend(
                    _rule_schedule(owner, f"{name}[{ident}]", sub, before.get(sub), after.get(sub))
                )
                continue
            changes = []
            _compare([sub], before.get(sub), after.get(sub), changes)
            for change in changes:
                sentence = _say(change, owner, f"{name}[{ident}]", [], kind)
                if change[0] == ["obligation", "within"] and anchor:
                    sentence += f" after {anchor}"
                sentences.append(sentence)
    common_old = [i for i in old_ids if i in new_by]
    common_new = [i for i in new_ids if i in old_by]
    if common_old != common_new:
        plural = "grades (the first that holds wins)" if name == "grades" else name
        sentences.append(
            f"the order of the {plural} changes: {', '.join(map(str, common_old))} → "
            f"{', '.join(map(str, common_new))}"
        )
    return sentences


def _rule_schedule(owner: str, where: str, kind: str, old: Any, new: Any) -> list[str]:
    """A sequence's steps (and repetition) or a cadence, compared with the steps by number."""
    changes: list[_Change] = []
    if not (isinstance(old, dict) and isinstance(new, dict)):
        _compare([kind], old, new, changes)
        return [_say(change, owner, where, [], kind) for change in changes]
    sentences: list[str] = []
    for sub in _keys(old, new):
        if sub == "steps":
            steps_old, steps_new = old.get(sub, []), new.get(sub, [])
            for index in range(max(len(steps_old), len(steps_new))):
                label = f"{owner}, step {index + 1}"
                if index >= len(steps_old):
                    sentences.append(f"{label} is added: {_words(steps_new[index])}")
                elif index >= len(steps_new):
                    sentences.append(f"{label} is removed: {_words(steps_old[index])}")
                else:
                    changes = []
                    _compare(["step"], steps_old[index], steps_new[index], changes)
                    at = f"{where}.{kind}.steps[{index + 1}]"
                    sentences.extend(_say(c, label, at, ["step"], "step") for c in changes)
        elif sub == "then" and isinstance(old.get(sub), dict) and isinstance(new.get(sub), dict):
            changes = []
            _compare(["then"], old[sub], new[sub], changes)
            label = f"{owner}, the repetition after the last step"
            at = f"{where}.{kind}.then"
            sentences.extend(_say(c, label, at, ["then"], "then") for c in changes)
        else:
            changes = []
            _compare([kind, sub], old.get(sub), new.get(sub), changes)
            sentences.extend(_say(c, owner, where, [], kind) for c in changes)
    return sentences


def _quiet_hours(old: list[Any], new: list[Any]) -> list[str]:
    sentences: list[str] = []
    single = len(old) <= 1 and len(new) <= 1
    for index in range(max(len(old), len(new))):
        label = "the quiet hours" if single else f"quiet hours window {index + 1}"
        if index >= len(old):
            sentences.append(f"{label} are added: {_window(new[index])}")
        elif index >= len(new):
            sentences.append(f"{label} are removed: {_window(old[index])}")
        else:
            changes: list[_Change] = []
            _compare(["quiet"], old[index], new[index], changes)
            at = f"quiet_hours[{index + 1}]"
            sentences.extend(_say(c, label, at, ["quiet"], "quiet") for c in changes)
    return sentences


def _say(change: _Change, owner: str, where: str, strip: list[str], context: str) -> str:
    """One difference as a sentence: named from the vocabulary, or by its path when unknown."""
    path, old, new = change
    key = [p for p in path[len(strip) :] if not p.startswith("[")]
    rest = [p for p in key if p not in _KINDS]
    name = _name(context, rest, path)
    last = path[-1]
    if last in _WORD_SETS or (
        last in ("channels", "on") and isinstance(old, list) and isinstance(new, list)
    ):
        what = _WORD_SETS.get(last, name or ".".join(path))
        added = [v for v in new or [] if v not in (old or [])]
        removed = [v for v in old or [] if v not in (new or [])]
        parts = []
        if added:
            parts.append(f"{what} added: {', '.join(added)}")
        if removed:
            parts.append(f"{what} removed: {', '.join(removed)}")
        if not parts:  # the same words in another order
            parts.append(f"{what} reordered: {_words(old, last)} → {_words(new, last)}")
        prefix = "" if owner == "the policy" else f"{owner}: "
        return prefix + "; ".join(parts)
    old_text, new_text = _words(old, last), _words(new, last)
    if old_text == new_text:  # two values that read alike: show them exactly
        old_text, new_text = _json(old), _json(new)
    if name is None:
        where = _path(where, path)
        return f"{where}: {old_text if old is not None else '(not set)'} → " + (
            new_text if new is not None else "(not set)"
        )
    prefix = "" if owner == "the policy" else f"{owner}: "
    if last in _CONDITION_KEYS:
        if old is None:
            return f"{prefix}{name} is added: {new_text}"
        if new is None:
            return f"{prefix}{name} is removed (was: {old_text})"
        return f"{prefix}{name} changes: {old_text} → {new_text}"
    if last == "channels":  # not set means every channel
        return f"{prefix}{name} changes from {old_text} to {new_text}"
    if old is None:
        return f"{prefix}{name} is set to {new_text}"
    if new is None:
        return f"{prefix}{name} is removed (was {old_text})"
    return f"{prefix}{name} changes from {old_text} to {new_text}"


def _name(context: str, rest: list[str], path: list[str]) -> str | None:
    if not rest:
        return None
    kind = next((p for p in path if p in _KINDS), context)
    for candidate in ((kind, *rest), (context, *rest), tuple(rest)):
        if candidate in _VOCABULARY:
            return _VOCABULARY[candidate]
    return None


def _path(where: str, path: list[str]) -> str:
    text = where
    for part in path:
        if part in ("step", "then", "quiet"):
            continue
        text += part if part.startswith("[") else ("." if text else "") + part
    return text


def _kind_summary(kind: str, body: Any) -> str:
    """What a rule of this kind asks, in a few words."""
    if not isinstance(body, dict):
        return _words(body)
    if kind == "obligation":
        what = (
            f"a contact by {_channels(body['channel'])}"
            if body.get("channel")
            else f"the task '{body.get('task')}'"
        )
        return f"{what} within {body.get('within')} after {_anchor(body)}"
    if kind == "cadence":
        return (
            f"a contact by {_channels(body.get('channel', []))} at least every {body.get('every')}"
        )
    if kind == "sequence":
        steps = body.get("steps", [])
        text = (
            f"{len(steps)} step{'s' if len(steps) != 1 else ''} after {_event(body.get('after'))}"
        )
        if body.get("then"):
            text += f", then every {body['then'].get('every')}"
        return text
    return f"by {body.get('channel')} on {body.get('on')} at {body.get('at')}"


def _window(window: Mapping[str, Any]) -> str:
    text = f"from {window.get('start')} to {window.get('end')}"
    if window.get("channels"):
        text += f" on {', '.join(window['channels'])}"
    return text


def _anchor(obligation: Any) -> str:
    if not isinstance(obligation, dict):
        return ""
    after = obligation.get("after")
    if isinstance(after, dict) and after.get("event") == "captured" and len(after) == 1:
        return "capture"
    return _event(after) if after is not None else ""


def _summary(name: str, entry: Mapping[str, Any]) -> str:
    """A one-line description of a rule, stop, cap or grade that was added or removed."""
    if name == "rules":
        kind = next((k for k in _KINDS if k in entry), "rule")
        text = f"a{'n' if kind[0] in 'aeiou' else ''} {kind}"
        label = entry.get("title") or entry.get("say")
        if label:
            text += f" ({label})"
        text += f": {_kind_summary(kind, entry.get(kind))}"
        if entry.get("when"):
            text += f", when {_condition(entry['when'])}"
        return text
    if name == "stops":
        return f"no follow-up when {_condition(entry.get('when', {}))}"
    if name == "caps":
        text = f"at most {entry.get('max')} contacts in {entry.get('within')}"
        if entry.get("channels"):
            text += f" on {', '.join(entry['channels'])}"
        if entry.get("when"):
            text += f", when {_condition(entry['when'])}"
        return text
    tests = []
    if "min_score" in entry:
        tests.append(f"score at least {_number(entry['min_score'])}")
    if entry.get("when"):
        tests.append(_condition(entry["when"]))
    return " and ".join(tests) if tests else "every lead not graded before"


# -- values in words --------------------------------------------------------------------------


def _words(value: Any, key: str = "") -> str:
    """A dumped value in words; ``key`` is the setting it belongs to."""
    if value is None:
        return "every channel" if key == "channels" else "not set"
    if key in _CONDITION_KEYS and isinstance(value, dict):
        return _condition(value)
    if key in _EVENT_KEYS:
        items = value if isinstance(value, list) else [value]
        return " or ".join(_event(item) for item in items)
    if key == "channel" and isinstance(value, list):
        return _channels(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(_words(v) for v in value)
        return "; ".join(_words(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_words(v, k)}" for k, v in value.items())
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _channels(choices: list[Any]) -> str:
    parts = []
    for choice in choices:
        if not isinstance(choice, dict):
            parts.append(_words(choice))
            continue
        use = str(choice.get("use"))
        others = {k: v for k, v in choice.items() if k not in ("use", "when")}
        if choice.get("when"):
            use += f" if {_condition(choice['when'])}"
        if others:
            use += f" ({_words(others)})"
        parts.append(use)
    return ", else ".join(parts)


def _event(match: Any) -> str:
    if not isinstance(match, dict):
        return _words(match)
    text = str(match.get("event"))
    for key, value in match.items():
        if key == "event":
            continue
        words = _words(value)
        text += {
            "channel": f" on {words}",
            "outcome": f" with outcome {words}",
            "value": f" {words}" if match.get("event") == "stage" else f" of value {words}",
            "since": f" since {words}",
            "within": f" within {words}",
        }.get(key, f" {key} {words}")
    return text


_ATTRIBUTE_TESTS: Final[dict[str, str]] = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "below": "below",
    "at_most": "at most",
    "above": "above",
    "at_least": "at least",
}


def _condition(condition: Mapping[str, Any]) -> str:
    """A condition in words, every key of it; the keys are joined by 'and'."""
    parts = []
    for key, value in condition.items():
        if key in ("grade", "stage"):
            parts.append(f"{key} {_words(value)}")
        elif key in ("grade_not", "stage_not"):
            parts.append(f"{key[:-4]} not {_words(value)}")
        elif key == "attributes" and isinstance(value, dict):
            for name, test in value.items():
                parts.append(_attribute(name, test))
        elif key == "happened":
            parts.append(f"{_event(value)} happened")
        elif key == "not_happened":
            parts.append(f"no {_event(value)}")
        elif key == "last_touch" and isinstance(value, dict):
            parts.append(f"the last touch {_event_fields(value)}".rstrip())
        elif key == "anchor" and isinstance(value, dict):
            parts.append(f"the anchor event {_event_fields(value)}".rstrip())
        elif key in ("all", "any") and isinstance(value, list):
            joiner = " and " if key == "all" else " or "
            parts.append(f"{key} of ({joiner.join(_condition(c) for c in value)})")
        elif key == "not" and isinstance(value, dict):
            parts.append(f"not ({_condition(value)})")
        else:
            parts.append(f"{key} {_words(value)}")
    return " and ".join(parts)


def _event_fields(test: Mapping[str, Any]) -> str:
    words = {"channel": "on", "outcome": "with outcome", "value": "of value"}
    return " ".join(f"{words.get(k, k)} {_words(v)}" for k, v in test.items())


def _attribute(name: str, test: Any) -> str:
    if not isinstance(test, dict):
        return f"{name} {_words(test)}"
    parts = []
    for key, value in test.items():
        if key == "present":
            parts.append(f"{name} {'present' if value else 'absent'}")
        else:
            parts.append(f"{name} {_ATTRIBUTE_TESTS.get(key, key)} {_words(value)}")
    return " and ".join(parts)


# -- compare_actions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadChange:
    """For one lead: the actions only the old policy asks for, and those only the new one does."""

    lead_id: str
    removed: tuple[Action, ...]
    added: tuple[Action, ...]


def _action_key(action: Action) -> tuple[str, str, str | None, datetime, str | None]:
    return (action.rule, action.kind, action.channel, action.due, action.assignee)


def compare_actions(
    old_engine: Engine,
    new_engine: Engine,
    leads: Mapping[str, Lead],
    events: Mapping[str, Sequence[Event]],
    now: datetime,
) -> list[LeadChange]:
    """The leads (in id order) whose actions differ under the two policies, and how.

    Actions are compared on rule, kind, channel, due and assignee (not on the reason or refs).
    """
    changes: list[LeadChange] = []
    for lead_id in sorted(leads):
        lead = leads[lead_id]
        history = events.get(lead_id, ())
        before = old_engine.next_actions(lead, history, now)
        after = new_engine.next_actions(lead, history, now)
        removed = _only_in(before, after)
        added = _only_in(after, before)
        if removed or added:
            changes.append(LeadChange(lead_id, tuple(removed), tuple(added)))
    return changes


def _only_in(these: Iterable[Action], others: Iterable[Action]) -> list[Action]:
    remaining = Counter(_action_key(a) for a in others)
    only: list[Action] = []
    for action in these:
        key = _action_key(action)
        if remaining[key]:
            remaining[key] -= 1
        else:
            only.append(action)
    return only


def render_action(sign: str, action: Action) -> str:
    """``- L0012 first-contact contact phone due 2025-04-30 10:00 for Gao Feng (reason)``."""
    parts = [sign, action.lead_id, action.rule, action.kind]
    if action.channel:
        parts.append(action.channel)
    parts.append(f"due {action.due:%Y-%m-%d %H:%M}")
    if action.assignee:
        parts.append(f"for {action.assignee}")
    return " ".join(parts) + f" ({action.reason})"


def render_changes(changes: Iterable[LeadChange]) -> list[str]:
    """The ``-`` and ``+`` lines of every lead whose actions change."""
    lines: list[str] = []
    for change in changes:
        lines.extend(render_action("-", action) for action in change.removed)
        lines.extend(render_action("+", action) for action in change.added)
    return lines
