"""Per department and year: received, answered on time, median working days, share resolved;
"<5" under the minimum group, on the department page and the league table."""

import datetime as dt

from django.core.cache import cache
from django.test import Client

from problems import accountability, services
from problems.models import Assignment
from tests.conftest import SHANGHAI

from .conftest import answered, routed, verified


def test_counts_under_the_minimum_read_less_than_five_and_no_median(w):
    answered(w)
    figures = accountability.department_year(w.dept_province, "2026", [w.county.pk])
    assert figures["received"] == "<5" and figures["on_time"] == "<5"
    assert figures["median_days"] is None and figures["resolved_share"] is None


def test_figures_over_the_minimum_and_divisions_count_for_the_parent(w, frozen, settings):
    settings.BURDEN_MIN_GROUP = 2
    first = verified(w)
    services.report_rate(cadre=w.cadre, report=first, resolved=True)
    late = routed(w, departments=[w.dept_division.pk])
    frozen.set(dt.datetime(2026, 12, 9, 9, tzinfo=SHANGHAI))
    services.assignment_answer(
        viewer=w.department_viewer,
        assignment=Assignment.objects.get(report=late),
        kind="disputed",
        text="不同意",
    )
    figures = accountability.department_year(w.dept_province, "2026", [w.county.pk])
    assert figures["received"] == 2 and figures["answered"] == 2 and figures["on_time"] == "<2"
    assert figures["median_days"] == 6  # 0 and 12 working days
    assert figures["rated"] == "<2" and figures["resolved_share"] is None
    rows = {r["department"].code: r for r in accountability.league("2026", [w.county.pk])}
    assert set(rows) == {"ZJ-AGRI", "ZJ-AGRI-01"}
    assert accountability.department_year(w.dept_province, "2025", [w.county.pk])["received"] == "<2"
    assert accountability.department_year(w.dept_province, "2026", [w.other_county.pk])["received"] == "<2"


def test_the_department_page_and_the_league_show_them_and_move(w, frozen):
    cache.clear()
    client = Client()
    client.force_login(w.region_reviewer)
    league = f"/reports/regions/{w.city.code}/league/?year=2026"
    assert "本年没有转办的问题反映" in client.get(league).content.decode()
    routed(w)
    page = client.get(league).content.decode()
    assert 'data-table="answers"' in page and 'data-metric="received">&lt;5<' in page
    client.force_login(w.department_viewer)
    page = client.get(f"/reports/departments/{w.dept_province.pk}/?period=2026-Q4").content.decode()
    assert "data-accountability" in page and "收到反映" in page
