"""The garbage-collector set-up of a serving process."""

import gc
from collections.abc import Iterator

import pytest

from {{ cookiecutter.project_slug }}.gc_tuning import FreezeAfterFirstFullCollection, tune_gc


@pytest.fixture(autouse=True)
def restored_gc() -> Iterator[None]:
    """Collections paused meanwhile, the test's freezes undone after.

    A collection of its own could freeze through a callback, and frozen objects hide from
    `gc.get_referrers`, which other tests' libraries rely on.
    """
    callbacks = list(gc.callbacks)
    gc.disable()
    try:
        yield
    finally:
        gc.callbacks[:] = callbacks
        gc.unfreeze()
        gc.enable()


def test_start_up_freezes_the_heap_and_installs_one_later_freeze():
    tune_gc()
    tune_gc()

    assert gc.get_freeze_count() > 0
    assert [type(callback) for callback in gc.callbacks].count(FreezeAfterFirstFullCollection) == 1


def test_a_young_collection_freezes_nothing():
    freeze = FreezeAfterFirstFullCollection()
    frozen = gc.get_freeze_count()

    freeze("stop", {"generation": 0})

    # Frozen objects still die when dropped, so the count can only fall.
    assert gc.get_freeze_count() <= frozen


def test_the_survivors_of_the_first_full_collection_are_frozen():
    freeze = FreezeAfterFirstFullCollection()
    survivors = [[] for _ in range(100)]
    frozen = gc.get_freeze_count()

    freeze("stop", {"generation": 2})

    assert gc.get_freeze_count() >= frozen + len(survivors)


def test_later_full_collections_freeze_nothing():
    freeze = FreezeAfterFirstFullCollection()
    freeze("stop", {"generation": 2})
    frozen = gc.get_freeze_count()
    survivors = [[] for _ in range(100)]

    freeze("stop", {"generation": 2})

    assert gc.get_freeze_count() <= frozen
    assert survivors
