"""Shared test setup: a local time zone that is not UTC, and Hypothesis profiles.

Like pendulum's own suite, every test runs with the process in ``America/Toronto`` so that any code
that silently uses the machine's local zone gives wrong answers and fails.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

# Some tests import others (`from tests.cli.test_cli import ...`). `python -m pytest` from the
# checkout finds them through the working directory; the venv's `pytest`, as run against a
# compiled build, through this: last on the path, so an installed cadence comes first.
if not any(Path(entry or ".").resolve() == ROOT for entry in sys.path):
    sys.path.append(str(ROOT))


def _compiled() -> bool:
    """Whether the cadence under test is a compiled build (docs/embedding.md)."""
    import cadence.engine.rules

    return cadence.engine.rules.__file__.endswith(tuple(EXTENSION_SUFFIXES))


#: The engine's modules are compiled by mypyc (``CADENCE_COMPILE=1 pip install .``).
COMPILED = _compiled()


def pytest_report_header() -> str:
    import cadence

    build = "compiled (mypyc)" if COMPILED else "pure Python"
    return f"cadence: {build}, from {Path(cadence.__file__).parent}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "interpreted_engine: the test replaces an engine function (monkeypatch); skipped on a "
        "compiled build, whose modules call their own functions directly",
    )
    # .ci/run sets this for its run against the compiled build, so that the run cannot quietly
    # test the sources instead (a `python -m pytest` from the checkout imports them first).
    if os.environ.get("CADENCE_EXPECT_COMPILED") == "1" and not COMPILED:
        raise pytest.UsageError(
            "CADENCE_EXPECT_COMPILED=1, but cadence.engine.rules is not compiled: "
            "install with `CADENCE_COMPILE=1 pip install .` and run the venv's `pytest`"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if COMPILED:
        skip = pytest.mark.skip(
            reason="plants a fault with monkeypatch, which a compiled engine does not see"
        )
        for item in items:
            if item.get_closest_marker("interpreted_engine"):
                item.add_marker(skip)


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
