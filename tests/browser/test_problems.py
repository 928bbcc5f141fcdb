"""The direct channel end to end in real Chromium: a cadre files at 375 px, the county office
routes on a desktop, the deadline passes and the overdue mark appears, the department answers
late, the office verifies, the cadre rates "not resolved" and the report reopens; the league
table's counts move. Screenshots go to test-artifacts/problems-*.png."""

import datetime as dt

import pytest
from django.core.cache import cache

from problems import services, tasks
from problems.models import Assignment, Report
from tests.conftest import SHANGHAI

from .conftest import PASSWORD, no_horizontal_scroll, shot

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
EARLIER = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # routed today: due 2026-12-07
AFTER_DEADLINE = dt.datetime(2026, 12, 9, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def county(browser_world, frozen):
    """Five earlier reports to the provincial department, all answered on time and rated resolved,
    so its league row starts at the minimum group and shows figures."""
    w = browser_world
    cache.clear()
    frozen.set(EARLIER)
    for n in range(5):
        report = services.report_file(
            cadre=w.cadre2,
            data={
                "departments": [w.dept_province.pk],
                "pattern": "meeting_flood",
                "summary": f"会多{n}",
                "details": "x",
            },
        )
        services.report_route(reviewer=w.county_reviewer, report=report, departments=[w.dept_province.pk])
        assignment = Assignment.objects.get(report=report)
        services.assignment_answer(
            viewer=w.department_viewer, assignment=assignment, kind="rectified", text="已整改"
        )
        services.assignment_verify(reviewer=w.county_reviewer, assignment=assignment, accept=True)
        services.report_rate(cadre=w.cadre2, report=report, resolved=True)
    frozen.set(MONDAY)
    yield w
    cache.clear()


def desktop(chromium):
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    return context


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def league_row(chromium, live_server, w):
    context = desktop(chromium)
    page = context.new_page()
    log_in(page, live_server, w.region_reviewer.username)
    page.goto(f"{live_server.url}/reports/regions/{w.city.code}/league/?year=2026")
    row = page.locator(f'[data-table="answers"] tr[data-department="{w.dept_province.code}"]')
    figures = {
        m: row.locator(f'[data-metric="{m}"]').inner_text() for m in ("received", "on_time", "median_days")
    }
    shot(page, "problems-league")
    context.close()
    return figures


def test_a_report_goes_round_the_loop_late_and_reopens(chromium, phone, live_server, county, frozen):
    w = county
    before = league_row(chromium, live_server, w)
    assert before == {"received": "5", "on_time": "5", "median_days": "0"}

    # 1. The cadre files on a phone, through the preview.
    page = phone
    log_in(page, live_server, w.cadre.username)
    page.get_by_role("link", name="直通车").click()
    page.get_by_role("link", name="反映问题").click()
    assert page.locator("[data-warning=identifying]").is_visible()
    page.select_option("#id_departments", str(w.dept_province.pk))
    page.select_option("#id_pattern", "duplicate_data")
    page.get_by_label("概要").fill("户籍人口数每月在三个系统重复填报")
    page.get_by_label("详细情况").fill("浙里办、四平台和报表各填一次。")
    no_horizontal_scroll(page)
    page.get_by_role("button", name="预览").click()
    preview = page.locator("[data-preview]")
    assert preview.is_visible() and "户籍人口数每月在三个系统重复填报" in preview.inner_text()
    assert "2026-W48" in preview.inner_text() and "柯城区" in preview.inner_text()
    no_horizontal_scroll(page)
    shot(page, "problems-preview-375")
    page.get_by_role("button", name="提交反映").click()
    page.wait_for_load_state("networkidle")
    report = Report.objects.get(summary="户籍人口数每月在三个系统重复填报")
    assert page.url.endswith(f"/problems/{report.pk}/")
    assert page.locator('[data-step="filed"]').is_visible()
    no_horizontal_scroll(page)
    shot(page, "problems-filed-375")

    # 2. The county office routes it (desktop).
    office = desktop(chromium)
    o = office.new_page()
    log_in(o, live_server, w.county_reviewer.username)
    o.goto(f"{live_server.url}/problems/")
    o.locator(f'[data-queue="new"] [data-report="{report.pk}"] a').click()
    o.locator("[data-route-form]").get_by_role("button", name="转办").click()
    o.wait_for_load_state("networkidle")
    assert "2026-12-07" in o.locator("[data-routings]").inner_text()
    shot(o, "problems-routed")
    office.close()

    # 3. The deadline passes unanswered; the daily job marks it overdue for the office.
    frozen.set(AFTER_DEADLINE)
    tasks.recompute_overdue.apply()  # run here, as beat's worker would (CI has a real broker)
    office = desktop(chromium)
    o = office.new_page()
    log_in(o, live_server, w.county_reviewer.username)
    o.goto(f"{live_server.url}/problems/")
    assert o.locator(f'[data-queue="overdue"] [data-report="{report.pk}"] [data-mark="overdue"]').is_visible()
    shot(o, "problems-overdue")

    # 4. The department answers, late.
    department = desktop(chromium)
    d = department.new_page()
    log_in(d, live_server, w.department_viewer.username)
    d.goto(f"{live_server.url}/problems/")
    d.locator(f'[data-queue="waiting"] [data-report="{report.pk}"] a').click()
    assert d.locator('[data-mark="overdue"]').first.is_visible()
    d.get_by_label("已接受并整改").check()
    d.get_by_label("做了哪些整改，或理由").fill("三表合一，每月只填一次。")
    d.get_by_role("button", name="提交答复").click()
    d.wait_for_load_state("networkidle")
    assert d.locator('[data-step="answered"]').is_visible()
    shot(d, "problems-answered")
    department.close()
    assert Assignment.objects.get(report=report).first_on_time is False

    # 5. The office verifies (accepts the answer).
    o.goto(f"{live_server.url}/problems/{report.pk}/")
    o.locator("[data-verify-form]").get_by_role("button", name="认可答复").click()
    o.wait_for_load_state("networkidle")
    assert o.locator("[data-report]").first.get_attribute("data-status") == "verified"
    office.close()

    # 6. The cadre rates "not resolved" on the phone: the report reopens, back to the office.
    log_in(page, live_server, w.cadre.username)
    page.goto(f"{live_server.url}/problems/{report.pk}/")
    assert "三表合一" in page.locator("[data-routings]").inner_text()
    page.get_by_role("button", name="未解决").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("article[data-report]").get_attribute("data-status") == "reopened"
    assert page.locator('[data-step="reopened"]').is_visible()
    no_horizontal_scroll(page)
    shot(page, "problems-reopened-375")
    assert Report.objects.get(pk=report.pk).status == "reopened"

    # 7. The league table's counts moved: one more received, none more on time, a slower median.
    after = league_row(chromium, live_server, w)
    assert after["received"] == "6" and after["on_time"] == "5"
    assert after["median_days"] != before["median_days"]
