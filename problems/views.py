"""Pages of the direct channel (mounted at /problems/): thin translations between HTTP and
problems.services; who may do and see what is portal.policy's, what each sees problems.present's.

A reader who may not use the channel at all gets 403; a report they may not open is 404, so its
existence is not revealed. Bad input re-renders the page with the fields' messages, status 400.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import policy
from portal.models import Department
from portal.policy import Audience
from problems import anonymity, forms, present, services
from problems.models import (
    FINAL_STATES,
    OPEN_FOR_TRIAGE,
    ROUTED_STATES,
    Assignment,
    AssignmentStatus,
    Report,
    Status,
)

MAX_ID = 2**63 - 1


def channel_user(view):
    """Logged in (else the login page) and on a side of the channel (else 403)."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if policy.problem_role(request.user) is None:
            raise PermissionDenied(_("Your role does not use the direct channel."))
        return view(request, *args, **kwargs)

    return wrapper


def _report(request, id) -> tuple[Report, str]:
    if not 0 < id <= MAX_ID:
        raise Http404
    report = present.with_relations(Report.objects.filter(pk=id)).first()
    audience = policy.problem_audience(request.user, report) if report else None
    if audience is None:
        raise Http404
    return report, audience


def _rows(reports, audience_of):
    reports = list(reports)
    shown = anonymity.townships_shown([r.township_id for r in reports])
    return [present.report_data(r, audience_of(r), shown_townships=shown, detail=False) for r in reports]


# ---------------------------------------------------------------------------- lists


@channel_user
def home(request):
    role = policy.problem_role(request.user)
    user = request.user
    base = present.with_relations(Report.objects.all())
    if role == "cadre":
        key = anonymity.person_key(user)
        county = policy.home_county(user)
        mine = base.followed_by(key)
        others = (
            base.filter(county=county, status__in=[s for s in ROUTED_STATES if s not in FINAL_STATES])
            .exclude(pk__in=Report.objects.followed_by(key).values("pk"))
            .order_by("-week", "id")
        )
        context = {
            "mine": _rows(
                mine.order_by("-week", "id"),
                lambda r: Audience.AUTHOR if r.author_key == key else Audience.COSIGNER,
            ),
            "others": _rows(others, lambda r: Audience.NEIGHBOUR),
        }
        return render(request, "problems/cadre_home.html", context)
    visible = policy.problems_visible(user, base)
    if role == "office":
        audience = lambda r: Audience.OFFICE  # noqa: E731
        context = {
            "new": _rows(visible.awaiting_triage().order_by("week", "id"), audience),
            "overdue": _rows(visible.overdue().order_by("week", "id"), audience),
            "verify": _rows(visible.awaiting_verification().order_by("week", "id"), audience),
            "rest": _rows(
                visible.exclude(status__in=[*OPEN_FOR_TRIAGE, Status.ANSWERED]).order_by("-week", "id"),
                audience,
            ),
        }
        return render(request, "problems/office_home.html", context)
    if role == "department":
        own = Department.objects.with_divisions(user.department)
        waiting = visible.filter(
            assignments__department__in=own,
            assignments__status=AssignmentStatus.WAITING,
            status=Status.ROUTED,
        ).distinct()
        context = {
            "waiting": _rows(waiting.order_by("week", "id"), lambda r: Audience.DEPARTMENT),
            "rest": _rows(
                visible.exclude(pk__in=waiting.values("pk")).order_by("-week", "id"),
                lambda r: Audience.DEPARTMENT,
            ),
        }
        return render(request, "problems/department_home.html", context)
    context = {"rest": _rows(visible.order_by("-week", "id"), lambda r: Audience.REGION)}
    return render(request, "problems/region_home.html", context)


# ---------------------------------------------------------------------------- filing


@channel_user
def new(request):
    """File a report: the form, then a preview of exactly what others will read, then send."""
    if not policy.can_file(request.user):
        raise PermissionDenied(_("Only cadres report problems."))
    form = forms.ReportForm(request.POST or None)
    if request.method != "POST":
        return render(request, "problems/new.html", {"form": form})
    form.is_valid()
    clean, errors = services.clean_report(
        {
            "departments": request.POST.getlist("departments"),
            "pattern": request.POST.get("pattern", ""),
            "summary": request.POST.get("summary", ""),
            "details": request.POST.get("details", ""),
        }
    )
    if errors:
        form.add_service_errors(ValidationError(errors))
        return render(request, "problems/new.html", {"form": form}, status=400)
    if request.POST.get("edit") == "1":  # back from the preview to the form, as filled in
        return render(request, "problems/new.html", {"form": form})
    if request.POST.get("send") != "1":
        township = anonymity.township_of(request.user)
        preview = {
            "county": policy.home_county(request.user),
            "township": township
            if township and township.pk in anonymity.townships_shown([township.pk])
            else None,
            "week": services._week(),
            "pattern_label": dict(forms.Pattern.choices)[clean["pattern"]],
            "departments": clean["departments"],
            **clean,
        }
        return render(request, "problems/new.html", {"form": form, "preview": preview})
    report = services.report_file(cadre=request.user, data=clean)
    messages.success(request, _("Your report was sent. Only you can see that it is yours."))
    return redirect("problems:detail", id=report.pk)


# ---------------------------------------------------------------------------- one report


