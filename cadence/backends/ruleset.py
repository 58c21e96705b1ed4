"""A policy's conditions compiled into durable_rules rulesets (their JSON form), and the facts
that Cadence computes for each lead for those rulesets to match.

Time stays in Cadence: durable_rules' timers run on the wall clock and cannot serve a replay as
of ``now``. So Cadence replays the lead and computes one *fact* for it: ``stage`` and ``grade``,
and one flag per *leaf test* (an attribute test, ``happened``, ``not_happened``, ``last_touch``,
a grade's ``min_score``), each computed by the engine's own predicate. durable_rules then decides
the conditions built of them: grades and stages, ``all``, ``any`` and ``not``, so which grade,
stop, rule and cap holds.

The facts are normalised around what durable_rules is known to mishandle: every field is always
present (a missing field makes ``$neq`` false), strings carry a prefix (numeric strings such as
``"12"`` are otherwise read as numbers), and there are no floats at all (durable_rules cannot
parse one written in exponent form, which is how ``json`` writes ``0.00001``): flags are
``1``/``0`` and numbers are compared by Cadence, in the leaf tests.

Nothing here imports durable_rules; :mod:`cadence.backends.durable` registers the rulesets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cadence.engine.compiled import CompiledPolicy
from cadence.engine.conditions import Predicate
from cadence.engine.state import LeadState
from cadence.policy.conditions import Condition
from cadence.records import Event

#: A durable_rules expression in its JSON form (``{"$and": [...]}``, ``{"stage": "v:won"}``).
Expression = dict[str, Any]

_TRUE: Expression = {"one": 1}
_FALSE: Expression = {"one": 0}
#: The value of ``grade`` in a fact when the lead has none (never a prefixed name).
NO_GRADE = "-"
#: The rule every fact matches: durable_rules refuses a fact that no rule matches, and deleting
#: the state of a refused fact crashes the process (durable-rules 2.0.28, by experiment).
EVERY_LEAD = "lead"


def text(value: str) -> str:
    """A string as a fact holds it: prefixed, so that durable_rules never reads it as a number."""
    return f"v:{value}"


def _any(parts: list[Expression]) -> Expression:
    if not parts:
        return _FALSE
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _all(parts: list[Expression]) -> Expression:
    if not parts:
        return _TRUE
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _member(field: str, names: tuple[str, ...], negate: bool) -> Expression:
    """``field`` is one of ``names`` (or, negated, none of them)."""
    if negate:
        return _all([{"$neq": {field: text(name)}} for name in names])
    return _any([{field: text(name)} for name in names])


class _Compiler:
    """Turns conditions into expressions, collecting the leaf tests Cadence computes."""

    def __init__(self, policy: CompiledPolicy) -> None:
        self._policy = policy
        self.leaves: list[Predicate] = []

    def leaf(self, test: Predicate, negate: bool) -> Expression:
        field = f"t{len(self.leaves)}"
        self.leaves.append(test)
        return {field: 0 if negate else 1}

    def condition(self, c: Condition, negate: bool = False) -> Expression:
        """The expression of a condition (of its negation, pushed down to the leaves)."""
        parts: list[Expression] = []
        if c.grade is not None:
            parts.append(_member("grade", c.grade, negate))
        if c.grade_not is not None:
            parts.append(_member("grade", c.grade_not, not negate))
        if c.stage is not None:
            parts.append(_member("stage", c.stage, negate))
        if c.stage_not is not None:
            parts.append(_member("stage", c.stage_not, not negate))
        single: list[Condition] = [
            Condition(attributes={name: test}) for name, test in (c.attributes or {}).items()
        ]
        if c.happened is not None:
            single.append(Condition(happened=c.happened))
        if c.not_happened is not None:
            single.append(Condition(not_happened=c.not_happened))
        if c.last_touch is not None:
            single.append(Condition(last_touch=c.last_touch))
        if c.anchor is not None:  # no anchor at the level of a lead: the engine's test says so
            single.append(Condition(anchor=c.anchor))
        for leaf in single:
            parts.append(self.leaf(self._policy.condition(leaf), negate))
        for sub in c.all_ or ():
            parts.append(self.condition(sub, negate))
        if c.any_ is not None:
            options = [self.condition(sub, negate) for sub in c.any_]
            parts.append(_all(options) if negate else _any(options))
        if c.not_ is not None:
            parts.append(self.condition(c.not_, not negate))
        return _any(parts) if negate else _all(parts)


@dataclass(frozen=True, slots=True)
class Ruleset:
    """One ruleset: the durable_rules rules by name, and the leaf tests its facts need."""

    name: str
    rules: dict[str, Expression]
    leaves: tuple[Predicate, ...]

    def definition(self, action: Callable[[str], Callable[[Any], None]]) -> dict[str, Any]:
        """The ruleset in durable_rules' JSON form, each rule running ``action(rule_name)``.

        A fresh object every time: durable_rules takes the ``run`` entries out of what it is
        given. The rule :data:`EVERY_LEAD` matches every fact."""
        rules = {EVERY_LEAD: _TRUE, **self.rules}
        return {
            self.name: {
                rule: {"all": [{"m": expression}], "run": action(rule)}
                for rule, expression in rules.items()
            }
        }

    def fact(self, state: LeadState, grade: str | None) -> dict[str, Any]:
        """The lead's fact for this ruleset (without ``sid`` and ``id``)."""
        fact: dict[str, Any] = {
            "one": 1,
            "stage": text(state.stage),
            "grade": NO_GRADE if grade is None else text(grade),
        }
        anchor: Event | None = None
        for index, test in enumerate(self.leaves):
            fact[f"t{index}"] = 1 if test(state, anchor) else 0
        return fact


