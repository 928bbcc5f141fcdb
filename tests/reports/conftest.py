"""Fixtures shared by the dashboard tests."""

import pytest
from django.core.cache import cache

from tests.reports import dashboard_data


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rendered bodies and answers are cached by data version; tests reuse codes and ids, so each
    # starts and ends with an empty cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def closed_world(world, frozen, w47_closed):
    """The dashboard county's world, read once 2026-W47 has closed."""
    dashboard_data.populate(world)
    return world
