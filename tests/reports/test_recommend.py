"""Pure recommendation and cost functions, and the extras tables the rollup writes."""

import datetime as dt

import pandas as pd
import pytest
from django.core.management import call_command

from portal import services
from portal import weeks as isoweeks
from portal.models import Role, User
from portal.weeks import Period
from reports import extras, recommend, stats
from reports.models import ReporterDataItemWeek, ReporterInspectionWeek, ReporterLevelWeek, ReporterTitleWeek
from tests.conftest import W47_CLOSED
from tests.reports import fixture

TARIFF = {"township": 60, "village": 35}


def test_cost_prices_each_level_at_its_own_wage():
    cost = recommend.cost({"township": (True, 50.0), "village": (True, 20.0)}, TARIFF)
    assert cost["suppressed"] is False
    assert cost["yuan"] == 50 * 60 + 20 * 35
    assert cost["levels"]["village"] == {"hours": 20.0, "wage": 35, "yuan": 700.0}


def test_a_small_level_hides_the_cost():
    # The yuan weighs the levels 60:35 and the total hours 1:1: from the two, the small level's
    # hours would follow by subtraction.
    cost = recommend.cost({"township": (True, 90.0), "village": (False, 16.0)}, TARIFF)
    assert cost == {"suppressed": True, "yuan": None, "levels": None}


def test_no_level_no_cost():
    assert recommend.cost({}, TARIFF) == {"suppressed": True, "yuan": None, "levels": None}


@pytest.mark.parametrize(
    ("week", "fortnight"),
    [("2026-W01", "2026-W01"), ("2026-W02", "2026-W01"), ("2026-W47", "2026-W47"), ("2026-W48", "2026-W47")],
)
def test_fortnights_are_fixed_pairs_of_weeks(week, fortnight):
    assert recommend.fortnight(week) == fortnight


def test_a_53rd_week_is_a_fortnight_alone():
    assert recommend.fortnight("2026-W53") == "2026-W53"
    assert recommend.fortnight_weeks("2026-W53") == ["2026-W53"]
    assert recommend.fortnight_weeks("2026-W51") == ["2026-W51", "2026-W52"]


def _inspections(dept, cadres, week="2026-W47"):
    return [(week, dept, c) for c in cadres]


Q4 = Period("quarter", "2026-Q4").weeks


def test_two_departments_inspecting_in_one_fortnight_are_a_candidate():
    rows = _inspections(1, range(5)) + _inspections(2, range(3, 8), week="2026-W48")
    (candidate,) = recommend.joint_inspection_candidates(rows, 5, Q4)
    assert candidate == {
        "fortnight": "2026-W47",
        "weeks": ["2026-W47", "2026-W48"],
        "departments": [{"department_id": 1}, {"department_id": 2}],
    }


def test_a_department_of_too_few_cadres_is_left_out():
    rows = _inspections(1, range(5)) + _inspections(2, range(4))
    assert recommend.joint_inspection_candidates(rows, 5, Q4) == []


def test_different_fortnights_are_not_merged():
    rows = _inspections(1, range(5)) + _inspections(2, range(5), week="2026-W49")
    assert recommend.joint_inspection_candidates(rows, 5, Q4) == []


def test_only_whole_fortnights_inside_the_period_count():
    rows = _inspections(1, range(5)) + _inspections(2, range(5))
    assert recommend.joint_inspection_candidates(rows, 5, ["2026-W47"]) == []  # half a fortnight
    assert len(recommend.joint_inspection_candidates(rows, 5, Q4)) == 1


def test_a_data_item_asked_by_two_apps_is_a_county_list_candidate():
    rows = [(10, 7, c) for c in range(5)] + [(11, 7, c) for c in range(5)] + [(12, 7, 1)]
    (candidate,) = recommend.county_list_candidates(rows, 5)
    assert candidate == {"data_item_id": 7, "apps": [{"app_id": 10}, {"app_id": 11}]}  # app 12: one cadre


