"""The garbage collector, tuned for a serving process."""

import gc


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
