"""The benchmark scripts keep working: their quick modes run and report every figure.

Only that the figures exist is checked, never their values: timings on a shared machine prove
nothing, and the full benchmark is for people to read.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.project import PROJECT_ROOT

pytestmark = pytest.mark.process

# What the benchmark reports for the backend and for the baseline alike.
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


def test_the_quick_benchmark_reports_every_figure_as_a_positive_number(
    tmp_path: Path, database_url: str | None
):
    report = run_quick("benchmark.py", tmp_path, database_url)

    assert SHARED_FIGURES - report["backend"].keys() == set()
    assert SHARED_FIGURES - report["baseline"].keys() == set()
    assert any(name.startswith("thread_") for name in report["backend"])
    sections = ["backend", "baseline", "ratios"]
    if database_url is not None:  # a SQL store, whose workers are compared too
        sections.append("workers")
    figures = {
        f"{section}.{name}": report[section][name]
        for section in sections
        for name in report[section]
    }
    assert {name: value for name, value in figures.items() if not positive(value)} == {}


def test_the_quick_cost_by_layer_reports_each_layer_as_a_positive_number(
    tmp_path: Path, database_url: str | None
):
    layers = run_quick("cost_by_layer.py", tmp_path, database_url)["layers"]

    assert [layer["layer"] for layer in layers] == [
        "LiteLLM, one message",
        "LiteLLM, the agent's request",
        "Agents SDK run",
        "ChatKit server turn",
    ]
    assert [layer for layer in layers if not positive(layer["cpu_ms_per_turn"])] == []


def run_quick(script: str, tmp_path: Path, database_url: str | None) -> dict:
    """Run scripts/`script` --quick; the JSON it writes."""
    output = tmp_path / "figures.json"
    database = {} if database_url is None else {"DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, f"scripts/{script}", "--quick", "--json", str(output)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **database},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(output.read_text())


def positive(value: object) -> bool:
    return isinstance(value, int | float) and value > 0
