"""Dashboards: what a burden-reduction office opens before its meeting.

Every page reads only derived tables, through the stats answers (reports.stats.cached, the same
cache the stats API and the exports read) and the extras readers (reports.extras), so what it
shows is protected exactly as the API and the exports are (reports.protection: small cells
hidden, every figure perturbed, closed weeks only), and says so in visible text. Permission is
asked of portal.policy first (403 whatever the parameters), then the subject is looked up (404)
and the period validated (400 with a message).

A page's body is the same for everyone allowed to see it, and changes only when a rollup rewrites
the derived rows of its counties: it is cached under a key holding those rows' version
(reports.stats.cache_key), so a rollup makes the next request recompute it, never a stale read.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from portal import policy
from portal import weeks as isoweeks
from portal.models import Department, Kind, Region, RegionLevel, Role
from problems import accountability
from reports import extras, protection, stats, subjects, targets
from reports.api.views import PERIOD_HELP
from reports.rollup import KINDS, WORK_WEEK_HOURS

TOP_DEPARTMENTS = 10
# The six hidden-formalism indicators of DESIGN.md "Rollup", each with one line on what it measures.
INDICATORS = [
    (
        "unnumbered_doc_share",
        gettext_lazy("Un-numbered notices"),
        gettext_lazy(
            "Documents that came as un-numbered notices, oral orders, chat messages or sticky notes."
        ),
    ),
    (
        "relayed_meeting_share",
        gettext_lazy("Relayed meetings"),
        gettext_lazy("Meetings relayed level by level from above (“one pole to the end”)."),
    ),
    (
        "repeat_meeting_share",
        gettext_lazy("Repeated themes"),
        gettext_lazy("Meetings on a theme the cadre had already heard at another meeting."),
    ),
    (
        "accompanying_share",
        gettext_lazy("Accompanying meetings"),
        gettext_lazy("Meetings the cadre only sat in on to accompany others (“陪会”)."),
    ),
    (
        "disguised_inspection_share",
        gettext_lazy("Renamed inspections"),
        gettext_lazy(
            "Inspections called research, investigation or guidance that still demanded materials "
            "or a rectification."
        ),
    ),
    (
        "duplicate_entry_share",
        gettext_lazy("Duplicate data entry"),
        gettext_lazy("App tasks asking for data the cadre had already submitted elsewhere."),
    ),
]
KIND_LABELS = dict(Kind.choices)
# Cadre levels of the cost figure (reports.extras.county_cost): a cadre's level is their unit's.
LEVEL_LABELS = {
    RegionLevel.TOWNSHIP: gettext_lazy("Township cadres"),
    RegionLevel.VILLAGE: gettext_lazy("Village cadres"),
}


class BadPeriod(Exception):
    pass


def _period(request) -> isoweeks.Period:
    label = request.GET.get("period", "").strip()
    if not label:
        return isoweeks.current_quarter()
    try:
        return isoweeks.parse_period(label)
    except ValueError:
        raise BadPeriod(PERIOD_HELP) from None


def period_choices(selected: isoweeks.Period) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's fixed buckets that hold a closed week: recent years, quarters, months and
    weeks, and the selected one."""
    last = protection.last_closed_week()
    year = int(isoweeks.week_year(last))
    years = [str(y) for y in range(year, year - 3, -1)]
    quarters = [f"{y}-Q{q}" for y in range(year, year - 2, -1) for q in range(4, 0, -1)]
    quarters = [q for q in quarters if q <= isoweeks.week_quarter(last)]
    months = [f"{y}-M{m:02d}" for y in range(year, year - 2, -1) for m in range(12, 0, -1)]
    months = [m for m in months if m <= isoweeks.week_month(last)][:12]
    weeks = [isoweeks.shift_week(last, -n) for n in range(0, 16)]
    groups = [
        (
            _("Quarter"),
            [(q, _("%(year)s Q%(quarter)s") % {"year": q[:4], "quarter": q[-1]}) for q in quarters],
        ),
        (_("Month"), [(m, _month_words(m)) for m in months]),
        (_("Year"), [(y, _("%(year)s") % {"year": y}) for y in years]),
        (_("Week"), [(w, _("%(week)s (from %(monday)s)") % _week_words(w)) for w in weeks]),
    ]
    if selected.label not in quarters + months + years + weeks:
        groups.insert(0, (_("Selected"), [(selected.label, selected.label)]))
    return groups