def test_repeated_titles_need_enough_distinct_cadres():
    rows = [("全省视频会", c) for c in range(5)] + [("小范围会", 1)] * 7
    assert recommend.repeated_titles(rows, 5) == [{"title": "全省视频会"}]
    assert recommend.repeated_titles(rows, 6) == []


def _held(title, department, week, cadres):
    return [(week, title, department, len(cadres))]


def test_a_theme_held_by_two_departments_is_repeated():
    rows = _held("秸秆禁烧", 7, "2026-W46", range(5)) + _held("秸秆禁烧", 8, "2026-W47", range(3, 8))
    assert recommend.repeated_themes(rows, 5) == [
        {
            "title": "秸秆禁烧",
            "departments": [
                {"department_id": 7, "weeks": ["2026-W46"]},
                {"department_id": 8, "weeks": ["2026-W47"]},
            ],
        }
    ]


def test_a_theme_one_department_holds_in_two_weeks_is_repeated():
    rows = _held("安全生产", 7, "2026-W46", range(5)) + _held("安全生产", 7, "2026-W47", range(5))
    assert recommend.repeated_themes(rows, 5) == [
        {"title": "安全生产", "departments": [{"department_id": 7, "weeks": ["2026-W46", "2026-W47"]}]}
    ]


def test_a_theme_held_once_is_not_repeated():
    # One department, one week, however many cadres heard it (one meeting relayed widely).
    assert recommend.repeated_themes(_held("全省视频会", 7, "2026-W47", range(50)), 5) == []
    assert recommend.repeated_themes([], 5) == []


def test_a_holding_of_too_few_cadres_does_not_count_nor_is_named():
    rows = _held("秸秆禁烧", 7, "2026-W46", range(5)) + _held("秸秆禁烧", 8, "2026-W47", range(4))
    assert recommend.repeated_themes(rows, 5) == []
    # Nor do small weeks add up: 4 cadres in one week and 4 in another are not summed into a
    # holding (distinct cadres within a week are counted in the database, reports.extras).
    rows = _held("例会", 7, "2026-W46", range(4)) + _held("例会", 7, "2026-W47", range(4, 8))
    rows += _held("例会", 8, "2026-W46", range(5))
    assert recommend.repeated_themes(rows, 5) == []
    rows = _held("秸秆禁烧", 7, "2026-W46", range(5)) + _held("秸秆禁烧", 8, "2026-W47", range(5))
    rows += _held("秸秆禁烧", 9, "2026-W47", range(4))
    themes = recommend.repeated_themes(rows, 5)
    assert [d["department_id"] for d in themes[0]["departments"]] == [7, 8]  # 9 is named nowhere
    # Never a count: a title, departments and weeks.
    assert set(themes[0]) == {"title", "departments"}
    assert all(set(d) == {"department_id", "weeks"} for d in themes[0]["departments"])


def test_titles_match_up_to_whitespace():
    assert recommend.normalise_title("  全省  乡村振兴\t会 ") == "全省 乡村振兴 会"


def test_extras_frames_from_raw_rows():
    logs = pd.DataFrame(
        [(1, 100, 9, "2026-W47", "village", 5.0), (2, 101, 9, "2026-W47", "township", 0.0)],
        columns=recommend.LOG_COLUMNS,
    )
    inspections = pd.DataFrame([(50, 1, 3.0, 7), (50, 1, 3.0, 8)], columns=recommend.INSPECTION_COLUMNS)
    items = pd.DataFrame([(51, 1, 4, 30), (51, 1, 4, 31)], columns=recommend.DATA_ITEM_COLUMNS)
    titles = pd.DataFrame(
        [(52, 1, " 例会 ", 7), (53, 1, "例会", 7), (53, 1, "例会", 8)], columns=recommend.TITLE_COLUMNS
    )
    frames = recommend.extras(logs, inspections, items, titles)
    assert frames["reporter_levels"][["cadre_id", "level", "quarter", "year"]].values.tolist() == [
        [100, "village", "2026-Q4", "2026"],
        [101, "township", "2026-Q4", "2026"],
    ]
    assert frames["reporter_inspections"][["department_id", "inspections", "hours"]].values.tolist() == [
        [7, 1, 1.5],
        [8, 1, 1.5],
    ]
    assert frames["reporter_data_items"]["data_item_id"].tolist() == [30, 31]
    # One row per issuing department: a meeting with two issuers counts for each.
    assert frames["reporter_titles"][["title", "department_id", "entries"]].values.tolist() == [
        ["例会", 7, 2],
        ["例会", 8, 1],
    ]


