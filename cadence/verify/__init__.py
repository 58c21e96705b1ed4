"""``cadence verify``: search generated leads for one where a policy breaks an invariant.

:func:`verify` does the search (the invariants are listed in :mod:`cadence.verify._search`);
:func:`render` prints what it found as a timeline of one lead, :func:`to_case_yaml` as a case file.
"""

from __future__ import annotations

from cadence.verify._report import render, to_case_yaml
from cadence.verify._search import BUILT_IN, Violation, verify

__all__ = ["BUILT_IN", "Violation", "render", "to_case_yaml", "verify"]
