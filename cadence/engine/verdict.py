"""What one rule concluded for one lead, in words: what ``cadence explain`` shows.

A module of its own, interpreted in a compiled build (docs/embedding.md), so that the public
class keeps its docstring and behaves as any dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one rule concluded for one lead, in words."""

    rule: str
    refs: tuple[str, ...]
    fired: bool
    text: str
