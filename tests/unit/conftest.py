"""Fixtures shared by the unit modules of one subject: the leads that the data modules'
(``test_data_*.py``) events belong to, and the local zone the day-counting modules
(``test_calendar_*.py``) run in, which each of them asks for (``pytestmark``).
"""

from __future__ import annotations

import os
import time as system_time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadence.data import read_leads
from cadence.records import Lead
from tests.unit._data_text import jsonl


@pytest.fixture
def leads(tmp_path: Path) -> dict[str, Lead]:
    path = jsonl(
        tmp_path / "leads.jsonl",
        {"id": "L1", "captured_at": "2025-04-15T10:30:00+08:00"},
        {"id": "L2", "captured_at": "2025-04-15T10:30:00+08:00"},
    )
    return read_leads(path, default_timezone="Asia/Shanghai")


@pytest.fixture(scope="module")
def _local_zone_is_toronto() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/Toronto"
    system_time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    system_time.tzset()
