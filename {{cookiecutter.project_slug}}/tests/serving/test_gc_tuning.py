"""The garbage-collector set-up of a serving process, and the benchmark's record of its pauses."""

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.gc_tuning import (
    FreezeAfterFirstFullCollection,
    record_gc_pauses,
    tune_gc,
)


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


def test_the_pauses_are_written_to_the_given_file(tmp_path: Path):
    path = tmp_path / "gc.json"

    with record_gc_pauses(path):
        gc.collect()

    stats = json.loads(path.read_text())
    assert stats["collections"] >= 1
    assert stats["longest_pause_ms"] > 0
    assert 0 < stats["longest_pause_cpu_ms"] <= stats["longest_pause_ms"] * 1.5


def test_without_a_file_no_callback_is_installed():
    callbacks = list(gc.callbacks)

    with record_gc_pauses(None):
        assert gc.callbacks == callbacks


def test_the_callback_is_removed_afterwards(tmp_path: Path):
    callbacks = list(gc.callbacks)

    with record_gc_pauses(tmp_path / "gc.json"):
        pass

    assert gc.callbacks == callbacks
