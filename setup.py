"""The compiled build: ``CADENCE_COMPILE=1 pip install .`` (see _build/backend.py).

Everything else about the package is in pyproject.toml. Without the switch this adds nothing
and the wheel is pure Python.
"""

from __future__ import annotations

import os

from setuptools import setup

#: The modules compiled by mypyc: the engine's evaluation and the simulator's replay and
#: metrics, where a simulation spends its time. The public classes (cadence/engine/__init__.py,
#: tracker.py, verdict.py: a compiled class loses its docstrings), the policy models (pydantic),
#: the data files, the commands and the reports stay interpreted. tests/conftest.py tells a compiled
#: build by cadence.engine.rules.
COMPILED = [
    "cadence/calendar.py",
    "cadence/engine/compiled.py",
    "cadence/engine/conditions.py",
    "cadence/engine/evaluate.py",
    "cadence/engine/gate.py",
    "cadence/engine/incremental.py",
    "cadence/engine/rules.py",
    "cadence/engine/schedule.py",
    "cadence/engine/state.py",
    "cadence/simulate/_capacity.py",
    "cadence/simulate/_metrics.py",
    "cadence/simulate/_over_contact.py",
    "cadence/simulate/_policy.py",
    "cadence/simulate/_records.py",
    "cadence/simulate/_run.py",
]

if os.environ.get("CADENCE_COMPILE", "").strip() == "1":
    from mypyc.build import mypycify

    setup(ext_modules=mypycify(COMPILED, opt_level="3"))
else:
    setup()
