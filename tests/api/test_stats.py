"""Stats API: answer shapes and hand-computed values (exact), periods, closed weeks, order of checks,
the minimum group, and what a reader sees with perturbation on (bounds and consistency)."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import services
from reports import jobs
from tests.api.conftest import client_for
from tests.conftest import FROZEN_NOW, SHANGHAI, W47_CLOSED
from tests.reports import fixture
from tests.reports.fixture import W47

WEEKS = "/api/v1/stats/counties/{}/weeks/"
TOWNSHIPS = "/api/v1/stats/counties/{}/townships/"
DEPARTMENTS = "/api/v1/stats/counties/{}/departments/"
REGION = "/api/v1/stats/regions/{}/counties/"
DEPARTMENT = "/api/v1/stats/departments/{}/counties/"


@pytest.fixture
def built(w, settings, exact, frozen):
    settings.BURDEN_MIN_GROUP = 1  # the hand-computed values, unsuppressed
    extra = fixture.build(w)
    jobs.rollup_all()
    frozen.set(W47_CLOSED)
    return w, extra


def _get(user, url):
    answer = client_for(user).get(url)
    return answer.status_code, answer.json()


def test_weeks_answer_matches_the_hand_computed_week(built):
    w, _ = built
    status, body = _get(w.county_reviewer, WEEKS.format(w.county.code) + "?period=2026-W47")
    assert status == 200
    assert body["county"] == {"code": "330802", "name": "柯城区"} and body["period"] == W47
    assert body["min_group"] == 1 and body["perturbed"] is False and body["as_of"]
    completeness = [(r.pop("expected_logs"), r.pop("completeness")) for r in body["results"]]
    # Completeness: logs / cadre-weeks of accounts existing by each week's end (none, or at most 1).
    assert all(c is None or 0 <= c <= 1 for _n, c in completeness)
    assert body["results"] == [
        {
            "week": W47,
            "suppressed": False,
            "reporters": 3,
            "entries": {"meeting": 2, "document": 2, "inspection": 2, "app_task": 1},
            "hours": {"meeting": 5.5, "document": 3.0, "inspection": 5.5, "app_task": 0.5},
            "hours_total": 14.5,
            "hours_per_reporter": 4.8333,  # 14.5 / 3
            "week_share": 0.120833,  # 4.8333 / 40
            "unnumbered_doc_share": 0.5,
            "relayed_meeting_share": 0.5,
            "repeat_meeting_share": 0.5,
            "accompanying_share": 0.5,
            "disguised_inspection_share": 0.5,
            "duplicate_entry_share": 1.0,
        }
    ]


def test_weeks_answer_defaults_to_the_current_quarter_up_to_the_last_closed_week(built):
    w, _ = built
    status, body = _get(w.cadre, WEEKS.format(w.county.code))
    assert status == 200 and body["period"] == "2026-Q4"
    weeks = [r["week"] for r in body["results"]]
    assert weeks[0] == "2026-W40" and weeks[-1] == W47 and len(weeks) == 8
    empty = body["results"][0]
    assert empty["suppressed"] is True and empty["reporters"] is None  # 0 reporters is below any group
    w46 = body["results"][-2]
    assert w46["reporters"] == 1 and w46["hours_total"] == 1.0 and w46["relayed_meeting_share"] == 0.0
    assert w46["unnumbered_doc_share"] is None  # no documents that week


def test_townships_answer_counts_distinct_reporters_and_reporter_weeks(built):
    w, _ = built
    status, body = _get(w.region_reviewer, TOWNSHIPS.format(w.county.code) + "?period=2026-Q4")
    assert status == 200
    first, second = body["results"]
    assert first["township"] == {"code": "330802001", "name": "府山街道"}
    # alice (W46, W47) and bob (W47): 2 distinct reporters, 3 logs, 15.5 hours.
    assert (first["reporters"], first["reporter_weeks"], first["hours_total"]) == (2, 3, 15.5)
    assert first["hours_per_reporter"] == 5.1667 and first["relayed_meeting_share"] == 0.333333
    assert (second["reporters"], second["reporter_weeks"], second["hours_total"]) == (1, 1, 0.0)
    assert second["hours_per_reporter"] == 0.0 and second["duplicate_entry_share"] is None
    total = body["total"]
    assert (total["reporters"], total["reporter_weeks"], total["hours_total"]) == (3, 4, 15.5)
    assert total["hours_per_reporter"] == 3.875 and total["week_share"] == 0.096875


def test_departments_answer_splits_joint_hours_and_counts_each_entry_once_in_the_total(built):
    w, _ = built
    status, body = _get(w.cadre2, DEPARTMENTS.format(w.county.code) + "?period=2026-W47")
    assert status == 200
    rows = {r["department"]["code"]: r for r in body["results"]}
    assert rows["ZJ-AGRI"] == {
        "department": {"id": w.dept_province.pk, "code": "ZJ-AGRI", "name": "浙江省农业农村厅"},
        "suppressed": False,
        "reporters": 2,
        "entries": 3,
        "entries_by_kind": {"meeting": 1, "document": 1, "inspection": 1, "app_task": 0},
        "hours": 3.5,
    }
    assert {c: r["hours"] for c, r in rows.items()} == {
        "ZJ-AGRI": 3.5,
        "ZJ-AGRI-01": 4.5,
        "QZ-CIVIL": 1.0,
        "KC-OFFICE": 5.5,
    }
    assert sum(r["entries"] for r in rows.values()) == 10  # E2 twice, E7 three times
    assert body["total"] == {
        "suppressed": False,
        "reporters": 2,  # hank filed nothing
        "entries": 7,
        "entries_by_kind": {"meeting": 2, "document": 2, "inspection": 2, "app_task": 1},
        "hours": 14.5,
    }


def test_region_and_department_answers(built):
    w, _ = built
    status, body = _get(w.region_reviewer, REGION.format(w.city.code) + "?period=2026")
    assert status == 200 and body["region"]["level"] == "city"
    assert [(r["county"]["code"], r["reporters"], r["hours_total"]) for r in body["results"]] == [
        ("330802", 3, 15.5),
        ("330803", 1, 1.0),
    ]
    assert body["total"]["reporters"] == 4 and body["total"]["hours_total"] == 16.5
    # The province department with its division: E1, E2, E3, E7 once each; 2.5 + 0.5 + 4.0 + 1.0 hours.
    status, body = _get(w.department_viewer, DEPARTMENT.format(w.dept_province.pk) + "?period=2026-Q4")
    assert status == 200
    assert body["results"] == [
        {
            "county": {"code": "330802", "name": "柯城区"},
            "suppressed": False,
            "reporters": 2,
            "entries": 4,
            "hours": 8.0,
        },
        # Every county in scope is listed, the empty one with the notice like a small one.
        {
            "county": {"code": "330803", "name": "衢江区"},
            "suppressed": True,
            "reporters": None,
            "entries": None,
            "hours": None,
        },
    ]


def test_numbers_are_json_numbers(built):
    w, _ = built
    raw = client_for(w.admin).get(WEEKS.format(w.county.code) + "?period=2026-W47").content.decode()
    assert '"hours_total":14.5' in raw.replace(" ", "") and '"14.5"' not in raw
    assert isinstance(json.loads(raw)["results"][0]["week_share"], float)


def test_default_minimum_group_suppresses_the_small_fixture(w, w47_closed):
    fixture.build(w)
    jobs.rollup_all()
    status, body = _get(w.county_reviewer, TOWNSHIPS.format(w.county.code))
    assert status == 200 and body["min_group"] == 5
    assert all(r["suppressed"] and r["hours_total"] is None for r in body["results"])
    assert body["total"]["suppressed"] is True and body["total"]["reporters"] is None
    assert body["total"]["entries"] is None and body["total"]["hours_per_reporter"] is None
    # Departments below the minimum are not listed at all, by name or by count.
    status, body = _get(w.county_reviewer, DEPARTMENTS.format(w.county.code) + f"?period={W47}")
    assert status == 200 and body["results"] == [] and body["total"]["suppressed"] is True
    assert "浙江省农业农村厅" not in json.dumps(body, ensure_ascii=False)


def _cadres(w, township, n, prefix):
    return [fixture.cadre(f"{prefix}{i}", township) for i in range(n)]


def test_the_open_week_is_in_no_answer_until_it_closes(w, frozen, exact):
    users = _cadres(w, w.township, 6, "big")
    for user in users:
        services.entries_bulk_create(cadre=user, rows=[w.entry_data(hours="1.0")])
        services.week_submit(cadre=user, week=W47)
    jobs.rollup_all()

    def read():
        weeks = _get(w.county_reviewer, WEEKS.format(w.county.code) + "?period=2026-M11")[1]
        townships = _get(w.county_reviewer, TOWNSHIPS.format(w.county.code) + f"?period={W47}")[1]
        return weeks, townships

    # Sunday of W47, and Tuesday 11:59 after it: still open, in no answer.
    for moment in (FROZEN_NOW, dt.datetime(2026, 11, 24, 11, 59, tzinfo=SHANGHAI)):
        frozen.set(moment)
        weeks, townships = read()
        assert [r["week"] for r in weeks["results"]] == ["2026-W45", "2026-W46"]
        assert townships["total"]["suppressed"] is True and townships["total"]["hours_total"] is None
    frozen.set(dt.datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))  # Tuesday noon: closed
    weeks, townships = read()
    assert [r["week"] for r in weeks["results"]] == ["2026-W45", "2026-W46", W47]
    assert weeks["results"][-1]["hours_total"] == 6.0 and townships["total"]["hours_total"] == 6.0


def test_month_buckets_hold_the_weeks_whose_thursday_falls_in_them(built):
    w, _ = built
    status, body = _get(w.county_reviewer, WEEKS.format(w.county.code) + "?period=2026-M11")
    assert status == 200 and body["period"] == "2026-M11"
    # November 2026's Thursdays: 5, 12, 19 (and 26, not yet closed on 2026-11-25).
    assert [r["week"] for r in body["results"]] == ["2026-W45", "2026-W46", W47]
    status, body = _get(w.county_reviewer, TOWNSHIPS.format(w.county.code) + "?period=2026-M11")
    assert status == 200 and body["total"]["hours_total"] == 15.5 and body["total"]["reporter_weeks"] == 4


def test_a_small_township_is_hidden_and_the_shown_figures_stay_within_their_bounds(w, w47_closed):
    big = _cadres(w, w.township, 6, "big")
    small = _cadres(w, w.township2, 2, "small")
    for user in big + small:
        services.entries_bulk_create(cadre=user, rows=[w.entry_data(hours="1.5")])
        services.week_submit(cadre=user, week=W47)
    jobs.rollup_all()
    status, body = _get(w.county_reviewer, TOWNSHIPS.format(w.county.code) + "?period=2026-W47")
    assert status == 200 and body["perturbed"] is True
    shown, hidden = body["results"]
    assert hidden["suppressed"] is True and hidden["hours_total"] is None and hidden["reporters"] is None
    assert shown["suppressed"] is False and body["total"]["suppressed"] is False
    # Perturbed, within bounds: hours by at most 0.5 x max(largest reporter 1.5 h, floor 8 h) = 4 h,
    # counts by at most 2 and never below the minimum group.
    assert abs(shown["hours_total"] - 9.0) <= 4.0 and abs(body["total"]["hours_total"] - 12.0) <= 4.0
    assert 5 <= shown["reporters"] <= 8 and 6 <= body["total"]["reporters"] <= 10
    assert body["total"]["hours_per_reporter"] == pytest.approx(
        body["total"]["hours_total"] / body["total"]["reporter_weeks"], abs=1e-3
    )
    # The same cell gives the same numbers to every role, on every request.
    again = _get(w.region_reviewer, TOWNSHIPS.format(w.county.code) + "?period=2026-W47")[1]
    assert again["results"] == body["results"] and again["total"] == body["total"]
    weeks = _get(w.county_reviewer, WEEKS.format(w.county.code) + "?period=2026-W47")[1]["results"][0]
    assert (
        weeks["hours_total"] == body["total"]["hours_total"]
        and weeks["reporters"] == body["total"]["reporters"]
    )


# ---------------------------------------------------------------------------- order of checks


@pytest.mark.parametrize("url", [WEEKS, TOWNSHIPS, DEPARTMENTS])
def test_county_answers_check_permission_then_existence_then_period(w, url):
    assert _get(w.department_viewer, url.format("999999") + "?period=junk")[0] == 403
    assert _get(w.cadre, url.format(w.other_county.code) + "?period=junk")[0] == 403
    assert _get(w.cadre, url.format("999999") + "?period=junk")[0] == 404
    for junk in ["2026-Q5", "9999-Q4", "0001", "2026-W54", "2026-w47", " "]:
        status, body = _get(w.cadre, url.format(w.county.code) + f"?period={junk}")
        assert status == 400 and list(body) == ["period"], junk
    assert client_for(None).get(url.format(w.county.code)).status_code == 401


def test_region_and_department_answers_check_scope(w):
    assert _get(w.county_reviewer, REGION.format("999999") + "?period=junk")[0] == 403
    assert _get(w.region_reviewer, REGION.format("999999"))[0] == 404
    assert _get(w.region_reviewer, REGION.format(w.county.code))[0] == 404  # not a city or province
    assert _get(w.region_reviewer, REGION.format(w.city.code) + "?period=junk")[0] == 400
    assert _get(w.cadre, DEPARTMENT.format(w.dept_province.pk) + "?period=junk")[0] == 403
    assert _get(w.department_viewer, DEPARTMENT.format(w.dept_city.pk) + "?period=junk")[0] == 403
    assert _get(w.department_viewer, DEPARTMENT.format(w.dept_division.pk))[0] == 200  # its division
    assert _get(w.department_viewer, DEPARTMENT.format("abc"))[0] == 404
    status, body = _get(w.region_reviewer, DEPARTMENT.format(w.dept_city.pk) + "?period=2026-W99")
    assert status == 400 and "period" in body


def test_chinese_field_message_for_a_bad_period(w):
    answer = client_for(w.cadre).get(
        WEEKS.format(w.county.code) + "?period=soon", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["period"][0])


# ---------------------------------------------------------------------------- query count


def _grow(w, users, per_user):
    for user in users:
        rows = [w.entry_data(hours="0.1", title=f"t{i}", day=fixture.DAY47) for i in range(per_user)]
        services.entries_bulk_create(cadre=user, rows=rows)
    jobs.rollup_all()


def _queries(user, url):
    from django.core.cache import cache

    client = client_for(user)
    cache.clear()  # uncached: the answer and the cadre accounts completeness reads
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_reading_stats_does_not_grow_with_raw_entries(w, frozen):
    users = _cadres(w, w.township, 3, "a") + _cadres(w, w.township2, 6, "b")
    for user in users:
        services.week_submit(cadre=user, week=W47)
    _grow(w, users, 1)
    frozen.set(W47_CLOSED)
    urls = [u.format(w.county.code) for u in (WEEKS, TOWNSHIPS, DEPARTMENTS)]
    urls += [REGION.format(w.city.code), DEPARTMENT.format(w.dept_province.pk)]
    small = [_queries(w.admin, url) for url in urls]
    _grow(w, users, 60)
    assert [_queries(w.admin, url) for url in urls] == small
    # Pinned per answer (uncached: auth, the subject, the data version, then the selector's own
    # grouped queries); the complementary-suppression grid needed up to 40.
    assert small == QUERY_BUDGETS


# (weeks and townships also read the cadre accounts for completeness, cached a minute per county)
# The region and department answers sum their totals from their counties' grouped rows (one
# query fewer than reading the total again: 13 and 10 before).
QUERY_BUDGETS = [6, 9, 9, 12, 9]  # before: [11, 15, 25, 23, 15]


def test_an_answer_is_served_from_cache_until_a_rollup_rewrites_its_county(built):
    from django.core.cache import cache

    w, _ = built
    url = WEEKS.format(w.county.code) + "?period=2026-W47"
    cache.clear()
    with CaptureQueriesContext(connection) as computed:
        status, first = _get(w.county_reviewer, url)
    with CaptureQueriesContext(connection) as cached:
        assert _get(w.county_reviewer, url) == (status, first)
    assert len(cached) < len(computed)

    # alice's W47 is submitted: an amendment, rolled up, must show at once.
    services.entry_create(cadre=w.cadre, data=w.entry_data("meeting", fixture.DAY47, hours="1"))
    jobs.rollup_all()
    _status, after = _get(w.county_reviewer, url)
    assert after["results"][0]["hours_total"] == first["results"][0]["hours_total"] + 1


def test_one_cell_has_one_set_of_numbers_across_answers(w, frozen):
    # QZ-CIVIL has no divisions: its footprint with divisions in the county is its own cell, and
    # a month with one closed week is that week's cell.
    cadres = _cadres(w, w.township, 6, "c")
    for user in cadres:
        services.entries_bulk_create(
            cadre=user, rows=[w.entry_data("document", hours="2.5", departments=[w.dept_city.pk])]
        )
        services.week_submit(cadre=user, week=W47)
    jobs.rollup_all()
    frozen.set(dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))  # W47 closed, W48 open
    row = next(
        r
        for r in _get(w.region_reviewer, DEPARTMENTS.format(w.county.code) + f"?period={W47}")[1]["results"]
        if r["department"]["code"] == "QZ-CIVIL"
    )
    footprint = _get(w.region_reviewer, DEPARTMENT.format(w.dept_city.pk) + f"?period={W47}")[1]
    (county,) = [r for r in footprint["results"] if r["county"]["code"] == w.county.code]
    assert (county["hours"], county["reporters"], county["entries"]) == (
        row["hours"],
        row["reporters"],
        row["entries"],
    )
    # A month with one closed week is that week's cell: the same numbers, one reporter figure.
    frozen.set(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI))
    for user in cadres:
        services.entries_bulk_create(cadre=user, rows=[w.entry_data(day=dt.date(2026, 12, 2), hours="1.5")])
        services.week_submit(cadre=user, week="2026-W49")
    jobs.rollup_all()
    frozen.set(dt.datetime(2026, 12, 9, 10, 0, tzinfo=SHANGHAI))  # W49 closed, W50 open
    week = _get(w.county_reviewer, TOWNSHIPS.format(w.county.code) + "?period=2026-W49")[1]["total"]
    month = _get(w.county_reviewer, TOWNSHIPS.format(w.county.code) + "?period=2026-M12")[1]["total"]
    assert month == week and month["suppressed"] is False
    assert month["reporter_weeks"] == month["reporters"]


def test_a_rollup_of_the_open_week_does_not_move_as_of(w, frozen):
    cadres = _cadres(w, w.township, 5, "c")
    for user in cadres:
        services.entries_bulk_create(cadre=user, rows=[w.entry_data(hours="1")])
        services.week_submit(cadre=user, week=W47)
    jobs.rollup_all()
    frozen.set(W47_CLOSED)  # W47 closed; W48 is open
    before = _get(w.county_reviewer, WEEKS.format(w.county.code))[1]["as_of"]
    day48 = dt.date(2026, 11, 24)
    services.entries_bulk_create(cadre=cadres[0], rows=[w.entry_data(day=day48, hours="1")])
    services.week_submit(cadre=cadres[0], week="2026-W48")
    assert jobs.drain_dirty() == 1  # the open week's county-week, rolled up as beat would
    assert _get(w.county_reviewer, WEEKS.format(w.county.code))[1]["as_of"] == before
