"""The loop through its service functions: states, deadlines, co-signs, ratings, constraints."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from problems import anonymity, services, tasks, workdays
from problems.models import (
    Assignment,
    AssignmentStatus,
    CoSign,
    Message,
    Rating,
    Report,
    Status,
    Step,
    StepKind,
)

from .conftest import DUE, answered, file, routed, verified


def test_it_files_with_no_user_id_only_a_keyed_hash_and_the_week(w):
    report = file(w)
    assert report.status == Status.NEW
    assert report.week == "2026-W48"
    assert report.county == w.county and report.township == w.township
    assert report.author_key == anonymity.person_key(w.cadre)
    # No column of any table of the channel refers to a user.
    from django.apps import apps

    for model in apps.get_app_config("problems").get_models():
        for field in model._meta.get_fields():
            assert getattr(field, "related_model", None) is not w.cadre.__class__, (model, field)
    step = Step.objects.get(report=report)
    assert step.kind == StepKind.FILED and step.at is None


def test_the_key_is_keyed_not_a_plain_hash(w, settings):
    before = anonymity.person_key(w.cadre)
    settings.BURDEN_PROBLEM_KEY = "another-secret"
    assert anonymity.person_key(w.cadre) != before
    assert len(before) == 64


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"departments": []}, "departments"),
        ({"departments": [999_999]}, "departments"),
        ({"departments": "1"}, "departments"),
        ({"departments": [2**70]}, "departments"),
        ({"pattern": "moon"}, "pattern"),
        ({"pattern": ""}, "pattern"),
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * 201}, "summary"),
        ({"summary": "a\x00b"}, "summary"),
        ({"details": ""}, "details"),
        ({"details": 5}, "details"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(w, overrides, field):
    with pytest.raises(ValidationError) as error:
        file(w, **overrides)
    assert field in error.value.message_dict
    assert Report.objects.count() == 0 and Step.objects.count() == 0


def test_only_cadres_file(w):
    for user in (w.county_reviewer, w.department_viewer, w.admin):
        with pytest.raises(PermissionDenied):
            file(w, cadre=user)


def test_deadlines_count_working_days_and_holidays(settings):
    monday = dt.date(2026, 11, 23)
    assert workdays.add_working_days(monday, 10) == dt.date(2026, 12, 7)
    assert workdays.add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)  # Friday -> Monday
    settings.BURDEN_HOLIDAYS = [dt.date(2026, 11, 24)]
    assert workdays.add_working_days(monday, 10) == dt.date(2026, 12, 8)
    assert workdays.working_days_between(monday, dt.date(2026, 12, 8)) == 10


def test_the_office_edits_before_routing_and_the_original_stays(w):
    report = file(w)
    services.report_edit(
        reviewer=w.county_reviewer, report=report, summary="重复填报", details="三个系统重复填报。"
    )
    report.refresh_from_db()
    assert report.status == Status.TRIAGED and report.edited
    assert report.summary.startswith("同一户籍") and report.routed_summary == "重复填报"
    routed(w, report)
    report.refresh_from_db()
    assert report.status == Status.ROUTED and report.routed_text == "三个系统重复填报。"
    assignment = Assignment.objects.get(report=report)
    assert assignment.due_on == DUE and assignment.department == w.dept_province


def test_another_county_office_may_not_triage(w):
    report = file(w)
    from portal.models import Role, User

    other = User.objects.create(username="olga", role=Role.COUNTY_REVIEWER, region=w.other_county)
    with pytest.raises(PermissionDenied):
        services.report_route(reviewer=other, report=report, departments=[w.dept_province.pk])
    with pytest.raises(PermissionDenied):
        services.report_close(reviewer=w.department_viewer, report=report, reason="x")


def test_close_needs_a_reason_and_a_closed_report_cannot_be_routed(w):
    report = file(w)
    with pytest.raises(ValidationError) as error:
        services.report_close(reviewer=w.county_reviewer, report=report, reason=" ")
    assert "reason" in error.value.message_dict
    services.report_close(reviewer=w.county_reviewer, report=report, reason="不属于形式主义问题")
    with pytest.raises(ValidationError):
        services.report_route(reviewer=w.county_reviewer, report=report, departments=[w.dept_province.pk])


def test_merging_a_duplicate_closes_it_and_its_author_follows_the_other(w):
    first = file(w)
    duplicate = file(w, cadre=w.cadre2)
    services.report_merge(reviewer=w.county_reviewer, report=duplicate, into=str(first.pk))
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into == first
    assert Report.objects.followed_by(anonymity.person_key(w.cadre2)).filter(pk=first.pk).exists()
    with pytest.raises(ValidationError) as error:
        services.report_merge(reviewer=w.county_reviewer, report=first, into=first.pk)
    assert "into" in error.value.message_dict


def test_the_department_answers_late_and_is_counted_late(w, frozen):
    report = routed(w)
    frozen.set(dt.datetime(2026, 12, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert tasks.recompute_overdue.apply().get() == 1  # the task itself, run here
    assert Report.objects.overdue().filter(pk=report.pk).exists()
    assert services.recompute_overdue() == 0  # idempotent: marked once, one step
    assert Step.objects.filter(report=report, kind=StepKind.OVERDUE).count() == 1
    answered(w, report)
    assignment = Assignment.objects.get(report=report)
    assert not assignment.overdue and assignment.first_on_time is False
    assert assignment.first_answer_days == 12
    assert Report.objects.get(pk=report.pk).status == Status.ANSWERED


def test_a_division_answers_for_itself_and_the_parent_for_its_division(w):
    report = routed(w, departments=[w.dept_division.pk])
    assignment = Assignment.objects.get(report=report)
    services.assignment_answer(
        viewer=w.department_viewer, assignment=assignment, kind="explained", text="说明"
    )
    other = routed(w, departments=[w.dept_city.pk])
    with pytest.raises(PermissionDenied):
        services.assignment_answer(
            viewer=w.department_viewer,
            assignment=Assignment.objects.get(report=other),
            kind="explained",
            text="x",
        )


def test_answer_needs_a_kind_and_a_text(w):
    report = routed(w)
    assignment = Assignment.objects.get(report=report)
    with pytest.raises(ValidationError) as error:
        services.assignment_answer(viewer=w.department_viewer, assignment=assignment, kind="maybe", text="")
    assert {"kind", "text"} <= set(error.value.message_dict)
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.WAITING


def test_returning_an_answer_asks_for_a_new_one_with_a_new_deadline(w):
    report = answered(w)
    assignment = Assignment.objects.get(report=report)
    with pytest.raises(ValidationError):  # a return needs a note
        services.assignment_verify(reviewer=w.county_reviewer, assignment=assignment, accept=False, note="")
    services.assignment_verify(
        reviewer=w.county_reviewer, assignment=assignment, accept=False, note="未说明整改措施"
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WAITING and assignment.first_on_time is True
    assert Report.objects.get(pk=report.pk).status == Status.ROUTED


def test_not_resolved_reopens_once_then_is_final(w):
    report = verified(w)
    assert report.status == Status.VERIFIED
    services.report_rate(cadre=w.cadre, report=report, resolved=False)
    report.refresh_from_db()
    assert report.status == Status.REOPENED and report.reopened == 1
    with pytest.raises(ValidationError):  # once per round
        services.report_rate(cadre=w.cadre, report=report, resolved=False)
    routed(w, report)
    report = verified(w, answered(w, report))
    services.report_rate(cadre=w.cadre, report=report, resolved=False)
    report.refresh_from_db()
    assert report.status == Status.UNRESOLVED and report.reopened == 1
    rated = Step.objects.filter(report=report, kind=StepKind.RATED)
    assert rated.count() == 2 and not rated.filter(at__isnull=False).exists()


def test_cosign_once_each_by_other_cadres_of_the_county(w):
    report = file(w)
    with pytest.raises(PermissionDenied):  # not routed yet: other cadres cannot even see it
        services.report_cosign(cadre=w.cadre2, report=report)
    routed(w, report)
    services.report_cosign(cadre=w.cadre2, report=report)
    with pytest.raises(ValidationError):
        services.report_cosign(cadre=w.cadre2, report=report)
    with pytest.raises(ValidationError):
        services.report_cosign(cadre=w.cadre, report=report)  # the author
    with pytest.raises(PermissionDenied):
        services.report_cosign(cadre=w.other_cadre, report=report)  # another county
    assert CoSign.objects.filter(report=report).count() == 1
    # The co-signer follows it and may rate once verified; the rating moves nothing.
    verified(w, answered(w, report))
    services.report_rate(cadre=w.cadre2, report=report, resolved=True)
    assert Report.objects.get(pk=report.pk).status == Status.VERIFIED
    assert Rating.objects.filter(report=report).count() == 1


def test_messages_between_author_and_office_only_and_the_authors_undated(w):
    report = file(w)
    services.message_send(user=w.cadre, report=report, text="补充：每月5日前")
    services.message_send(user=w.county_reviewer, report=report, text="收到")
    author, office = Message.objects.filter(report=report).order_by("id")
    assert author.at is None and not author.from_office and office.at is not None
    with pytest.raises(PermissionDenied):
        services.message_send(user=w.cadre2, report=report, text="x")
    with pytest.raises(ValidationError):
        services.message_send(user=w.cadre, report=report, text="")


def test_the_database_refuses_a_time_on_a_cadres_step_and_broken_states(w):
    report = file(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(
            report=report, kind=StepKind.RATED, week="2026-W48", resolved=True, at=report_time()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(status=Status.CLOSED)  # no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(status=Status.ROUTED)  # no routed text
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(reopened=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(report=report, from_office=False, text="x", week="2026-W48", at=report_time())
    routed(w, report)
    assignment = Assignment.objects.get(report=report)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.ANSWERED)  # no answer
    with pytest.raises(IntegrityError), transaction.atomic():
        CoSign.objects.create(report=report, signer_key=report.author_key, week="2026-W48")
        CoSign.objects.create(report=report, signer_key=report.author_key, week="2026-W48")


def report_time():
    from django.utils import timezone

    return timezone.now()


def test_the_beat_schedule_runs_the_overdue_job_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["recompute-overdue-problem-reports"]
    assert entry["task"] == "problems.tasks.recompute_overdue"
    assert entry["schedule"].hour == {0}
