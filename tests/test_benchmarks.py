"""The benchmarks bake a project and measure it: their quick modes report real measurements.

Only that the figures are measurements is checked, never their values: timings on a shared
machine prove nothing, and full runs are for people to read. A turn that ends in an error stops
a measurement with a non-zero exit.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).parents[1] / "benchmarks" / "run.py"

# What the load benchmark reports for the backend and for the baseline alike, and their ratio.
SHARED_FIGURES = {
    "startup_s",
    "first_delta_p50_ms",
    "first_delta_p95_ms",
    "c1_turns_per_s",
    "c1_p50_ms",
    "c1_p95_ms",
    "c10_turns_per_s",
    "c10_p95_ms",
    "c50_turns_per_s",
    "c50_p95_ms",
    "cpu_ms_per_turn",
    "gc_longest_pause_ms",
    "gc_longest_pause_cpu_ms",
    "rss_warm_mib",
    "rss_after_mib",
}


@pytest.mark.slow(minutes=1.5)
def test_the_quick_load_benchmark_measures_a_default_bake_against_the_baseline(tmp_path: Path):
    # Without the comparison with a second worker process: three more server starts, and about
    # half the test's time, which the template's CI cannot spare. Full runs make it.
    report = run_quick("load", tmp_path, "--workers", "1")

    assert (report["config"]["provider"], report["config"]["store"]) == ("gemini", "sqlite")
    assert SHARED_FIGURES - report["backend"].keys() == set()
    assert SHARED_FIGURES - report["baseline"].keys() == set()
    assert SHARED_FIGURES - report["ratios"].keys() == set()
    assert any(name.startswith("thread_") for name in report["backend"])
    assert report["gc"]["backend"]["collections"] > 0
    figures = {
        f"{section}.{name}": value
        for section in ("backend", "baseline", "ratios")
        for name, value in report[section].items()
    }
    assert {name: value for name, value in figures.items() if not positive(value)} == {}


@pytest.mark.slow(minutes=0.3)
def test_the_quick_cost_by_layer_measures_each_layer_of_a_default_bake(tmp_path: Path):
    layers = run_quick("layers", tmp_path)["layers"]

    assert [layer["layer"] for layer in layers] == [
        "LiteLLM, one message",
        "LiteLLM, the agent's request",
        "Agents SDK run",
        "ChatKit server turn",
    ]
    assert [layer for layer in layers if not positive(layer["cpu_ms_per_turn"])] == []


def run_quick(measurement: str, tmp_path: Path, *options: str) -> dict:
    """Run `benchmarks/run.py measurement --quick` on a fresh bake; the JSON it writes."""
    output = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(RUN), measurement, "--quick", "--json", str(output), *options],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return json.loads(output.read_text())


def positive(value: object) -> bool:
    return isinstance(value, int | float) and value > 0
