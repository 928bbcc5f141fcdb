"""The Content-Security-Policy holds on every kind of page: nothing the pages load or run is
refused (Chromium reports each refusal on the console), and the charts still draw."""

import pytest

from .conftest import _context
from .test_dashboards import DESKTOP, assert_every_chart_draws, log_in

pytestmark = pytest.mark.browser


def watch(page) -> list[str]:
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def visit(page, url):
    response = page.goto(url)
    assert response.status < 400, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")


def test_dashboards_draw_under_the_policy(chromium, live_server, county):
    w = county
    context = _context(chromium, viewport=DESKTOP)
    page = context.new_page()
    problems = watch(page)
    log_in(page, live_server, w.county_reviewer.username)
    visit(page, f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
    assert_every_chart_draws(page)
    page.locator("[data-chart]").first.hover()  # ECharts' tooltip styles itself through the DOM
    visit(
        page,
        f"{live_server.url}/reports/counties/{w.county.code}/townships/{w.township2.code}/?period=2026-Q4",
    )
    context.clear_cookies()
    log_in(page, live_server, w.region_reviewer.username)
    visit(page, f"{live_server.url}/reports/regions/{w.city.code}/?period=2026-Q4")
    visit(page, f"{live_server.url}/reports/regions/{w.city.code}/league/")
    context.close()
    assert problems == []


def test_filing_pages_the_api_docs_and_the_admin_load_under_the_policy(phone, live_server, browser_world):
    w = browser_world
    page = phone
    problems = watch(page)
    log_in(page, live_server, w.cadre.username)
    visit(page, f"{live_server.url}/")
    visit(page, f"{live_server.url}/weeks/2026-W47/add/meeting/")
    page.get_by_label("事项名称").fill("会")  # the title picker and the lookups run
    for path in ["/weeks/2026-W47/add/", "/import/", "/reset/"]:
        visit(page, live_server.url + path)
    visit(page, f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    page.context.clear_cookies()
    log_in(page, live_server, w.admin.username)
    for path in ["/admin/", "/admin/portal/user/", f"/admin/portal/user/{w.cadre.pk}/change/"]:
        visit(page, live_server.url + path)
    assert problems == []
