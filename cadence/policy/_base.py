"""What every model of the policy language shares: frozen, unknown keys rejected, and field types
that accept the short forms a compliance reader writes (a single word for a list of one)."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from cadence.durations import Duration


class Model(BaseModel):
    """Base of all policy models: immutable, and a key it does not know is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _one_or_many(value: Any) -> Any:
    if isinstance(value, str | int | float):
        return (str(value),)
    if isinstance(value, list):
        return tuple(
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
        )
    return value


def _duration(value: Any) -> Any:
    if isinstance(value, Duration):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"a duration needs a unit: write '{value} days' or '{value} hours'")
    if not isinstance(value, str):
        raise ValueError("expected a duration such as '7 days' or '2 business days'")
    return Duration.parse(value)


def _time_of_day(value: Any) -> Any:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads 09:00 unquoted as a sexagesimal number (540): turn it back.
        hours, minutes = divmod(value, 60)
        if 0 <= hours < 24:
            return time(hours, minutes)
    if isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            hours, minutes = int(parts[0]), int(parts[1])
            if 0 <= hours < 24 and 0 <= minutes < 60:
                return time(hours, minutes)
        if value.strip() == "24:00":
            return time(23, 59, 59, 999999)
    raise ValueError(f"expected a time of day 'HH:MM' such as '09:00', got {value!r}")


#: A list of words; a single word stands for a list of one.
Words = Annotated[tuple[str, ...], BeforeValidator(_one_or_many)]

#: A duration written '<n> <unit>'.
DurationField = Annotated[
    Duration, BeforeValidator(_duration), PlainSerializer(str, return_type=str)
]

#: A time of day written 'HH:MM'.
TimeOfDay = Annotated[
    time, BeforeValidator(_time_of_day), PlainSerializer(lambda t: t.strftime("%H:%M"))
]
