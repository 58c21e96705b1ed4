"""Shared test setup: a local time zone that is not UTC, and Hypothesis profiles.

Like pendulum's own suite, every test runs with the process in ``America/Toronto`` so that any code
that silently uses the machine's local zone gives wrong answers and fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _local_zone_is_not_utc() -> Iterator[None]:
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/Toronto"
    time.tzset()
    yield
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


def _durable_missing() -> str | None:
    """Why the durable backend cannot be used here, or ``None`` when it can."""
    from cadence.errors import BackendUnavailable

    try:
        import cadence.backends.durable  # noqa: F401
    except BackendUnavailable as error:
        return str(error)
    return None


DURABLE_MISSING = _durable_missing()

#: The backends to run a test on; durable skipped (saying why) where durable-rules is missing.
BACKEND_PARAMS = [
    pytest.param("reference"),
    pytest.param(
        "durable",
        marks=pytest.mark.skipif(
            DURABLE_MISSING is not None, reason=f"durable backend: {DURABLE_MISSING}"
        ),
    ),
]


@pytest.fixture(scope="session", params=BACKEND_PARAMS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """Each backend name in turn (``reference``, ``durable``)."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def durable_available() -> None:
    """Skip the test, saying why, where the durable backend cannot be used."""
    if DURABLE_MISSING is not None:
        pytest.skip(f"durable backend: {DURABLE_MISSING}")
