"""The garbage collector, tuned for a serving process."""

import gc
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def tune_gc() -> None:
    """Keep the objects that live as long as the process out of collections; call at start-up.

    The imports leave about half a million of them (modules, classes, schemas), and every full
    collection walked them all, stopping the process for about 300 ms. Frozen, the collector
    skips them (reference counting still frees any that are dropped). The first turns import
    more of LiteLLM, so what survives the first full collection is frozen too: all garbage has
    just been freed then, and only cycles of the turns in flight at that moment will never be.
    """
    gc.freeze()
    if FREEZE_AFTER_FIRST_FULL_COLLECTION not in gc.callbacks:
        gc.callbacks.append(FREEZE_AFTER_FIRST_FULL_COLLECTION)


class FreezeAfterFirstFullCollection:
    """A `gc.callbacks` entry; it stays installed, since removing it there would skip the next."""

    def __init__(self) -> None:
        self.done = False

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if not self.done and phase == "stop" and info["generation"] == 2:
            self.done = True
            gc.freeze()


FREEZE_AFTER_FIRST_FULL_COLLECTION = FreezeAfterFirstFullCollection()


class GcPauses:
    """Times every collection through `gc.callbacks`, per generation.

    A pause is wall time, which is what a request waits. Its CPU time is kept too: where the two
    differ, the collecting thread was waiting, for a core another process held or for the GIL
    while a finalizer let another thread run, not collecting.
    """

    def __init__(self) -> None:
        self.longest = [0.0, 0.0, 0.0]
        self.total = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self.longest_cpu = 0.0
        self._started = (0.0, 0.0)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time())
            return
        pause = time.perf_counter() - self._started[0]
        self.longest_cpu = max(self.longest_cpu, time.thread_time() - self._started[1])
        generation = info["generation"]
        self.longest[generation] = max(self.longest[generation], pause)
        self.total[generation] += pause
        self.collections[generation] += 1

    def summary(self) -> dict[str, object]:
        return {
            "longest_pause_ms": max(self.longest) * 1000,
            # The most CPU time any one collection took.
            "longest_pause_cpu_ms": self.longest_cpu * 1000,
            "total_pause_ms": sum(self.total) * 1000,
            "collections": sum(self.collections),
            "by_generation": [
                {"collections": count, "longest_ms": longest * 1000, "total_ms": total * 1000}
                for count, longest, total in zip(
                    self.collections, self.longest, self.total, strict=True
                )
            ],
        }


@contextmanager
def record_gc_pauses(path: Path | None) -> Iterator[None]:
    """With a path (the benchmark's BENCHMARK_GC_STATS), write the pauses there on exit."""
    if path is None:
        yield
        return
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    try:
        yield
    finally:
        gc.callbacks.remove(pauses)
        path.write_text(json.dumps(pauses.summary()))
