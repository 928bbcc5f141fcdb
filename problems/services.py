"""Every write of the direct channel. Each function owns its transaction, locks the report row,
checks the actor's standing (portal.policy) and the report's state, validates the whole input
before writing, and records a step. Bad input raises ValidationError with field messages in the
reader's language and changes nothing; an actor without standing raises PermissionDenied.

A cadre's acts (filing, co-signing, rating, messages) are stored with their ISO week and the
cadre's keyed hash only (problems.anonymity): nothing here ever writes a user id or a time for them.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import policy, weeks
from portal.models import Department
from problems import anonymity, workdays
from problems.models import (
    DETAILS_MAX,
    FINAL_STATES,
    OPEN_FOR_TRIAGE,
    ROUTED_STATES,
    SUMMARY_MAX,
    TEXT_MAX,
    AnswerKind,
    Assignment,
    AssignmentStatus,
    CoSign,
    Message,
    Pattern,
    Rating,
    Report,
    Status,
    Step,
    StepKind,
)

MAX_DEPARTMENTS = 10


# ---------------------------------------------------------------------------- validation


def _text(errors, field, value, *, max_length, required=True):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Must be text.")]
        return ""
    value = value.strip()
    if "\x00" in value:
        errors[field] = [_("Null characters are not allowed.")]
    elif required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [_("At most %(n)d characters.") % {"n": max_length}]
    else:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            errors[field] = [_("Contains characters that cannot be stored.")]
    return value


def _departments(errors, field, value) -> list[Department]:
    if value is None or value == "" or value == []:
        errors[field] = [_("Choose at least one department.")]
        return []
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        errors[field] = [_("Give a list of department ids.")]
        return []
    ids = []
    for item in value:
        if hasattr(item, "pk"):
            item = item.pk
        if isinstance(item, str) and item.isascii() and item.strip().isdigit():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 2**63:
            errors[field] = [_("Give a list of department ids.")]
            return []
        ids.append(item)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_DEPARTMENTS:
        errors[field] = [_("At most %(n)d departments.") % {"n": MAX_DEPARTMENTS}]
        return []
    found = Department.objects.in_bulk(ids)
    if len(found) != len(ids):
        errors[field] = [_("Unknown department.")]
        return []
    return [found[pk] for pk in ids]


def _raise(errors):
    if errors:
        raise ValidationError(dict(errors))


def _locked(report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def _now():
    return timezone.now()


def _week() -> str:
    return weeks.current_week()


def _step(report, kind, *, dated=True, **fields):
    return Step.objects.create(report=report, kind=kind, week=_week(), at=_now() if dated else None, **fields)


def _require(user, report, *audiences) -> str:
    audience = policy.problem_audience(user, report)
    if audience not in audiences:
        raise PermissionDenied(_("You may not do this with this report."))
    return audience


def _state(report, *states):
    if report.status not in states:
        raise ValidationError(
            {
                "status": [
                    _("Not possible while the report is “%(status)s”.")
                    % {"status": report.get_status_display()}
                ]
            }
        )


# ---------------------------------------------------------------------------- the cadre


def clean_report(data: dict) -> tuple[dict, dict]:
    """The filing form's fields checked on their own: (clean values, errors by field). The
    preview shows exactly these values."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return {}, {"non_field_errors": [_("Expected a JSON object.")]}
    clean = {
        "departments": _departments(errors, "departments", data.get("departments")),
        "summary": _text(errors, "summary", data.get("summary"), max_length=SUMMARY_MAX),
        "details": _text(errors, "details", data.get("details"), max_length=DETAILS_MAX),
    }
    pattern = data.get("pattern")
    if pattern in (None, ""):
        errors["pattern"] = [_("This field is required.")]
    elif not isinstance(pattern, str) or pattern not in Pattern.values:
        errors["pattern"] = [_("Choose one of the listed patterns.")]
    else:
        clean["pattern"] = pattern
    return clean, errors


