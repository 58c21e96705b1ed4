"""The durable_rules backend: the policy's conditions decided by durable_rules' Rete engine.

Install it with ``pip install 'cadence[durable]'`` (Python 3.12 or older: durable-rules does not
build on 3.13). What it does, and what it guards against (each found by experiment with
durable-rules 2.0.28; see ``docs/embedding.md``, "Backends"):

- The rulesets (:mod:`cadence.backends.ruleset`) are registered in their JSON form on a
  :class:`DurableHost`, never in the module-global registry of ``durable.lang``. Rulesets cannot
  be unregistered, so a host keeps one pair per policy fingerprint and every engine of that
  policy reuses it.
- durable_rules' host runs actions and timers on background threads; :class:`DurableHost` starts
  none, so actions only run in the thread that asserts the fact, and timers (wall clock) never
  fire. Time stays in Cadence.
- A fact is *asserted* (which fires every rule that matches; ``post`` would fire one), each rule
  marks its name in the lead's state, and the state is deleted at once (a ruleset holds at most
  1,023 live states). One rule matches every fact: durable_rules refuses a fact that matches
  nothing, and deleting the state of a refused fact crashes the process.
- durable_rules stores an action's exception in the state instead of raising it; it is raised.
- Calls into durable_rules are serialised by one lock per host (its C engine is not documented
  as thread-safe); use processes for parallel durable evaluation.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from cadence.backends.ruleset import EVERY_LEAD, Rulesets, compile_rulesets
from cadence.engine import Engine
from cadence.engine.compiled import CompiledPolicy
from cadence.engine.gate import Applies, Decision
from cadence.engine.state import LeadState
from cadence.errors import BackendUnavailable
from cadence.policy.fingerprint import fingerprint
from cadence.policy.models import Policy

try:
    from durable import engine as _durable
except ImportError as error:  # pragma: no cover - depends on the installation
    _why = f"{type(error).__name__}: {error}"
    raise BackendUnavailable(
        f"the durable backend needs the durable-rules package, which cannot be imported here "
        f"({_why}); install 'cadence[durable]' (Python 3.12 or older), or use --backend reference"
    ) from error


class _QuietHost(_durable.Host):  # type: ignore[misc]
    """A durable_rules host without its dispatch threads: actions run where facts are asserted."""

    def _run(self) -> None:
        return None


def _mark(rule: str) -> Callable[[Any], None]:
    def action(c: Any) -> None:
        c.s[rule] = 1

    return action


class DurableHost:
    """A durable_rules host owned by Cadence, with the rulesets of each policy registered once.

    One host serves any number of engines and threads; :func:`create` uses a shared one unless
    given another.
    """

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._lock = threading.Lock()
        self._rulesets: dict[str, Rulesets] = {}
        self._sids = itertools.count(1)

    @property
    def policies(self) -> tuple[str, ...]:
        """The fingerprints of the policies whose rulesets are registered."""
        with self._lock:
            return tuple(self._rulesets)

    def rulesets(self, policy: CompiledPolicy, fingerprint: str) -> Rulesets:
        """The policy's rulesets, registered on first use."""
        with self._lock:
            found = self._rulesets.get(fingerprint)
            if found is None:
                found = compile_rulesets(policy, fingerprint)
                for ruleset in (found.grades, found.decide):
                    if ruleset.rules:
                        self._host.register_rulesets(ruleset.definition(_mark))
                self._rulesets[fingerprint] = found
            return found

    def matches(self, ruleset: str, fact: dict[str, Any]) -> frozenset[str]:
        """The names of the rules of ``ruleset`` that match ``fact``; no state is left behind."""
        with self._lock:
            sid = str(next(self._sids))
            try:
                state = self._host.assert_fact(ruleset, {**fact, "sid": sid, "id": "lead"})
            except _durable.MessageNotHandledException as error:  # pragma: no cover - EVERY_LEAD
                raise RuntimeError(f"durable_rules ruleset {ruleset}: {error.message}") from None
            self._host.delete_state(ruleset, sid)
        if "exception" in state:
            raise RuntimeError(f"durable_rules ruleset {ruleset}: {state['exception']}")
        if EVERY_LEAD not in state:  # pragma: no cover - an action ran on another thread
            raise RuntimeError(f"durable_rules ruleset {ruleset}: the fact was not matched")
        return frozenset(key for key in state if key not in ("sid", "id", "$s", EVERY_LEAD))


_shared: DurableHost | None = None
_shared_lock = threading.Lock()


def shared_host() -> DurableHost:
    """The host that :func:`create` uses by default, made on first use. It only caches
    rulesets per fingerprint, so sharing it never changes an answer."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DurableHost()
        return _shared


class DurableGate:
    """Decides grades, stops, rules and caps by durable_rules, on facts Cadence computes."""

    name = "durable"

    def __init__(self, policy: CompiledPolicy, host: DurableHost) -> None:
        self._policy = policy
        self._host = host
        self._rulesets = host.rulesets(policy, fingerprint(policy.policy))

    def grade(self, state: LeadState) -> str | None:
        """The explicit grade, else the first grade whose rule matches."""
        if state.explicit_grade is not None:
            return state.explicit_grade
        ruleset = self._rulesets.grades
        if not ruleset.rules:
            return None
        matched = self._host.matches(ruleset.name, ruleset.fact(state, None))
        for index, grade in enumerate(self._policy.policy.grades):
            if f"g{index}" in matched:
                return grade.grade
        return None

    def decide(self, state: LeadState) -> Decision:
        """The first stop that matches, else which rules apply and which caps count."""
        spec = self._policy.policy
        ruleset = self._rulesets.decide
        matched: frozenset[str] = frozenset()
        if ruleset.rules:
            matched = self._host.matches(ruleset.name, ruleset.fact(state, state.grade))
        for index, stop in enumerate(spec.stops):
            if f"s{index}" in matched:
                return Decision(stop.id)
        rules: list[Applies] = []
        for index, rule in enumerate(spec.rules):
            if rule.when is not None and f"w{index}" not in matched:
                rules.append("when")
            elif rule.until is not None and f"u{index}" in matched:
                rules.append("until")
            else:
                rules.append("applies")
        caps = frozenset(
            cap.id
            for index, cap in enumerate(spec.caps)
            if cap.when is None or f"c{index}" in matched
        )
        return Decision(None, tuple(rules), caps)


def create(policy: Policy, *, host: DurableHost | None = None) -> Engine:
    """An engine whose conditions durable_rules decides, on ``host`` (default: the shared one)."""
    owner = host if host is not None else shared_host()
    return Engine(policy, gate=lambda compiled: DurableGate(compiled, owner))
