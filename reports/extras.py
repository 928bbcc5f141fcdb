"""Dashboard extras: load their raw rows, write their internal tables, and read them back suppressed.

Written by reports.jobs in the same transaction (and under the same county lock) as the derived
tables, so a re-run replaces them atomically. Raw rows leave PostgreSQL with COPY as in
reports.loading; SQLite falls back to a cursor. The readers return only aggregates of groups with
at least BURDEN_MIN_GROUP distinct reporters; permission is the caller's (portal.policy).
"""

import pandas as pd
from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, Sum, Value
from django.db.models.functions import Concat

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
    TownshipWeekStat,
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
        # Every entry names at least one issuing department (portal.services): a meeting with
        # n issuers gives n rows, one per department holding it.
        "titles": (
            f"SELECT e.id, e.log_id, e.title, ed.department_id FROM {entry_t} e "
            f"JOIN {link_t} ed ON ed.entry_id = e.id WHERE {of_logs} AND e.kind = %s",
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
    # "hours_total" like the county's: a county whose cadres are all of one level shows the same
    # hours in the cost as in its total.
    return recommend.cost(_levels(stats.cells_of(rows, "level")), settings.BURDEN_WAGE_TARIFF)


def _levels(cells) -> dict:
    # "hours_total" like county_cost's: the same cell gives the same hours on every page.
    return {
        level: (cell.shown, protection.hours(cell, "hours_total", cell.hours))
        for level, cell in cells.items()
    }


def region_cost(period: isoweeks.Period, county_ids, results: list[dict], total_suppressed: bool) -> dict:
    """The cost card of a city or province and of each county in its comparison table, priced
    like county_cost: each county's levels are the very cells of its own county page (the same
    yuan there and here), the region's are its own cells (each level over the region's
    counties). `results`: the region answer's county rows; a suppressed county shows no cost.
    Two queries whatever the number of counties.

    Returns {"total": cost, "counties": {county code: cost}}."""
    weeks = protection.closed_weeks(period)
    shown = [r["county"]["code"] for r in results if not r["suppressed"]]
    tariff = settings.BURDEN_WAGE_TARIFF
    rows = ReporterLevelWeek.objects.filter(county_id__in=list(county_ids), week__in=weeks)
    counties = {}
    if shown:
        by_county: dict[str, dict] = {}
        per_level = rows.filter(county__code__in=shown).annotate(
            county_level=Concat("county__code", Value("|"), "level", output_field=CharField())
        )
        for key, cell in stats.cells_of(per_level, "county_level").items():
            code, level = key.split("|", 1)
            by_county.setdefault(code, {})[level] = cell
        counties = {code: recommend.cost(_levels(by_county.get(code, {})), tariff) for code in shown}
    if total_suppressed:
        total = {"suppressed": True, "yuan": None, "levels": None}
    else:
        total = recommend.cost(_levels(stats.cells_of(rows, "level")), tariff)
    return {"total": total, "counties": counties}


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


def township_parts(county: Region, township: Region, period: isoweeks.Period, joins=None) -> list[dict]:
    """The township's row for each closed part of the period (a year's quarters, a quarter's or a
    month's weeks; a week is its own part): the same cells, under the same measure names, as the
    townships answer for that part, so the same numbers; but read in two grouped queries for all
    parts rather than one answer per part."""
    weeks = protection.closed_weeks(period)
    by_quarter = period.kind == "year"
    part_of = isoweeks.week_quarter if by_quarter else (lambda week: week)
    parts: dict[str, list[str]] = {}
    for week in weeks:
        parts.setdefault(part_of(week), []).append(week)
    cells = stats.cells_of(
        ReporterWeek.objects.filter(county=county, township=township, week__in=weeks),
        "quarter" if by_quarter else "week",
    )
    weekly = stats.week_sums(
        TownshipWeekStat.objects.filter(county=county, township=township), weeks, "week", stats._MEASURE_SUMS
    )
    joins = joins if joins is not None else stats.cadre_joins(county)
    rows = []
    for label, part_weeks in parts.items():
        sums = {c: sum((weekly.get(w) or {}).get(c) or 0 for w in part_weeks) for c in stats._MEASURE_SUMS}
        row = stats._measures(sums, cells.get(label, protection.EMPTY), len(part_weeks) == 1)
        completeness = stats._completeness(row["reporter_weeks"], joins, part_weeks, township.pk)
        rows.append({"week": label, **row, **completeness})
    return rows


def township_departments(county: Region, township: Region, period: isoweeks.Period) -> list[dict]:
    """Departments named by at least the minimum group of the township's cadres over the period,
    by hours on them (split among joint issuers), each perturbed under the county answer's measure
    names (a township holding every reporter of a department is the county's cell: the same
    numbers). Two queries."""
    weeks = protection.closed_weeks(period)
    here = ReporterWeek.objects.filter(
        county=county, township=township, week=OuterRef("week"), cadre_id=OuterRef("cadre_id")
    )
    rows = ReporterDepartmentWeek.objects.filter(county=county, direct=True, week__in=weeks).filter(
        Exists(here)
    )
    cells = {pk: c for pk, c in stats.cells_of(rows, "department", "hours").items() if c.shown}
    departments = Department.objects.in_bulk(list(cells))
    out = [
        {
            "department": departments[pk],
            "reporters": protection.reporters(cell, f"department:{pk}:reporters", cell.reporters),
            "hours": round(protection.hours(cell, f"department:{pk}:hours", cell.hours), 2),
        }
        for pk, cell in cells.items()
        if pk in departments
    ]
    return sorted(out, key=lambda r: (-r["hours"], r["department"].code))


def region_departments(region: Region, year: str, counties) -> dict:
    """The year-end department league table of a region over its closed weeks: per issuing
    department named by at least min_group cadres (the others are not listed) the entries of each
    kind it issued in the region's counties, their hours (split among joint issuers) and the
    cadres who reported them, all perturbed as each department's own cells."""
    county_ids = counties.values("pk")  # a subquery of each read: the ids are never needed here
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


def department_cuts(department: Department, period: isoweeks.Period, county_ids) -> dict:
    """What the department page proposes to cut, over the counties in scope and the period's
    closed weeks: the joint-inspection candidates (per county and whole fortnight, as on the
    county page) naming it or a division; the apps it or a division owns, each with the data
    items that at least one other app also demands (a county list filled once); each group of at
    least min_group cadres, never a count (reports.recommend); and the repeated meeting themes
    it or a division held (recommend.repeated_themes), with every department holding them."""
    group = min_group()
    weeks = protection.closed_weeks(period)
    tree = set(stats.department_tree(department))
    inspections = []
    rows = ReporterInspectionWeek.objects.filter(county_id__in=list(county_ids), week__in=weeks).values_list(
        "county_id", "week", "department_id", "cadre_id"
    )
    by_county: dict = {}
    for county_id, week, department_id, cadre_id in rows:
        by_county.setdefault(county_id, []).append((week, department_id, cadre_id))
    for county_id, county_rows in sorted(by_county.items()):
        for candidate in recommend.joint_inspection_candidates(county_rows, group, weeks):
            named = [d["department_id"] for d in candidate["departments"]]
            if tree.intersection(named):
                inspections.append({"county_id": county_id, **candidate, "department_ids": named})
    owned = {app.pk: app for app in App.objects.filter(owner_id__in=tree).order_by("code")}
    items = recommend.county_list_candidates(
        ReporterDataItemWeek.objects.filter(county_id__in=list(county_ids), week__in=weeks).values_list(
            "app_id", "data_item_id", "cadre_id"
        ),
        group,
    )
    # Repeated meeting themes among the titles its tree held: each (week, title, department) of
    # such a title with its distinct cadres, counted in the database (a province's video
    # conference heard by every cadre every week is one row a week, not one per cadre), and only
    # those of at least the minimum group (recommend.repeated_themes checks again). One query.
    held = ReporterTitleWeek.objects.filter(
        county_id__in=list(county_ids), week__in=weeks, department_id__in=list(tree)
    ).values("title")
    holdings = list(
        # Rows from before migration 0011 (until the drain refills them) name no department.
        ReporterTitleWeek.objects.filter(
            county_id__in=list(county_ids), week__in=weeks, title__in=held, department__isnull=False
        )
        .values_list("week", "title", "department_id", "department__code", "department__name")
        .annotate(cadres=Count("cadre_id", distinct=True))
        .filter(cadres__gte=group)
        .order_by()
    )
    holders = {row[2]: {"code": row[3], "name": row[4]} for row in holdings if row[3] is not None}
    themes = [
        theme
        for theme in recommend.repeated_themes([(*row[:3], row[5]) for row in holdings], group)
        if tree.intersection(d["department_id"] for d in theme["departments"])
    ]
    names = Department.objects.in_bulk({pk for c in inspections for pk in c["department_ids"]})
    counties = Region.objects.in_bulk({c["county_id"] for c in inspections})
    others = App.objects.in_bulk({a["app_id"] for c in items for a in c["apps"]})
    data_items = DataItem.objects.in_bulk({c["data_item_id"] for c in items})
    for candidate in inspections:
        candidate["county"] = counties.get(candidate["county_id"])
        candidate["departments"] = [names[pk] for pk in candidate["department_ids"] if pk in names]
    apps = []
    for app in owned.values():
        twice = [
            {
                "data_item": data_items.get(c["data_item_id"]),
                "also": [
                    others[a["app_id"]] for a in c["apps"] if a["app_id"] != app.pk and a["app_id"] in others
                ],
            }
            for c in items
            if any(a["app_id"] == app.pk for a in c["apps"])
        ]
        apps.append({"app": app, "duplicated": twice})
    for theme in themes:
        theme["departments"] = [
            {**d, "department": holders[d["department_id"]], "own": d["department_id"] in tree}
            for d in theme["departments"]
            if d["department_id"] in holders
        ]
    return {"inspections": inspections, "apps": apps, "themes": themes}


def league_rank(department: Department, region: Region, year: str, counties) -> dict:
    """The department's place in the region's league table for the year (by adjusted hours, as the
    table orders it), or no place if it is not listed there (named by fewer than min_group)."""
    table = region_departments(region, year, counties)
    codes = [r["department"].code for r in table["results"]]
    rank = codes.index(department.code) + 1 if department.code in codes else None
    return {"region": region, "year": year, "rank": rank, "of": len(codes)}
