"""Errors a user can cause, each saying where and what.

The tree::

    CadenceError                    base of everything cadence raises on purpose
    ├── PolicyError(ValueError)     a policy file is invalid; ``.problems`` lists every problem
    ├── DataError(ValueError)       a leads or events file has bad lines; ``.problems`` lists them
    ├── MappingError(ValueError)    an export mapping file is invalid; ``.problems`` lists them
    └── BackendUnavailable(ImportError)  an optional engine cannot be used here (and why)

A :class:`Problem` prints as ``FILE:LINE:COLUMN: CODE: message`` (policies) or
``FILE:LINE: message`` (data). Mapping files (:mod:`cadence.exports`) print like policies and
use the policy codes. Problems are sorted by location and reported all at once.
Every code is listed in
:data:`POLICY_CODES` with a one-line description (the warnings of ``cadence lint`` in
:data:`WARNING_CODES`); ``docs/errors.md`` has a section for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

#: Every policy error code, with what it means. ``docs/errors.md`` documents each one.
POLICY_CODES: Final[dict[str, str]] = {
    "yaml-syntax": "the file is not valid YAML",
    "not-a-mapping": "the file, or a part of it, must be a mapping of keys to values",
    "unknown-key": "a key that this part of the policy does not have (often a misspelling)",
    "missing-key": "a key that this part of the policy requires is absent",
    "bad-value": "a value of the wrong type or out of range",
    "bad-duration": "a duration that is not '<number> <unit>' (hours, days, business days, "
    "weeks, months)",
    "bad-time": "a time of day that is not 'HH:MM'",
    "unknown-channel": "a channel that is not phone, email, sms, visit, wechat or post",
    "unknown-stage": "a stage that the policy does not declare in 'stages'",
    "unknown-grade": "a grade that the policy does not define in 'grades'",
    "unknown-event": "an event type that is neither built in nor declared in 'events'",
    "unknown-timezone": "a time zone that is not an IANA zone name",
    "unknown-country": "a calendar country that the holidays package does not know",
    "duplicate-id": "two rules, caps or stops with the same id",
    "duplicate-key": "the same key twice in one mapping (YAML keeps only the last)",
    "conflict": "two settings that cannot hold together",
}

#: Every data error code: data problems print without a code, but carry one for programs.
DATA_CODES: Final[dict[str, str]] = {
    "unreadable": "the file cannot be opened or decoded",
    "bad-line": "a line that is not a JSON object or a well-formed CSV row",
    "missing-field": "a required field is absent or empty",
    "bad-field": "a field whose value has the wrong form",
    "duplicate-lead": "a lead id that appears twice in the leads file",
    "unknown-lead": "an event whose lead_id is not in the leads file",
    "unmapped-value": "a row of an export whose activity is not in the mapping's events table",
    "uncaptured-lead": "a row of an export whose lead has no capture row",
}

#: Every warning code of ``cadence lint``: a policy that is valid but probably not what was meant.
#: Warnings print as ``FILE:LINE:COLUMN: warning CODE: message``; ``docs/errors.md`` documents each.
WARNING_CODES: Final[dict[str, str]] = {
    "grade-unreachable": "a grade that no score can reach: an earlier grade takes every lead it "
    "would get",
    "grade-gap": "no catch-all last grade: leads below the lowest threshold, or without a score, "
    "get no grade",
    "rule-never-fires": "a rule whose 'when' contradicts itself or requires a stage that a stop "
    "stops",
    "cadence-exceeds-cap": "a cadence or sequence that needs more contacts than a cap allows",
    "no-contact-time": "quiet hours and working hours leave no time of day for a channel",
    "reassign-before-escalate": "an obligation that asks for reassignment before escalation",
    "instant-escalation": "an obligation due at once and escalated at once",
    "unused-event": "a domain event declared in 'events' that nothing uses",
    "unused-stage": "a stage declared in 'stages' that nothing uses",
    "unknown-ref": "a ref that is not a clause of the regulations given with --regulations",
    "no-refs": "a rule that cites no regulation clause",
}

#: The warnings that are only notes: printed as ``note``, they do not make ``cadence lint`` exit
#: 1 (a stage or event declared for the CRM's vocabulary is often meant); ``--strict`` counts them.
NOTE_CODES: Final[frozenset[str]] = frozenset({"unused-event", "unused-stage"})


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where something is: a file, a 1-based line and, for policies, a 1-based column."""

    file: str
    line: int
    column: int | None = None

    def __str__(self) -> str:
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with an input, at a location, with a code and a sentence."""

    location: Location
    code: str
    message: str

    def __str__(self) -> str:
        if self.location.column is None:
            return f"{self.location}: {self.message}"
        return f"{self.location}: {self.code}: {self.message}"


class CadenceError(Exception):
    """Base class of every error cadence raises on purpose."""


class _ProblemsError(CadenceError, ValueError):
    kind = "input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        count = len(self.problems)
        message = f"{count} problem{'s' if count != 1 else ''} in the {self.kind}"
        if self.problems:
            message += ":\n" + "\n".join(str(p) for p in self.problems)
        super().__init__(message)


class PolicyError(_ProblemsError):
    """A policy file is invalid. ``problems`` holds every problem found, sorted by location."""

    kind = "policy"


class DataError(_ProblemsError):
    """A leads or events file has bad lines. ``problems`` holds every bad line, sorted."""

    kind = "data"


class MappingError(_ProblemsError):
    """An export mapping file is invalid. ``problems`` holds every problem found, sorted."""

    kind = "mapping"


class BackendUnavailable(CadenceError, ImportError):
    """An optional evaluation backend cannot be used on this installation; the message says why."""
