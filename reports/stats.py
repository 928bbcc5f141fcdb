"""Selectors for the stats answers of DESIGN.md, reading only the derived tables.

Each returns the answer dict the API serves (pages and exports reuse them). Measures of a period
are sums of weekly rows; distinct reporters come from the internal per-reporter tables, so they
are exact for any bucket. Suppression is decided by reports.suppression for the whole year of the
asked period at once, so every period of that year agrees:

1. the family total (the county, region or department) follows its own year > quarter > week
   chain, and is hidden as well where a bucket's cells cannot protect a forced hide;
2. the cells (townships, departments, counties) obey the complementary rule within each bucket
   (cells vs. the total) and along each cell's chain (year vs. quarters, quarter vs. weeks),
   repeated until nothing changes (`_grid`). The county total is the townships grid's.

Permission is not checked here: callers ask portal.policy first.
"""

import hashlib
import math
from collections import defaultdict

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum

from portal import weeks as isoweeks
from portal.models import Department, Region
from reports import rollup
from reports.models import (
    CountyWeekStat,
    DepartmentWeekStat,
    ReporterDepartmentWeek,
    ReporterWeek,
    TownshipWeekStat,
)
from reports.suppression import grid_statuses, min_group

HOURS_PLACES = 4
SHARE_PLACES = 6
SHARE_FIELDS = list(rollup.INDICATORS)
# Fields nulled in a suppressed measures row.
MEASURE_FIELDS = [
    "reporters",
    "entries",
    "hours",
    "hours_total",
    "hours_per_reporter",
    "week_share",
    *SHARE_FIELDS,
]
DEPARTMENT_FIELDS = ["reporters", "entries", "entries_by_kind", "hours"]


def _year_of(period: isoweeks.Period) -> str:
    if period.kind == "week":
        return isoweeks.week_year(period.label)
    return period.label[:4]


def _bucket_filter(period: isoweeks.Period) -> Q:
    return Q(**{period.kind: period.label})


def _number(value, places):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), places)


LEVELS = ("year", "quarter", "week")


def _level(label: str) -> str:
    return "week" if "-W" in label else "quarter" if "-Q" in label else "year"


def _level_counts(rows, cell_field) -> dict:
    """{cell (None = the whole family): {bucket label: distinct reporters}} for every year,
    quarter and week label of `rows`: three grouped queries."""
    counts = defaultdict(dict)
    group_by = [cell_field] if cell_field else []
    for level in LEVELS:
        query = rows.values(*group_by, level).annotate(n=Count("cadre_id", distinct=True))
        for row in query.order_by():
            counts[row[cell_field] if cell_field else None][row[level]] = row["n"]
    return counts


def _union(rows, cell_field):
    """Exact distinct reporters of a list of (cell, bucket label), one query per new set."""
    memo = {}

    def count(pairs):
        key = frozenset(pairs)
        if key not in memo:
            where = Q()
            for cell, label in key:
                where |= Q(**{_level(label): label, **({cell_field: cell} if cell is not None else {})})
            memo[key] = rows.filter(where).aggregate(n=Count("cadre_id", distinct=True))["n"]
        return memo[key]

    return count


def _grid(base, cell_field, period, codes, model, total_hidden=None) -> dict:
    """{cell: {label: suppressed}} for every cell of a family (reporter rows `base` grouped by
    `cell_field`) and for its total (the cell None) over the whole year of `period`, whichever
    period is asked, so a week's answer hides what its quarter and year force
    (reports.suppression.grid_statuses). `codes` maps the cells known to the caller to their
    codes; cells of the year it lacks are looked up in `model`."""
    year = _year_of(period)
    rows = base.filter(year=year)
    counts = _level_counts(rows, cell_field)
    counts[None] = _level_counts(rows, None)[None]
    codes = dict(codes)
    missing = [cell for cell in counts if cell is not None and cell not in codes]
    if missing:
        codes.update(model.objects.filter(pk__in=missing).values_list("pk", "code"))
    cells = sorted(codes.items(), key=lambda item: (str(item[1]), str(item[0])))
    union = _union(rows, cell_field)
    return grid_statuses(year, cells, counts, min_group(), union=union, total_hidden=total_hidden)