@pytest.mark.django_db
def test_the_rollup_writes_and_replaces_the_extras(world, frozen):
    from reports import jobs

    fixture.build(world)
    jobs.rollup_all()
    jobs.rollup_all()  # a re-run replaces, never duplicates
    levels = dict(
        ReporterLevelWeek.objects.filter(county=world.county, week="2026-W47").values_list(
            "cadre_id", "level"
        )
    )
    assert levels[world.cadre.pk] == "village" and levels[world.cadre2.pk] == "township"
    hours = ReporterLevelWeek.objects.get(county=world.county, week="2026-W47", cadre_id=world.cadre.pk)
    assert hours.hours_total == 8.0  # alice: 2.5 + 1.0 + 4.0 + 0.5
    # bob's joint inspection (province, division, county office): 1.5 h split three ways.
    bob = ReporterInspectionWeek.objects.filter(cadre_id=world.cadre2.pk)
    assert sorted(bob.values_list("hours", flat=True)) == [0.5, 0.5, 0.5]
    assert ReporterDataItemWeek.objects.get(cadre_id=world.cadre.pk).data_item_id == world.item.pk
    assert ReporterTitleWeek.objects.filter(county=world.county, week="2026-W47").count() == 2
    assert ReporterLevelWeek.objects.count() == 5  # submitted logs only: ivan's draft is left out


# ---------------------------------------------------------------------------- subtraction attacks
# Reproductions of reviewed leaks, through the write services, the rollup and the readers.

D33, D45, D46, D47 = (
    dt.date(2026, 8, 12),
    dt.date(2026, 11, 4),
    dt.date(2026, 11, 11),
    dt.date(2026, 11, 18),
)


def _cadres(prefix, region, n):
    users = [
        User(username=f"{prefix}{i}", role=Role.CADRE, display_name=f"{prefix}{i}", region=region)
        for i in range(n)
    ]
    for user in users:
        user.set_password("x")
        user.save()
    return users


def _file(world, user, day, kind="meeting", **fields):
    services.entries_bulk_create(cadre=user, rows=[world.entry_data(kind, day, **fields)])
    services.week_submit(cadre=user, week=isoweeks.week_of(day))


def _cost(world, label):
    period = isoweeks.parse_period(label)
    total = stats.county_townships(world.county, period)["total"]
    return total, extras.county_cost(world.county, period, total["suppressed"])


@pytest.mark.django_db
def test_the_cost_is_shown_with_the_county_total_from_each_levels_hours(world, frozen, exact):
    # 8 township-level cadres and 5 village cadres: both levels priced and listed.
    for user in _cadres("at", world.township, 2):
        _file(world, user, D47, hours="9")
    for user in _cadres("bt", world.township2, 6):
        _file(world, user, D47, hours="2")
    for user in _cadres("av", world.village, 5):
        _file(world, user, D47, hours="1")
    call_command("rollup", "--all")
    frozen.set(W47_CLOSED)
    for label in ["2026-W47", "2026-M11", "2026-Q4", "2026"]:
        total, cost = _cost(world, label)
        assert total["suppressed"] is False, label
        assert cost["yuan"] == (2 * 9 + 6 * 2) * 60 + 5 * 1 * 35, label
        assert cost["levels"]["village"] == {"hours": 5.0, "wage": 35, "yuan": 175.0}, label