@transaction.atomic
def report_file(*, cadre, data: dict) -> Report:
    """A cadre files a report. Stored: the county, the township, the week and the author's keyed
    hash; never the cadre's id, unit below the township, or the time."""
    if not policy.can_file(cadre):
        raise PermissionDenied(_("Only cadres report problems."))
    clean, errors = clean_report(data)
    _raise(errors)
    county = policy.home_county(cadre)
    report = Report.objects.create(
        author_key=anonymity.person_key(cadre),
        county=county,
        township=anonymity.township_of(cadre),
        week=_week(),
        pattern=clean["pattern"],
        summary=clean["summary"],
        details=clean["details"],
    )
    report.departments.set(clean["departments"])
    _step(report, StepKind.FILED, dated=False)
    return report


@transaction.atomic
def report_cosign(*, cadre, report) -> CoSign:
    """附议: once each, by a cadre of the county other than the author, on a routed open report."""
    report = _locked(report)
    audience = _require(
        cadre, report, policy.Audience.NEIGHBOUR, policy.Audience.COSIGNER, policy.Audience.AUTHOR
    )
    if audience == policy.Audience.AUTHOR:
        raise ValidationError({"report": [_("You wrote this report: you already follow it.")]})
    if audience == policy.Audience.COSIGNER:
        raise ValidationError({"report": [_("You have already co-signed this report.")]})
    _state(report, *[s for s in ROUTED_STATES if s not in FINAL_STATES])
    try:
        with transaction.atomic():
            cosign = CoSign.objects.create(
                report=report, signer_key=anonymity.person_key(cadre), week=_week()
            )
    except IntegrityError:  # a concurrent request of the same cadre got there first
        raise ValidationError({"report": [_("You have already co-signed this report.")]}) from None
    _step(report, StepKind.COSIGNED, dated=False)
    return cosign


@transaction.atomic
def report_rate(*, cadre, report, resolved: bool) -> Report:
    """The author or a co-signer rates the outcome once the office has verified the answers.
    The author's "not resolved" reopens the report once (back to the office); the second time
    it is final. A co-signer's rating is counted but moves nothing."""
    report = _locked(report)
    audience = _require(cadre, report, policy.Audience.AUTHOR, policy.Audience.COSIGNER)
    if not isinstance(resolved, bool):
        raise ValidationError({"resolved": [_("Say whether the problem was resolved.")]})
    if audience == policy.Audience.AUTHOR:
        _state(report, Status.VERIFIED)
    else:
        _state(report, Status.VERIFIED, Status.RESOLVED, Status.UNRESOLVED)
    rating_round = report.reopened + 1
    key = anonymity.person_key(cadre)
    if Rating.objects.filter(report=report, round=rating_round, rater_key=key).exists():
        raise ValidationError({"resolved": [_("You have already rated this outcome.")]})
    Rating.objects.create(report=report, rater_key=key, round=rating_round, resolved=resolved, week=_week())
    _step(report, StepKind.RATED, dated=False, resolved=resolved)
    if audience == policy.Audience.AUTHOR:
        if resolved:
            report.status = Status.RESOLVED
        elif report.reopened == 0:
            report.status, report.reopened = Status.REOPENED, 1
            _step(report, StepKind.REOPENED, dated=False)
        else:
            report.status = Status.UNRESOLVED
        report.save(update_fields=["status", "reopened"])
    return report


@transaction.atomic
def message_send(*, user, report, text) -> Message:
    """Between the author and the office. The author's message is dated by week only."""
    report = _locked(report)
    audience = _require(user, report, policy.Audience.AUTHOR, policy.Audience.OFFICE)
    errors = {}
    text = _text(errors, "text", text, max_length=TEXT_MAX)
    _raise(errors)
    from_office = audience == policy.Audience.OFFICE
    return Message.objects.create(
        report=report, from_office=from_office, text=text, week=_week(), at=_now() if from_office else None
    )


# ---------------------------------------------------------------------------- the county office


@transaction.atomic
def report_edit(*, reviewer, report, summary, details) -> Report:
    """Triage: the office takes the report up and may edit the text that will be routed. The
    author's original stays as it was, for the author and the office only."""
    report = _locked(report)
    _require(reviewer, report, policy.Audience.OFFICE)
    _state(report, *OPEN_FOR_TRIAGE)
    errors = {}
    summary = _text(errors, "summary", summary, max_length=SUMMARY_MAX)
    details = _text(errors, "details", details, max_length=DETAILS_MAX)
    _raise(errors)
    changed = (summary, details) != _routed_text(report)
    report.routed_summary, report.routed_text = summary, details
    report.edited = report.edited or (summary, details) != (report.summary, report.details)
    first = report.status == Status.NEW
    if first:
        report.status = Status.TRIAGED
    report.save(update_fields=["routed_summary", "routed_text", "edited", "status"])
    if first:
        _step(report, StepKind.TRIAGED)
    if changed and report.edited:
        _step(report, StepKind.EDITED)
    return report


