"""Durations of the policy language: ``"36 hours"``, ``"7 days"``, ``"2 business days"``.

A duration is a whole number and a unit. What adding one to a moment means (wall-clock days across
DST changes, month ends, business days of the policy's calendar) is defined once in
:mod:`cadence.calendar` and documented in ``docs/day-counting.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Unit = Literal["hours", "days", "business_days", "weeks", "months"]

_UNITS: Final[dict[str, Unit]] = {
    "hour": "hours",
    "hours": "hours",
    "day": "days",
    "days": "days",
    "calendar day": "days",
    "calendar days": "days",
    "business day": "business_days",
    "business days": "business_days",
    "working day": "business_days",
    "working days": "business_days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}

_PATTERN: Final = re.compile(r"^\s*(\d{1,5})\s+([a-z ]+?)\s*$")

#: What a duration must look like, for error messages.
DURATION_FORM: Final = (
    "'<whole number> <unit>' with unit hours, days, business days, weeks or months, "
    "for example '7 days' or '2 business days'"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A whole number of hours, calendar days, business days, weeks or months."""

    amount: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``"<n> <unit>"``; raise ``ValueError`` saying what was expected otherwise."""
        match = _PATTERN.match(text.lower()) if isinstance(text, str) else None
        if match is None or match.group(2) not in _UNITS:
            raise ValueError(f"expected a duration {DURATION_FORM}, got {text!r}")
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        if self.amount == 1:
            unit = unit[:-1]
        return f"{self.amount} {unit}"

    def times(self, factor: int) -> Duration:
        """This duration multiplied by a whole factor (for backoff)."""
        return Duration(self.amount * factor, self.unit)
