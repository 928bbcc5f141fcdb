"""Dashboard extras: load their raw rows, write their internal tables, and read them back suppressed.

Written by reports.jobs in the same transaction (and under the same county lock) as the derived
tables, so a re-run replaces them atomically. Raw rows leave PostgreSQL with COPY as in
reports.loading; SQLite falls back to a cursor. The readers return only aggregates of groups with
at least BURDEN_MIN_GROUP distinct reporters; permission is the caller's (portal.policy).
"""

import pandas as pd
from django.conf import settings
from django.db.models import Sum

from portal import weeks as isoweeks
from portal.models import (
    App,
    DataItem,
    Department,
    Entry,
    EntryDataItem,
    EntryDepartment,
    Kind,
    Region,
    User,
    WeeklyLog,
)
from reports import loading, protection, recommend, stats
from reports.models import (
    EXTRAS,
    DepartmentWeekStat,
    ReporterDataItemWeek,
    ReporterDepartmentWeek,
    ReporterInspectionWeek,
    ReporterLevelWeek,
    ReporterTitleWeek,
    ReporterWeek,
)
from reports.protection import min_group
from reports.rollup import ENTRY_COLUMNS

_COLUMNS = {
    "logs": recommend.LOG_COLUMNS,
    "inspections": recommend.INSPECTION_COLUMNS,
    "data_items": recommend.DATA_ITEM_COLUMNS,
    "titles": recommend.TITLE_COLUMNS,
}


def _queries(county_ids, weeks):
    log_t, entry_t, user_t = WeeklyLog._meta.db_table, Entry._meta.db_table, User._meta.db_table
    region_t, link_t = Region._meta.db_table, EntryDepartment._meta.db_table
    item_t = EntryDataItem._meta.db_table
    where, params = loading._scope(county_ids, weeks)
    of_logs, entry_params = loading.entries_of_logs(county_ids, weeks)
    return {
        # The cadre's level is that of their unit (a township or a village).
        "logs": (
            f"SELECT l.id, l.cadre_id, l.county_id, l.week, COALESCE(r.level, 'township'), "
            f"COALESCE((SELECT SUM(e.hours) FROM {entry_t} e WHERE e.log_id = l.id), 0) "
            f"FROM {log_t} l JOIN {user_t} u ON u.id = l.cadre_id "
            f"LEFT JOIN {region_t} r ON r.id = u.region_id WHERE {where}",
            params,
        ),
        "inspections": (
            f"SELECT e.id, e.log_id, e.hours, ed.department_id FROM {entry_t} e "
            f"JOIN {link_t} ed ON ed.entry_id = e.id WHERE {of_logs} AND e.kind = %s",
            [*entry_params, Kind.INSPECTION],
        ),
        "data_items": (
            f"SELECT e.id, e.log_id, e.app_id, di.data_item_id FROM {item_t} di "
            f"JOIN {entry_t} e ON e.id = di.entry_id WHERE {of_logs} AND e.app_id IS NOT NULL",
            entry_params,
        ),
        "titles": (
            f"SELECT e.id, e.log_id, e.title FROM {entry_t} e WHERE {of_logs} AND e.kind = %s",
            [*entry_params, Kind.MEETING],
        ),
    }


def load_raw(county_ids, weeks=None) -> dict[str, pd.DataFrame]:
    """The raw rows recommend.extras() needs, for these counties (all weeks, or only `weeks`)."""
    frames = loading.fetch_frames(
        _queries(list(county_ids), None if weeks is None else list(weeks)), _COLUMNS
    )
    frames["logs"]["hours_total"] = pd.to_numeric(frames["logs"]["hours_total"]).astype("float64")
    frames["inspections"]["hours"] = pd.to_numeric(frames["inspections"]["hours"]).astype("float64")
    return frames


def replace(county_ids, weeks=None, record_keys=None) -> None:
    """Recompute the extras of these county-weeks and replace their rows. Call inside the rollup's
    transaction, after its county lock is taken; `record_keys` (cadre_id, week, record_key per
    log, from the rollup's reporter_weeks frame) key the cost cells."""
    frames = recommend.extras(**load_raw(county_ids, weeks), record_keys=record_keys)
    loading.delete_rows(EXTRAS.values(), county_ids, weeks)
    loading.write_frames(frames, EXTRAS)


# ---------------------------------------------------------------------------- readers


def county_cost(county: Region, period: isoweeks.Period, total_suppressed: bool) -> dict:
    """Cost in yuan of the county's reported hours over the period's closed weeks (Standard Cost
    Model): each cadre level's hours, perturbed as a cell of its own, times its wage. Shown
    wherever the county total is; a level below the minimum group is priced inside the total but
    not listed on its own. Two queries whatever the number of entries."""
    if total_suppressed:
        return {"suppressed": True, "yuan": None, "levels": None}
    rows = ReporterLevelWeek.objects.filter(county=county, week__in=protection.closed_weeks(period))
    levels = {
        # "hours_total" like the county's: a county whose cadres are all of one level shows the
        # same hours in the cost as in its total.
        level: (cell.shown, protection.hours(cell, "hours_total", cell.hours))
        for level, cell in stats.cells_of(rows, "level").items()
    }
    return recommend.cost(levels, settings.BURDEN_WAGE_TARIFF)


