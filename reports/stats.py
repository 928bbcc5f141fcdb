"""Selectors for the stats answers of DESIGN.md, reading only the derived tables.

Each returns the answer dict the API serves (pages and exports reuse them). A period covers only
its closed weeks (reports.protection rule 3). Measures of a period are sums of weekly rows; each
cell's true distinct reporters, submitted logs, record-key sum and largest single contribution
come from the internal per-reporter tables in one grouped query per family (`cells_of`), and
reports.protection decides whether the cell is shown (rule 1) and perturbs every figure (rule 2).

Permission is not checked here: callers ask portal.policy first.
"""

import contextlib
import contextvars
import datetime as dt
import hashlib
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from portal import weeks as isoweeks
from portal.models import Department, Region
from reports import protection, rollup
from reports.models import (
    CountyWeekStat,
    DepartmentWeekStat,
    ReporterDepartmentWeek,
    ReporterWeek,
    TownshipWeekStat,
)
from reports.protection import Cell, min_group

HOURS_PLACES = 4
SHARE_PLACES = 6
SHARE_FIELDS = list(rollup.INDICATORS)
# Fields nulled in a hidden measures row.
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


# ---------------------------------------------------------------------------- one request

# A page composes several answers over the same rows: the county total is in the townships and the
# departments answers, the previous bucket and the week before the first sit in the same year as
# the period, a department's tree is asked for by its footprint, profile and cuts. A page is built
# under one data version (reports.views._cached_page), so inside `one_request()` each read is made
# once: an identical grouped read is answered from the first, and weekly rows are read a year at a
# time and summed here for every bucket of that year (`week_sums`). Outside it (the API, exports)
# every read is made as asked.
_REQUEST: contextvars.ContextVar[dict | None] = contextvars.ContextVar("reports_stats_request", default=None)


@contextlib.contextmanager
def one_request():
    """Share reads while one page (one data version) is being computed; nests in an outer one."""
    token = _REQUEST.set({} if _REQUEST.get() is None else _REQUEST.get())
    try:
        yield
    finally:
        _REQUEST.reset(token)


