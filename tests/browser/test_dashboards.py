"""Dashboards in real Chromium: figures equal the stats API (perturbed, as a reader sees them),
every chart draws, drill-down, permission, the small-group notice explained in visible text and the
adjusted-figures line. Screenshots go to test-artifacts/dashboards-*.png."""

import json
import re
import shutil
import subprocess

import pytest
from django.core.cache import cache

from tests.conftest import PASSWORD, need

from .conftest import ARTIFACTS, no_horizontal_scroll, shot

pytestmark = pytest.mark.browser
NOTICE = "少于5人，不予显示"
ADJUSTED = "为保护填报人，数字经过随机微调，分项之和可能不等于合计"
DESKTOP = {"width": 1280, "height": 900}

# Pixels of a chart's canvas that are neither transparent nor white: a drawn chart has many.
INKED_PIXELS = """(el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas) return -1;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) inked++;
  }
  return inked;
}"""


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def api(page, path):
    """The stats API's answer, fetched by the page itself with its session."""
    return page.evaluate(
        "(p) => fetch(p, {headers: {'Accept': 'application/json'}}).then(r => r.json())", path
    )


def assert_every_chart_draws(page):
    charts = page.locator("[data-chart]")
    assert charts.count() > 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "(el) => el.getAttribute('data-rendered') === 'true'", arg=chart.element_handle()
        )
        inked = chart.evaluate(INKED_PIXELS)
        name = chart.get_attribute("data-chart") + (chart.get_attribute("data-key") or "")
        assert inked > 200, f"{name} drew {inked} pixels"


def test_a_county_reviewers_figures_equal_the_stats_api_and_every_chart_draws(phone, live_server, county):
    w = county
    page = phone
    log_in(page, live_server, w.county_reviewer.username)
    # The role-based landing opened the reviewer's county.
    assert page.url.startswith(f"{live_server.url}/reports/counties/{w.county.code}/")
    page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
    total = api(page, f"/api/v1/stats/counties/{w.county.code}/townships/?period=2026-Q4")["total"]
    assert total["suppressed"] is False

    def figure(metric):
        return page.locator(f'[data-metric="{metric}"] .figure-value').inner_text().strip()

    assert figure("reporters") == str(total["reporters"])
    assert 19 <= total["reporters"] <= 23  # 21 cadres, a count moved by at most 2
    assert figure("hours_per_reporter") == f"{total['hours_per_reporter']:.2f}小时"
    assert figure("week_share") == f"{total['week_share'] * 100:.1f}%"
    assert page.locator('[data-protection="adjusted"]').inner_text() == ADJUSTED
    weeks = api(page, f"/api/v1/stats/counties/{w.county.code}/weeks/?period=2026-Q4")["results"]
    table = json.loads(page.locator("#chart-data").text_content())
    assert table["weeks"] == [r["week"] for r in weeks]
    assert table["hours"]["meeting"] == [None if r["suppressed"] else r["hours"]["meeting"] for r in weeks]

    assert_every_chart_draws(page)
    assert page.locator('[data-chart="spark"]').count() == 6
    no_horizontal_scroll(page)
    shot(page, "dashboards-county-phone")
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(300)  # charts resize on the window's resize event
    assert_every_chart_draws(page)
    shot(page, "dashboards-county-desktop")


def test_suppressed_cells_show_the_notice_and_explain_why_in_visible_text(phone, live_server, county):
    w = county
    page = phone
    log_in(page, live_server, w.county_reviewer.username)
    page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
    small = page.locator('tr[data-township="330802004"]')  # 万田乡: two cadres
    notice = small.locator(".suppressed")
    assert notice.inner_text() == NOTICE
    # No tooltip to hover: the notice points to one visible explanation on the page.
    assert notice.get_attribute("title") is None
    explained = page.locator("#" + notice.get_attribute("aria-describedby"))
    assert explained.count() == 1 and explained.is_visible()
    text = explained.inner_text()
    assert text.startswith("“少于5人，不予显示”") and "无人填报" in text
    box = explained.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # legible on the phone, not cut off
    assert page.locator('[data-protection="adjusted"]').is_visible()
    assert page.locator('tr[data-township="330802001"] .suppressed').count() == 0
    assert page.locator('tr[data-township="330802002"] .suppressed').count() == 0  # 6 cadres: shown
    page.locator(".protection-note").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboards-protection-note.png"))
    small.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboards-suppressed.png"))


