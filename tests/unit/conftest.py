"""Fixtures shared by the unit modules of one subject: the leads that the data modules'
(``test_data_*.py``) events belong to.
"""

from __future__ import annotations

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
