"""Bench-only settings: the portal's, with a URLconf that adds a trivial baseline view."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "dashboards_urls"