def once(key, compute):
    """`compute()`, or inside one_request() the value it gave for `key` earlier in the request.
    Callers must not change what it returns."""
    memo = _REQUEST.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _sql_key(queryset):
    """What identifies a read: its SQL and parameters (None if it cannot match any row)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return (sql, tuple(params))


def listed(queryset) -> list:
    """The rows of `queryset`, read once per request (e.g. the counties in an answer's scope)."""
    key = _sql_key(queryset)
    return list(queryset) if key is None else once(("rows", *key), lambda: list(queryset))


def cells_of(rows, cell_field=None, hours_field="hours_total") -> dict:
    """{cell value (None without `cell_field`): protection.Cell} over the per-reporter rows
    `rows` (already limited to the period's closed weeks): one query, grouped first by cadre so
    distinct reporters and the largest single reporter's hours come out exact."""
    if cell_field:
        rows = rows.annotate(cell_value=F(cell_field))
    group = ["cell_value"] if cell_field else []
    inner = (
        rows.values(*group, "cadre_id")
        .annotate(n=Count("pk"), k=Sum("record_key"), h=Sum(hours_field))
        .order_by()
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # filtered on an empty list (a period without a closed week)
        return {}
    column = "sub.cell_value" if cell_field else "NULL"
    outer = f"SELECT {column}, COUNT(*), SUM(sub.n), SUM(sub.k), MAX(sub.h), SUM(sub.h) FROM ({sql}) sub" + (
        f" GROUP BY {column}" if cell_field else ""
    )

    def read():
        with connection.cursor() as cursor:
            cursor.execute(outer, params)
            return {
                cell: Cell(int(reporters), int(logs or 0), int(keys or 0), float(top or 0), float(hours or 0))
                for cell, reporters, logs, keys, top, hours in cursor.fetchall()
                if reporters
            }

    return dict(once(("cells", outer, tuple(params)), read))


def _sums(queryset, group_by, columns) -> dict:
    """{group key (or None): {column: true sum}} over the weekly rows."""
    aggregates = {c: Sum(c) for c in columns}
    if group_by:
        rows = queryset.values(group_by).annotate(**aggregates).order_by()
        return {row[group_by]: row for row in rows}
    return {None: queryset.aggregate(**aggregates)}


def week_sums(queryset, weeks, group_by, columns) -> dict:
    """`_sums(queryset.filter(week__in=weeks), group_by, columns)`: {group (None without
    `group_by`): {column: sum}} of the weekly rows over `weeks` (closed weeks). Inside
    one_request() the rows of each year the weeks fall in are read once, per group and week, and
    summed here: a page's period, its previous bucket and the week before its first share a read."""
    if _REQUEST.get() is None or not weeks:
        return _sums(queryset.filter(week__in=weeks), group_by, columns)
    fields = [group_by, "week"] if group_by and group_by != "week" else ["week"]
    by_week: dict = {}
    for year in sorted({isoweeks.week_year(w) for w in weeks}):
        rows = queryset.filter(week__in=protection.closed_weeks(isoweeks.Period("year", year)))
        rows = rows.values(*fields).annotate(**{c: Sum(c) for c in columns}).order_by()
        for row in listed(rows):
            by_week.setdefault(row.get(group_by) if group_by else None, {})[row["week"]] = row
    wanted = set(weeks)
    out = {}
    for group, rows in by_week.items():
        found = [row for week, row in rows.items() if week in wanted]
        if found:
            out[group] = {
                **({group_by: group} if group_by else {}),
                **{c: sum(row[c] for row in found if row[c] is not None) for c in columns},
            }
    if not group_by and None not in out:
        out[None] = dict.fromkeys(columns)  # as aggregate() over no rows
    return out


def _round(value, places):
    return None if value is None else round(float(value), places)


def _measures(sums: dict | None, cell: Cell, single_week: bool = False) -> dict:
    """The served measures of one cell of the fixed tree (county, township, region): every count
    and hours figure perturbed, hours per reporter and shares derived from the perturbed parts,
    everything null if the cell is below the minimum group."""
    if not cell.shown:
        return {**dict.fromkeys(MEASURE_FIELDS), "reporter_weeks": None, "suppressed": True}
    sums = sums or {}
    entries = {k: protection.count(cell, f"entries_{k}", sums.get(f"entries_{k}") or 0) for k in rollup.KINDS}
    hours = {
        k: round(protection.hours(cell, f"hours_{k}", sums.get(f"hours_{k}") or 0), HOURS_PLACES)
        if entries[k]
        else 0.0
        for k in rollup.KINDS
    }
    reporters = protection.reporters(cell, "reporters", cell.reporters)
    # Within one week every reporter is one submitted log: the two figures are one.
    weeks = reporters if single_week else protection.reporters(cell, "reporter_weeks", cell.reporter_weeks)
    hours_total = protection.hours(cell, "hours_total", sums.get("hours_total") or 0)
    per_reporter = hours_total / weeks if weeks else None
    out = {
        "suppressed": False,
        "reporters": reporters,
        "reporter_weeks": weeks,
        "entries": entries,
        "hours": hours,
        "hours_total": round(hours_total, HOURS_PLACES),
        "hours_per_reporter": _round(per_reporter, HOURS_PLACES),
        "week_share": _round(
            None if per_reporter is None else per_reporter / rollup.WORK_WEEK_HOURS, SHARE_PLACES
        ),
    }
    for share, (numerator, denominator) in rollup.INDICATORS.items():
        part = protection.count(cell, numerator, sums.get(numerator) or 0)
        out[share] = _round(
            protection.share(part, entries[denominator.removeprefix("entries_")]), SHARE_PLACES
        )
    return out


def _region(region) -> dict:
    return {"code": region.code, "name": region.name}


def _header(key, subject, period) -> dict:
    return {
        key: subject,
        "period": period.label,
        "min_group": min_group(),
        "perturbed": protection.enabled(),
    }


_MEASURE_SUMS = [*rollup.MEASURE_COLUMNS]


def _summed(rows, columns) -> dict:
    """The sums of `columns` over grouped sums `rows` (None where no row), as one aggregate."""
    rows = list(rows)
    if not rows:
        return dict.fromkeys(columns)
    return {c: sum(row[c] or 0 for row in rows) for c in columns}


# ---------------------------------------------------------------------------- county answers


def county_weeks(county: Region, period: isoweeks.Period) -> dict:
    """One row per closed ISO week of the period."""
    weeks = protection.closed_weeks(period)
    cells = cells_of(ReporterWeek.objects.filter(county=county, week__in=weeks), "week")
    sums = week_sums(CountyWeekStat.objects.filter(county=county), weeks, "week", _MEASURE_SUMS)
    joins = cadre_joins(county)
    results = []
    for week in weeks:
        row = _measures(sums.get(week), cells.get(week, protection.EMPTY), single_week=True)
        row.pop("reporter_weeks")
        results.append({"week": week, **row, **_completeness(row["reporters"], joins, [week])})
    return {**_header("county", _region(county), period), "results": results}


def _completeness(logs, joins, weeks, township_id=None) -> dict:
    expected = expected_logs(joins, weeks, township_id)
    return {"expected_logs": expected, "completeness": completeness(logs, expected)}


def _county_total(county, weeks, single_week) -> dict:
    """The county's measures over these weeks (with reporter_weeks), protected."""
    cell = cells_of(ReporterWeek.objects.filter(county=county, week__in=weeks)).get(None, protection.EMPTY)
    sums = week_sums(CountyWeekStat.objects.filter(county=county), weeks, None, _MEASURE_SUMS)[None]
    return _measures(sums, cell, single_week)


def county_townships(county: Region, period: isoweeks.Period) -> dict:
    """Per township of the county over the period, with the county total."""
    weeks = protection.closed_weeks(period)
    single = len(weeks) == 1
    townships = listed(Region.objects.filter(parent=county).order_by("code"))
    cells = cells_of(ReporterWeek.objects.filter(county=county, week__in=weeks), "township")
    sums = week_sums(TownshipWeekStat.objects.filter(county=county), weeks, "township_id", _MEASURE_SUMS)
    joins = cadre_joins(county)
    results = []
    for t in townships:
        row = _measures(sums.get(t.pk), cells.get(t.pk, protection.EMPTY), single)
        results.append(
            {"township": _region(t), **row, **_completeness(row["reporter_weeks"], joins, weeks, t.pk)}
        )
    total = _county_total(county, weeks, single)
    total.update(_completeness(total["reporter_weeks"], joins, weeks))
    return {**_header("county", _region(county), period), "results": results, "total": total}


def _department(dept) -> dict:
    return {"id": dept.pk, "code": dept.code, "name": dept.name}


def department_hours(county: Region, period: isoweeks.Period) -> dict:
    """{department id: hours as the departments answer shows them} for the departments it lists,
    in one query: the same cells and measure names (the per-reporter hours sum to the weekly
    rows' hours), for comparing a page's departments with the previous bucket."""
    weeks = protection.closed_weeks(period)
    base = ReporterDepartmentWeek.objects.filter(county=county, direct=True, week__in=weeks)
    return {
        pk: round(protection.hours(cell, f"department:{pk}:hours", cell.hours), HOURS_PLACES)
        for pk, cell in cells_of(base, "department", "hours").items()
        if cell.shown
    }


def department_row(department_id: int, sums, cell: Cell) -> dict:
    """A department's direct footprint in one cell (`sums`: entries, entries_<kind>, hours),
    perturbed under the department's own measure names, so two departments with the same
    reporters are not perturbed alike; the county answer and the league table both use it."""
    tag = f"department:{department_id}:"
    sums = sums or {}
    entries_by_kind = {
        k: protection.count(cell, f"{tag}entries_{k}", sums.get(f"entries_{k}") or 0) for k in rollup.KINDS
    }
    return {
        "suppressed": False,
        "reporters": protection.reporters(cell, f"{tag}reporters", cell.reporters),
        "entries": protection.count(cell, f"{tag}entries", sums.get("entries") or 0),
        "entries_by_kind": entries_by_kind,
        "hours": round(protection.hours(cell, f"{tag}hours", sums.get("hours") or 0), HOURS_PLACES),
    }


def county_departments(county: Region, period: isoweeks.Period) -> dict:
    """The footprint in the county of each issuing department named by at least the minimum group
    (entries naming it, hours split equally among joint issuers; the others are not listed), with
    a total counting each entry once."""
    weeks = protection.closed_weeks(period)
    base = ReporterDepartmentWeek.objects.filter(county=county, direct=True, week__in=weeks)
    cells = {pk: cell for pk, cell in cells_of(base, "department", "hours").items() if cell.shown}
    weekly = DepartmentWeekStat.objects.filter(
        county=county, week__in=weeks, department_id__in=list(cells), entries__gt=0
    )
    sums = _sums(weekly, "department_id", ["entries", *rollup.ENTRY_COLUMNS, "hours"])
    departments = Department.objects.filter(pk__in=list(cells)).order_by("code")
    results = [
        {"department": _department(d), **department_row(d.pk, sums.get(d.pk), cells[d.pk])}
        for d in departments
    ]

    county_total = _county_total(county, weeks, len(weeks) == 1)
    filers = cells_of(ReporterWeek.objects.filter(county=county, week__in=weeks, entries__gt=0))
    filer_cell = filers.get(None, protection.EMPTY)
    if county_total["suppressed"] or not filer_cell.shown:
        total = {"suppressed": True, **dict.fromkeys(DEPARTMENT_FIELDS)}
    else:
        # The county's own figures (the same numbers the weeks and townships answers show); only
        # the reporters differ: the cadres who filed any entry.
        entries = county_total["entries"]
        total = {
            "suppressed": False,
            # "reporters" like every reporter count: where every reporter filed something this is
            # the county cell itself, and gets the county's numbers.
            "reporters": protection.reporters(filer_cell, "reporters", filer_cell.reporters),
            "entries": sum(entries.values()),
            "entries_by_kind": entries,
            "hours": county_total["hours_total"],
        }
    return {**_header("county", _region(county), period), "results": results, "total": total}


# ---------------------------------------------------------------------------- comparisons


def region_counties(region: Region, period: isoweeks.Period, counties=None) -> dict:
    """Every county below a city or province over the period, with the region total."""
    counties = listed(
        (counties if counties is not None else Region.objects.below(region).counties()).order_by("code")
    )
    ids = [c.pk for c in counties]
    weeks = protection.closed_weeks(period)
    single = len(weeks) == 1
    base = ReporterWeek.objects.filter(county_id__in=ids, week__in=weeks)
    cells = cells_of(base, "county")
    sums = week_sums(CountyWeekStat.objects.filter(county_id__in=ids), weeks, "county_id", _MEASURE_SUMS)
    results = [
        {"county": _region(c), **_measures(sums.get(c.pk), cells.get(c.pk, protection.EMPTY), single)}
        for c in counties
    ]
    total_cell = cells_of(base).get(None, protection.EMPTY)
    # The region's weekly rows are its counties': their sums are the total's.
    total = _measures(_summed(sums.values(), _MEASURE_SUMS), total_cell, single)
    subject = {**_region(region), "level": region.level}
    return {**_header("region", subject, period), "results": results, "total": total}


def _department_children() -> dict:
    children = defaultdict(list)
    for pk, parent in Department.objects.values_list("pk", "parent_id"):
        children[parent].append(pk)
    return children


def department_tree(department) -> list[int]:
    """Ids of the department and every division below it, sorted: one query (a small table)."""
    children = once(("department-children",), _department_children)
    tree, frontier = [department.pk], [department.pk]
    while frontier:
        frontier = [child for pk in frontier for child in children[pk]]
        tree.extend(frontier)
    return sorted(tree)


def _tree_tag(department) -> str:
    """Measure names of a department's footprint with its divisions. Without divisions it is the
    department's own cell (the same names as its direct figures: the same numbers). With them the
    names hold the divisions' ids, so moving a division in or out draws new noise rather than
    shifting a figure under the same noise."""
    tree = department_tree(department)
    if tree == [department.pk]:
        return f"department:{department.pk}:"
    digest = hashlib.blake2b(repr(tree).encode(), digest_size=6).hexdigest()
    return f"department-tree:{department.pk}:{digest}:"


def department_counties(department: Department, period: isoweeks.Period, counties=None) -> dict:
    """One department's footprint with its divisions per county over the period: entries naming
    it or a division (each once), their hours shares, and the cadres who filed them. Every county
    in scope is listed (a unit of the fixed tree), hidden where fewer than the minimum filed."""
    counties = counties if counties is not None else Region.objects.counties()
    shown = listed(counties.order_by("code"))
    ids = sorted(c.pk for c in shown)
    weeks = protection.closed_weeks(period)
    cells = cells_of(_tree_rows(department, ids, weeks), "county", "tree_hours")
    weekly = DepartmentWeekStat.objects.filter(department=department, tree_entries__gt=0, county__in=ids)
    sums = week_sums(weekly, weeks, "county_id", ["tree_entries", "tree_hours"])
    tag = _tree_tag(department)
    results = [
        {"county": _region(c), **footprint_row(tag, sums.get(c.pk), cells.get(c.pk, protection.EMPTY))}
        for c in shown
    ]
    total_cell = cells_of(_tree_rows(department, ids, weeks), None, "tree_hours").get(None, protection.EMPTY)
    # The department's weekly rows in these counties are its counties': their sums are the total's.
    total = footprint_row(tag, _summed(sums.values(), ["tree_entries", "tree_hours"]), total_cell)
    return {**_header("department", _department(department), period), "results": results, "total": total}


FOOTPRINT_FIELDS = ["reporters", "entries", "hours"]


def _tree_rows(department, county_ids, weeks):
    """The per-reporter rows of a department's footprint with its divisions in these counties
    and weeks: one query shape, so the footprint and the profile share their total's cell."""
    return ReporterDepartmentWeek.objects.filter(
        department=department, county_id__in=sorted(county_ids), week__in=weeks
    )


def footprint_row(tag: str, values, cell: Cell) -> dict:
    """A department's footprint with divisions in one cell (`values`: tree_entries, tree_hours),
    under the measure names `tag` (_tree_tag): the department answer and the department page use
    it, so the same cell shows the same numbers."""
    if not cell.shown:
        return {"suppressed": True, **dict.fromkeys(FOOTPRINT_FIELDS)}
    values = values or {}
    return {
        "suppressed": False,
        "reporters": protection.reporters(cell, f"{tag}reporters", cell.reporters),
        "entries": protection.count(cell, f"{tag}entries", values.get("tree_entries") or 0),
        "hours": round(protection.hours(cell, f"{tag}hours", values.get("tree_hours") or 0), HOURS_PLACES),
    }


_PROFILE_SUMS = ["tree_entries", "tree_hours", *rollup.TREE_PROFILE_COLUMNS]


def _profile_row(tag, values, cell) -> dict:
    """footprint_row plus entries by kind and the six indicators of the department's own items,
    each perturbed under the department's names; shares from the perturbed parts."""
    row = footprint_row(tag, values, cell)
    if row["suppressed"]:
        return {**row, "entries_by_kind": None, **dict.fromkeys(SHARE_FIELDS)}
    values = values or {}
    kinds = {
        k: protection.count(cell, f"{tag}entries_{k}", values.get(f"tree_entries_{k}") or 0)
        for k in rollup.KINDS
    }
    row["entries_by_kind"] = kinds
    for share, (numerator, denominator) in rollup.INDICATORS.items():
        part = protection.count(cell, f"{tag}{numerator}", values.get(f"tree_{numerator}") or 0)
        row[share] = _round(protection.share(part, kinds[denominator.removeprefix("entries_")]), SHARE_PLACES)
    return row


def department_profile(department: Department, period: isoweeks.Period, counties=None) -> dict:
    """What the department page shows beyond the footprint answer, over the counties in scope:
    the department's (with divisions) kinds and hours per part of its year up to the last closed
    week (quarters), its kinds and six indicators over the period, and the same indicators for
    all cadres of those counties (the average it is set against). Five grouped queries."""
    ids = sorted(
        c.pk
        for c in listed((counties if counties is not None else Region.objects.counties()).order_by("code"))
    )
    tag = _tree_tag(department)
    year_weeks = protection.closed_weeks(isoweeks.Period("year", period.year))
    weeks = protection.closed_weeks(period)
    base = ReporterDepartmentWeek.objects.filter(department=department, county_id__in=ids)
    weekly = DepartmentWeekStat.objects.filter(
        department=department, county_id__in=ids, tree_entries__gt=0, week__in=sorted({*year_weeks, *weeks})
    )
    by_week = _sums(weekly, "week", _PROFILE_SUMS)

    def summed(part_weeks):
        return {c: sum((by_week.get(w) or {}).get(c) or 0 for w in part_weeks) for c in _PROFILE_SUMS}

    quarters = cells_of(base.filter(week__in=year_weeks), "quarter", "tree_hours")
    over_time = []
    for quarter in sorted({isoweeks.week_quarter(w) for w in year_weeks}):
        part = [w for w in year_weeks if isoweeks.week_quarter(w) == quarter]
        over_time.append(
            {"period": quarter, **_profile_row(tag, summed(part), quarters.get(quarter, protection.EMPTY))}
        )
    cell = cells_of(_tree_rows(department, ids, weeks), None, "tree_hours").get(None, protection.EMPTY)
    total = _profile_row(tag, summed(weeks), cell)
    everyone = cells_of(ReporterWeek.objects.filter(county_id__in=ids, week__in=weeks)).get(
        None, protection.EMPTY
    )
    county_sums = week_sums(CountyWeekStat.objects.filter(county_id__in=ids), weeks, None, _MEASURE_SUMS)[
        None
    ]
    average = _measures(county_sums, everyone, len(weeks) == 1)
    return {
        **_header("department", _department(department), period),
        "over_time": over_time,
        "total": total,
        "average": {k: average[k] for k in ["suppressed", *SHARE_FIELDS]},
    }


# ---------------------------------------------------------------------------- cache

# A safety net only (names of regions and departments edited in the admin); rollups change the key.
CACHE_SECONDS = 600


def data_version(county_ids) -> tuple:
    """Changes whenever a rollup rewrites any derived row of a closed week of these counties:
    every rollup deletes and re-inserts its county-week rows (new ids, a new computed_at), and one
    that leaves a week without rows changes their count. One indexed query."""
    # Closed weeks only: the answers show nothing else, and a rollup of the open week must not
    # move `as_of` (it would tell when someone filed in the open week).
    version = CountyWeekStat.objects.filter(
        county_id__in=list(county_ids), week__lte=protection.last_closed_week()
    ).aggregate(n=Count("id"), top=Max("id"), at=Max("computed_at"))
    at = version["at"].isoformat() if version["at"] else ""
    return (version["n"], version["top"], at)


def cache_key(prefix: str, parts: tuple, county_ids, version: tuple | None = None) -> str:
    """A key that holds the data version of `county_ids`, the group size, the protection settings
    and the last closed week, so a rollup, a week closing or another setting never serves an old
    answer."""
    county_ids = sorted(county_ids)
    version = version if version is not None else data_version(county_ids)
    protected = (
        min_group(),
        protection.enabled(),
        settings.BURDEN_NOISE_SCALE,
        settings.BURDEN_NOISE_FLOOR_HOURS,
        protection.last_closed_week(),
    )
    full = (*parts, *protected, county_ids, version)
    return f"{prefix}:" + hashlib.sha256(repr(full).encode()).hexdigest()


def cached(selector, subject, period: isoweeks.Period, county_ids, version=None, **kwargs) -> dict:
    """`selector(subject, period, **kwargs)`, computed once per data version of the counties it
    reads (`version`, if the caller has just read it), with `as_of` (when those counties were
    last rolled up); the API, pages and exports all ask through here. Permission is the caller's."""
    county_ids = sorted(county_ids)
    version = version if version is not None else data_version(county_ids)
    key = cache_key("stats", (selector.__name__, subject.pk, period.label), county_ids, version)
    answer = cache.get(key)
    if answer is None:
        answer = {**selector(subject, period, **kwargs), "as_of": version[2] or None}
        cache.set(key, answer, CACHE_SECONDS)
    return answer


# ---------------------------------------------------------------------------- completeness


def _week_end(week: str) -> dt.datetime:
    """The instant a week ends: Sunday 24:00 in the portal's time zone."""
    sunday = isoweeks.week_days(week)[1] + dt.timedelta(days=1)
    return dt.datetime.combine(sunday, dt.time(), tzinfo=timezone.get_current_timezone())


def cadre_joins(county: Region) -> list[tuple[int, dt.datetime]]:
    """(township id, date joined) of each active cadre account of the county's townships and
    villages: who is expected to file (DESIGN.md "Rollup", completeness, as DHIS2's expected
    reports). One query. Not perturbed: who works where is what the threat model already gives
    the reader; only the submitted logs (the numerator) tell who filed. An account deactivated
    since no longer counts in any week: when it was deactivated is not kept."""
    from portal.models import Role, User  # accounts, read-only: reports may import portal

    # Every answer of a page reads the same accounts: once a minute is enough (an account added
    # or deactivated shows within a minute; the answers themselves are keyed by data version).
    key = f"cadre-joins:{county.pk}"
    joins = cache.get(key)
    if joins is not None:
        return joins
    cadres = User.objects.filter(role=Role.CADRE, is_active=True).filter(
        Q(region__parent=county) | Q(region__parent__parent=county)
    )
    joins = [
        (region_id if parent_id == county.pk else parent_id, joined)
        for region_id, parent_id, joined in cadres.values_list(
            "region_id", "region__parent_id", "date_joined"
        )
    ]
    cache.set(key, joins, 60)
    return joins


def expected_logs(joins, weeks, township_id=None) -> int:
    """Cadre-weeks expected over `weeks`: the cadres (of one township, or all) whose accounts
    existed by each week's end."""
    ends = [_week_end(w) for w in weeks]
    return sum(
        1 for township, joined in joins if township_id in (None, township) for end in ends if joined < end
    )


def completeness(logs, expected):
    """Submitted logs (perturbed) / expected cadre-weeks, clamped to [0, 1]; None where nothing
    was expected or the cell is hidden."""
    if logs is None or not expected:
        return None
    return round(min(1.0, max(0.0, logs / expected)), SHARE_PLACES)


# ---------------------------------------------------------------------------- comparisons


def change(now, before) -> dict | None:
    """The change of a shown figure against the previous bucket of the same kind: both are
    protected figures (each perturbed in its own cell), so the change is too. None where either
    is hidden or missing."""
    if now is None or before is None:
        return None
    delta = float(now) - float(before)
    direction = "up" if delta > 1e-9 else "down" if delta < -1e-9 else "same"
    ratio = delta / float(before) if before else None
    return {"delta": delta, "ratio": ratio, "direction": direction, "before": before}