def recommendations(county: Region, period: isoweeks.Period) -> dict:
    """Joint-inspection and county-list candidates and repeated meeting themes over the period's
    closed weeks: which groups of at least min_group cadres, never how many (see
    reports.recommend)."""
    group = min_group()
    weeks = protection.closed_weeks(period)
    inspections = recommend.joint_inspection_candidates(
        ReporterInspectionWeek.objects.filter(county=county, week__in=weeks).values_list(
            "week", "department_id", "cadre_id"
        ),
        group,
        weeks,
    )
    items = recommend.county_list_candidates(
        ReporterDataItemWeek.objects.filter(county=county, week__in=weeks).values_list(
            "app_id", "data_item_id", "cadre_id"
        ),
        group,
    )
    titles = recommend.repeated_titles(
        ReporterTitleWeek.objects.filter(county=county, week__in=weeks).values_list("title", "cadre_id"),
        group,
    )
    departments = Department.objects.in_bulk(
        {d["department_id"] for c in inspections for d in c["departments"]}
    )
    apps = App.objects.in_bulk({a["app_id"] for c in items for a in c["apps"]})
    data_items = DataItem.objects.in_bulk({c["data_item_id"] for c in items})
    for candidate in inspections:
        candidate["first_week"] = candidate["weeks"][0]
        candidate["last_week"] = candidate["weeks"][-1]
        candidate["starts"] = isoweeks.week_monday(candidate["fortnight"])
        for d in candidate["departments"]:
            d["department"] = departments.get(d["department_id"])
    for candidate in items:
        candidate["data_item"] = data_items.get(candidate["data_item_id"])
        for a in candidate["apps"]:
            a["app"] = apps.get(a["app_id"])
    return {"inspections": inspections, "data_items": items, "titles": titles}


def township_parts(county: Region, township: Region, period: isoweeks.Period, version=None) -> list[dict]:
    """The township's row of the townships answer for each closed part of the period (a year's
    quarters, a quarter's or a month's weeks; a week is its own part), each the stats API's own
    (cached) answer for that bucket."""
    last = protection.last_closed_week()
    rows = []
    for part in period.parts or [period]:
        if part.weeks[0] > last:
            break
        answer = stats.cached(stats.county_townships, county, part, [county.pk], version=version)
        row = next((r for r in answer["results"] if r["township"]["code"] == township.code), None)
        if row is not None:  # a township added since the answer was cached has no row yet
            rows.append({"week": part.label, **row})
    return rows


def region_departments(region: Region, year: str, counties) -> dict:
    """The year-end department league table of a region over its closed weeks: per issuing
    department named by at least min_group cadres (the others are not listed) the entries of each
    kind it issued in the region's counties, their hours (split among joint issuers) and the
    cadres who reported them, all perturbed as each department's own cells."""
    county_ids = list(counties.values_list("pk", flat=True))
    weeks = protection.closed_weeks(isoweeks.Period("year", year))
    base = ReporterDepartmentWeek.objects.filter(county_id__in=county_ids, direct=True, week__in=weeks)
    cells = {pk: cell for pk, cell in stats.cells_of(base, "department", "hours").items() if cell.shown}
    sums = (
        DepartmentWeekStat.objects.filter(
            county_id__in=county_ids, week__in=weeks, department_id__in=list(cells), entries__gt=0
        )
        .values("department_id")
        .annotate(entries=Sum("entries"), **{c: Sum(c) for c in ENTRY_COLUMNS})
        .order_by()
    )
    departments = Department.objects.in_bulk(list(cells))
    results = []
    for row in sums:
        pk = row["department_id"]
        # The county departments answer's row: a region of one county shows the same numbers.
        shown = stats.department_row(pk, {**row, "hours": cells[pk].hours}, cells[pk])
        entry = {"department": departments[pk], "suppressed": False, **shown.pop("entries_by_kind")}
        entry.update(shown, hours=round(shown["hours"], 2))
        results.append(entry)
    results.sort(key=lambda r: (-r["hours"], r["department"].code))
    filers = stats.cells_of(
        ReporterWeek.objects.filter(county_id__in=county_ids, week__in=weeks, entries__gt=0)
    ).get(None, protection.EMPTY)
    total = {
        "suppressed": not filers.shown,
        "reporters": protection.reporters(filers, "reporters", filers.reporters) if filers.shown else None,
    }
    return {"year": year, "min_group": min_group(), "results": results, "total": total}