@dataclass(frozen=True, slots=True)
class Rulesets:
    """A policy's two rulesets: ``grades`` (rule ``g<i>`` for grade *i*) and ``decide`` (``s<i>``
    when stop *i* holds, ``w<i>`` when rule *i*'s ``when`` holds, ``u<i>`` when its ``until``
    holds, ``c<i>`` when cap *i*'s ``when`` holds)."""

    grades: Ruleset
    decide: Ruleset


def compile_rulesets(policy: CompiledPolicy, fingerprint: str) -> Rulesets:
    """The rulesets of a policy, named after its fingerprint (``cadence-<hex>-decide``)."""
    prefix = "cadence-" + fingerprint.split(":", 1)[-1]
    spec = policy.policy

    grading = _Compiler(policy)
    grade_rules: dict[str, Expression] = {}
    for index, grade in enumerate(spec.grades):
        parts: list[Expression] = []
        if grade.min_score is not None:
            parts.append(grading.leaf(_at_least(grade.min_score), False))
        if grade.when is not None:
            parts.append(grading.condition(grade.when))
        grade_rules[f"g{index}"] = _all(parts)

    deciding = _Compiler(policy)
    decide_rules: dict[str, Expression] = {}
    for index, stop in enumerate(spec.stops):
        decide_rules[f"s{index}"] = deciding.condition(stop.when)
    for index, rule in enumerate(spec.rules):
        if rule.when is not None:
            decide_rules[f"w{index}"] = deciding.condition(rule.when)
        if rule.until is not None:
            decide_rules[f"u{index}"] = deciding.condition(rule.until)
    for index, cap in enumerate(spec.caps):
        if cap.when is not None:
            decide_rules[f"c{index}"] = deciding.condition(cap.when)
    return Rulesets(
        Ruleset(f"{prefix}-grades", grade_rules, tuple(grading.leaves)),
        Ruleset(f"{prefix}-decide", decide_rules, tuple(deciding.leaves)),
    )


def _at_least(bound: float) -> Predicate:
    def test(state: LeadState, _anchor: Event | None) -> bool:
        # as CompiledPolicy.grade_of says it (a NaN score is not below any bound)
        return not (state.score is None or state.score < bound)

    return test
