"""scripts/attachment_cost.py keeps working: a short run prints each figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "attachment_cost.py"


def test_the_attachment_cost_script_prints_each_figure(server_env: dict[str, str]):
    result = subprocess.run(
        [sys.executable, SCRIPT, "--rounds", "1", "--image-bytes", "10000"],
        cwd=SCRIPT.parents[1],
        env={**os.environ, **server_env},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    for figure in ("turn without an attachment", "turn with one image", "added by the image"):
        assert figure in result.stdout
