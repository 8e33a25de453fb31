"""Bake a project from this template and measure it; the entry point of the benchmarks.

    .venv/bin/python benchmarks/run.py load             # the backend against a bare LiteLLM app
    .venv/bin/python benchmarks/run.py load --quick     # the same, with small counts
    .venv/bin/python benchmarks/run.py layers           # CPU per turn of each layer of the stack
    .venv/bin/python benchmarks/run.py load --provider anthropic --store postgres
    .venv/bin/python benchmarks/run.py load --project build/chatkit_backend   # no bake

It runs in the template's venv (cookiecutter), bakes into a temporary directory, installs the
project's pinned requirements into a venv shared with the template's tests (.cache/venvs) and
runs the measurement, benchmark.py or cost_by_layer.py, with that venv's Python. Options it does
not know go to the measurement: --quick, --json FILE, --chunks N; for load also --delay S and
--workers N.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

BENCHMARKS = Path(__file__).resolve().parent
TEMPLATE = BENCHMARKS.parent
MEASUREMENTS = {"load": "benchmark.py", "layers": "cost_by_layer.py"}
QUESTIONS = json.loads((TEMPLATE / "cookiecutter.json").read_text())

# The template's tests keep a venv per set of generated requirements; a bake shares theirs.
sys.path.insert(0, str(TEMPLATE / "tests"))
from venvs import venv_for  # noqa: E402


def bake(provider: str, store: str, output_dir: Path) -> Path:
    """A project of this template: the default answers, but `provider` and `store`."""
    extra_context = {"provider": provider, "store": store}
    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=extra_context,
            output_dir=str(output_dir),
            # The template's own defaults, whatever the user's cookiecutter config says.
            default_config=True,
        )
    )


def main(argv: list[str] | None = None) -> int:
    # No abbreviations: an option the measurement takes must not pass for one of these.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("measurement", choices=MEASUREMENTS)
    for question in ("provider", "store"):
        choices = QUESTIONS["_choices"][question]
        parser.add_argument(f"--{question}", choices=choices, default=QUESTIONS[question])
    parser.add_argument("--project", type=Path, help="measure this baked project instead")
    args, options = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="benchmark-bake-") as scratch:
        project = args.project or bake(args.provider, args.store, Path(scratch))
        python = venv_for(project) / "python"
        script = BENCHMARKS / MEASUREMENTS[args.measurement]
        command = [str(python), str(script), "--project", str(project), *options]
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
