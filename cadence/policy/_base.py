"""What every model of the policy language shares: frozen, unknown keys rejected, and field types
that accept the short forms a compliance reader writes (a single word for a list of one)."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from cadence.durations import _UNITS, Duration


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


def _clock(value: time) -> str:
    # '24:00' is read as the last instant of the day: write it back as it was written.
    return "24:00" if value == time(23, 59, 59, 999999) else value.strftime("%H:%M")


class OrShortForms:
    """For the JSON Schema only: the type also accepts these short forms (an ``anyOf``)."""

    def __init__(self, *forms: JsonSchemaValue) -> None:
        self.forms = forms

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [*self.forms, handler(core_schema)]}


class OneOrList:
    """For the JSON Schema only: a list whose single item may also be written without the list."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        full = handler(core_schema)
        return {"anyOf": [full["items"], full]}


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in word)


#: What a duration looks like, as a JSON Schema pattern (units in any case, as the loader reads).
DURATION_PATTERN: Final = (
    r"^\s*[0-9]{1,5}\s+(?:"
    + "|".join(_any_case(unit) for unit in sorted(_UNITS, key=len, reverse=True))
    + r")\s*$"
)

#: What a time of day looks like, as a JSON Schema pattern.
TIME_PATTERN: Final = r"^\s*(?:[01]?[0-9]|2[0-3]):[0-5]?[0-9]\s*$|^\s*24:00\s*$"

#: A list of words; a single word stands for a list of one.
Words = Annotated[
    tuple[str, ...],
    BeforeValidator(_one_or_many),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "number"},
                {"type": "array", "items": {"type": ["string", "number"]}},
            ]
        }
    ),
]

#: A duration written '<n> <unit>'.
DurationField = Annotated[
    Duration,
    BeforeValidator(_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "patternErrorMessage": "a duration: a whole number and a unit, such as '36 hours', "
            "'7 days', '2 business days', '3 weeks' or '1 month'",
            "examples": ["36 hours", "7 days", "2 business days", "3 weeks", "1 month"],
        }
    ),
]

#: A time of day written 'HH:MM'.
TimeOfDay = Annotated[
    time,
    BeforeValidator(_time_of_day),
    PlainSerializer(_clock, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TIME_PATTERN,
            "patternErrorMessage": "a time of day 'HH:MM', such as '09:00' or '21:30'",
            "examples": ["09:00", "18:00", "21:00"],
        }
    ),
]