def _county_grid(county, period, base=None) -> dict:
    """The townships grid of the county: its None row is the county total's status in every
    bucket of the year, which the weeks, townships and departments answers all show."""
    base = base if base is not None else ReporterWeek.objects.filter(county=county)
    codes = dict(Region.objects.filter(parent=county).values_list("pk", "code"))
    return _grid(base, "township_id", period, codes, Region)


def _period_counts(base, cell_field, period) -> dict:
    rows = base.filter(_bucket_filter(period)).values(cell_field).annotate(n=Count("cadre_id", distinct=True))
    return {row[cell_field]: row["n"] for row in rows.order_by()}


def _sums(queryset, group_by, columns) -> dict:
    """{group key (or None): {column: sum}} over the weekly rows."""
    aggregates = {c: Sum(c) for c in columns}
    if group_by:
        rows = queryset.values(group_by).annotate(**aggregates).order_by()
        return {row[group_by]: row for row in rows}
    return {None: queryset.aggregate(**aggregates)}


def _measures(sums: dict | None, reporters: int, reporter_weeks: int) -> dict:
    """The served measures of one summed cell (shares null where their denominator is 0)."""
    sums = {c: (sums or {}).get(c) or 0 for c in [*rollup.MEASURE_COLUMNS, "reporters"]}
    frame = rollup.shares(pd.DataFrame([{**sums, "reporter_weeks": reporter_weeks}]))
    row = frame.iloc[0]
    out = {
        "reporters": reporters,
        "entries": {k: int(row[f"entries_{k}"]) for k in rollup.KINDS},
        "hours": {k: _number(row[f"hours_{k}"], HOURS_PLACES) for k in rollup.KINDS},
        "hours_total": _number(row["hours_total"], HOURS_PLACES),
        "hours_per_reporter": _number(row["hours_per_reporter"], HOURS_PLACES),
        "week_share": _number(row["week_share"], SHARE_PLACES),
    }
    out.update({share: _number(row[share], SHARE_PLACES) for share in SHARE_FIELDS})
    return out


def _hide(row: dict, fields, suppressed: bool) -> dict:
    row["suppressed"] = suppressed
    if suppressed:
        row.update(dict.fromkeys(fields))
    return row


def _region(region) -> dict:
    return {"code": region.code, "name": region.name}


def _header(key, subject, period) -> dict:
    return {key: subject, "period": period.label, "min_group": min_group()}


# ---------------------------------------------------------------------------- county answers


def county_weeks(county: Region, period: isoweeks.Period) -> dict:
    """One row per ISO week of the period up to the current week."""
    week_labels = period.weeks_until(isoweeks.current_week())
    base = ReporterWeek.objects.filter(county=county)
    statuses = _county_grid(county, period, base)[None] if week_labels else {}
    stats = {row.week: row for row in CountyWeekStat.objects.filter(county=county, week__in=week_labels)}
    results = []
    for week in week_labels:
        stat = stats.get(week)
        sums = {c: getattr(stat, c) for c in [*rollup.MEASURE_COLUMNS]} if stat else None
        reporters = stat.reporters if stat else 0
        row = {"week": week, **_measures(sums, reporters, reporters)}
        results.append(_hide(row, MEASURE_FIELDS, statuses[week]))
    return {**_header("county", _region(county), period), "results": results}


def _county_total(county, period, base=None) -> tuple[dict, dict]:
    """The county's measures over the period (with reporter_weeks), and the townships grid
    (its None row: the county total's status in every bucket of the period's year)."""
    base = base if base is not None else ReporterWeek.objects.filter(county=county)
    weekly = CountyWeekStat.objects.filter(county=county, week__in=period.weeks)
    sums = _sums(weekly, None, [*rollup.MEASURE_COLUMNS, "reporters"])[None]
    distinct = base.filter(_bucket_filter(period)).aggregate(n=Count("cadre_id", distinct=True))["n"]
    grid = _county_grid(county, period, base)
    reporter_weeks = sums.get("reporters") or 0
    return {**_measures(sums, distinct, reporter_weeks), "reporter_weeks": reporter_weeks}, grid