def _week_words(week):
    return {"week": week, "monday": isoweeks.week_monday(week).strftime("%m-%d")}


def _month_words(label: str) -> str:
    return _("%(year)s-%(month)s") % {"year": label[:4], "month": label[-2:]}


def _period_words(period: isoweeks.Period) -> str:
    if period.kind == "week":
        first, last = isoweeks.week_days(period.label)
        return _("week %(week)s (%(first)s to %(last)s)") % {
            "week": period.label,
            "first": first.isoformat(),
            "last": last.isoformat(),
        }
    if period.kind == "month":
        return _month_words(period.label)
    if period.kind == "quarter":
        return _("%(year)s Q%(quarter)s") % {"year": period.label[:4], "quarter": period.label[-1]}
    return _("%(year)s") % {"year": period.label}


def _render(request, template, context, status=200):
    return render(request, template, context, status=status)


def _bad_period(request, error, title):
    return _render(request, "reports/bad_request.html", {"error": error, "title": title}, status=400)


def _cached_page(request, key_parts, counties, build):
    """Render `build(version)` -> (body template, title, context) once per data version of `counties`,
    language, protection settings, tariff and last closed week; later requests reuse the rendered
    body. A page without an `as_of` of its own (from its stats answers) gets its counties'."""
    parts = (*key_parts, get_language(), sorted(settings.BURDEN_WAGE_TARIFF.items()))
    version = stats.data_version(counties)
    key = stats.cache_key("dash", parts, counties, version)
    cached = cache.get(key)
    if cached is None:
        with stats.one_request():  # one data version: every read of the page made once
            template, title, context = build(version)
        context.setdefault("as_of", version[2] or None)
        cached = (str(title), render_to_string(template, context, request))
        cache.set(key, cached, stats.CACHE_SECONDS)
    title, body = cached
    return render(request, "reports/page.html", {"page_title": title, "body": mark_safe(body)})


def _chart(**series) -> dict:
    """Chart data embedded in the page, with the hour unit in the reader's language."""
    return {"unit": str(_("h")), **series}


def _base_context(period):
    return {
        "period": period,
        "period_words": _period_words(period),
        "period_choices": period_choices(period),
        "min_group": stats.min_group(),
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
    }


# ---------------------------------------------------------------------------- landing


@login_required
def home(request):
    """Role-based landing: each role opens the dashboard of its own unit."""
    user = request.user
    if user.role in (Role.CADRE, Role.COUNTY_REVIEWER):
        county = policy.home_county(user)
        if county is not None:
            return redirect("reports:county", code=county.code)
    elif user.role == Role.REGION_REVIEWER and user.region is not None:
        return redirect("reports:region", code=user.region.code)
    elif user.role == Role.DEPARTMENT_VIEWER and user.department_id is not None:
        return redirect("reports:department", id=user.department_id)
    provinces = []
    if policy.is_admin(user):
        provinces = list(Region.objects.filter(level=RegionLevel.PROVINCE).prefetch_related("children"))
    context = {"provinces": provinces, "can_see_runs": policy.can_see_rollup_runs(user)}
    return _render(request, "reports/home.html", context)


# ---------------------------------------------------------------------------- county


def _chart_weeks(weeks_answer) -> dict:
    """Weekly series for the trend and indicator charts (null where a week is suppressed)."""
    rows = weeks_answer["results"]
    return _chart(
        weeks=[r["week"] for r in rows],
        kinds=[{"key": k, "label": str(KIND_LABELS[k])} for k in KINDS],
        hours={k: [None if r["suppressed"] else r["hours"][k] for r in rows] for k in KINDS},
        indicators={key: [r[key] for r in rows] for key, _label, _help in INDICATORS},
        suppressed=[r["suppressed"] for r in rows],
    )


@login_required
def county(request, code):
    county = subjects.county_in_scope(request.user, code)
    try:
        period = _period(request)
    except BadPeriod as error:
        return _bad_period(request, str(error), county.name)

    target = targets.target_of(county)
    can_set = policy.can_set_target(request.user, county)

    def build(version):
        context = {**_county(county, period, version, target), "can_set_target": can_set}
        return "reports/county.html", _("%(name)s burden dashboard") % {"name": county.name}, context

    key = ("county", county.pk, period.label, target, can_set)
    return _cached_page(request, key, [county.pk], build)


