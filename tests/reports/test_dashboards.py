"""Dashboard pages: permissions, what they show, suppression notices and query counts."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal.models import Entry
from portal.weeks import Period
from reports import stats
from tests.reports import dashboard_data

pytestmark = pytest.mark.django_db
NOTICE = "少于5人，不予显示"
# Upper bounds per page family (/reports/<family>/...); the test prints nothing, so keep them tight.
QUERY_BUDGET = {"counties": 200, "regions": 80, "departments": 120}


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rendered bodies are cached by data version; tests reuse codes and ids, so start empty.
    cache.clear()
    yield
    cache.clear()


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def county_world(world, frozen):
    townships = dashboard_data.populate(world)
    return world, townships


def _get(user, name, *args, query=""):
    return client_for(user).get(reverse(name, args=args) + query)


# ---------------------------------------------------------------------------- landing


def test_it_lands_each_role_on_its_own_dashboard(world):
    w = world
    county_url = reverse("reports:county", args=[w.county.code])
    assert _get(w.cadre, "reports:home").url == county_url
    assert _get(w.county_reviewer, "reports:home").url == county_url
    assert _get(w.region_reviewer, "reports:home").url == reverse("reports:region", args=[w.city.code])
    dept_url = reverse("reports:department", args=[w.dept_province.pk])
    assert _get(w.department_viewer, "reports:home").url == dept_url
    page = _get(w.admin, "reports:home")
    assert page.status_code == 200
    assert reverse("reports:region", args=[w.province.code]) in page.content.decode()


def test_anonymous_users_are_sent_to_log_in(world):
    answer = Client().get(reverse("reports:county", args=[world.county.code]))
    assert answer.status_code == 302 and "/login/" in answer.url


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("role", "county", "region", "league", "department"),
    [
        ("cadre", 200, 403, 403, 200),
        ("county_reviewer", 200, 403, 403, 200),
        ("region_reviewer", 200, 200, 200, 200),
        ("department_viewer", 403, 403, 403, 200),
        ("admin", 200, 200, 200, 200),
    ],
)
def test_each_page_answers_each_role(world, frozen, role, county, region, league, department):
    w = world
    user = getattr(w, role)
    assert _get(user, "reports:county", w.county.code).status_code == county
    assert _get(user, "reports:township", w.county.code, w.township.code).status_code == county
    assert _get(user, "reports:region", w.city.code).status_code == region
    assert _get(user, "reports:league", w.city.code).status_code == league
    assert _get(user, "reports:department", w.dept_province.pk).status_code == department


def test_a_cadre_cannot_open_another_county_whatever_the_parameters(world, frozen):
    w = world
    assert _get(w.cadre, "reports:county", w.other_county.code).status_code == 403
    assert _get(w.cadre, "reports:county", w.other_county.code, query="?period=junk").status_code == 403
    assert _get(w.cadre, "reports:township", w.other_county.code, w.other_township.code).status_code == 403
    assert _get(w.county_reviewer, "reports:county", w.other_county.code).status_code == 403


def test_a_department_viewer_sees_only_their_department_and_its_divisions(world, frozen):
    w = world
    assert _get(w.department_viewer, "reports:department", w.dept_division.pk).status_code == 200
    assert _get(w.department_viewer, "reports:department", w.dept_city.pk).status_code == 403


def test_unknown_subjects_are_404(world, frozen):
    w = world
    assert _get(w.admin, "reports:county", "999999").status_code == 404
    assert _get(w.admin, "reports:county", w.city.code).status_code == 404  # not a county
    assert _get(w.admin, "reports:region", w.county.code).status_code == 404
    assert _get(w.admin, "reports:department", 999999).status_code == 404
    assert _get(w.admin, "reports:township", w.county.code, w.other_township.code).status_code == 404


@pytest.mark.parametrize("period", ["junk", "2026-W60", "2026-Q5", "0", "%00"])
def test_a_bad_period_is_a_400_with_a_chinese_message(world, frozen, period):
    w = world
    for name, args in [
        ("reports:county", [w.county.code]),
        ("reports:township", [w.county.code, w.township.code]),
        ("reports:region", [w.city.code]),
        ("reports:department", [w.dept_province.pk]),
    ]:
        answer = _get(w.admin, name, *args, query=f"?period={period}")
        assert answer.status_code == 400, (name, period)
        assert "请填写周（如 2026-W47）" in answer.content.decode()
    assert _get(w.admin, "reports:league", w.city.code, query="?year=20x6").status_code == 400


# ---------------------------------------------------------------------------- content


def _text(answer):
    return re.sub(r"\s+", " ", answer.content.decode())


def test_the_county_dashboard_shows_the_stats_answers(county_world):
    w, _ = county_world
    page = _text(_get(w.county_reviewer, "reports:county", w.county.code, query="?period=2026-Q4"))
    with translation.override("zh-hans"):
        total = stats.county_townships(w.county, Period("quarter", "2026-Q4"))["total"]
    assert total["suppressed"] is False
    assert total["reporters"] == 21  # 7 (5 of them village cadres), 6, 6, 2
    assert f">{total['reporters']}<" in page
    assert f"{total['hours_per_reporter']:.2f}" in page
    # The cost is not priced: 府山街道 has only 2 township-level cadres beside its 5 village
    # cadres, and 万田乡 only 2, so the level split would reveal small groups' hours.
    cost = re.search(r'data-metric="cost">(.*?)</div>', page).group(1)
    assert NOTICE in cost and "¥" + f"{(16 * 2 * 8.5 * 60 + 5 * 2 * 8.5 * 35):,.0f}" not in page
    # Top departments link to the department page.
    assert reverse("reports:department", args=[w.dept_city.pk]) in page
    # The six indicators, each explained.
    for phrase in ["无文号", "层层", "陪会", "重复"]:
        assert phrase in page, phrase


def test_small_townships_show_the_notice_with_an_explanation(county_world):
    w, townships = county_world
    page = _text(_get(w.county_reviewer, "reports:county", w.county.code))
    rows = dict(re.findall(r'data-township="(\d+)">(.*?)</tr>', page))
    assert NOTICE in rows[townships["万田乡"].code]
    assert NOTICE in rows[townships["荷花街道"].code]  # hidden beside the total to protect 万田乡
    assert NOTICE not in rows[townships["府山街道"].code]
    assert NOTICE not in rows[townships["石室乡"].code]
    assert 'class="suppressed" tabindex="0" title="' in page


def test_the_notice_follows_the_configured_group_size(county_world, settings):
    w, _ = county_world
    settings.BURDEN_MIN_GROUP = 7
    page = _text(_get(w.county_reviewer, "reports:county", w.county.code))
    assert "少于7人，不予显示" in page and NOTICE not in page


def test_the_notice_is_translated(county_world):
    w, _ = county_world
    client = client_for(w.county_reviewer)
    client.cookies["django_language"] = "en"
    page = _text(client.get(reverse("reports:county", args=[w.county.code]), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Fewer than 5 reporters, not shown" in page


def test_recommendations_list_only_groups_of_enough_cadres(county_world):
    w, _ = county_world
    page = _text(_get(w.county_reviewer, "reports:county", w.county.code))
    inspections = re.search(r'data-rec="inspections">(.*?)</ul>', page).group(1)
    assert w.dept_city.name in inspections and w.dept_county.name in inspections
    items = re.search(r'data-rec="data_items">(.*?)</ul>', page).group(1)
    assert w.item.name in items and w.app.name in items and w.app2.name in items
    titles = re.search(r'data-rec="titles">(.*?)</ul>', page).group(1)
    assert dashboard_data.TITLE in titles and "21" not in titles  # the title, never a count
    # No cadre's username is ever on the page.
    assert "c3308" not in page


def test_the_drill_down_reaches_a_township_and_its_weeks(county_world):
    w, townships = county_world
    county_page = _get(w.county_reviewer, "reports:county", w.county.code, query="?period=2026-Q4")
    url = reverse("reports:township", args=[w.county.code, w.township.code]) + "?period=2026-Q4"
    assert url in county_page.content.decode()
    page = _text(client_for(w.county_reviewer).get(url))
    weeks = dict(re.findall(r'data-week="(2026-W\d\d)">(.*?)</tr>', page))
    assert NOTICE not in weeks["2026-W47"] and ">7<" in weeks["2026-W47"]
    assert NOTICE in weeks["2026-W45"]  # nobody reported: 0 < 5
    small = _text(_get(w.county_reviewer, "reports:township", w.county.code, townships["万田乡"].code))
    assert NOTICE in small and ">2<" not in small


def test_the_region_dashboard_compares_its_counties(county_world):
    w, _ = county_world
    page = _text(_get(w.region_reviewer, "reports:region", w.city.code))
    assert reverse("reports:county", args=[w.county.code]) in page
    rows = dict(re.findall(r'data-county="(\d+)">(.*?)</tr>', page))
    assert NOTICE in rows[w.other_county.code]  # one cadre; and it forces 柯城区 to hide too
    assert NOTICE in rows[w.county.code]


def test_the_department_page_shows_its_footprint(county_world):
    w, _ = county_world
    page = _text(_get(w.department_viewer, "reports:department", w.dept_province.pk, query="?period=2026-Q4"))
    assert w.county.name in page and "2026-Q4" in page
    # The county reviewer sees the same department within their own county only.
    page = _text(_get(w.county_reviewer, "reports:department", w.dept_city.pk))
    assert w.county.name in page and w.other_county.name not in page


def test_the_league_table_counts_what_each_department_imposed(county_world):
    w, _ = county_world
    page = _text(_get(w.region_reviewer, "reports:league", w.city.code, query="?year=2026"))
    rows = dict(re.findall(r'data-department="([A-Z0-9-]+)">(.*?)</tr>', page))
    # 市民政局: per cadre-week 1 document, 1 inspection, 1 app task, 3.0 h; 22 cadres (21 + 1) x 2 weeks.
    values = re.findall(r'data-value="([\d.]+)"', rows[w.dept_city.code])
    assert values[1:] == ["0", "44", "44", "44", "132.0", "22"]
    assert "data-print" in page


# ---------------------------------------------------------------------------- query counts


def _queries(user, url, cached=False):
    client = client_for(user)
    client.get(url)  # warm the session and content-type caches
    if not cached:
        cache.clear()  # count the queries that compute the page, not a cached body
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == 200, url
    return len(captured)


def _pages(w):
    return [
        (w.county_reviewer, reverse("reports:county", args=[w.county.code]) + "?period=2026-Q4"),
        (w.county_reviewer, reverse("reports:township", args=[w.county.code, w.township.code])),
        (w.region_reviewer, reverse("reports:region", args=[w.city.code])),
        (w.region_reviewer, reverse("reports:league", args=[w.city.code])),
        (w.department_viewer, reverse("reports:department", args=[w.dept_province.pk])),
    ]


def test_query_counts_do_not_grow_with_the_raw_entries(county_world):
    w, _ = county_world
    small = {url: _queries(user, url) for user, url in _pages(w)}
    entries = Entry.objects.count()
    dashboard_data.grow(w, extra=24)
    assert Entry.objects.count() >= 4 * entries
    large = {url: _queries(user, url) for user, url in _pages(w)}
    assert large == small
    for url, count in large.items():
        assert count <= QUERY_BUDGET[url.split("/")[2]], (url, count)


def test_a_cached_page_costs_a_handful_of_queries(county_world):
    w, _ = county_world
    for user, url in _pages(w):
        # session, user, subject, the policy's scope (region pages walk the region tree level by
        # level), the data version: none of the stats queries.
        assert _queries(user, url, cached=True) <= 12, url


def test_a_rollup_refreshes_a_cached_page(county_world):
    w, _ = county_world
    url = reverse("reports:county", args=[w.county.code]) + "?period=2026-Q4"
    client = client_for(w.county_reviewer)
    before = _text(client.get(url))
    assert "合计357.0小时" in before  # 21 cadres x 2 weeks x 8.5 h
    dashboard_data.grow(w, extra=4)  # one more hour per cadre-week, then the rollup
    after = _text(client.get(url))
    assert "合计399.0小时" in after


def test_a_years_drill_down_shows_its_quarters(county_world):
    w, _ = county_world
    page = _text(
        _get(w.county_reviewer, "reports:township", w.county.code, w.township.code, query="?period=2026")
    )
    rows = dict(re.findall(r'data-week="(2026-Q\d)">(.*?)</tr>', page))
    assert list(rows) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert ">7<" in rows["2026-Q4"] and NOTICE in rows["2026-Q1"]
