"""Accountability in public: per department and year, how it answered the reports routed to it.

Counted from each routing's first round (problems.models.Assignment.first_*), by the ISO year of
the day it was first routed: received, answered on time, median working days to the first answer,
and the share of the ratings of its reports that said "resolved". A count below BURDEN_MIN_GROUP
is shown as "<5" (with the configured number), and a median or share resting on fewer answers or
ratings than that is not shown: these figures name no cadre, but a department with one report
from a small township should not read the pace of that one case off a public table.
"""

import statistics
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Max

from portal import weeks as isoweeks
from portal.models import Department
from problems.models import Assignment, Rating, Step


def shown_count(n: int) -> int | str:
    group = settings.BURDEN_MIN_GROUP
    return n if n >= group else f"<{group}"


def year_days(year: str):
    period = isoweeks.Period("year", year)
    first, _ = isoweeks.week_days(period.weeks[0])
    _, last = isoweeks.week_days(period.weeks[-1])
    return first, last


def _figures(assignments, ratings) -> dict:
    group = settings.BURDEN_MIN_GROUP
    answered = [a for a in assignments if a.first_answered_on is not None]
    days = [a.first_answer_days for a in answered]
    resolved = sum(1 for r in ratings if r)
    return {
        "received": shown_count(len(assignments)),
        "answered": shown_count(len(answered)),
        "on_time": shown_count(sum(1 for a in answered if a.first_on_time)),
        "median_days": statistics.median(days) if len(days) >= group else None,
        "rated": shown_count(len(ratings)),
        "resolved_share": round(resolved / len(ratings), 4) if len(ratings) >= group else None,
    }


def _ratings_by_report(report_ids) -> dict[int, list[bool]]:
    found = defaultdict(list)
    for report_id, resolved in Rating.objects.filter(report_id__in=report_ids).values_list(
        "report_id", "resolved"
    ):
        found[report_id].append(resolved)
    return found


def department_year(department: Department, year: str, county_ids, divisions=None) -> dict:
    """The department (with its divisions) over the reports of `county_ids` first routed in `year`;
    `divisions`: the ids of the department and its divisions, if the caller has them already."""
    first, last = year_days(year)
    tree = (
        Department.objects.with_divisions(department)
        if divisions is None
        else Department.objects.filter(pk__in=list(divisions))
    )
    assignments = list(
        Assignment.objects.of_departments(tree)
        .routed_between(first, last)
        .filter(report__county_id__in=list(county_ids))
        .only("report_id", "first_answered_on", "first_answer_days", "first_on_time")
    )
    ratings_of = _ratings_by_report({a.report_id for a in assignments})
    ratings = [r for report_id in {a.report_id for a in assignments} for r in ratings_of[report_id]]
    return {"year": year, "min_group": settings.BURDEN_MIN_GROUP, **_figures(assignments, ratings)}


def league(year: str, county_ids) -> list[dict]:
    """One row per department that received a report from these counties in `year`, by name."""
    first, last = year_days(year)
    assignments = list(
        Assignment.objects.routed_between(first, last)
        .filter(report__county_id__in=list(county_ids))
        .select_related("department")
        .only("report_id", "department", "first_answered_on", "first_answer_days", "first_on_time")
    )
    ratings_of = _ratings_by_report({a.report_id for a in assignments})
    by_department = defaultdict(list)
    for assignment in assignments:
        by_department[assignment.department].append(assignment)
    rows = []
    for department, own in by_department.items():
        ratings = [r for report_id in {a.report_id for a in own} for r in ratings_of[report_id]]
        rows.append({"department": department, "n": len(own), **_figures(own, ratings)})
    # Most reports first; those under the minimum by code only, so the order tells nothing more.
    group = settings.BURDEN_MIN_GROUP
    rows.sort(key=lambda r: (-(r["n"] if r["n"] >= group else 0), r["department"].code))
    for row in rows:
        del row["n"]
    return rows


def version(county_ids) -> tuple:
    """Changes whenever a routing or rating of these counties changes: part of a cached page's key."""
    found = Step.objects.filter(report__county_id__in=list(county_ids)).aggregate(
        n=Count("id"), top=Max("id")
    )
    return (found["n"], found["top"])