@login_required
def county_report(request, code):
    """The dated county report: one A4 page set for the monthly meeting, printed (or saved as a
    PDF) by the browser's own print (README "The county report"): the headline with comparisons,
    the trend, top departments, indicators, recommendations and townships, with no links."""
    county = subjects.county_in_scope(request.user, code)
    try:
        period = _period(request)
    except BadPeriod as error:
        return _bad_period(request, str(error), county.name)
    target = targets.target_of(county)

    def build(version):
        context = _county(county, period, version, target)
        title = _("%(name)s burden report, %(period)s") % {
            "name": county.name,
            "period": context["period_words"],
        }
        return "reports/county_report.html", title, {**context, "report_title": title}

    return _cached_page(request, ("county-report", county.pk, period.label, target), [county.pk], build)


@login_required
def county_target(request, code):
    """The county burden-reduction office sets its target for hours per cadre per week."""
    county = subjects.county_in_scope(request.user, code)
    if not policy.can_set_target(request.user, county):
        raise PermissionDenied(_("Only the county's burden-reduction office sets its target."))
    current = targets.target_of(county)
    if request.method == "POST":
        form = targets.TargetForm(request.POST)
        if form.is_valid():
            targets.set_target(county, form.cleaned_data["hours_per_cadre_week"])
            return redirect(reverse("reports:county", args=[county.code]) + "#trend-title")
        status = 400
    else:
        form = targets.TargetForm(initial={"hours_per_cadre_week": current})
        status = 200
    return render(request, "reports/target.html", {"county": county, "form": form}, status=status)


def _changes(now: dict, before: dict, fields) -> dict:
    """{field: change against the previous bucket} for shown figures of two cells."""
    if now.get("suppressed") or before.get("suppressed"):
        return dict.fromkeys(fields)
    return {f: stats.change(now.get(f), before.get(f)) for f in fields}


_HEADLINE = ["reporters", "hours_per_reporter", "week_share", "hours_total", "completeness"]


def _county(county, period, version=None, target=None) -> dict:
    weeks_answer = stats.cached(stats.county_weeks, county, period, [county.pk], version=version)
    townships = stats.cached(stats.county_townships, county, period, [county.pk], version=version)
    departments = stats.cached(stats.county_departments, county, period, [county.pk], version=version)
    # The previous bucket of the same kind, read through the same (cached) protected answers:
    # every change shown is between two protected figures, never raw rows.
    previous = period.previous
    before = stats.cached(stats.county_townships, county, previous, [county.pk], version=version)
    hours_before = stats.department_hours(county, previous)
    total = townships["total"]
    # Departments below the minimum group are not in the answer at all (rule 1).
    shown = [r for r in departments["results"] if not r["suppressed"]]
    top = sorted(shown, key=lambda r: (-r["hours"], r["department"]["code"]))[:TOP_DEPARTMENTS]
    for row in top:
        row["change"] = stats.change(row["hours"], hours_before.get(row["department"]["id"]))
    townships_before = {r["township"]["code"]: r for r in before["results"]}
    for row in townships["results"]:
        row["changes"] = _changes(
            row, townships_before.get(row["township"]["code"], {"suppressed": True}), _HEADLINE
        )
    weeks = weeks_answer["results"]
    # A week's previous bucket is the week before: the row above, or for the first row the last
    # week of the previous bucket's own answer (itself cached).
    if weeks:
        first_before = stats.cached(
            stats.county_weeks,
            county,
            isoweeks.Period("week", isoweeks.shift_week(weeks[0]["week"], -1)),
            [county.pk],
            version=version,
        )["results"]
        rows_before = [first_before[-1] if first_before else {"suppressed": True}, *weeks[:-1]]
        for row, row_before in zip(weeks, rows_before, strict=True):
            row["changes"] = _changes(row, row_before, _HEADLINE)
    chart = _chart_weeks(weeks_answer)
    chart["top"] = [{"name": r["department"]["name"], "hours": r["hours"]} for r in top]
    chart["per_cadre"] = [r["hours_per_reporter"] for r in weeks]
    chart["per_cadre_label"] = str(_("Hours per cadre per week"))
    chart["target"] = target
    chart["target_label"] = str(_("County target"))
    before_total = before["total"]
    indicators = [
        {
            "key": key,
            "label": label,
            "help": help_text,
            "value": total[key],
            "change": None
            if total["suppressed"] or before_total["suppressed"]
            else stats.change(total[key], before_total[key]),
        }
        for key, label, help_text in INDICATORS
    ]
    cost = extras.county_cost(county, period, total["suppressed"])
    cost_before = extras.county_cost(county, previous, before_total["suppressed"])
    return {
        **_base_context(period),
        "county": county,
        "as_of": townships["as_of"],
        "total": total,
        "changes": _changes(total, before_total, _HEADLINE),
        "previous_words": _period_words(previous),
        "target": target,
        "cost": cost,
        "cost_change": stats.change(cost["yuan"], cost_before["yuan"]),
        "cost_levels": [
            {"key": level, "label": LEVEL_LABELS.get(level, level), **row}
            for level, row in (cost["levels"] or {}).items()
        ],
        "tariff": settings.BURDEN_WAGE_TARIFF,
        "work_week": WORK_WEEK_HOURS,
        "weeks": weeks,
        "townships": townships["results"],
        "top_departments": top,
        "indicators": indicators,
        "recommendations": extras.recommendations(county, period),
        "chart": chart,
    }


