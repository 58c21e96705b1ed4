"""The public facade: ``__all__`` sorted, every name in it documented, the package typed."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import cadence
import cadence.backends

ROOT = Path(__file__).resolve().parents[2]
MODULES = [cadence, cadence.backends]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_complete(module: object) -> None:
    names = list(module.__all__)  # type: ignore[attr-defined]
    # ruff's order (RUF022): CONSTANTS, then Classes, then the rest, each alphabetically
    assert names == sorted(
        names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(module, name), name


def _documented_constant(name: str) -> bool:
    """A constant is documented by a ``#:`` comment on the line before its definition."""
    pattern = re.compile(rf"^#:.*\n(?:#:.*\n)*{re.escape(name)}\b.*=", re.MULTILINE)
    return any(pattern.search(path.read_text()) for path in (ROOT / "cadence").rglob("*.py"))


@pytest.mark.parametrize(
    "qualified",
    [f"{m.__name__}.{name}" for m in MODULES for name in m.__all__],  # type: ignore[attr-defined]
)
def test_every_public_name_is_documented(qualified: str) -> None:
    module_name, name = qualified.rsplit(".", 1)
    value = getattr(sys.modules[module_name], name)
    if inspect.isclass(value) or inspect.isfunction(value):
        doc = value.__doc__
        assert doc and doc.strip(), f"{qualified} has no docstring"
        if inspect.isclass(value):
            assert doc is not object.__doc__ and not doc.startswith(value.__name__ + "(")
            for member, attribute in vars(value).items():
                if not member.startswith("_") and inspect.isfunction(attribute):
                    assert attribute.__doc__, f"{qualified}.{member} has no docstring"
    elif isinstance(value, str) and name == "__version__":
        assert re.fullmatch(r"\d+\.\d+\.\d+", value)
    else:
        assert _documented_constant(name), f"{qualified}: no '#:' comment documents it"


def test_the_wheel_ships_py_typed(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("cadence-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cadence/py.typed" in names
    assert "cadence/backends/durable.py" in names
