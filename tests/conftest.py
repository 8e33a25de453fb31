"""Fixtures for the template's tests: baked variants, shared across the tests of each variant."""

from pathlib import Path

import pytest
from variants import EVERY_VARIANT, PORT, VARIANTS, variant_id


def bake(cookies_session, variant: dict[str, str]) -> tuple[dict[str, str], Path]:
    answers = {**variant, "port": PORT}
    result = cookies_session.bake(extra_context=answers)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return answers, Path(result.project_path)


@pytest.fixture(scope="session", params=VARIANTS, ids=variant_id)
def baked(request: pytest.FixtureRequest, cookies_session) -> tuple[dict[str, str], Path]:
    """A project baked for one of the representative variants: its answers and its directory."""
    return bake(cookies_session, request.param)


@pytest.fixture(scope="session", params=EVERY_VARIANT, ids=variant_id)
def every_baked(request: pytest.FixtureRequest, cookies_session) -> tuple[dict[str, str], Path]:
    """A project baked for each of the provider x store variants, for the fast checks."""
    return bake(cookies_session, request.param)