@login_required
def township(request, code, township_code):
    county = subjects.county_in_scope(request.user, code)
    township = get_object_or_404(Region, code=township_code, level=RegionLevel.TOWNSHIP, parent=county)
    try:
        period = _period(request)
    except BadPeriod as error:
        return _bad_period(request, str(error), township.name)

    def build(version):
        answer = stats.cached(stats.county_townships, county, period, [county.pk], version=version)
        row = next((r for r in answer["results"] if r["township"]["code"] == township.code), None)
        if row is None:  # added since its county's answer was cached: not known to it yet
            raise Http404
        before = stats.cached(stats.county_townships, county, period.previous, [county.pk], version=version)
        row_before = next(
            (r for r in before["results"] if r["township"]["code"] == township.code), {"suppressed": True}
        )
        weeks = extras.township_parts(county, township, period)
        for part, part_before in zip(weeks, [{"suppressed": True}, *weeks[:-1]], strict=True):
            part["changes"] = _changes(part, part_before, _HEADLINE)
        chart = _chart(
            weeks=[w["week"] for w in weeks],
            kinds=[{"key": k, "label": str(KIND_LABELS[k])} for k in KINDS],
            hours={k: [None if w["suppressed"] else w["hours"][k] for w in weeks] for k in KINDS},
        )
        context = {
            **_base_context(period),
            "county": county,
            "as_of": answer["as_of"],
            "township": township,
            "row": row,
            "changes": _changes(row, row_before, _HEADLINE),
            "previous_words": _period_words(period.previous),
            "indicators": [
                {
                    "key": key,
                    "label": label,
                    "help": help_text,
                    "value": row[key],
                    "county": answer["total"][key],
                    "change": _changes(row, row_before, [key])[key],
                }
                for key, label, help_text in INDICATORS
            ],
            "departments": []
            if row["suppressed"]
            else extras.township_departments(county, township, period)[:TOP_DEPARTMENTS],
            "weeks": weeks,
            "chart": chart,
        }
        return "reports/township.html", f"{township.name} · {county.name}", context

    return _cached_page(request, ("township", township.pk, period.label), [county.pk], build)


# ---------------------------------------------------------------------------- region


@login_required
def region(request, code):
    region, counties = subjects.region_in_scope(request.user, code)
    try:
        period = _period(request)
    except BadPeriod as error:
        return _bad_period(request, str(error), region.name)

    def build(version):
        within = Region.objects.filter(pk__in=counties)
        answer = stats.cached(
            stats.region_counties, region, period, counties, version=version, counties=within
        )
        rows = answer["results"]
        chart = _chart(
            names=[r["county"]["name"] for r in rows],
            hours_per_reporter=[r["hours_per_reporter"] for r in rows],
            week_share=[r["week_share"] for r in rows],
        )
        cities = []
        if region.level == RegionLevel.PROVINCE:
            cities = list(Region.objects.filter(parent=region, level=RegionLevel.CITY).order_by("code"))
        context = {
            **_base_context(period),
            "region": region,
            "as_of": answer["as_of"],
            "rows": rows,
            "total": answer["total"],
            "cost": extras.region_cost(period, counties, rows, answer["total"]["suppressed"]),
            "tariff": settings.BURDEN_WAGE_TARIFF,
            "cities": cities,
            "chart": chart,
        }
        return "reports/region.html", _("%(name)s: counties compared") % {"name": region.name}, context

    return _cached_page(request, ("region", region.pk, period.label), counties, build)


