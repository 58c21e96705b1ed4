"""Which of a policy's conditions hold for one lead: its grade, the stop that holds, which rules
apply and which caps count. Scheduling (due times, quiet hours, caps) comes after, in the engine.

A :class:`Gate` answers these questions from a replayed :class:`LeadState`. The engine's own gate,
:class:`ReferenceGate`, evaluates the compiled predicates; a backend (``cadence.backends``) may
supply another, such as the durable_rules one, and must answer exactly as this one does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from cadence.engine.compiled import CompiledPolicy
from cadence.engine.state import LeadState

#: Why a rule does or does not apply: it applies, its ``when`` does not hold, its ``until`` holds.
Applies = Literal["applies", "when", "until"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What the conditions say about one lead as of now.

    ``stop`` is the id of the first stop (in policy order) that holds, or ``None``; when a stop
    holds, ``rules`` and ``caps`` are empty. Otherwise ``rules`` has one entry per rule, in
    policy order, and ``caps`` the ids of the caps whose ``when`` holds (or that have none).
    """

    stop: str | None
    rules: tuple[Applies, ...] = ()
    caps: frozenset[str] = frozenset()


class Gate(Protocol):
    """Decides a policy's conditions for a lead; built once per engine, called from any thread."""

    #: The name of the backend that decides (``reference``, ``durable``).
    name: str

    def grade(self, state: LeadState) -> str | None:
        """The lead's grade: the explicit one, else the first grade whose tests hold."""
        ...

    def decide(self, state: LeadState) -> Decision:
        """The stop that holds, or which rules apply and which caps count (``state.grade`` set)."""
        ...


#: What builds a gate for a compiled policy.
GateFactory = Callable[[CompiledPolicy], Gate]


class ReferenceGate:
    """The engine's own gate: the compiled Python predicates. The source of truth."""

    name = "reference"

    def __init__(self, policy: CompiledPolicy) -> None:
        self._policy = policy

    def grade(self, state: LeadState) -> str | None:
        """The lead's grade, by :meth:`CompiledPolicy.grade_of`."""
        return self._policy.grade_of(state)

    def decide(self, state: LeadState) -> Decision:
        """The first stop that holds, else each rule's ``when`` and ``until``, and the caps."""
        policy = self._policy
        for stop, condition in policy.stops:
            if condition(state, None):
                return Decision(stop.id)
        rules: list[Applies] = []
        for rule in policy.rules:
            if rule.when is not None and not rule.when(state, None):
                rules.append("when")
            elif rule.until is not None and rule.until(state, None):
                rules.append("until")
            else:
                rules.append("applies")
        caps = frozenset(cap.id for cap in policy.caps if cap.when is None or cap.when(state, None))
        return Decision(None, tuple(rules), caps)
