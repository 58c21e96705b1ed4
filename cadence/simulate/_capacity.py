"""Follow mode's capacity: at most so many contacts per salesperson per working day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from cadence.engine import Engine

#: What a capacity answers: the moment from which ``assignee`` may make a contact asked at a
#: moment (that moment itself when there is room).
Gate = Callable[[str | None, datetime], datetime]


class Capacity:
    """At most ``per_day`` contacts per salesperson per working day, in the policy's zone; what
    does not fit is moved to the start of the next working day."""

    def __init__(self, engine: Engine, per_day: int) -> None:
        compiled = engine._compiled
        self.per_day = per_day
        self.zone = compiled.zone
        self.calendar = compiled.calendar
        self.day_start = compiled.day_start or time(9, 0)
        self.used: dict[tuple[str | None, object], int] = {}

    def __call__(self, assignee: str | None, now: datetime) -> datetime:
        local = now.astimezone(self.zone)
        day = local.date()
        if not self.calendar.is_working_day(day):
            day = self.calendar.next_working_day(day)
        while self.used.get((assignee, day), 0) >= self.per_day:
            day = self.calendar.next_working_day(day + timedelta(days=1))
        self.used[(assignee, day)] = self.used.get((assignee, day), 0) + 1
        if day == local.date():
            return now
        start = datetime.combine(day, self.day_start, tzinfo=self.zone)
        return max(start, now)
