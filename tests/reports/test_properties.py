"""Hypothesis properties of the rollup: department hours sum to hours_total, townships sum to the
county, footprints with divisions partition the hours, and a second run changes nothing."""

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import services
from portal.models import Entry, WeeklyLog
from reports import jobs, rollup
from tests.reports.test_rollup import _snapshot

# Departments 5 > 6 (a division) and 7 > 8; 9 stands alone.
DEPARTMENTS = pd.DataFrame(
    [(5, None), (6, 5), (7, None), (8, 7), (9, None)], columns=["department_id", "parent_id"]
)
ROOTS = [5, 7, 9]

entry_strategy = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(rollup.KINDS),
        "hours": st.integers(1, 2400).map(lambda h: h / 100),
        "doc_channel": st.sampled_from(["numbered", "unnumbered", "oral", "chat", "sticky_note"]),
        "meeting_role": st.sampled_from(["host", "speaker", "participant", "accompanying"]),
        "flag": st.booleans(),
        "label": st.sampled_from(["inspection", "research", "guidance", "other"]),
        "pages": st.integers(0, 3),
        "departments": st.lists(st.sampled_from([5, 6, 7, 8, 9]), min_size=1, max_size=3, unique=True),
    }
)
log_strategy = st.tuples(st.sampled_from([100, 101, 102]), st.sampled_from(["2026-W46", "2026-W47"]))


def frames(logs, entries_per_log):
    log_rows, entry_rows, link_rows = [], [], []
    for log_id, ((township, week), entries) in enumerate(zip(logs, entries_per_log), start=1):
        log_rows.append((log_id, 1000 + log_id, township, 1, week))
        for e in entries:
            entry_id = len(entry_rows) + 1
            kind = e["kind"]
            entry_rows.append(
                (
                    entry_id,
                    log_id,
                    kind,
                    e["hours"],
                    e["doc_channel"] if kind == "document" else None,
                    e["meeting_role"] if kind == "meeting" else None,
                    e["flag"] if kind == "meeting" else None,
                    (not e["flag"]) if kind == "meeting" else None,
                    e["label"] if kind == "inspection" else None,
                    e["pages"] if kind == "inspection" else None,
                    e["flag"] if kind == "inspection" else None,
                    e["flag"] if kind == "app_task" else None,
                )
            )
            link_rows.extend((entry_id, d) for d in e["departments"])
    return (
        pd.DataFrame(log_rows, columns=rollup.LOG_COLUMNS),
        pd.DataFrame(entry_rows, columns=rollup.ENTRY_INPUT_COLUMNS),
        pd.DataFrame(link_rows, columns=["entry_id", "department_id"]),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(log_strategy, min_size=1, max_size=8).flatmap(
        lambda logs: st.tuples(
            st.just(logs),
            st.lists(st.lists(entry_strategy, max_size=6), min_size=len(logs), max_size=len(logs)),
        )
    )
)
def test_parts_sum_to_their_county_week(case):
    logs, entries = case
    out = rollup.rollup(*frames(logs, entries), DEPARTMENTS)
    county = out["county_weeks"].set_index(["county_id", "week"])
    # Department hours (split among joint issuers) sum to hours_total.
    dept_hours = out["department_weeks"].groupby(["county_id", "week"])["hours"].sum()
    for key, row in county.iterrows():
        assert math.isclose(dept_hours.get(key, 0.0), row["hours_total"], abs_tol=1e-9)
    # Footprints of the roots (with divisions) partition the hours too.
    roots = out["department_weeks"][out["department_weeks"]["department_id"].isin(ROOTS)]
    root_hours = roots.groupby(["county_id", "week"])["tree_hours"].sum()
    for key, row in county.iterrows():
        assert math.isclose(root_hours.get(key, 0.0), row["hours_total"], abs_tol=1e-9)
    # Townships sum to the county, measure by measure (reporters included).
    townships = (
        out["township_weeks"].groupby(["county_id", "week"])[["reporters", *rollup.MEASURE_COLUMNS]].sum()
    )
    for key, row in county.iterrows():
        for column in ["reporters", *rollup.MEASURE_COLUMNS]:
            assert math.isclose(townships.loc[key, column], row[column], abs_tol=1e-9), column
    # Every log is a reporter, entries or not.
    assert county["reporters"].sum() == len(logs)
    assert county[rollup.ENTRY_COLUMNS].to_numpy().sum() == sum(len(e) for e in entries)
    # Numerators never exceed their denominators.
    for numerator, denominator in rollup.INDICATORS.values():
        assert (county[numerator] <= county[denominator]).all()


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.sampled_from(rollup.KINDS), st.integers(1, 300)), max_size=10)
)
def test_a_second_run_changes_nothing(world, frozen, rows):
    cadres = [world.cadre, world.cadre2]
    for cadre_index, kind, hundredths in rows:
        services.entries_bulk_create(
            cadre=cadres[cadre_index],
            rows=[world.entry_data(kind, dt.date(2026, 11, 17), hours=f"{hundredths / 100:.2f}")],
        )
    for cadre in cadres:
        services.week_submit(cadre=cadre, week="2026-W47")
    jobs.rollup_all()
    first = _snapshot()
    jobs.rollup_all()
    assert _snapshot() == first
    jobs.rollup_county_week(world.county.pk, "2026-W47")
    assert _snapshot() == first
    # Leave the database as the example found it.
    Entry.objects.all().delete()
    WeeklyLog.objects.all().delete()
    jobs.rollup_all()