@pytest.mark.django_db
def test_a_county_with_a_small_level_shows_its_total_but_no_cost(world, frozen, exact):
    # 8 township-level cadres and 3 village cadres: the total is shown, the cost is not.
    for user in _cadres("bt", world.township2, 8):
        _file(world, user, D47, hours="2")
    for user in _cadres("av", world.village, 3):
        _file(world, user, D47, hours="1")
    call_command("rollup", "--all")
    frozen.set(W47_CLOSED)
    total, cost = _cost(world, "2026-W47")
    assert total["suppressed"] is False
    assert cost == {"suppressed": True, "yuan": None, "levels": None}


@pytest.mark.django_db
def test_the_cost_is_perturbed_within_its_bound(world, frozen):
    for user in _cadres("bt", world.township2, 6):
        _file(world, user, D47, hours="2")
    call_command("rollup", "--all")
    frozen.set(W47_CLOSED)
    total, cost = _cost(world, "2026-W47")
    # 0.5 x max(largest reporter 2 h, floor 8 h) = at most 4 h of noise, at 60 yuan an hour.
    assert total["suppressed"] is False and abs(cost["yuan"] - 12 * 60) <= 4 * 60
    assert cost == _cost(world, "2026-W47")[1]  # the same cell, the same price


@pytest.mark.django_db
def test_a_lone_inspection_cannot_be_recovered_from_a_fortnight(world, frozen):
    # Five cadres host the province and the city in W45; one cadre alone hosts the province in W46.
    cadres = _cadres("c", world.township, 6)
    for user in cadres[:5]:
        services.entries_bulk_create(
            cadre=user,
            rows=[
                world.entry_data("inspection", D45, hours="1", departments=[world.dept_city.pk]),
                world.entry_data("inspection", D45, hours="1", departments=[world.dept_province.pk]),
            ],
        )
        services.week_submit(cadre=user, week="2026-W45")
    _file(world, cadres[5], D46, "inspection", hours="7.5", departments=[world.dept_province.pk])
    call_command("rollup", "--all")
    answers = {
        label: extras.recommendations(world.county, isoweeks.parse_period(label))["inspections"]
        for label in ["2026-W45", "2026-W46", "2026-Q4", "2026"]
    }
    assert answers["2026-W45"] == answers["2026-W46"] == []  # half a fortnight is never shown
    (candidate,) = answers["2026-Q4"]
    assert (candidate["first_week"], candidate["last_week"]) == ("2026-W45", "2026-W46")
    for department in candidate["departments"]:
        assert set(department) == {"department_id", "department"}  # no hours, counts or reporters
    assert set(candidate) == {"fortnight", "weeks", "departments", "first_week", "last_week", "starts"}
    assert answers["2026"] == answers["2026-Q4"]


@pytest.mark.django_db
def test_titles_and_county_list_candidates_do_not_subtract_across_periods(world, frozen):
    # Five cadres report a title and fill an item through two apps in Q4; one more does both in
    # Q3 alone: the year's counts minus Q4's would show that cadre.
    cadres = _cadres("c", world.township, 6)

    def report(user, day):
        services.entries_bulk_create(
            cadre=user,
            rows=[
                world.entry_data("meeting", day, title="全省视频会"),
                world.entry_data("app_task", day, app=world.app.pk, data_items=[world.item.pk]),
                world.entry_data("app_task", day, app=world.app2.pk, data_items=[world.item.pk]),
            ],
        )
        services.week_submit(cadre=user, week=isoweeks.week_of(day))

    for user in cadres[:5]:
        report(user, D47)
    report(cadres[5], D33)
    call_command("rollup", "--all")
    frozen.set(W47_CLOSED)
    year = extras.recommendations(world.county, isoweeks.parse_period("2026"))
    quarter = extras.recommendations(world.county, isoweeks.parse_period("2026-Q4"))
    assert year["titles"] == quarter["titles"] == [{"title": "全省视频会"}]
    assert year["data_items"] == quarter["data_items"]
    (candidate,) = year["data_items"]
    assert {a["app_id"] for a in candidate["apps"]} == {world.app.pk, world.app2.pk}
    assert all(set(a) == {"app_id", "app"} for a in candidate["apps"])
