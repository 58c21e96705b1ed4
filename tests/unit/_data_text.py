"""Leads and events files as the data modules' tests (``test_data_*.py``) write them, and the
problems read from them as the CLI prints them.
"""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from cadence.errors import DataError

CST = timezone(timedelta(hours=8))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def jsonl(path: Path, *objects: object) -> Path:
    return write(path, "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects))


def problems_of(error: pytest.ExceptionInfo[DataError], tmp_path: Path) -> list[str]:
    """The problems as the CLI prints them, with the temporary folder left out."""
    return [str(problem).replace(f"{tmp_path}/", "") for problem in error.value.problems]
