"""The rollup against hand-computed tables (see tests/reports/fixture.py for the data)."""

import math

import pandas as pd
import pytest

from reports import jobs, rollup
from reports.models import (
    CountyWeekStat,
    DepartmentWeekStat,
    ReporterDepartmentWeek,
    ReporterWeek,
    TownshipWeekStat,
)
from tests.reports import fixture
from tests.reports.fixture import W46, W47

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(rollup.MEASURE_COLUMNS, 0)
# County 330802, 2026-W47, by hand: 3 reporters (alice, bob, hank's empty week); ivan's draft excluded.
COUNTY_W47 = {
    "reporters": 3,
    "entries_meeting": 2,
    "entries_document": 2,
    "entries_inspection": 2,
    "entries_app_task": 1,
    "hours_meeting": 5.5,  # 2.5 + 3.0
    "hours_document": 3.0,  # 1.0 + 2.0
    "hours_inspection": 5.5,  # 4.0 + 1.5
    "hours_app_task": 0.5,
    "hours_total": 14.5,
    "unnumbered_docs": 1,  # E2
    "relayed_meetings": 1,  # E1
    "repeat_meetings": 1,  # E5
    "accompanying_meetings": 1,  # E5
    "disguised_inspections": 1,  # E3 (research + 40 pages); E7 is labelled inspection
    "duplicate_app_tasks": 1,  # E4
}
COUNTY_W46 = {**ZERO, "reporters": 1, "entries_meeting": 1, "hours_meeting": 1.0, "hours_total": 1.0}
# All W47 entries are in township 330802001; hank's empty week is township 330802002's only reporter.
TOWNSHIP1_W47 = {**COUNTY_W47, "reporters": 2}
TOWNSHIP2_W47 = {**ZERO, "reporters": 1}


def _row(model, fields, **filters):
    return model.objects.filter(**filters).values(*fields).get()


@pytest.fixture
def built(world, frozen):
    extra = fixture.build(world)
    jobs.rollup_all()
    return world, extra


def test_it_computes_the_county_week_table_by_hand(built):
    w, _ = built
    fields = list(COUNTY_W47)
    assert _row(CountyWeekStat, fields, county=w.county, week=W47) == COUNTY_W47
    assert _row(CountyWeekStat, fields, county=w.county, week=W46) == COUNTY_W46
    assert CountyWeekStat.objects.filter(county=w.county).count() == 2
    other = _row(
        CountyWeekStat, ["reporters", "entries_document", "hours_total"], county=w.other_county, week=W47
    )
    assert other == {"reporters": 1, "entries_document": 1, "hours_total": 1.0}


def test_it_computes_townships_by_hand_with_the_empty_week_as_a_reporter(built):
    w, _ = built
    fields = list(COUNTY_W47)
    assert _row(TownshipWeekStat, fields, township=w.township, week=W47) == TOWNSHIP1_W47
    assert _row(TownshipWeekStat, fields, township=w.township2, week=W47) == TOWNSHIP2_W47


def test_it_splits_joint_issuance_and_counts_department_reporters_by_hand(built):
    w, _ = built
    fields = [
        "entries",
        *rollup.ENTRY_COLUMNS,
        "hours",
        "reporters",
        "tree_entries",
        "tree_hours",
        "tree_reporters",
    ]
    rows = {
        r.pop("department_id"): r
        for r in DepartmentWeekStat.objects.filter(county=w.county, week=W47).values("department_id", *fields)
    }
    expected = {
        # E1 2.5 + E2 1.0/2 + E7 1.5/3; with its division also E3 4.0 and E7's division share 0.5.
        w.dept_province.pk: (3, 1, 1, 1, 0, 3.5, 2, 4, 8.0, 2),
        w.dept_division.pk: (2, 0, 0, 2, 0, 4.5, 2, 2, 4.5, 2),  # E3 4.0 + E7 0.5
        w.dept_city.pk: (2, 0, 1, 0, 1, 1.0, 1, 2, 1.0, 1),  # E2 0.5 + E4 0.5
        w.dept_county.pk: (3, 1, 1, 1, 0, 5.5, 1, 3, 5.5, 1),  # E5 3.0 + E6 2.0 + E7 0.5
    }
    assert {k: tuple(v[f] for f in fields) for k, v in rows.items()} == expected
    assert math.isclose(sum(r["hours"] for r in rows.values()), COUNTY_W47["hours_total"])


