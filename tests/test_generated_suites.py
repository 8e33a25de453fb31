"""The generated projects' own test suites pass: in full on a subset, the fast part elsewhere."""

import re

import pytest
from generated import run
from variants import FAST_SUITE_VARIANTS, FULL_SUITE_VARIANTS, variant_id
from venvs import venv_for

RUN_PYTEST = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
# The generated project marks the tests that start server processes; `make test` leaves them out.
FAST_ONLY = ["-m", "not process"]


def assert_the_suite_passed(result) -> None:
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    summary = result.stdout.splitlines()[-1]
    assert re.search(r"\d+ passed", summary)
    assert "failed" not in summary and "error" not in summary


@pytest.mark.slow(minutes=8)
@pytest.mark.parametrize("baked", FULL_SUITE_VARIANTS, ids=variant_id, indirect=True)
def test_the_generated_full_suite_passes(baked):
    _, project = baked

    result = run([venv_for(project) / "python", *RUN_PYTEST], project, timeout=2400)

    assert_the_suite_passed(result)


@pytest.mark.slow(minutes=1)
@pytest.mark.parametrize("baked", FAST_SUITE_VARIANTS, ids=variant_id, indirect=True)
def test_the_generated_fast_suite_passes(baked):
    _, project = baked

    result = run([venv_for(project) / "python", *RUN_PYTEST, *FAST_ONLY], project, timeout=600)

    assert_the_suite_passed(result)
