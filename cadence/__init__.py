"""Cadence: follow-up regulations as YAML policies, evaluated into next actions for every lead.

>>> import cadence                                                     # doctest: +SKIP
>>> engine = cadence.Engine(cadence.load_policy("policies/post_show.yaml"))  # doctest: +SKIP
>>> engine.next_actions(lead, events, now)                             # doctest: +SKIP
"""

from __future__ import annotations

from cadence.data import read_events, read_leads, write_actions
from cadence.durations import Duration
from cadence.engine import Engine, Explanation, LeadTracker, Verdict
from cadence.errors import (
    BackendUnavailable,
    CadenceError,
    DataError,
    Location,
    PolicyError,
    Problem,
)
from cadence.policy import Policy, load_policy, parse_policy
from cadence.records import CHANNELS, Action, Event, Lead

__version__ = "0.1.0"

__all__ = [
    "CHANNELS",
    "Action",
    "BackendUnavailable",
    "CadenceError",
    "DataError",
    "Duration",
    "Engine",
    "Event",
    "Explanation",
    "Lead",
    "LeadTracker",
    "Location",
    "Policy",
    "PolicyError",
    "Problem",
    "Verdict",
    "__version__",
    "load_policy",
    "parse_policy",
    "read_events",
    "read_leads",
    "write_actions",
]