def test_it_keeps_one_internal_row_per_reporter_week(built):
    w, extra = built
    rows = set(
        ReporterWeek.objects.filter(county=w.county).values_list("week", "cadre_id", "entries", "hours_total")
    )
    assert rows == {
        (W46, w.cadre.pk, 1, 1.0),
        (W47, w.cadre.pk, 4, 8.0),
        (W47, w.cadre2.pk, 3, 6.5),
        (W47, extra["hank"].pk, 0, 0.0),
    }
    assert not ReporterWeek.objects.filter(cadre_id=extra["ivan"].pk).exists()  # a draft
    presence = set(
        ReporterDepartmentWeek.objects.filter(county=w.county, week=W47).values_list(
            "cadre_id", "department_id"
        )
    )
    assert presence == {
        (w.cadre.pk, w.dept_province.pk),
        (w.cadre.pk, w.dept_city.pk),
        (w.cadre.pk, w.dept_division.pk),
        (w.cadre2.pk, w.dept_county.pk),
        (w.cadre2.pk, w.dept_province.pk),
        (w.cadre2.pk, w.dept_division.pk),
    }
    assert set(ReporterWeek.objects.values_list("quarter", "year").distinct()) == {("2026-Q4", "2026")}


def _snapshot():
    tables = {}
    for name, model in [
        ("county", CountyWeekStat),
        ("township", TownshipWeekStat),
        ("department", DepartmentWeekStat),
        ("reporter", ReporterWeek),
        ("presence", ReporterDepartmentWeek),
    ]:
        rows = model.objects.values()
        tables[name] = sorted(
            tuple(sorted((k, v) for k, v in r.items() if k not in ("id", "computed_at"))) for r in rows
        )
    return tables


def test_a_second_run_changes_nothing_and_a_county_week_run_agrees(built):
    w, _ = built
    first = _snapshot()
    jobs.rollup_all()
    assert _snapshot() == first
    jobs.rollup_county_week(w.county.pk, W47)
    jobs.rollup_county(w.other_county.pk)
    assert _snapshot() == first


def test_pure_measures_from_frames():
    """rollup() on hand-made frames, without a database: joint issuance, an empty week, numerators."""
    logs = pd.DataFrame(
        [(1, 10, 100, 9, "2026-W47"), (2, 11, 100, 9, "2026-W47"), (3, 12, 101, 9, "2026-W47")],
        columns=rollup.LOG_COLUMNS,
    )
    none = None
    entries = pd.DataFrame(
        [
            (1, 1, "meeting", 2.0, none, "accompanying", True, False, none, none, none, none),
            (2, 1, "document", 3.0, "numbered", none, none, none, none, none, none, none),
            (3, 2, "inspection", 1.0, none, none, none, none, "guidance", 0, True, none),
            (4, 2, "app_task", 0.75, none, none, none, none, none, none, none, False),
        ],
        columns=rollup.ENTRY_INPUT_COLUMNS,
    )
    links = pd.DataFrame([(1, 5), (1, 6), (2, 5), (3, 6), (4, 7)], columns=["entry_id", "department_id"])
    departments = pd.DataFrame([(5, None), (6, 5), (7, None)], columns=["department_id", "parent_id"])
    out = rollup.rollup(logs, entries, links, departments)
    county = out["county_weeks"].iloc[0]
    assert county["reporters"] == 3 and county["hours_total"] == 6.75
    assert county["accompanying_meetings"] == 1 and county["relayed_meetings"] == 1
    assert county["unnumbered_docs"] == 0 and county["disguised_inspections"] == 1
    assert county["duplicate_app_tasks"] == 0
    townships = out["township_weeks"].set_index("township_id")
    assert townships.loc[101, "reporters"] == 1 and townships.loc[101, "hours_total"] == 0
    depts = out["department_weeks"].set_index("department_id")
    assert depts.loc[5, "hours"] == 4.0 and depts.loc[6, "hours"] == 2.0 and depts.loc[7, "hours"] == 0.75
    assert depts.loc[5, "tree_entries"] == 3 and depts.loc[5, "tree_hours"] == 6.0
    assert depts.loc[5, "tree_reporters"] == 2 and depts.loc[5, "reporters"] == 1