def _routed_text(report) -> tuple[str, str]:
    if report.routed_summary:
        return report.routed_summary, report.routed_text
    return report.summary, report.details


@transaction.atomic
def report_route(*, reviewer, report, departments) -> Report:
    """Route to the department(s): each owes an answer within BURDEN_RESPONSE_DAYS working days
    from today. A reopened report is routed again the same way (a new deadline for each)."""
    report = _locked(report)
    _require(reviewer, report, policy.Audience.OFFICE)
    _state(report, *OPEN_FOR_TRIAGE)
    errors = {}
    chosen = _departments(errors, "departments", departments)
    _raise(errors)
    today = weeks.today()
    due = workdays.add_working_days(today, settings.BURDEN_RESPONSE_DAYS)
    report.routed_summary, report.routed_text = _routed_text(report)
    existing = {a.department_id: a for a in report.assignments.all()}
    for department in chosen:
        assignment = existing.get(department.pk)
        if assignment is None:
            Assignment.objects.create(
                report=report, department=department, routed_on=today, due_on=due, first_routed_on=today
            )
        else:  # reopened: the same department answers again
            assignment.status, assignment.answer_kind, assignment.answer = AssignmentStatus.WAITING, None, ""
            assignment.answered_on, assignment.routed_on, assignment.due_on = None, today, due
            assignment.overdue = False
            assignment.save()
        _step(report, StepKind.ROUTED, department=department, note=due.isoformat())
    # Departments not chosen again on a reopening keep their earlier (accepted) answer.
    report.status = Status.ROUTED
    report.save(update_fields=["routed_summary", "routed_text", "status"])
    return report


@transaction.atomic
def report_close(*, reviewer, report, reason) -> Report:
    report = _locked(report)
    _require(reviewer, report, policy.Audience.OFFICE)
    _state(report, *OPEN_FOR_TRIAGE)
    errors = {}
    reason = _text(errors, "reason", reason, max_length=TEXT_MAX)
    _raise(errors)
    report.status, report.close_reason = Status.CLOSED, reason
    report.save(update_fields=["status", "close_reason"])
    _step(report, StepKind.CLOSED, note=reason)
    return report


@transaction.atomic
def report_merge(*, reviewer, report, into) -> Report:
    """Merge a duplicate into another report of the county: the duplicate is closed with that
    reason and its author follows the other report as a co-signer (without being shown)."""
    report = _locked(report)
    _require(reviewer, report, policy.Audience.OFFICE)
    _state(report, Status.NEW, Status.TRIAGED)
    target = None
    if isinstance(into, str) and into.strip().lstrip("#").isascii() and into.strip().lstrip("#").isdigit():
        into = int(into.strip().lstrip("#"))
    if isinstance(into, int) and not isinstance(into, bool) and 0 < into < 2**63 and into != report.pk:
        target = Report.objects.select_for_update().filter(pk=into).first()
    if target is None or policy.problem_audience(reviewer, target) != policy.Audience.OFFICE:
        raise ValidationError({"into": [_("Give the number of another report of your county.")]})
    if target.status in FINAL_STATES:
        raise ValidationError({"into": [_("That report is already closed.")]})
    reason = _("Merged into report #%(id)s.") % {"id": target.pk}
    report.status, report.close_reason, report.merged_into = Status.CLOSED, reason, target
    report.save(update_fields=["status", "close_reason", "merged_into"])
    _step(report, StepKind.CLOSED, note=reason)
    if report.author_key != target.author_key:
        _cosign, created = CoSign.objects.get_or_create(
            report=target, signer_key=report.author_key, defaults={"week": report.week}
        )
        if created:
            _step(target, StepKind.MERGED)
    return report