def _detail(request, report, audience, bound=None, status=200):
    data = present.report_data(report, audience)
    bound = bound or {}
    context = {
        "r": data,
        "report": report,
        "audience": audience,
        "bound": bound,
        "A": Audience,
        "response_days": settings.BURDEN_RESPONSE_DAYS,
    }
    if audience == Audience.OFFICE:
        open_for_triage = report.status in OPEN_FOR_TRIAGE
        summary, details = report.routed_summary or report.summary, report.routed_text or report.details
        route_departments = [a.department_id for a in report.assignments.all()] or [
            d.pk for d in report.departments.all()
        ]
        context.update(
            can_triage=open_for_triage,
            can_merge=report.status in (Status.NEW, Status.TRIAGED),
            edit_form=bound.get("edit") or forms.EditForm(initial={"summary": summary, "details": details}),
            route_form=bound.get("route") or forms.RouteForm(initial={"departments": route_departments}),
            close_form=bound.get("close") or forms.CloseForm(),
            merge_form=bound.get("merge") or forms.MergeForm(),
            verify_form=bound.get("verify") or forms.VerifyForm(),
            verifiable=[a for a in report.assignments.all() if a.status == AssignmentStatus.ANSWERED]
            if report.status in (Status.ROUTED, Status.ANSWERED)
            else [],
        )
    if audience in (Audience.AUTHOR, Audience.OFFICE):
        context["message_form"] = bound.get("message") or forms.MessageForm()
    if audience == Audience.DEPARTMENT:
        answerable = [
            a
            for a in report.assignments.all()
            if a.status == AssignmentStatus.WAITING
            and report.status == Status.ROUTED
            and policy.can_answer_for(request.user, a.department)
        ]
        context["answerable"] = answerable
        context["answer_form"] = bound.get("answer") or forms.AnswerForm()
    if audience in (Audience.AUTHOR, Audience.COSIGNER):
        key = anonymity.person_key(request.user)
        rated = report.ratings.filter(round=report.reopened + 1, rater_key=key).exists()
        states = (
            (Status.VERIFIED,)
            if audience == Audience.AUTHOR
            else (Status.VERIFIED, Status.RESOLVED, Status.UNRESOLVED)
        )
        context["can_rate"] = report.status in states and not rated
        context["rated"] = rated
    context["can_cosign"] = (
        audience == Audience.NEIGHBOUR
        and report.status in ROUTED_STATES
        and report.status not in FINAL_STATES
    )
    return render(request, "problems/detail.html", context, status=status)


@channel_user
def detail(request, id):
    report, audience = _report(request, id)
    return _detail(request, report, audience)


def _routing(report, request) -> Assignment:
    raw = request.POST.get("routing", "")
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise Http404
    assignment = next((a for a in report.assignments.all() if a.pk == int(raw)), None)
    if assignment is None:
        raise Http404
    return assignment


def _yes_no(value):
    return {"yes": True, "no": False, "accept": True, "return": False}.get(value)


def _act(action, request, report):
    """(form name, bound form, the service call) of one action."""
    post, user = request.POST, request.user
    if action == "edit":
        return forms.EditForm(post), lambda: services.report_edit(
            reviewer=user, report=report, summary=post.get("summary"), details=post.get("details")
        )
    if action == "route":
        return forms.RouteForm(post), lambda: services.report_route(
            reviewer=user, report=report, departments=post.getlist("departments")
        )
    if action == "close":
        return forms.CloseForm(post), lambda: services.report_close(
            reviewer=user, report=report, reason=post.get("reason")
        )
    if action == "merge":
        return forms.MergeForm(post), lambda: services.report_merge(
            reviewer=user, report=report, into=post.get("into")
        )
    if action == "verify":
        assignment = _routing(report, request)
        return forms.VerifyForm(post), lambda: services.assignment_verify(
            reviewer=user,
            assignment=assignment,
            accept=_yes_no(post.get("decision")),
            note=post.get("note", ""),
        )
    if action == "answer":
        assignment = _routing(report, request)
        return forms.AnswerForm(post), lambda: services.assignment_answer(
            viewer=user, assignment=assignment, kind=post.get("kind"), text=post.get("text")
        )
    if action == "message":
        return forms.MessageForm(post), lambda: services.message_send(
            user=user, report=report, text=post.get("text")
        )
    if action == "cosign":
        return forms.ServiceForm(post), lambda: services.report_cosign(cadre=user, report=report)
    if action == "rate":
        return forms.ServiceForm(post), lambda: services.report_rate(
            cadre=user, report=report, resolved=_yes_no(post.get("resolved"))
        )
    raise Http404


DONE = {
    "edit": _("The text to be routed was saved."),
    "route": _("Routed. Each department has its deadline."),
    "close": _("The report was closed."),
    "merge": _("Merged; the duplicate was closed."),
    "verify": _("Your verification was recorded."),
    "answer": _("Your answer was sent to the county office."),
    "message": _("Message sent."),
    "cosign": _("You co-signed this report and now follow it."),
    "rate": _("Thank you: your rating was recorded."),
}


@require_POST
@channel_user
def act(request, id, action):
    report, audience = _report(request, id)
    form, call = _act(action, request, report)
    try:
        call()
    except ValidationError as error:
        form.is_valid()
        form.add_service_errors(error)
        report, audience = _report(request, id)
        return _detail(
            request,
            report,
            audience,
            bound={action: form, "failed": action, "errors": form.non_field_errors() or _flat(form)},
            status=400,
        )
    messages.success(request, DONE[action])
    return redirect("problems:detail", id=report.pk)


def _flat(form) -> list[str]:
    return [message for errors in form.errors.values() for message in errors]
