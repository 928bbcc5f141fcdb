"""Pure recommendation and cost functions, and the extras tables the rollup writes."""

import pandas as pd
import pytest

from reports import recommend
from reports.models import ReporterDataItemWeek, ReporterInspectionWeek, ReporterLevelWeek, ReporterTitleWeek
from tests.reports import fixture

TARIFF = {"township": 60, "village": 35}


def test_cost_prices_each_level_at_its_own_wage():
    rows = [("township", c, 10.0) for c in range(5)] + [("village", c, 4.0) for c in range(10, 15)]
    cost = recommend.cost(rows, TARIFF, 5)
    assert cost["suppressed"] is False
    assert cost["yuan"] == 5 * 10 * 60 + 5 * 4 * 35
    assert cost["levels"]["village"] == {"hours": 20.0, "wage": 35, "yuan": 700.0}


def test_cost_is_hidden_when_one_level_is_small():
    # 4 village cadres: their hours could be worked out from the total and the township hours.
    rows = [("township", c, 10.0) for c in range(9)] + [("village", c, 4.0) for c in range(10, 14)]
    assert recommend.cost(rows, TARIFF, 5) == {"suppressed": True, "yuan": None, "levels": None}


def test_cost_with_one_level_only_is_shown():
    rows = [("township", c, 2.0) for c in range(5)]
    assert recommend.cost(rows, TARIFF, 5)["yuan"] == 600


def test_a_cadre_counts_once_per_level_across_weeks():
    rows = [("township", 1, 2.0)] * 6  # one cadre, six weeks
    assert recommend.cost(rows, TARIFF, 5)["suppressed"] is True


@pytest.mark.parametrize(
    ("week", "fortnight"),
    [("2026-W01", "2026-W01"), ("2026-W02", "2026-W01"), ("2026-W47", "2026-W47"), ("2026-W48", "2026-W47")],
)
def test_fortnights_are_fixed_pairs_of_weeks(week, fortnight):
    assert recommend.fortnight(week) == fortnight


def _inspections(dept, cadres, week="2026-W47", n=1, hours=2.0):
    return [(week, dept, c, n, hours) for c in cadres]


def test_two_departments_inspecting_in_one_fortnight_are_a_candidate():
    rows = _inspections(1, range(5)) + _inspections(2, range(3, 8), week="2026-W48")
    (candidate,) = recommend.joint_inspection_candidates(rows, 5)
    assert candidate["fortnight"] == "2026-W47"
    assert {d["department_id"] for d in candidate["departments"]} == {1, 2}
    assert candidate["inspections"] == 10 and candidate["hours"] == 20.0


def test_a_department_of_too_few_cadres_is_left_out():
    rows = _inspections(1, range(5)) + _inspections(2, range(4))
    assert recommend.joint_inspection_candidates(rows, 5) == []


def test_different_fortnights_are_not_merged():
    rows = _inspections(1, range(5)) + _inspections(2, range(5), week="2026-W49")
    assert recommend.joint_inspection_candidates(rows, 5) == []


def test_a_data_item_asked_by_two_apps_is_a_county_list_candidate():
    rows = [(10, 7, c, 1) for c in range(5)] + [(11, 7, c, 2) for c in range(5)] + [(12, 7, 1, 9)]
    (candidate,) = recommend.county_list_candidates(rows, 5)
    assert candidate["data_item_id"] == 7
    assert [a["app_id"] for a in candidate["apps"]] == [11, 10]  # app 12: one cadre, left out
    assert candidate["entries"] == 15


def test_repeated_titles_need_enough_distinct_cadres():
    rows = [("全省视频会", c, 1) for c in range(5)] + [("小范围会", 1, 7)]
    assert recommend.repeated_titles(rows, 5) == [{"title": "全省视频会", "cadres": 5, "entries": 5}]
    assert recommend.repeated_titles(rows, 6) == []


def test_titles_match_up_to_whitespace():
    assert recommend.normalise_title("  全省  乡村振兴\t会 ") == "全省 乡村振兴 会"


def test_extras_frames_from_raw_rows():
    logs = pd.DataFrame(
        [(1, 100, 9, "2026-W47", "village", 5.0), (2, 101, 9, "2026-W47", "township", 0.0)],
        columns=recommend.LOG_COLUMNS,
    )
    inspections = pd.DataFrame([(50, 1, 3.0, 7), (50, 1, 3.0, 8)], columns=recommend.INSPECTION_COLUMNS)
    items = pd.DataFrame([(51, 1, 4, 30), (51, 1, 4, 31)], columns=recommend.DATA_ITEM_COLUMNS)
    titles = pd.DataFrame([(52, 1, " 例会 "), (53, 1, "例会")], columns=recommend.TITLE_COLUMNS)
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
    assert frames["reporter_titles"][["title", "entries"]].values.tolist() == [["例会", 2]]


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
