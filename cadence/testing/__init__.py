"""Hypothesis strategies for testing policies: leads, their histories, moments of evaluation, small
generated policies, and the closed loop that carries out what a policy asks.

Hypothesis is an optional dependency: ``pip install 'cadence[testing]'``. Only ``cadence verify``
(:mod:`cadence.verify`) imports this package; the rest of cadence runs without Hypothesis.

The strategies speak the policy's own vocabulary: its stages, grades, domain events, touch outcomes
and the lead attributes its conditions test. Times lean towards the moments where bugs hide: the
days the lead's clocks change (daylight saving time), the edges of quiet hours and working hours,
and several events at the same instant. Every time is written with an offset, often not the
lead's own, as a CRM exporting from several offices would write it.

A property of your own policy::

    from hypothesis import given
    from cadence import Engine, load_policy
    from cadence.testing import lead_histories

    POLICY = load_policy("policies/my_policy.yaml")
    ENGINE = Engine(POLICY)

    @given(lead_histories(POLICY))
    def test_nobody_is_called_at_night(case):
        lead, events, now = case
        for action in ENGINE.next_actions(lead, events, now):
            if action.channel == "phone":
                assert 8 <= action.due.hour < 21

and a closed-loop one, with :func:`carry_out`::

    @given(lead_histories(POLICY))
    def test_at_most_three_contacts_a_week(case):
        lead, events, now = case
        touches = [at for at, _ in carry_out(ENGINE, lead, events, now, steps=6)]
        assert all(b - a >= timedelta(days=7) for a, b in zip(touches, touches[3:]))
"""

from __future__ import annotations

from cadence.testing._leads import (
    DEFAULT_END,
    DEFAULT_HORIZON,
    DEFAULT_START,
    histories,
    lead_histories,
    leads,
)
from cadence.testing._loop import carry_out
from cadence.testing._policies import small_policies
from cadence.testing._vocabulary import DEFAULT_ZONES, OUTCOMES

__all__ = [
    "DEFAULT_END",
    "DEFAULT_HORIZON",
    "DEFAULT_START",
    "DEFAULT_ZONES",
    "OUTCOMES",
    "carry_out",
    "histories",
    "lead_histories",
    "leads",
    "small_policies",
]
