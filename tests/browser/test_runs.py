"""The administrators' rollup-runs page in a real browser: the progress bar moves as the run's
row moves (static/js/runs.js polling /reports/runs.json under the CSP, no inline script), and the
page shows the finished run once it ends."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.models import RollupRun

from .conftest import shot
from .test_accessibility import Audit
from .test_csp import watch
from .test_dashboards import log_in

pytestmark = pytest.mark.browser


def test_the_progress_bar_follows_a_running_rebuild(phone, live_server, browser_world):
    run = RollupRun.objects.create(
        kind=RollupRun.Kind.REBUILD,
        triggered_by="rebuild_all()",
        started_at=timezone.now(),
        counties_total=40,
        counties_done=15,
    )
    problems = watch(phone)
    log_in(phone, live_server, browser_world.admin.username)
    phone.goto(f"{live_server.url}/reports/runs/")
    bar = phone.get_by_role("progressbar")
    assert bar.get_attribute("value") == "15" and bar.get_attribute("max") == "40"
    assert "开始的汇总已完成的县数" in bar.get_attribute("aria-label")
    audit = Audit()
    audit.check(phone, "rollup runs, one running")
    audit.assert_clean()

    RollupRun.objects.filter(pk=run.pk).update(
        counties_done=31, failures=1, failure_notes="330803: ValueError\n"
    )
    # (The CSP refuses Playwright's wait_for_function: it evaluates a string.)
    expect(bar).to_have_attribute("value", "31", timeout=10_000)
    assert phone.locator("[data-done]").inner_text() == "31"
    assert phone.locator("[data-failures]").inner_text().startswith("1")

    RollupRun.objects.filter(pk=run.pk).update(counties_done=39, finished_at=timezone.now())
    # Finished: the page reloads once to show the run's final row, then stops polling.
    expect(phone.locator("[data-runs]:not([data-polling])")).to_have_count(1, timeout=10_000)
    assert phone.locator("[data-done]").inner_text() == "39"
    assert "运行中" not in phone.locator("[data-finished]").inner_text()
    assert "330803: ValueError" in phone.locator("[data-notes]").inner_text()
    shot(phone, "rollup-runs")
    assert problems == []