def test_the_drill_down_reaches_a_township(phone, live_server, county):
    w = county
    page = phone
    log_in(page, live_server, w.county_reviewer.username)
    page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
    page.locator('tr[data-township="330802001"] a').click()
    page.wait_for_url(f"**/reports/counties/{w.county.code}/townships/330802001/**")
    assert page.get_by_role("heading", level=1).inner_text() == "府山街道"
    answer = api(page, f"/api/v1/stats/counties/{w.county.code}/townships/?period=2026-W47")
    row = next(r for r in answer["results"] if r["township"]["code"] == "330802001")
    shown = page.locator('tr[data-week="2026-W47"] td').first.inner_text()
    assert shown == str(row["reporters"]) and 5 <= row["reporters"] <= 9  # 7 cadres
    assert NOTICE in page.locator('tr[data-week="2026-W45"]').inner_text()
    assert page.locator('[data-protection="adjusted"]').inner_text() == ADJUSTED
    assert_every_chart_draws(page)
    no_horizontal_scroll(page)
    shot(page, "dashboards-township")
    page.get_by_role("link", name=w.county.name, exact=True).click()  # departments are linked too
    page.wait_for_url(f"**/reports/counties/{w.county.code}/**")


def test_a_cadre_cannot_open_another_county(phone, live_server, county):
    w = county
    page = phone
    log_in(page, live_server, w.cadre.username)
    answer = page.goto(f"{live_server.url}/reports/counties/{w.other_county.code}/")
    assert answer.status == 403
    answer = page.goto(f"{live_server.url}/reports/counties/{w.county.code}/")
    assert answer.status == 200
    total = api(page, f"/api/v1/stats/counties/{w.county.code}/townships/")["total"]
    assert page.locator('[data-metric="reporters"] .figure-value').inner_text() == str(total["reporters"])


