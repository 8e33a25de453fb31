"""Run a Python program with its garbage-collector pauses timed from outside the program.

    python benchmarks/gc_pauses.py STATS.json backend/main.py [args...]
    python benchmarks/gc_pauses.py STATS.json -m uvicorn baseline_app:app [args...]

The program runs in this process, as `python script` or `python -m module` would run it, so the
served app needs no hook of its own. Timing starts on SIGUSR1: benchmark.py sends it once the
server answers, so that the collections of start-up, while half a million objects are imported,
are not counted. When the program ends, the pauses' summary is written to STATS.json.
"""

import gc
import json
import runpy
import signal
import sys
import time
from pathlib import Path


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


def run_program(program: list[str]) -> None:
    """Run `script [args]` or `-m module [args]` as `python` would, as `__main__`."""
    if program[0] == "-m":
        module, *args = program[1:]
        sys.argv = [module, *args]
        sys.path[0] = str(Path.cwd())
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        script, *args = program
        sys.argv = [script, *args]
        sys.path[0] = str(Path(script).resolve().parent)
        runpy.run_path(script, run_name="__main__")


def exit_on_signal(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[2:] == ["-m"]:
        sys.exit("usage: gc_pauses.py STATS.json (script | -m module) [args...]")
    stats, program = Path(sys.argv[1]), sys.argv[2:]
    pauses = GcPauses()

    def start_timing(signum: int, frame: object) -> None:
        if pauses not in gc.callbacks:
            gc.callbacks.append(pauses)

    signal.signal(signal.SIGUSR1, start_timing)
    # uvicorn's command line ends by raising the SIGTERM it stopped on again, with the handler
    # it found at start: this one, so that the summary below is still written.
    signal.signal(signal.SIGTERM, exit_on_signal)
    try:
        run_program(program)
    finally:
        stats.write_text(json.dumps(pauses.summary()))


if __name__ == "__main__":
    main()
