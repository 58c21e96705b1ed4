"""``cadence lint``: warnings about a valid policy that probably does not do what was meant.

``cadence check`` is the gate: it rejects a policy that cannot be evaluated. Lint reads a policy
that passes it and points at what is legal but suspicious: grades no score reaches, rules that can
never fire, cadences that the policy's own caps or hours make impossible, escalations that make no
sense, declared names nothing uses, refs that are not clauses of the regulations. Each warning is a
:class:`~cadence.errors.Problem` whose code is in :data:`~cadence.errors.WARNING_CODES`; it prints
as ``FILE:LINE:COLUMN: warning CODE: message`` (:func:`format_warning`).

The checks yield ``(path, at_key, code, message)`` like those of :mod:`cadence.policy.checks`.
Durations in calendar units are compared at their most lenient (a month is 31 days as an
interval between contacts and 28 days as the period of a cap), so that a warning is never about a
month that happens to be short.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import time
from pathlib import Path

from cadence.durations import Duration
from cadence.errors import NOTE_CODES, Location, PolicyError, Problem
from cadence.policy.checks import DEFAULT_STAGE, Finding, Path_, walk
from cadence.policy.conditions import Condition, EventMatch, EventTest
from cadence.policy.loader import parse_policy_with_marks
from cadence.policy.models import (
    Backoff,
    Cap,
    ChannelChoice,
    Greeting,
    Policy,
    Repeat,
    Rule,
    Sequence,
    Step,
    Stop,
)
from cadence.records import CHANNELS

#: A clause id of the regulations, as in ``R004-16``.
CLAUSE_ID = re.compile(r"R\d{3}-\d+")

_HOURS = {"hours": 1, "days": 24, "weeks": 168}
_DAY_MINUTES = 24 * 60


def lint_policy(
    text: str, file: str, *, regulations: Collection[str] | None = None
) -> list[Problem]:
    """The warnings of a policy given as YAML text, sorted by location.

    ``regulations`` is the set of clause ids the refs may cite (``unknown-ref`` otherwise); without
    it refs are not checked. Raises :class:`PolicyError` when the policy is invalid.
    """
    policy, document = parse_policy_with_marks(text, file)
    return sorted(
        Problem(document.location(path, key=key), code, message)
        for path, key, code, message in lint_findings(policy, regulations)
    )


def lint_file(path: str | Path, *, regulations: Collection[str] | None = None) -> list[Problem]:
    """The warnings of a policy file; :class:`PolicyError` if it is invalid or cannot be read."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([Problem(Location(file, 1, 1), "yaml-syntax", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(
            [Problem(Location(file, 1, 1), "yaml-syntax", f"cannot read the file: {error}")]
        ) from None
    return lint_policy(text, file, regulations=regulations)


def read_regulations(path: str | Path) -> set[str]:
    """The clause ids (``R000-1``...) that a regulations file (Markdown) mentions."""
    return set(CLAUSE_ID.findall(Path(path).read_text(encoding="utf-8")))


def format_warning(problem: Problem) -> str:
    """A warning as ``FILE:LINE:COLUMN: warning CODE: message`` (``note`` for the codes of
    :data:`~cadence.errors.NOTE_CODES`)."""
    severity = "note" if problem.code in NOTE_CODES else "warning"
    return f"{problem.location}: {severity} {problem.code}: {problem.message}"


def lint_findings(policy: Policy, regulations: Collection[str] | None = None) -> Iterator[Finding]:
    """Every warning of a valid policy, as ``(path, at_key, code, message)``."""
    yield from _grades(policy)
    yield from _never_fires(policy)
    yield from _caps(policy)
    yield from _contact_time(policy)
    yield from _escalations(policy)
    yield from _unused(policy)
    yield from _refs(policy, regulations)


# -- grades ----------------------------------------------------------------------------------------


def _score(value: float) -> str:
    return f"{value:g}"


