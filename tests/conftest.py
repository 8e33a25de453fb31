"""Fixtures for the template's tests: baked variants, shared across the tests of each variant."""

from pathlib import Path

import pytest
from variants import ALL_VARIANTS, PORT, variant_id


@pytest.fixture(scope="session", params=ALL_VARIANTS, ids=variant_id)
def baked(request: pytest.FixtureRequest, cookies_session) -> tuple[dict[str, str], Path]:
    """A project baked for one variant: its answers and its directory."""
    answers = {**request.param, "port": PORT}
    result = cookies_session.bake(extra_context=answers)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return answers, Path(result.project_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the longest tests first, one on each worker, so the quick ones fill the gaps.

    pytest-xdist hands each worker two consecutive tests to begin with, then one at a time as
    they finish: in plain longest-first order one worker would get the two longest tests, one
    after the other, so each long test is followed by the quickest one left.
    """
    by_length = sorted(items, key=estimated_minutes, reverse=True)
    items[:] = []
    while by_length:
        items.append(by_length.pop(0))
        if by_length:
            items.append(by_length.pop())


def estimated_minutes(item: pytest.Item) -> float:
    slow = item.get_closest_marker("slow")
    return slow.kwargs["minutes"] if slow else 0