def county_townships(county: Region, period: isoweeks.Period) -> dict:
    """Per township of the county over the period, with the county total."""
    townships = list(Region.objects.filter(parent=county).order_by("code"))
    base = ReporterWeek.objects.filter(county=county)
    total, grid = _county_total(county, period, base)
    total_suppressed = grid[None][period.label]
    weekly = TownshipWeekStat.objects.filter(county=county, week__in=period.weeks)
    sums = _sums(weekly, "township_id", [*rollup.MEASURE_COLUMNS, "reporters"])
    distinct = _period_counts(base, "township_id", period)
    hidden = {t.pk for t in townships if grid[t.pk][period.label]}
    results = []
    for township in townships:
        row_sums = sums.get(township.pk)
        reporter_weeks = (row_sums or {}).get("reporters") or 0
        measures = _measures(row_sums, distinct.get(township.pk, 0), reporter_weeks)
        row = {"township": _region(township), **measures}
        row["reporter_weeks"] = reporter_weeks
        results.append(_hide(row, [*MEASURE_FIELDS, "reporter_weeks"], township.pk in hidden))
    return {
        **_header("county", _region(county), period),
        "results": results,
        "total": _hide(total, [*MEASURE_FIELDS, "reporter_weeks"], total_suppressed),
    }


def _department(dept) -> dict:
    return {"id": dept.pk, "code": dept.code, "name": dept.name}


def _department_row(sums, reporters) -> dict:
    sums = sums or {}
    return {
        "reporters": reporters,
        "entries": int(sums.get("entries") or 0),
        "entries_by_kind": {k: int(sums.get(f"entries_{k}") or 0) for k in rollup.KINDS},
        "hours": _number(sums.get("hours") or 0, HOURS_PLACES),
    }


def county_departments(county: Region, period: isoweeks.Period) -> dict:
    """Each issuing department's footprint in the county over the period (entries naming it,
    hours split equally among joint issuers), with a total counting each entry once."""
    weekly = DepartmentWeekStat.objects.filter(county=county, week__in=period.weeks, entries__gt=0)
    sums = _sums(weekly, "department_id", ["entries", *rollup.ENTRY_COLUMNS, "hours"])
    departments = list(Department.objects.filter(pk__in=list(sums)).order_by("code"))
    base = ReporterDepartmentWeek.objects.filter(county=county, direct=True)
    distinct = _period_counts(base, "department_id", period)

    filers = ReporterWeek.objects.filter(county=county, entries__gt=0)
    county_measures, county_grid = _county_total(county, period)
    filer_count = filers.filter(_bucket_filter(period)).aggregate(n=Count("cadre_id", distinct=True))["n"]
    # The departments' total counts filers only: also hidden in any bucket where they are few.
    filer_counts = _level_counts(filers.filter(year=_year_of(period)), None)[None]
    total_status = {
        label: hidden or filer_counts.get(label, 0) < min_group()
        for label, hidden in county_grid[None].items()
    }
    total = {
        "reporters": filer_count,
        "entries": sum(county_measures["entries"].values()),
        "entries_by_kind": county_measures["entries"],
        "hours": county_measures["hours_total"],
    }
    grid = _grid(base, "department_id", period, {d.pk: d.code for d in departments}, Department, total_status)
    total_suppressed = grid[None][period.label]
    hidden = {d.pk for d in departments if grid.get(d.pk, {}).get(period.label, True)}
    results = [
        _hide(
            {"department": _department(d), **_department_row(sums.get(d.pk), distinct.get(d.pk, 0))},
            DEPARTMENT_FIELDS,
            d.pk in hidden,
        )
        for d in departments
    ]
    return {
        **_header("county", _region(county), period),
        "results": results,
        "total": _hide(total, DEPARTMENT_FIELDS, total_suppressed),
    }


# ---------------------------------------------------------------------------- comparisons


