"""Invariant 4, nobody is forgotten: every lead that is not stopped has something to do (R000-1,
R004-16), and a lead is stopped exactly when a stop of its policy holds (the oracle:
``_oracle.py``).

Over the shipped policies. The histories leave out consent events: gap G2 (a lead opted out of the
channels a policy keeps in touch by, but not of all, gets nothing) is pinned in
``test_known_defects.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.properties._inputs import NAMES, explain, shipped
from tests.properties._oracle import facts, stopped

#: The histories of property 4 leave out consent events (a lead opted out of the channels a
#: policy keeps in touch by gets nothing: gap G2, test_known_defects.py) and the events of known
#: gaps (G1).
LEFT_OUT = {"opt_out", "opt_in"}
GAPS: dict[str, set[str]] = {}  # G1 (renovation_sms after a showroom visit) is fixed


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_every_lead_not_stopped_has_an_action(name: str, data: st.DataObject) -> None:
    policy, engine, (lead, events, now) = shipped(data, name)
    events = [e for e in events if e.type not in LEFT_OUT | GAPS.get(name, set())]
    explanation = explain(policy, engine, lead, events, now)
    f = facts(policy, lead, events, now)
    assert (explanation.stopped_by is not None) == stopped(f), "stopped exactly when a stop holds"
    if explanation.stopped_by is None:
        assert explanation.actions, (
            f"R000-1/R004-16: lead not stopped (stage {f.stage}, grade {f.grade}) but nothing "
            "asked: " + "; ".join(f"{v.rule}: {v.text}" for v in explanation.verdicts)
        )