def _grades(policy: Policy) -> Iterator[Finding]:
    grades = policy.grades
    for later, spec in enumerate(grades):
        for earlier in grades[:later]:
            if earlier.when is not None:
                continue
            if earlier.min_score is None:
                yield (
                    ("grades", later, "grade"),
                    False,
                    "grade-unreachable",
                    f"grade '{spec.grade}' can never be given by score: the earlier grade "
                    f"'{earlier.grade}' has no min_score and no when, so it takes every lead",
                )
                break
            if spec.min_score is not None and spec.min_score >= earlier.min_score:
                yield (
                    ("grades", later, "min_score"),
                    False,
                    "grade-unreachable",
                    f"grade '{spec.grade}' can never be given by score: every score of "
                    f"{_score(spec.min_score)} or more already gets the earlier grade "
                    f"'{earlier.grade}' (min_score {_score(earlier.min_score)}); "
                    "min_score must decrease down the list",
                )
                break
    if grades and not any(g.min_score is None and g.when is None for g in grades):
        lowest = [g.min_score for g in grades if g.min_score is not None and g.when is None]
        below = f"a score below {_score(min(lowest))} or " if lowest else ""
        yield (
            ("grades", len(grades) - 1),
            False,
            "grade-gap",
            f"no catch-all last grade: leads with {below}without a score get no grade; "
            "add a last grade with neither min_score nor when, such as {grade: other}",
        )


# -- rules that can never fire ---------------------------------------------------------------------


def _conjuncts(condition: Condition) -> Iterator[Condition]:
    """The condition and, recursively, the members of its ``all:`` (all of them must hold)."""
    yield condition
    for member in condition.all_ or ():
        yield from _conjuncts(member)


def _allowed(condition: Condition, key: str) -> set[str] | None:
    """The names (grades or stages) the condition lets through, or None if it does not say."""
    allowed: set[str] | None = None
    excluded: set[str] = set()
    for part in _conjuncts(condition):
        named = getattr(part, key)
        if named is not None:
            allowed = set(named) if allowed is None else allowed & set(named)
        excluded |= set(getattr(part, f"{key}_not") or ())
    return None if allowed is None else allowed - excluded


def _contradiction(condition: Condition) -> str | None:
    for key in ("grade", "stage"):
        allowed = _allowed(condition, key)
        if allowed is not None and not allowed:
            return f"no {key} satisfies both its '{key}' and '{key}_not' tests"
    parts = list(_conjuncts(condition))
    happened = [p.happened for p in parts if p.happened is not None]
    for part in parts:
        if part.not_happened is not None and part.not_happened in happened:
            return f"it requires that '{part.not_happened.event}' both happened and did not happen"
    return None


def _stopped_stages(policy: Policy) -> dict[str, str]:
    """The stages in which a stop always holds (a stop that tests the stage only): stage -> id."""
    stopped: dict[str, str] = {}
    for stop in policy.stops:
        if stop.when.model_fields_set == {"stage"} and stop.when.stage:
            for stage in stop.when.stage:
                stopped.setdefault(stage, stop.id)
    return stopped


def _never_fires(policy: Policy) -> Iterator[Finding]:
    stopped = _stopped_stages(policy)
    for index, rule in enumerate(policy.rules):
        if rule.when is None:
            continue
        path: Path_ = ("rules", index, "when")
        reason = _contradiction(rule.when)
        if reason is not None:
            yield (path, False, "rule-never-fires", f"rule '{rule.id}' can never fire: {reason}")
            continue
        stages = _allowed(rule.when, "stage")
        if stages and all(stage in stopped for stage in stages):
            named = ", ".join(sorted(stages))
            stops = ", ".join(sorted({f"'{stopped[s]}'" for s in stages}))
            yield (
                path,
                False,
                "rule-never-fires",
                f"rule '{rule.id}' can never fire: it requires the stage {named}, "
                f"in which the stop {stops} stops all follow-up",
            )


# -- caps ------------------------------------------------------------------------------------------


