"""Fixtures for the template's tests: baked variants, shared across the tests of each variant."""

from pathlib import Path

import pytest
from variants import PORT, VARIANTS, variant_id


@pytest.fixture(scope="session", params=VARIANTS, ids=variant_id)
def baked(request: pytest.FixtureRequest, cookies_session) -> tuple[dict[str, str], Path]:
    """A project baked for one variant: its answers and its directory."""
    answers = {**request.param, "port": PORT}
    result = cookies_session.bake(extra_context=answers)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return answers, Path(result.project_path)
