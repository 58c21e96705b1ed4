"""The build backend (_build/backend.py): only a wheel built with CADENCE_COMPILE=1 is compiled.

setuptools itself is replaced by a recorder here: what is tested is what the backend hands it
(the switch hidden or not, mypy and the project's dependencies asked for or not). That a
compiled wheel works is tested by running the whole suite against one (.ci/run).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("_cadence_backend", ROOT / "_build/backend.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.chdir(ROOT)
    return module


class _Recorder:
    """Stands for setuptools.build_meta: says whether each hook saw the switch."""

    def __init__(self) -> None:
        self.saw: dict[str, str | None] = {}

    def _hook(self, name: str, result: Any) -> Any:
        def hook(*_: Any) -> Any:
            self.saw[name] = os.environ.get("CADENCE_COMPILE")
            return result

        return hook

    def __getattr__(self, name: str) -> Any:
        return self._hook(name, [] if name.startswith("get_requires") else "built.whl")


def test_a_plain_build_asks_for_nothing_more(
    backend: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CADENCE_COMPILE", raising=False)
    monkeypatch.setattr(backend, "_setuptools", _Recorder())
    assert backend.get_requires_for_build_wheel() == []


def test_a_compiled_build_asks_for_mypy_and_the_dependencies_and_compiles_once(
    backend: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADENCE_COMPILE", "1")
    recorder = _Recorder()
    monkeypatch.setattr(backend, "_setuptools", recorder)
    requires = backend.get_requires_for_build_wheel()
    assert requires[0].startswith("mypy")
    assert any(r.startswith("pydantic") for r in requires)
    assert "types-PyYAML" in requires
    backend.prepare_metadata_for_build_wheel("meta")
    backend.build_wheel("wheels")
    # setup.py compiles only where it sees the switch: in the wheel's build, not before.
    assert recorder.saw == {
        "get_requires_for_build_wheel": None,
        "prepare_metadata_for_build_wheel": None,
        "build_wheel": "1",
    }
    assert os.environ["CADENCE_COMPILE"] == "1"  # given back after each hook


def test_an_editable_install_is_never_compiled_and_says_so(
    backend: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CADENCE_COMPILE", "1")
    recorder = _Recorder()
    monkeypatch.setattr(backend, "_setuptools", recorder)
    assert backend.build_editable("wheels") == "built.whl"
    assert recorder.saw == {"build_editable": None}
    assert "ignored for an editable install" in capsys.readouterr().err


def test_every_wheel_is_built_from_an_empty_build_folder(
    backend: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    stale = tmp_path / "build" / "lib" / "cadence" / "engine" / "rules.cpython-311.so"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    monkeypatch.setattr(backend, "_setuptools", _Recorder())
    backend.build_wheel("wheels")
    assert not (tmp_path / "build").exists()