@transaction.atomic
def assignment_verify(*, reviewer, assignment, accept: bool, note="") -> Assignment:
    """The office accepts a department's answer or returns it for a new one (a new deadline).
    When every routing's answer is accepted the report is verified and the author may rate."""
    report = _locked(assignment.report)
    _require(reviewer, report, policy.Audience.OFFICE)
    _state(report, Status.ROUTED, Status.ANSWERED)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk, report=report)
    errors = {}
    if not isinstance(accept, bool):
        errors["accept"] = [_("Accept or return the answer.")]
    note = _text(errors, "note", note, max_length=TEXT_MAX, required=accept is False)
    if assignment.status != AssignmentStatus.ANSWERED:
        errors.setdefault("accept", []).append(_("This department has not answered yet."))
    _raise(errors)
    if accept:
        assignment.status = AssignmentStatus.ACCEPTED
        assignment.save(update_fields=["status"])
        _step(report, StepKind.ACCEPTED, department=assignment.department, note=note)
    else:
        today = weeks.today()
        assignment.status, assignment.answer_kind, assignment.answer, assignment.answered_on = (
            AssignmentStatus.WAITING,
            None,
            "",
            None,
        )
        assignment.routed_on = today
        assignment.due_on = workdays.add_working_days(today, settings.BURDEN_RESPONSE_DAYS)
        assignment.save()
        _step(report, StepKind.RETURNED, department=assignment.department, note=note)
    statuses = set(report.assignments.values_list("status", flat=True))
    if statuses == {AssignmentStatus.ACCEPTED}:
        report.status = Status.VERIFIED
        _step(report, StepKind.VERIFIED)
    elif AssignmentStatus.WAITING in statuses:
        report.status = Status.ROUTED
    else:
        report.status = Status.ANSWERED
    report.save(update_fields=["status"])
    return assignment


# ---------------------------------------------------------------------------- the department


@transaction.atomic
def assignment_answer(*, viewer, assignment, kind, text) -> Assignment:
    """A department answers a report routed to it: accepted and rectified (what changed),
    explained, or disputed. Late answers are taken and counted as late."""
    report = _locked(assignment.report)
    assignment = Assignment.objects.select_for_update().select_related("department").get(pk=assignment.pk)
    if not policy.can_answer_for(viewer, assignment.department):
        raise PermissionDenied(_("You may not answer for this department."))
    errors = {}
    if kind in (None, ""):
        errors["kind"] = [_("This field is required.")]
    elif not isinstance(kind, str) or kind not in AnswerKind.values:
        errors["kind"] = [_("Choose one of the listed answers.")]
    text = _text(errors, "text", text, max_length=TEXT_MAX)
    if assignment.status != AssignmentStatus.WAITING or report.status != Status.ROUTED:
        errors.setdefault("kind", []).append(_("This report is not waiting for your answer."))
    _raise(errors)
    today = weeks.today()
    assignment.status, assignment.answer_kind, assignment.answer = AssignmentStatus.ANSWERED, kind, text
    assignment.answered_on, assignment.overdue = today, False
    if assignment.first_answered_on is None:
        assignment.first_answered_on = today
        assignment.first_answer_days = workdays.working_days_between(assignment.first_routed_on, today)
        assignment.first_on_time = today <= assignment.due_on
    assignment.save()
    _step(report, StepKind.ANSWERED, department=assignment.department, answer_kind=kind, note=text)
    if not report.assignments.filter(status=AssignmentStatus.WAITING).exists():
        report.status = Status.ANSWERED
        report.save(update_fields=["status"])
    return assignment


# ---------------------------------------------------------------------------- daily


@transaction.atomic
def recompute_overdue(today: dt.date | None = None) -> int:
    """Mark unanswered routings past their deadline overdue (a step on first marking) and clear
    the mark of any that no longer are. Idempotent; the beat job runs it daily. Returns how many
    were newly marked."""
    today = today or weeks.today()
    Assignment.objects.filter(overdue=True).exclude(status=AssignmentStatus.WAITING, due_on__lt=today).update(
        overdue=False
    )
    newly = list(
        Assignment.objects.select_for_update()
        .filter(status=AssignmentStatus.WAITING, due_on__lt=today, overdue=False)
        .select_related("department")
    )
    for assignment in newly:
        assignment.overdue = True
        assignment.save(update_fields=["overdue"])
        _step(
            Report(pk=assignment.report_id),
            StepKind.OVERDUE,
            department=assignment.department,
            note=assignment.due_on.isoformat(),
        )
    return len(newly)
