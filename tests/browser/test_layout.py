"""Layout in real Chromium: on a desktop the header lines up with the dashboard body below it (and
with the narrow body of other pages). Screenshots: test-artifacts/layout-*.png."""

import pytest
from django.core.cache import cache

from tests.conftest import W47_CLOSED
from tests.reports import dashboard_data

from .conftest import ARTIFACTS, shot
from .test_dashboards import DESKTOP, assert_every_chart_draws, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def county(browser_world, frozen):
    cache.clear()
    dashboard_data.populate(browser_world)
    frozen.set(W47_CLOSED)
    yield browser_world
    cache.clear()


def test_the_desktop_header_lines_up_with_the_page_body(chromium, live_server, county):
    w = county
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    page = context.new_page()

    def edges(selector):
        box = page.locator(selector).first.bounding_box()
        return round(box["x"]), round(box["x"] + box["width"])

    def assert_lined_up(name, wide):
        bar, nav, body = edges(".site-header .bar"), edges(".main-nav"), edges("main.container")
        for box in (bar, nav):
            assert abs(box[0] - body[0]) <= 1 and abs(box[1] - body[1]) <= 1, f"{name}: {box} vs body {body}"
        width = body[1] - body[0]
        assert (width > 1000) if wide else (800 < width < 900), f"{name}: body {width}px wide"
        # The brand's text and the first tab's start where the page's heading does.
        heading = page.locator("main h1").first.bounding_box()["x"]
        brand = page.locator(".brand").bounding_box()["x"]
        tab = page.locator(".main-nav a").first.evaluate(
            "(a) => a.getBoundingClientRect().left + parseFloat(getComputedStyle(a).paddingLeft)"
        )
        for what, x in (("brand", brand), ("first tab", tab)):
            assert abs(x - heading) <= 1, f"{name}: {what} at {x}, heading at {heading}"

    try:
        log_in(page, live_server, w.county_reviewer.username)
        for name, path in [
            ("home", "/reports/"),
            ("county", f"/reports/counties/{w.county.code}/?period=2026-Q4"),
            ("report", f"/reports/counties/{w.county.code}/report/?period=2026-Q4"),
        ]:
            page.goto(live_server.url + path)
            assert_lined_up(name, wide=True)
        assert_every_chart_draws(page)
        shot(page, "layout-report-desktop")
        page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
        page.screenshot(path=str(ARTIFACTS / "layout-county-desktop-top.png"))

        # A page that is not a dashboard keeps the narrow body, and the header follows it.
        page.goto(f"{live_server.url}/reports/counties/{w.county.code}/target/")
        assert_lined_up("target", wide=False)
        shot(page, "layout-target-desktop")
    finally:
        context.close()
