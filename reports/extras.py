"""Dashboard extras: load their raw rows, write their internal tables, and read them back suppressed.

Written by reports.jobs in the same transaction (and under the same county lock) as the derived
tables, so a re-run replaces them atomically. Raw rows leave PostgreSQL with COPY as in
reports.loading; SQLite falls back to a cursor. The readers return only aggregates of groups with
at least BURDEN_MIN_GROUP distinct reporters; permission is the caller's (portal.policy).
"""

import pandas as pd
from django.conf import settings
from django.db.models import Count, Sum

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
from reports import loading, recommend, stats
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
from reports.suppression import Part, min_group, suppress_parts

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


def replace(county_ids, weeks=None) -> None:
    """Recompute the extras of these county-weeks and replace their rows. Call inside the rollup's
    transaction, after its county lock is taken."""
    frames = recommend.extras(**load_raw(county_ids, weeks))
    loading.delete_rows(EXTRAS.values(), county_ids, weeks)
    loading.write_frames(frames, EXTRAS)


# ---------------------------------------------------------------------------- readers


def _in_period(queryset, period: isoweeks.Period):
    return queryset.filter(**{period.kind: period.label})


def county_cost(county: Region, period: isoweeks.Period, total_suppressed: bool) -> dict:
    """Cost in yuan of the county's reported hours over the period (Standard Cost Model), shown
    only when every (week, township, cadre level) cell of the period is big enough (see
    recommend.cost). Two queries whatever the number of entries."""
    if total_suppressed:
        return {"suppressed": True, "yuan": None, "levels": None}
    reporters = _in_period(ReporterWeek.objects.filter(county=county), period)
    townships = {
        (week, cadre_id): township_id
        for week, cadre_id, township_id in reporters.values_list("week", "cadre_id", "township_id")
    }
    rows = (
        (week, townships.get((week, cadre_id)), level, cadre_id, hours)
        for week, level, cadre_id, hours in _in_period(
            ReporterLevelWeek.objects.filter(county=county), period
        ).values_list("week", "level", "cadre_id", "hours_total")
    )
    return recommend.cost(rows, settings.BURDEN_WAGE_TARIFF, min_group())


def recommendations(county: Region, period: isoweeks.Period) -> dict:
    """Joint-inspection and county-list candidates and repeated meeting themes over the period:
    which groups of at least min_group cadres, never how many (see reports.recommend)."""
    group = min_group()
    inspections = recommend.joint_inspection_candidates(
        _in_period(ReporterInspectionWeek.objects.filter(county=county), period).values_list(
            "week", "department_id", "cadre_id"
        ),
        group,
        period.weeks,
    )
    items = recommend.county_list_candidates(
        _in_period(ReporterDataItemWeek.objects.filter(county=county), period).values_list(
            "app_id", "data_item_id", "cadre_id"
        ),
        group,
    )
    titles = recommend.repeated_titles(
        _in_period(ReporterTitleWeek.objects.filter(county=county), period).values_list("title", "cadre_id"),
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


def township_parts(county: Region, township: Region, period: isoweeks.Period) -> list[dict]:
    """The township's row of the townships answer for each part of the period up to now (a
    quarter's weeks, a year's quarters; a week is its own part), so every part is suppressed
    exactly as the stats API would suppress it for that bucket."""
    current = isoweeks.current_week()
    parts = period.parts or [period]
    rows = []
    for part in parts:
        if part.weeks[0] > current:
            break
        answer = stats.county_townships(county, part)
        row = next(r for r in answer["results"] if r["township"]["code"] == township.code)
        rows.append({"week": part.label, **row})
    return rows


def region_departments(region: Region, year: str, counties) -> dict:
    """The year-end department league table of a region: per issuing department the entries of
    each kind it issued in the region's counties, their hours (split among joint issuers) and the
    cadres who reported them; departments of fewer than min_group cadres are suppressed, and
    beside the total the suppressed ones hold at least min_group cadres together."""
    county_ids = list(counties.values_list("pk", flat=True))
    weeks = isoweeks.Period("year", year).weeks
    sums = (
        DepartmentWeekStat.objects.filter(county_id__in=county_ids, week__in=weeks, entries__gt=0)
        .values("department_id")
        .annotate(
            entries=Sum("entries"),
            meeting=Sum("entries_meeting"),
            document=Sum("entries_document"),
            inspection=Sum("entries_inspection"),
            app_task=Sum("entries_app_task"),
            hours=Sum("hours"),
        )
        .order_by()
    )
    sums = {row["department_id"]: row for row in sums}
    base = ReporterDepartmentWeek.objects.filter(county_id__in=county_ids, direct=True, year=year)
    distinct = {
        row["department_id"]: row["n"]
        for row in base.values("department_id").annotate(n=Count("cadre_id", distinct=True)).order_by()
    }
    departments = Department.objects.in_bulk(list(sums))
    group = min_group()
    total_reporters = base.aggregate(n=Count("cadre_id", distinct=True))["n"]
    total_suppressed = total_reporters < group

    def union(keys):
        return base.filter(department_id__in=keys).aggregate(n=Count("cadre_id", distinct=True))["n"]

    hidden = suppress_parts(
        [Part(pk, distinct.get(pk, 0), departments[pk].code) for pk in sums],
        group,
        union=union,
        total_suppressed=total_suppressed,
    )
    kinds = ["meeting", "document", "inspection", "app_task"]
    results = []
    for pk, row in sums.items():
        entry = {"department": departments[pk], "suppressed": pk in hidden}
        if pk not in hidden:
            entry.update({k: row[k] for k in kinds})
            entry.update(entries=row["entries"], hours=round(row["hours"], 2), reporters=distinct.get(pk, 0))
        results.append(entry)
    results.sort(key=lambda r: (r["suppressed"], -(r.get("hours") or 0), r["department"].code))
    total = {"suppressed": total_suppressed, "reporters": None if total_suppressed else total_reporters}
    return {"year": year, "min_group": group, "results": results, "total": total}