def region_counties(region: Region, period: isoweeks.Period, counties=None) -> dict:
    """Every county below a city or province over the period, with the region total."""
    counties = list(
        (counties if counties is not None else Region.objects.below(region).counties()).order_by("code")
    )
    ids = [c.pk for c in counties]
    base = ReporterWeek.objects.filter(county_id__in=ids)
    weekly = CountyWeekStat.objects.filter(county_id__in=ids, week__in=period.weeks)
    columns = [*rollup.MEASURE_COLUMNS, "reporters"]
    sums = _sums(weekly, "county_id", columns)
    total_sums = _sums(weekly, None, columns)[None]
    distinct = _period_counts(base, "county_id", period)
    total_distinct = base.filter(_bucket_filter(period)).aggregate(n=Count("cadre_id", distinct=True))["n"]
    grid = _grid(base, "county_id", period, {c.pk: c.code for c in counties}, Region)
    total_suppressed = grid[None][period.label]
    hidden = {c.pk for c in counties if grid[c.pk][period.label]}
    fields = [*MEASURE_FIELDS, "reporter_weeks"]
    results = []
    for county in counties:
        row_sums = sums.get(county.pk)
        reporter_weeks = (row_sums or {}).get("reporters") or 0
        row = {"county": _region(county), **_measures(row_sums, distinct.get(county.pk, 0), reporter_weeks)}
        row["reporter_weeks"] = reporter_weeks
        results.append(_hide(row, fields, county.pk in hidden))
    total_weeks = total_sums.get("reporters") or 0
    total = {**_measures(total_sums, total_distinct, total_weeks), "reporter_weeks": total_weeks}
    subject = {**_region(region), "level": region.level}
    total = _hide(total, fields, total_suppressed)
    return {**_header("region", subject, period), "results": results, "total": total}


def department_counties(department: Department, period: isoweeks.Period, counties=None) -> dict:
    """One department's footprint with its divisions per county over the period: entries naming
    it or a division (each once), their hours shares, and the cadres who filed them."""
    counties = counties if counties is not None else Region.objects.counties()
    weekly = DepartmentWeekStat.objects.filter(
        department=department, week__in=period.weeks, tree_entries__gt=0, county__in=counties
    )
    sums = _sums(weekly, "county_id", ["tree_entries", "tree_hours"])
    total_sums = _sums(weekly, None, ["tree_entries", "tree_hours"])[None]
    shown = list(Region.objects.filter(pk__in=list(sums)).order_by("code"))
    base = ReporterDepartmentWeek.objects.filter(department=department, county__in=counties)
    distinct = _period_counts(base, "county_id", period)
    total_distinct = base.filter(_bucket_filter(period)).aggregate(n=Count("cadre_id", distinct=True))["n"]
    grid = _grid(base, "county_id", period, {c.pk: c.code for c in shown}, Region)
    total_suppressed = grid[None][period.label]
    hidden = {c.pk for c in shown if grid.get(c.pk, {}).get(period.label, True)}
    fields = ["reporters", "entries", "hours"]

    def row(values, reporters):
        values = values or {}
        return {
            "reporters": reporters,
            "entries": int(values.get("tree_entries") or 0),
            "hours": _number(values.get("tree_hours") or 0, HOURS_PLACES),
        }

    results = [
        _hide({"county": _region(c), **row(sums.get(c.pk), distinct.get(c.pk, 0))}, fields, c.pk in hidden)
        for c in shown
    ]
    return {
        **_header("department", _department(department), period),
        "results": results,
        "total": _hide(row(total_sums, total_distinct), fields, total_suppressed),
    }


# ---------------------------------------------------------------------------- cache

# A safety net only (names of regions and departments edited in the admin); rollups change the key.
CACHE_SECONDS = 600


def data_version(county_ids) -> tuple:
    """Changes whenever a rollup rewrites any derived row of these counties: every rollup deletes
    and re-inserts its county-week rows (new ids, a new computed_at), and one that leaves a week
    without rows changes their count. One indexed query."""
    version = CountyWeekStat.objects.filter(county_id__in=list(county_ids)).aggregate(
        n=Count("id"), top=Max("id"), at=Max("computed_at")
    )
    at = version["at"].isoformat() if version["at"] else ""
    return (version["n"], version["top"], at)


def cache_key(prefix: str, parts: tuple, county_ids) -> str:
    """A key that holds the data version of `county_ids`, the group size and the current week, so
    a rollup, a new week or another BURDEN_MIN_GROUP never serves an old answer."""
    county_ids = sorted(county_ids)
    full = (*parts, min_group(), isoweeks.current_week(), county_ids, data_version(county_ids))
    return f"{prefix}:" + hashlib.sha256(repr(full).encode()).hexdigest()


def cached(selector, subject, period: isoweeks.Period, county_ids, **kwargs) -> dict:
    """`selector(subject, period, **kwargs)`, computed once per data version of the counties it
    reads; the API, pages and exports all ask through here. Permission is the caller's."""
    key = cache_key("stats", (selector.__name__, subject.pk, period.label), county_ids)
    answer = cache.get(key)
    if answer is None:
        answer = selector(subject, period, **kwargs)
        cache.set(key, answer, CACHE_SECONDS)
    return answer
