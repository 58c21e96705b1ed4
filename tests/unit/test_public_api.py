"""The public facade: ``__all__`` sorted, every name in it documented, the package typed."""

from __future__ import annotations

import inspect
import os
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


def _own_text(doc: str | None) -> str | None:
    """A docstring without the signature line a compiled build puts first (``Name(...)\n--\n\n``,
    CPython's convention for built-in functions, which ``inspect.signature`` reads)."""
    if doc is None:
        return None
    head, separator, rest = doc.partition("\n--\n\n")
    return rest if separator and "\n" not in head else doc


def _is_method(attribute: object) -> bool:
    """A function defined in the class: a Python function, or a compiled build's method."""
    return inspect.isfunction(attribute) or inspect.ismethoddescriptor(attribute)


@pytest.mark.parametrize(
    "qualified",
    [f"{m.__name__}.{name}" for m in MODULES for name in m.__all__],  # type: ignore[attr-defined]
)
def test_every_public_name_is_documented(qualified: str) -> None:
    module_name, name = qualified.rsplit(".", 1)
    value = getattr(sys.modules[module_name], name)
    if inspect.isclass(value) or inspect.isroutine(value):
        doc = _own_text(value.__doc__)
        assert doc and doc.strip(), f"{qualified} has no docstring"
        if inspect.isclass(value):
            assert doc is not object.__doc__ and not doc.startswith(value.__name__ + "(")
            for member, attribute in vars(value).items():
                if not member.startswith("_") and _is_method(attribute):
                    assert _own_text(attribute.__doc__), f"{qualified}.{member} has no docstring"
    elif isinstance(value, str) and name == "__version__":
        assert re.fullmatch(r"\d+\.\d+\.\d+", value)
    else:
        assert _documented_constant(name), f"{qualified}: no '#:' comment documents it"


def test_the_wheel_ships_py_typed_and_no_compiled_module(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True,
        env={name: value for name, value in os.environ.items() if name != "CADENCE_COMPILE"},
    )  # fmt: skip
    (wheel,) = tmp_path.glob("cadence-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cadence/py.typed" in names
    assert "cadence/backends/durable.py" in names
    # Without CADENCE_COMPILE=1 the wheel is pure Python, even after a compiled build here.
    compiled = [name for name in names if name.endswith((".so", ".pyd")) or "__mypyc" in name]
    assert not compiled
