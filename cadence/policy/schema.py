"""The JSON Schema of the policy language, generated from the models.

Editors that speak JSON Schema (VS Code's YAML extension, any client of yaml-language-server)
use it for completion, hover text and validation as a policy is typed. It accepts what the loader
accepts, short forms included — a single word for a list, ``channel: email`` for a list of
choices, ``after: show_closed`` for an event match, a bare value for an attribute test, durations
such as ``"7 days"`` and times such as ``"09:00"`` — and describes every key. It checks the shape
of a policy only: names (channels, stages, events, grades), durations longer than zero and the
other checks of ``cadence check`` are the loader's. ``cadence schema`` prints it; the copy in
``docs/policy.schema.json`` is the one the shipped policies name in their first line.
"""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from cadence.policy.conditions import AttributeTest, Condition, EventMatch
from cadence.policy.models import Policy

#: The JSON Schema dialect of the generated schema.
DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

#: The schema's identifier.
SCHEMA_ID: Final = "https://cadence.invalid/schemas/policy.schema.json"

_TITLE: Final = "Cadence follow-up policy"

_DESCRIPTION: Final = (
    "A follow-up policy for sales leads: calendar, working and quiet hours, grades, stops, caps "
    "and rules, each rule citing the regulation clauses it encodes. Reference: "
    "docs/policy-language.md. The shape is checked here; names and the rest by `cadence check`."
)


class _PolicySchema(GenerateJsonSchema):
    """Pydantic's generator, with the short forms that models' own validators accept."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        full = super().model_schema(schema)
        cls = schema["cls"]
        if issubclass(cls, EventMatch):  # EventMatch and EventTest: a bare event type
            return {
                "anyOf": [
                    {"type": "string", "description": "an event type alone ('captured' too)"},
                    full,
                ]
            }
        if cls is AttributeTest:
            return {
                "anyOf": [
                    {
                        "type": ["string", "number", "boolean", "null"],
                        "description": "a bare value: the attribute equals it",
                    },
                    {"type": "array", "description": "a bare list: the attribute is one of these"},
                    {**full, "minProperties": 1},
                ]
            }
        if cls is Condition:
            return {**full, "minProperties": 1}
        return full


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of a policy file, with a description on every property."""
    generated = Policy.model_json_schema(by_alias=True, schema_generator=_PolicySchema)
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        **generated,
        "title": _TITLE,
        "description": _DESCRIPTION,
    }


def schema_text() -> str:
    """:func:`policy_schema` as the text of ``docs/policy.schema.json``: indented JSON."""
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"