def test_region_department_and_league_pages(chromium, live_server, county):
    w = county
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    try:
        log_in(page, live_server, w.region_reviewer.username)
        assert page.url.startswith(f"{live_server.url}/reports/regions/{w.city.code}/")
        assert_every_chart_draws(page)
        heading = page.locator('table[data-table="counties"] th[data-sort]').nth(0)
        heading.click()
        assert heading.get_attribute("aria-sort") == "ascending"
        heading.click()
        codes = page.locator('table[data-table="counties"] tbody tr').evaluate_all(
            "rows => rows.map(r => r.dataset.county)"
        )
        assert codes == [w.other_county.code, w.county.code]
        assert page.locator('[data-protection="adjusted"]').inner_text() == ADJUSTED
        assert page.locator('[data-protection="as-of"]').inner_text().startswith("数据截至2026-11-22 10:00")
        shot(page, "dashboards-region")

        page.goto(f"{live_server.url}/reports/departments/{w.dept_city.pk}/?period=2026-Q4")
        assert_every_chart_draws(page)
        shot(page, "dashboards-department")

        page.goto(f"{live_server.url}/reports/regions/{w.city.code}/league/?year=2026")
        row = page.locator(f'tr[data-department="{w.dept_city.code}"]')
        assert 42 <= int(row.locator("td").nth(2).inner_text()) <= 46  # 44 documents, adjusted
        assert page.locator('[data-protection="adjusted"]').inner_text() == ADJUSTED
        assert page.locator(".league [data-as-of]").is_hidden()  # on screen the note says it once
        page.emulate_media(media="print")
        assert page.locator(".site-header").is_hidden()
        assert page.locator(".print-only").first.is_visible()
        assert page.locator('[data-protection="adjusted"]').is_visible()  # printed with the table
        # Dated under its title like the county report, and nothing to click on paper: no link
        # anywhere on the printed page (the header and its nav are not printed).
        dated = page.locator(".league [data-as-of]")
        assert dated.is_visible() and dated.inner_text() == "数据截至2026-11-22 10:00 · 衢州市 · 2026年"
        assert page.locator(".dash a").count() == 0
        visible_links = "[...document.querySelectorAll('a[href]')].filter((a) => a.checkVisibility()).length"
        assert page.evaluate(visible_links) == 0
        pdf = ARTIFACTS / "dashboards-league.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        need(shutil.which("pdftotext") is not None, "needs poppler-utils: apt-get install poppler-utils")
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
        )
        flat = text.stdout.replace(" ", "")
        assert "衢州市2026年部门负担排行" in flat and "数据截至2026-11-2210:00·衢州市·2026年" in flat
        assert w.dept_city.name in flat and "基层减负直报平台" in flat
        assert "跳到正文" not in flat and "退出" not in flat  # neither the skip link nor the header on paper
        # On white paper: the page's grey is not printed behind the empty end of the first page.
        ppm = subprocess.run(
            ["pdftoppm", "-r", "20", "-f", "1", "-l", "1", str(pdf)], capture_output=True, check=True
        )
        head = re.match(rb"P6\s(\d+)\s(\d+)\s255\s", ppm.stdout)  # binary PPM: header, then RGB bytes
        width, height = int(head[1]), int(head[2])
        x, y = width // 2, int(height * 0.9)  # low in the page, inside its margins
        at = head.end() + 3 * (y * width + x)
        assert ppm.stdout[at : at + 3] == b"\xff\xff\xff"
        shot(page, "dashboards-league-print")
    finally:
        context.close()


# What each chart asked ECharts for, read back from the chart's own model: a custom build that
# lacks a chart type or component ignores that part of the option without a word (the chart
# still inks its other parts), so the drawn pixels alone would not tell.
CHART_PARTS = """(el) => {
  const model = echarts.getInstanceByDom(el).getModel();
  const has = (type, index) => Boolean(model.getComponent(type, index || 0));
  return {
    series: model.getSeries().map((s) => s.subType).sort(),
    grid: has("grid"), x: has("xAxis"), y: has("yAxis"), y2: has("yAxis", 1),
    tooltip: has("tooltip"), axisPointer: has("axisPointer"), legend: has("legend"),
    markLine: has("markLine"), graphic: has("graphic"),
  };
}"""


def test_the_custom_echarts_build_has_every_part_the_charts_use(phone, live_server, county):
    from reports import targets

    w = county
    targets.set_target(w.county, 7.5)  # the dashed target line on the trend
    cache.clear()
    page = phone
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, w.county_reviewer.username)
    page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
    assert_every_chart_draws(page)
    trend = page.locator('[data-chart="trend"]').evaluate(CHART_PARTS)
    assert trend["series"] == ["bar", "bar", "bar", "bar", "line"]
    assert all(trend[k] for k in ("grid", "x", "y", "y2", "tooltip", "axisPointer", "legend", "markLine"))
    spark = page.locator('[data-chart="spark"]').first.evaluate(CHART_PARTS)
    assert spark["series"] == ["line"] and spark["tooltip"]
    # A township whose every week is hidden says so in the chart, with a graphic text.
    page.goto(f"{live_server.url}/reports/counties/{w.county.code}/townships/330802004/?period=2026-Q4")
    empty = page.locator('[data-chart="trend"]')
    page.wait_for_function("(el) => el.getAttribute('data-rendered') === 'true'", arg=empty.element_handle())
    assert empty.evaluate(CHART_PARTS)["graphic"]
    assert not errors, errors
