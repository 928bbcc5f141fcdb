"""Repeated meeting themes on the department page, among the recommendations that name it
(reports.recommend.repeated_themes through reports.extras.department_cuts).

Data: tests/reports/dashboard_data, where every cadre reports the province department's meeting
"全省乡村振兴工作视频会" in W46 and W47 (so the province holds that theme twice), read after W47
has closed. Tests below add holdings of another theme through the write services.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal import services
from portal.models import User
from reports import jobs
from reports.models import ReporterTitleWeek
from tests.reports import dashboard_data

pytestmark = pytest.mark.django_db
THEME = "秸秆禁烧工作部署会"


def _themes(user, department):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    answer = client.get(reverse("reports:department", args=[department.pk]) + "?period=2026-Q4")
    assert answer.status_code == 200
    page = re.sub(r"\s+", " ", answer.content.decode())
    found = re.search(r'data-rec="themes">(.*?)</ul>', page)
    return page, (found.group(1) if found else None)


def _hold(w, township_code, department, n, day=dashboard_data.DAYS["2026-W47"]):
    """`n` cadres of a township report a meeting on THEME from `department` (an amendment of
    their submitted week), then the drain rolls it up as beat would."""
    for cadre in User.objects.filter(username__startswith=f"c{township_code}-").order_by("username")[:n]:
        services.entries_bulk_create(
            cadre=cadre,
            rows=[w.entry_data("meeting", day, hours="1.0", title=THEME, departments=[department.pk])],
        )
    jobs.drain_dirty()


def test_the_theme_a_department_holds_week_after_week_is_named_on_its_page(closed_world):
    w = closed_world
    page, themes = _themes(w.department_viewer, w.dept_province)
    assert themes is not None, "no repeated theme listed"
    assert dashboard_data.TITLE in themes
    holder = re.search(rf'data-holder="{w.dept_province.code}">(.*?)</span>', themes).group(1)
    assert w.dept_province.name in holder and "2026-W46" in holder and "2026-W47" in holder
    assert not re.search(r"\d+ ?(人|名)", re.sub(r"<[^>]+>", "", themes))  # never a count
    assert "c3308" not in page  # nor a cadre


def test_a_theme_two_departments_hold_names_both_on_each_page(closed_world):
    w = closed_world
    _hold(w, w.township2.code, w.dept_city, 6, dashboard_data.DAYS["2026-W46"])  # 荷花街道: 6 cadres
    _hold(w, "330802003", w.dept_county, 5)  # 石室乡: 5 of its 6 cadres
    for user, department in ((w.admin, w.dept_city), (w.county_reviewer, w.dept_county)):
        _page, themes = _themes(user, department)
        assert THEME in themes
        item = re.search(rf"<li><strong>{THEME}</strong>(.*?)</li>", themes).group(1)
        assert w.dept_city.name in item and w.dept_county.name in item
        assert "2026-W46" in item and "2026-W47" in item
    # The province department held its own theme only: this one is not on its page.
    _page, themes = _themes(w.department_viewer, w.dept_province)
    assert THEME not in themes


def test_a_holding_of_fewer_than_the_minimum_is_not_a_theme(closed_world):
    w = closed_world
    _hold(w, w.township2.code, w.dept_city, 6)
    _hold(w, "330802003", w.dept_county, 4, dashboard_data.DAYS["2026-W46"])  # 4 cadres: too few
    _page, themes = _themes(w.admin, w.dept_city)
    assert themes is None or THEME not in themes
    page, themes = _themes(w.admin, w.dept_county)
    assert themes is None or THEME not in themes
    assert "没有在其他周再次召开" in page  # the page says there is none


def test_title_rows_from_before_departments_were_kept_do_not_make_a_theme(closed_world):
    """Rows written before migration 0011 name no department until the drain refills them: they
    must not count as a second holding of a theme that one department held once."""
    w = closed_world
    _hold(w, w.township2.code, w.dept_city, 6)  # the city holds THEME once, in W47
    cadres = User.objects.filter(username__startswith=f"c{w.township2.code}-").order_by("username")[:6]
    ReporterTitleWeek.objects.bulk_create(
        ReporterTitleWeek(county=w.county, week="2026-W46", cadre_id=c.pk, title=THEME, department=None)
        for c in cadres
    )
    _page, themes = _themes(w.admin, w.dept_city)
    assert themes is None or THEME not in themes
