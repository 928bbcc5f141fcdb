"""What each reader sees of a report: one function for the pages and the API, so no view can
show an audience more than DESIGN.md "Problem reports" allows.

- everyone who may open a report: county, township only where it has at least BURDEN_MIN_GROUP
  cadres, ISO week filed, pattern, the departments concerned, status, the co-sign count ("<5"
  under the minimum), the routed text and the public steps (weeks; office and department acts
  also their dates);
- the author and the office besides: the author's original words, the office's edit step and the
  messages between them;
- nobody: who wrote it. There is nothing to show: no row holds it.
"""

from django.conf import settings
from django.utils import timezone

from portal.policy import Audience
from problems import anonymity
from problems.accountability import shown_count
from problems.models import CADRE_STEPS, PRIVATE_STEPS, Status

PRIVY = (Audience.AUTHOR, Audience.OFFICE)


def _region(region):
    return {"code": region.code, "name": region.name} if region is not None else None


def _department(department):
    return {"id": department.pk, "code": department.code, "name": department.name}


def _step(step) -> dict:
    return {
        "kind": step.kind,
        "label": str(step.get_kind_display()),
        "week": step.week,
        # A cadre's steps have no time stored; office and department acts show their day.
        "date": timezone.localdate(step.at).isoformat() if step.at and step.kind not in CADRE_STEPS else None,
        "department": _department(step.department) if step.department_id else None,
        "answer_kind": step.answer_kind,
        "answer_label": str(step.get_answer_kind_display()) if step.answer_kind else None,
        "resolved": step.resolved,
        "note": step.note,
    }


def report_data(report, audience, *, shown_townships=None, detail=True) -> dict:
    """The report as `audience` may see it. `shown_townships`: ids precomputed for a list."""
    if shown_townships is None:
        shown_townships = anonymity.townships_shown([report.township_id])
    privy = audience in PRIVY
    routed = report.ever_routed
    data = {
        "id": report.pk,
        "county": _region(report.county),
        "township": _region(report.township) if report.township_id in shown_townships else None,
        "week": report.week,
        "pattern": report.pattern,
        "pattern_label": str(report.get_pattern_display()),
        # The author's choice is part of their original; others see where the office routed it.
        "departments": [_department(d) for d in report.departments.all()]
        if privy
        else [_department(a.department) for a in report.assignments.all()],
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "overdue": any(a.overdue for a in report.assignments.all()),
        "cosigns": str(shown_count(len(report.cosigns.all()))),
        "summary": report.routed_summary
        if routed and not privy
        else (report.routed_summary or report.summary),
    }
    if audience == Audience.NEIGHBOUR and not routed:  # policy never lets this happen; belt and braces
        data["summary"] = ""
    if not detail:
        return data
    data["details"] = report.routed_text if routed and not privy else (report.routed_text or report.details)
    data["original"] = {"summary": report.summary, "details": report.details} if privy else None
    data["edited"] = report.edited if privy else None
    data["close_reason"] = report.close_reason if report.status == Status.CLOSED else None
    data["routings"] = [
        {
            "id": a.pk,
            "department": _department(a.department),
            "status": a.status,
            "status_label": str(a.get_status_display()),
            "routed_on": a.routed_on.isoformat(),
            "due_on": a.due_on.isoformat(),
            "overdue": a.overdue,
            "answer_kind": a.answer_kind,
            "answer_label": str(a.get_answer_kind_display()) if a.answer_kind else None,
            "answer": a.answer,
            "answered_on": a.answered_on.isoformat() if a.answered_on else None,
        }
        for a in report.assignments.all()
    ]
    data["steps"] = [_step(s) for s in report.steps.all() if privy or s.kind not in PRIVATE_STEPS]
    data["messages"] = (
        [
            {
                "from_office": m.from_office,
                "week": m.week,
                "date": timezone.localdate(m.at).isoformat() if m.at else None,
                "text": m.text,
            }
            for m in report.messages.all()
        ]
        if privy
        else None
    )
    return data


def with_relations(queryset):
    return queryset.select_related("county", "township").prefetch_related(
        "departments", "assignments__department", "cosigns", "steps__department", "messages"
    )


def min_group() -> int:
    return settings.BURDEN_MIN_GROUP
