"""The placing's own helpers, checked against what they stand in for."""

from __future__ import annotations

import bisect

from hypothesis import given
from hypothesis import strategies as st

from cadence.engine.schedule import _after

# Instants as a cap counts them: a few, often repeated (two contacts placed at the same moment).
_INSTANTS = st.floats(min_value=0, max_value=10, allow_nan=False).map(lambda x: round(x, 1))


@given(st.lists(_INSTANTS, max_size=30), _INSTANTS)
def test_where_an_instant_goes_is_where_bisect_puts_it(times: list[float], at: float) -> None:
    times.sort()
    assert _after(times, at) == bisect.bisect_right(times, at)


def test_an_instant_equal_to_some_goes_after_them() -> None:
    assert _after([1.0, 2.0, 2.0, 3.0], 2.0) == 3
    assert _after([], 2.0) == 0
    assert _after([1.0], 0.5) == 0
