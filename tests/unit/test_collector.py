"""The cycle collector paused while a simulation's objects pile up, and how it is left after."""

from __future__ import annotations

import gc

from cadence._collector import collector_paused


def test_what_a_paused_block_made_is_not_left_for_the_youngest_generation() -> None:
    # Left in the youngest generation, the next collection after the block would walk all of
    # it (a second of a 100,000-lead simulation). It is moved to the oldest one instead.
    gc.collect()
    with collector_paused():
        made = [[n] for n in range(50_000)]  # lists: always tracked
    assert gc.isenabled()
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(made) in oldest and id(made[-1]) in oldest
    assert gc.get_freeze_count() == 0
    del made


def test_objects_the_caller_froze_stay_frozen() -> None:
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            made = [{"n": n} for n in range(1_000)]
        assert gc.get_freeze_count() == frozen  # not unfrozen by the block
        assert gc.isenabled()
        del made
    finally:
        gc.unfreeze()


def test_a_paused_block_in_a_paused_caller_leaves_the_collector_paused() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
