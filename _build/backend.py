"""The build backend: setuptools, and with ``CADENCE_COMPILE=1`` a wheel compiled by mypyc.

``pip install .`` builds the plain pure-Python package, as setuptools alone would. With
``CADENCE_COMPILE=1`` in the environment, the wheel's build also asks for mypy (whose mypyc
compiles the engine's modules to C extensions, see ``setup.py``) and for the project's own
dependencies (mypy type-checks the modules against them before compiling), and ``setup.py``
adds the compiled modules. Every wheel is built from an empty ``build/``. An editable install
is never compiled: the extensions would sit next to the sources and shadow every later edit.
See docs/embedding.md, "A compiled build".
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the rest of the PEP 517 hooks as they are)

#: The variable that asks for a compiled build, and the value that turns it on.
SWITCH = "CADENCE_COMPILE"

#: mypyc ships with mypy. A compiled build is tested with these releases (.ci/run).
COMPILER = "mypy>=1.15,<3"


def compiling() -> bool:
    return os.environ.get(SWITCH, "").strip() == "1"


def _dependencies() -> list[str]:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], "types-PyYAML"]


@contextmanager
def _plain() -> Iterator[None]:
    """Run a setuptools hook as for a pure build: only ``build_wheel`` compiles (once)."""
    switch = os.environ.pop(SWITCH, None)
    try:
        yield
    finally:
        if switch is not None:
            os.environ[SWITCH] = switch


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    with _plain():
        requires = list(_setuptools.get_requires_for_build_wheel(config_settings))
    if compiling():
        requires += [COMPILER, *_dependencies()]
    return requires


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    with _plain():
        return str(
            _setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings)
        )


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    with _plain():
        return list(_setuptools.get_requires_for_build_sdist(config_settings))


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    with _plain():
        return str(_setuptools.build_sdist(sdist_directory, config_settings))


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    # setuptools builds in ./build and ships whatever it finds there: a pure build after a
    # compiled one would carry the compiled modules, a compiled one stale modules of the last.
    shutil.rmtree("build", ignore_errors=True)
    return str(_setuptools.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    if compiling():
        print(
            f"{SWITCH}=1 is ignored for an editable install: compiled modules would shadow the "
            "sources. Install without -e to get a compiled build.",
            file=sys.stderr,
        )
    with _plain():
        return str(_setuptools.build_editable(wheel_directory, config_settings, metadata_directory))
