"""The cost card (Standard Cost Model, yuan) wherever a county total is shown: the county page
and its dated report, and the region page (its total, and each county's row of its comparison
table), each priced from each cadre level's perturbed hours by one function
(reports.recommend.cost); the same cells give the same yuan on every page.

Data: tests/reports/dashboard_data (柯城区: 16 township and 5 village cadres, 衢江区: 1 township
cadre; 8.5 h a week each, W46 and W47), read after W47 has closed.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
NOTICE = "少于5人，不予显示"
TOP_HOURS = 17.0  # the largest single reporter's hours in a two-week cell
WAGES = {"township": 60, "village": 35}


def _page(user, name, *args, query="?period=2026-Q4"):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    answer = client.get(reverse(name, args=args) + query)
    assert answer.status_code == 200
    return re.sub(r"\s+", " ", answer.content.decode())


def _yuan(text):
    return float(re.sub(r"<[^>]+>", "", text).strip().removeprefix("¥").replace(",", ""))


def _headline_cost(page):
    return re.search(r'data-metric="cost">.*?class="figure-value">(.*?)</span>', page).group(1)


def _row_cost(page, code):
    row = re.search(rf'data-county="{code}">(.*?)</tr>', page).group(1)
    cell = re.search(r'<td class="num" data-metric="cost"[^>]*>(.*?)</td>', row)
    return row, None if cell is None else cell.group(1)


def test_the_region_page_shows_the_cost_of_the_region_and_of_each_county(closed_world):
    w = closed_world
    page = _page(w.region_reviewer, "reports:region", w.city.code)
    total = _yuan(_headline_cost(page))
    # 17 township cadres (one of them in 衢江区) and 5 village cadres, 17 h each, each level's
    # hours perturbed within its bound.
    true = 17 * 17 * WAGES["township"] + 5 * 17 * WAGES["village"]
    bound = (
        settings.BURDEN_NOISE_SCALE * max(TOP_HOURS, settings.BURDEN_NOISE_FLOOR_HOURS) * sum(WAGES.values())
    )
    assert abs(total - true) <= bound + 1
    # A county's row shows the same yuan as its own county page: the same cells.
    county_page = _page(w.county_reviewer, "reports:county", w.county.code)
    _row, cell = _row_cost(page, w.county.code)
    assert cell == _headline_cost(county_page) and _yuan(cell) > 0
    # A county below the minimum group shows the notice and no cost.
    small, cell = _row_cost(page, w.other_county.code)
    assert NOTICE in small and cell is None and "¥" not in small


def test_the_region_cost_is_exact_without_perturbation(closed_world, exact):
    w = closed_world
    page = _page(w.region_reviewer, "reports:region", w.city.code)
    assert _yuan(_headline_cost(page)) == 17 * 17 * 60 + 5 * 17 * 35
    _row, cell = _row_cost(page, w.county.code)
    assert _yuan(cell) == 16 * 17 * 60 + 5 * 17 * 35
    # The province page compares the same counties with the same figures.
    province = _page(w.admin, "reports:region", w.province.code)
    assert _yuan(_headline_cost(province)) == 17 * 17 * 60 + 5 * 17 * 35


def test_a_region_below_the_minimum_group_shows_no_cost(closed_world, settings):
    w = closed_world
    settings.BURDEN_MIN_GROUP = 30  # now nothing in the region is big enough
    page = _page(w.region_reviewer, "reports:region", w.city.code)
    assert "少于30人，不予显示" in _headline_cost(page)
    for code in (w.county.code, w.other_county.code):
        assert _row_cost(page, code)[1] is None


def test_the_dated_report_prices_the_county_total_like_its_page(closed_world):
    w = closed_world
    county_page = _page(w.county_reviewer, "reports:county", w.county.code)
    report = _page(w.county_reviewer, "reports:county-report", w.county.code)
    cost = re.search(r'data-metric="cost">.*?<td class="num">(.*?)</td>', report).group(1)
    assert cost == _headline_cost(county_page) and cost.startswith("¥")