@login_required
def league(request, code):
    region, counties = subjects.league_in_scope(request.user, code)
    year = request.GET.get("year", "").strip() or isoweeks.week_year(protection.last_closed_week())
    try:
        year_ok = isoweeks.parse_period(year).kind == "year"
    except ValueError:
        year_ok = False
    if not year_ok:
        return _bad_period(request, _("Give a year such as 2026."), region.name)

    def build(version):
        table = extras.region_departments(region, year, Region.objects.filter(pk__in=counties))
        this_year = int(isoweeks.week_year(protection.last_closed_week()))
        context = {
            "region": region,
            "year": year,
            "years": [str(y) for y in range(this_year, this_year - 4, -1)],
            "table": table,
            "min_group": table["min_group"],
            "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
            "answers": accountability.league(year, counties),
        }
        title = _("%(name)s %(year)s department league table") % {"name": region.name, "year": year}
        return "reports/league.html", title, context

    return _cached_page(
        request, ("league", region.pk, year, accountability.version(counties)), counties, build
    )


# ---------------------------------------------------------------------------- department


@login_required
def department(request, id):
    department = get_object_or_404(Department.objects.select_related("region__parent"), pk=id)
    if request.user.department_id == department.pk:
        request.user.department = department  # a viewer's own department: read once
    counties = policy.department_scope(request.user, department)
    if counties is None:
        raise PermissionDenied(_("This department is outside your scope."))
    try:
        period = _period(request)
    except BadPeriod as error:
        return _bad_period(request, str(error), department.name)
    scope = sorted(counties.values_list("pk", flat=True))
    league_of = policy.league_region(department)
    league_ok = league_of is not None and policy.can_read_league(request.user, league_of)
    # Which counties link to their dashboard depends on the reader, so it is part of the key.
    visible = sorted(policy.visible_counties(request.user).values_list("code", flat=True))

    def build(version):
        within = Region.objects.filter(pk__in=scope)
        answer = stats.cached(
            stats.department_counties, department, period, scope, version=version, counties=within
        )
        profile = stats.cached(
            stats.department_profile, department, period, scope, version=version, counties=within
        )
        over_time = profile["over_time"]
        rows = answer["results"]
        chart = _chart(
            names=[r["county"]["name"] for r in rows],
            hours=[r["hours"] for r in rows],
            quarters=[q["period"] for q in over_time],
            quarter_hours=[q["hours"] for q in over_time],
            kinds=[{"key": k, "label": str(KIND_LABELS[k])} for k in KINDS],
            quarter_kinds={
                k: [None if q["suppressed"] else q["entries_by_kind"][k] for q in over_time] for k in KINDS
            },
        )
        total = profile["total"]
        average = profile["average"]
        rank = None
        if league_of is not None:
            below = Region.objects.counties().filter(Q(parent=league_of) | Q(parent__parent=league_of))
            rank = extras.league_rank(department, league_of, period.year, below)
        context = {
            **_base_context(period),
            "department": department,
            "as_of": answer["as_of"],
            "divisions": list(department.divisions.order_by("code")),
            "rows": rows,
            "total": answer["total"],
            "profile": total,
            "indicators": [
                {
                    "key": key,
                    "label": label,
                    "help": help_text,
                    "value": total[key],
                    "average": None if average["suppressed"] else average[key],
                }
                for key, label, help_text in INDICATORS
            ],
            "over_time": over_time,
            "cuts": extras.department_cuts(department, period, scope),
            "rank": rank,
            "league_linkable": league_ok,
            "linkable": set(visible),
            "chart": chart,
            "answers": accountability.department_year(
                department, period.year, scope, divisions=stats.department_tree(department)
            ),
        }
        return "reports/department.html", department.name, context

    # The direct channel's figures change with its steps, not with rollups: their version too.
    key = (
        "department",
        department.pk,
        period.label,
        tuple(scope),
        tuple(visible),
        league_ok,
        accountability.version(scope),
    )
    return _cached_page(request, key, scope, build)