def _hours(duration: Duration, *, longest: bool) -> float:
    """A duration in hours: at its longest (as a gap between contacts) or shortest (a cap)."""
    n = duration.amount
    if duration.unit in _HOURS:
        return n * _HOURS[duration.unit]
    if duration.unit == "months":
        return n * (31 if longest else 28) * 24
    # business days: n days at least; at most with the weekends and a week of holidays between
    return (n + 2 * ((n + 4) // 5) + 9) * 24 if longest else n * 24


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _capped(cap: Cap, channels: Collection[str]) -> bool:
    return cap.channels is None or all(c in cap.channels for c in channels)


def _caps(policy: Policy) -> Iterator[Finding]:
    for index, rule in enumerate(policy.rules):
        for cap in policy.caps:
            yield from _cap_rule(rule, ("rules", index), cap)


def _cap_rule(rule: Rule, path: Path_, cap: Cap) -> Iterator[Finding]:
    if rule.cadence is not None:
        channels = [choice.use for choice in rule.cadence.channel]
        yield from _every(
            rule, rule.cadence.every, channels, (*path, "cadence", "every"), cap, "a cadence"
        )
    if rule.sequence is not None:
        sequence = rule.sequence
        if sequence.then is not None:
            yield from _every(
                rule,
                sequence.then.every,
                [sequence.then.channel],
                (*path, "sequence", "then", "every"),
                cap,
                "a repetition",
            )
        yield from _steps(rule, sequence, (*path, "sequence"), cap)


def _every(
    rule: Rule, every: Duration, channels: list[str], path: Path_, cap: Cap, what: str
) -> Iterator[Finding]:
    if not _capped(cap, channels):
        return
    if cap.max * _hours(every, longest=True) < _hours(cap.within, longest=False):
        yield (
            path,
            False,
            "cadence-exceeds-cap",
            f"rule '{rule.id}' asks for {what} on {' or '.join(channels)} at least every "
            f"{every}, but the cap '{cap.id}' allows {_plural(cap.max, 'contact')} in "
            f"{cap.within}: the contacts will be later than the rule asks",
        )


def _steps(rule: Rule, sequence: Sequence, path: Path_, cap: Cap) -> Iterator[Finding]:
    # steps with a condition may be skipped, and calendar units have no fixed length: only the
    # unconditional steps in hours, days or weeks are counted
    offsets = sorted(
        (_hours(step.at, longest=False), index)
        for index, step in enumerate(sequence.steps)
        if step.when is None and step.at.unit in _HOURS and _capped(cap, [step.channel])
    )
    window = _hours(cap.within, longest=False)
    for first in range(len(offsets) - cap.max):
        last = first + cap.max
        if offsets[last][0] - offsets[first][0] < window:
            steps = sequence.steps
            yield (
                (*path, "steps", offsets[last][1], "at"),
                False,
                "cadence-exceeds-cap",
                f"rule '{rule.id}' puts {_plural(cap.max + 1, 'contact')} "
                f"({', '.join(steps[i].channel for _, i in offsets[first : last + 1])}) "
                f"between {steps[offsets[first][1]].at} and {steps[offsets[last][1]].at} after "
                f"its anchor, but the cap '{cap.id}' allows {_plural(cap.max, 'contact')} in "
                f"{cap.within}: the later steps will be late",
            )
            return


# -- quiet hours and working hours -----------------------------------------------------------------


def _minute(t: time) -> int:
    return t.hour * 60 + t.minute + (1 if t.second or t.microsecond else 0)


def _used_channels(policy: Policy) -> list[str]:
    used: set[str] = set()
    for _path, model in walk(policy):
        if isinstance(model, ChannelChoice):
            used.add(model.use)
        elif isinstance(model, Step | Repeat | Greeting):
            used.add(model.channel)
        elif isinstance(model, Backoff) and model.switch_to is not None:
            used.add(model.switch_to)
    return [c for c in CHANNELS if c in used]


def _contact_time(policy: Policy) -> Iterator[Finding]:
    if not policy.quiet_hours:
        return
    for channel in _used_channels(policy):
        free = [True] * _DAY_MINUTES
        hours = policy.working_hours
        if hours is not None and (hours.channels is None or channel in hours.channels):
            start, end = _minute(hours.start), _minute(hours.end)
            free = [start <= m < end for m in range(_DAY_MINUTES)]
        for quiet in policy.quiet_hours:
            if quiet.channels is not None and channel not in quiet.channels:
                continue
            start, end = _minute(quiet.start), _minute(quiet.end)
            for m in range(_DAY_MINUTES):
                inside = start <= m < end if start < end else m >= start or m < end
                if inside:
                    free[m] = False
        if not any(free):
            held = " and working hours" if hours is not None else ""
            yield (
                ("quiet_hours",),
                True,
                "no-contact-time",
                f"the quiet hours{held} leave no time of day for contacts on {channel}: "
                f"every {channel} contact the rules ask for can never be made",
            )


# -- escalations -----------------------------------------------------------------------------------


def _escalations(policy: Policy) -> Iterator[Finding]:
    for index, rule in enumerate(policy.rules):
        obligation = rule.obligation
        if obligation is None or obligation.if_missed is None:
            continue
        path: Path_ = ("rules", index, "obligation", "if_missed")
        escalate, reassign = obligation.if_missed.escalate, obligation.if_missed.reassign
        if (
            escalate is not None
            and reassign is not None
            and _hours(reassign, longest=True) < _hours(escalate, longest=False)
        ):
            yield (
                (*path, "reassign"),
                False,
                "reassign-before-escalate",
                f"rule '{rule.id}' asks the manager to reassign the lead {reassign} after the "
                f"deadline, before escalating it ({escalate} after the deadline)",
            )
        if escalate is not None and escalate.amount == 0 and obligation.within.amount == 0:
            yield (
                (*path, "escalate"),
                False,
                "instant-escalation",
                f"rule '{rule.id}' is due at once (within {obligation.within}) and escalated at "
                f"once (escalate {escalate}): every lead it applies to is escalated immediately",
            )


# -- names nothing uses ----------------------------------------------------------------------------


def _unused(policy: Policy) -> Iterator[Finding]:
    events: set[str] = set()
    stages: set[str] = set()
    for _path, model in walk(policy):
        if isinstance(model, EventMatch):
            events.add(model.event)
            if model.event == "stage":
                stages.update(model.value or ())
        if isinstance(model, EventTest) and model.since is not None:
            events.add(model.since)
        if isinstance(model, Condition):
            stages.update(model.stage or ())
            stages.update(model.stage_not or ())
    for index, event in enumerate(policy.events):
        if event not in events:
            yield (
                ("events", index),
                False,
                "unused-event",
                f"the event '{event}' is declared but no rule, stop or cap uses it",
            )
    for index, stage in enumerate(policy.stages):
        if stage not in stages and stage != DEFAULT_STAGE:
            yield (
                ("stages", index),
                False,
                "unused-stage",
                f"the stage '{stage}' is declared but no rule, stop or cap tests it",
            )


# -- refs ------------------------------------------------------------------------------------------


def _refs(policy: Policy, regulations: Collection[str] | None) -> Iterator[Finding]:
    for index, rule in enumerate(policy.rules):
        if not rule.refs:
            yield (
                ("rules", index),
                False,
                "no-refs",
                f"rule '{rule.id}' cites no regulation clause; add 'refs:' with the clauses "
                "it encodes",
            )
    if regulations is None:
        return
    for path, model in walk(policy):
        if isinstance(model, Rule | Stop | Cap | Step | Repeat):
            for number, ref in enumerate(model.refs or ()):
                if ref not in regulations:
                    yield (
                        (*path, "refs", number),
                        False,
                        "unknown-ref",
                        f"'{ref}' is not a clause of the regulations",
                    )
