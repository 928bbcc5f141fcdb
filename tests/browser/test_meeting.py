"""What a county office takes to its monthly meeting, in real Chromium with perturbation on:
comparisons, completeness, data as of and the cost card on the county dashboard; the dated
report printed to an A4 PDF (read back with poppler's pdftotext); the Excel file (read back with
openpyxl); and the department page that says what to cut. Screenshots: test-artifacts/meeting-*."""

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from tests.conftest import need

from .conftest import ARTIFACTS, shot
from .test_dashboards import DESKTOP, api, assert_every_chart_draws, log_in

pytestmark = pytest.mark.browser
NOTICE = "少于5人，不予显示"


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(
        viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_county_reviewer_takes_comparisons_completeness_cost_a_pdf_and_excel(desktop, live_server, county):
    w = county
    page = desktop
    log_in(page, live_server, w.county_reviewer.username)
    page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-M11")
    total = api(page, f"/api/v1/stats/counties/{w.county.code}/townships/?period=2026-M11")["total"]
    before = api(page, f"/api/v1/stats/counties/{w.county.code}/townships/?period=2026-M10")["total"]
    assert total["suppressed"] is False and before["suppressed"] is True  # nothing filed in October

    # Comparisons: each headline has a change; against a hidden October it says so in words.
    changes = page.locator('[data-metric="hours_per_reporter"] .change')
    assert changes.count() == 1 and changes.get_attribute("data-direction") == "none"
    assert page.locator("[data-compared]").inner_text().startswith("箭头为与上期（2026年10月）相比")
    # Week rows compare with the week before: W47 against W46, both shown, perturbed each.
    w47 = page.locator('tr[data-week="2026-W47"] .change')
    assert w47.get_attribute("data-direction") in ("up", "down", "same")
    assert w47.locator(".visually-hidden").text_content() in ("较上期增加", "较上期减少", "与上期持平")

    # Completeness: the API's figure, a share of the logs expected.
    shown = page.locator('[data-metric="completeness"] .figure-value').inner_text()
    assert shown == f"{total['completeness'] * 100:.1f}%"
    assert 0 < total["completeness"] <= 1 and total["expected_logs"] > 0
    # Data as of and the cost card, which the old every-cell rule hid.
    assert page.locator('[data-protection="as-of"]').inner_text().startswith("数据截至2026-11-22 10:00")
    cost = page.locator('[data-metric="cost"] .figure-value').inner_text()
    assert cost.startswith("¥") and NOTICE not in cost
    yuan = float(cost.removeprefix("¥").replace(",", ""))
    assert 16 * 17 * 60 + 5 * 17 * 35 - 2000 < yuan < 16 * 17 * 60 + 5 * 17 * 35 + 2000
    assert_every_chart_draws(page)
    shot(page, "meeting-county")

    # The Excel file, as a person downloads it from the page.
    with page.expect_download() as download:
        page.locator('a[href*="county-townships.xlsx"]').click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "乡镇（街道）" and rows[0][0].endswith("柯城区")
    assert rows[1][0] == "期间：2026-M11" and rows[2][0].startswith("数据截至2026-11-22 10:00")
    header_at = next(i for i, r in enumerate(rows) if r[0] == "乡镇代码")
    header = rows[header_at]
    assert "填报完整率" in header and "乡镇（街道）" in header
    share = header.index("填报完整率")
    cells = sheet.iter_rows(min_row=header_at + 2)
    percent = [r[share].number_format for r in cells if isinstance(r[share].value, float)]
    assert percent and set(percent) == {"0.0%"}

    # One click to the dated report, printed to A4 by Chromium's own print.
    page.locator("[data-report]").click()
    page.wait_for_url(f"**/reports/counties/{w.county.code}/report/**")
    assert_every_chart_draws(page)
    links = page.locator(".dash a")
    assert links.count() == 0  # nothing to click on paper
    shot(page, "meeting-report")
    pdf = ARTIFACTS / "meeting-report.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    need(shutil.which("pdftotext") is not None, "needs poppler-utils: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True)
    flat = text.stdout.replace(" ", "")
    assert "柯城区" in flat and "2026年11月" in flat and "数据截至2026-11-2210:00" in flat
    assert "少于5人，不予显示" in flat  # 万田乡, printed with the notice
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "595.2" in pages or "595" in pages  # A4 width in points


def test_a_department_viewer_sees_what_to_cut(desktop, live_server, county):
    w = county
    page = desktop
    log_in(page, live_server, w.department_viewer.username)
    page.goto(f"{live_server.url}/reports/departments/{w.dept_province.pk}/?period=2026-Q4")
    # Kinds over time: the quarter's meetings, adjusted (22 cadres x 2 weeks x 1 relayed meeting).
    q4 = page.locator('table[data-table="quarters"] tr', has_text="2026-Q4")
    meetings = int(q4.locator('[data-kind="meeting"]').inner_text())
    assert 42 <= meetings <= 46
    # The six indicators of its own items against all items of those counties.
    indicators = page.locator('table[data-table="department-indicators"] tbody tr')
    assert indicators.count() == 6
    relayed = page.locator('tr[data-indicator="relayed_meeting_share"] td').first.inner_text()
    # Every meeting it issued was relayed (44 of 44): both counts adjusted by at most 2 each.
    # The page rounds to 0.1%: 42/46 = 91.30...% may read "91.3%".
    assert 42 / 46 - 0.0005 <= float(relayed.split()[0].removesuffix("%")) / 100 <= 1
    # Its divisions, linked.
    division = page.locator("[data-divisions] a", has_text=w.dept_division.name)
    assert division.get_attribute("href").startswith(f"/reports/departments/{w.dept_division.pk}/")
    # The app it owns and the data item another app asks for too.
    app = page.locator(f'[data-app="{w.app.code}"]')
    assert w.item.name in app.inner_text() and w.app2.name in app.inner_text()
    # Its rank in the region's league table, which it may open.
    rank = page.locator('[data-metric="rank"]')
    assert rank.locator(".figure-value").inner_text().startswith("第")
    assert_every_chart_draws(page)
    shot(page, "meeting-department")
    rank.locator("a").click()
    page.wait_for_url("**/league/**")
    assert page.locator(f'tr[data-department="{w.dept_province.code}"]').count() == 1
