"""axe-core in real Chromium over every cadre page (phone, 375x812) and every dashboard (desktop):
no violation of impact critical or serious. Lesser ones are printed (run with -s to read them).

axe (tests/browser/vendor/axe-core, see its VERSION) is injected by the test only; users never
load it.
"""

import datetime as dt
import pathlib

import pytest

from portal import services, weeks
from portal.models import Entry
from tests.conftest import PASSWORD

from .conftest import log_in, no_horizontal_scroll, shot

pytestmark = pytest.mark.browser
AXE = pathlib.Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = ("critical", "serious")


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated from the test, not added as a <script>: the portal's CSP refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")


def describe(violations) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"][:5]]
        lines.append(f"  {v['impact']} {v['id']}: {v['help']} -> {targets}")
    return "\n".join(lines)


class Audit:
    """Runs axe on each page a test visits; the test fails at the end, listing every page's
    critical and serious violations at once. Lesser findings are printed."""

    def __init__(self):
        self.failures = []

    def check(self, page, name):
        violations = axe_violations(page)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        lesser = [v for v in violations if v["impact"] not in BLOCKING]
        if lesser:
            print(f"\n{name} ({page.url}): lesser axe findings\n{describe(lesser)}")
        if blocking:
            self.failures.append(f"{name} ({page.url}):\n{describe(blocking)}")

    def assert_clean(self):
        assert not self.failures, "axe violations:\n" + "\n".join(self.failures)


@pytest.fixture
def audit():
    return Audit()


@pytest.fixture
def filed(browser_world):
    """Alice has an entry of each kind this week (two departments recently used) and a meeting
    last week (to copy)."""
    w = browser_world
    today = weeks.today()
    for kind in ("meeting", "document", "inspection", "app_task"):
        departments = [(w.dept_city if kind == "document" else w.dept_province).pk]
        services.entry_create(
            cadre=w.cadre, data=w.entry_data(kind, day=today, title=f"本周{kind}", departments=departments)
        )
    services.entry_create(
        cadre=w.cadre, data=w.entry_data("meeting", day=today - dt.timedelta(days=7), title="上周例会")
    )
    return w


def test_the_cadre_pages_have_no_serious_axe_violations(phone, live_server, filed, audit):
    page = phone
    week = weeks.current_week()
    log_in(page, live_server, "alice")
    page.get_by_role("heading", name="本周", exact=True).wait_for()
    audit.check(page, "week")

    for kind in ("meeting", "document", "inspection", "app_task"):
        page.goto(f"{live_server.url}/weeks/{week}/add/{kind}/")
        page.locator(".ts-wrapper").first.wait_for()  # the pickers are enhanced
        audit.check(page, f"entry form {kind}")
    shot(page, "a11y-app-task-form")

    # With a picker open: the listbox, its recent group and the chips.
    page.goto(f"{live_server.url}/weeks/{week}/add/meeting/")
    page.locator(".quick-picks button").first.click()  # a chip: the department used last
    page.get_by_role("combobox", name="发起部门").click()
    page.locator(".ts-dropdown .option").first.wait_for()
    for target in (".ts-wrapper .ts-control", ".ts-dropdown .option", ".chip .remove"):
        box = page.locator(target).first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"{target} is {box}"
    no_horizontal_scroll(page)
    audit.check(page, "entry form, picker open")
    shot(page, "a11y-picker-open")

    entry = Entry.objects.filter(log__cadre=filed.cadre, log__week=week).first()
    for name, path in [
        ("kind picker", f"/weeks/{week}/add/"),
        ("edit entry", f"/entries/{entry.pk}/edit/"),
        ("delete entry", f"/entries/{entry.pk}/delete/"),
        ("copy last week", f"/weeks/{week}/copy/"),
        ("submit", f"/weeks/{week}/submit/"),
        ("import", "/import/"),
    ]:
        page.goto(live_server.url + path)
        audit.check(page, name)
    shot(page, "a11y-import")
    audit.assert_clean()


def test_the_login_and_error_pages_have_no_serious_axe_violations(phone, live_server, browser_world, audit):
    page = phone
    page.goto(f"{live_server.url}/login/")
    audit.check(page, "login")
    page.get_by_label("用户名").fill("dave")  # a county reviewer
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/no-such-page/")
    audit.check(page, "404")
    page.goto(f"{live_server.url}/weeks/{weeks.current_week()}/")
    audit.check(page, "403")
    shot(page, "a11y-403")
    audit.assert_clean()


def wait_for_charts(page):
    charts = page.locator("[data-chart]")
    for i in range(charts.count()):
        page.wait_for_function(
            "(el) => el.getAttribute('data-rendered') === 'true'", arg=charts.nth(i).element_handle()
        )


def test_every_dashboard_has_no_serious_axe_violations(chromium, live_server, county, audit):
    w = county
    pages = {
        # who: [(name, path)]
        w.admin.username: [("home", "/reports/")],
        w.county_reviewer.username: [
            ("county", f"/reports/counties/{w.county.code}/?period=2026-Q4"),
            ("township", f"/reports/counties/{w.county.code}/townships/{w.township.code}/?period=2026-Q4"),
            ("report", f"/reports/counties/{w.county.code}/report/?period=2026-Q4"),
            ("bad period", f"/reports/counties/{w.county.code}/?period=nonsense"),
        ],
        w.region_reviewer.username: [
            ("region", f"/reports/regions/{w.city.code}/?period=2026-Q4"),
            ("league", f"/reports/regions/{w.city.code}/league/?year=2026"),
        ],
        w.department_viewer.username: [
            ("department", f"/reports/departments/{w.dept_province.pk}/?period=2026-Q4"),
        ],
    }
    for username, visits in pages.items():
        context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state("networkidle")
            for name, path in visits:
                page.goto(live_server.url + path)
                wait_for_charts(page)
                audit.check(page, f"dashboard {name} as {username}")
                shot(page, f"a11y-dashboard-{name}")
        finally:
            context.close()
    audit.assert_clean()
