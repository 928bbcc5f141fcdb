"""The direct channel (直通车): problem reports, their routing to departments, steps and messages.

Anonymous by construction (DESIGN.md "Problem reports"): no row here holds a user id. An author,
co-signer or rater appears only as a keyed hash of their id (problems.anonymity.person_key), and
anything a cadre does is dated by ISO week only: the database refuses a time on a cadre's step
or message. Office and department acts carry their dates (deadlines are counted from them).
Writes go through problems.services only; the state machine's invariants are CHECK constraints.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Region

SUMMARY_MAX = 200
DETAILS_MAX = 5000
TEXT_MAX = 2000
KEY_LENGTH = 64  # hex HMAC-SHA256


def random_id() -> int:
    """Report ids are random, not sequential: a running number would tell the office in which
    order reports were filed, which a week label alone does not. Below 2**53 so JavaScript
    reads them exactly."""
    return secrets.randbelow(2**53 - 1) + 1


class Pattern(models.TextChoices):
    """The formalism patterns of the source articles (seeds/)."""

    DOCUMENT_FLOOD = "document_flood", _("Document flood or un-numbered notices")
    MEETING_FLOOD = "meeting_flood", _("Meeting flood")
    RELAYED_MEETING = "relayed_meeting", _("Relayed or accompanying meetings")
    INSPECTION_FLOOD = "inspection_flood", _("Too many or renamed inspections")
    CONFLICTING_RECTIFICATION = "conflicting_rectification", _("Conflicting rectification demands")
    DUPLICATE_DATA = "duplicate_data", _("Duplicate data entry")
    TRACES = "traces", _("Check-in and photo traces")
    RANKING = "ranking", _("Rankings and forced promotion")
    PUSHED_DOWN = "pushed_down", _("Department's own tasks pushed down")
    ASSESSMENT_OVERLOAD = "assessment_overload", _("Assessment overload")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Being prepared by the office")
    ROUTED = "routed", _("With the department(s)")
    ANSWERED = "answered", _("Answered, awaiting the office's verification")
    VERIFIED = "verified", _("Verified, awaiting the author's rating")
    REOPENED = "reopened", _("Reopened: rated not resolved")
    RESOLVED = "resolved", _("Resolved")
    UNRESOLVED = "unresolved", _("Not resolved")
    CLOSED = "closed", _("Closed")


# Before routing the office may still edit the text, merge or close.
OPEN_FOR_TRIAGE = (Status.NEW, Status.TRIAGED, Status.REOPENED)
# Routed at least once: the routed text exists and others of the county may co-sign.
ROUTED_STATES = (
    Status.ROUTED,
    Status.ANSWERED,
    Status.VERIFIED,
    Status.REOPENED,
    Status.RESOLVED,
    Status.UNRESOLVED,
)
FINAL_STATES = (Status.RESOLVED, Status.UNRESOLVED, Status.CLOSED)


class ReportQuerySet(models.QuerySet):
    def followed_by(self, key: str):
        """Reports the person with this key wrote or co-signed."""
        return self.filter(Q(author_key=key) | Q(cosigns__signer_key=key)).distinct()

    def routed_to(self, departments):
        return self.filter(assignments__department__in=departments).distinct()

    def ever_routed(self):
        return self.filter(routed_summary__gt="")

    def overdue(self):
        return self.filter(assignments__overdue=True).distinct()

    def awaiting_verification(self):
        return self.filter(status=Status.ANSWERED)

    def awaiting_triage(self):
        return self.filter(status__in=OPEN_FOR_TRIAGE)


class Report(models.Model):
    """A problem a cadre reported. No user id: the author is a keyed hash (author_key)."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    author_key = models.CharField(_("author key"), max_length=KEY_LENGTH, editable=False)
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    # Stored, but shown only while the township has at least BURDEN_MIN_GROUP cadres.
    township = models.ForeignKey(
        Region, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+", null=True
    )
    week = models.CharField(_("week filed"), max_length=8)
    pattern = models.CharField(_("pattern"), max_length=32, choices=Pattern.choices)
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments concerned"), related_name="+", blank=True
    )
    # The author's own words: only the author and the office ever see them.
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX)
    details = models.TextField(_("details"), max_length=DETAILS_MAX)
    # What departments, the region and other cadres read: set when the office routes.
    routed_summary = models.CharField(_("routed summary"), max_length=SUMMARY_MAX, blank=True)
    routed_text = models.TextField(_("routed details"), max_length=DETAILS_MAX, blank=True)
    edited = models.BooleanField(_("edited by the office"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    close_reason = models.CharField(_("reason for closing"), max_length=TEXT_MAX, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        ordering = ["-week", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(pattern__in=Pattern.values), name="report_pattern_valid"),
            models.CheckConstraint(condition=~Q(summary=""), name="report_summary_not_empty"),
            # A report is closed exactly when it carries the reason.
            models.CheckConstraint(
                condition=Q(status=Status.CLOSED, close_reason__gt="")
                | (~Q(status=Status.CLOSED) & Q(close_reason="")),
                name="report_closed_iff_reason",
            ),
            # Routed states have the text the departments read.
            models.CheckConstraint(
                condition=~Q(status__in=ROUTED_STATES) | Q(routed_summary__gt="", routed_text__gt=""),
                name="report_routed_has_text",
            ),
            # "Not resolved" reopens once; the second time it is final.
            models.CheckConstraint(condition=Q(reopened__lte=1), name="report_reopens_once"),
            models.CheckConstraint(
                condition=~Q(status=Status.REOPENED) | Q(reopened=1), name="report_reopened_counted"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=Status.CLOSED),
                name="report_merged_is_closed",
            ),
        ]
        indexes = [models.Index(fields=["county", "status"], name="report_county_status")]

    def __str__(self):
        # No author, no time: what the admin's lists show.
        return f"#{self.pk} {self.week} {self.summary[:40]}"

    @property
    def ever_routed(self) -> bool:
        return bool(self.routed_summary)


class AnswerKind(models.TextChoices):
    RECTIFIED = "rectified", _("Accepted and rectified")
    EXPLAINED = "explained", _("Explained")
    DISPUTED = "disputed", _("Disputed")


class AssignmentStatus(models.TextChoices):
    WAITING = "waiting", _("Awaiting the answer")
    ANSWERED = "answered", _("Answered")
    ACCEPTED = "accepted", _("Answer accepted")


class AssignmentQuerySet(models.QuerySet):
    def of_departments(self, departments):
        return self.filter(department__in=departments)

    def routed_between(self, first, last):
        return self.filter(first_routed_on__gte=first, first_routed_on__lte=last)


class Assignment(models.Model):
    """A report routed to one department, which owes it an answer by `due_on`.

    The first_* fields keep the first round's answer for the accountability figures: a return
    or a reopening asks for a new answer but does not rewrite how the first one came."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.WAITING
    )
    routed_on = models.DateField(_("routed on"))
    due_on = models.DateField(_("answer due"))
    overdue = models.BooleanField(_("overdue"), default=False)
    answer_kind = models.CharField(max_length=10, choices=AnswerKind.choices, null=True, blank=True)
    answer = models.TextField(max_length=TEXT_MAX, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    first_routed_on = models.DateField()
    first_answered_on = models.DateField(null=True, blank=True)
    first_answer_days = models.PositiveSmallIntegerField(null=True, blank=True)
    first_on_time = models.BooleanField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing to a department")
        verbose_name_plural = _("routings to departments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "department"], name="assignment_one_per_department"),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gt=models.F("routed_on")), name="assignment_due_after"
            ),
            # Waiting: no answer yet. Answered or accepted: a kind, a text and a date.
            models.CheckConstraint(
                condition=Q(
                    status=AssignmentStatus.WAITING, answer_kind__isnull=True, answered_on__isnull=True
                )
                | (
                    Q(status__in=[AssignmentStatus.ANSWERED, AssignmentStatus.ACCEPTED])
                    & Q(answer_kind__in=AnswerKind.values, answered_on__isnull=False)
                    & ~Q(answer="")
                ),
                name="assignment_answer_iff_answered",
            ),
            # Only an unanswered routing can be overdue.
            models.CheckConstraint(
                condition=Q(overdue=False) | Q(status=AssignmentStatus.WAITING),
                name="assignment_overdue_waiting",
            ),
            models.CheckConstraint(
                condition=Q(
                    first_answered_on__isnull=True, first_answer_days__isnull=True, first_on_time__isnull=True
                )
                | Q(
                    first_answered_on__isnull=False,
                    first_answer_days__isnull=False,
                    first_on_time__isnull=False,
                ),
                name="assignment_first_answer_complete",
            ),
        ]
        indexes = [models.Index(fields=["department", "first_routed_on"], name="assignment_dept_routed")]

    def __str__(self):
        return f"#{self.report_id} → {self.department}"


class StepKind(models.TextChoices):
    FILED = "filed", _("Filed")
    TRIAGED = "triaged", _("Taken up by the office")
    EDITED = "edited", _("Text edited for routing")
    MERGED = "merged", _("Duplicate merged into this report")
    ROUTED = "routed", _("Routed")
    OVERDUE = "overdue", _("Answer overdue")
    ANSWERED = "answered", _("Answered")
    ACCEPTED = "accepted", _("Answer accepted by the office")
    RETURNED = "returned", _("Answer returned by the office")
    VERIFIED = "verified", _("Verified by the office")
    COSIGNED = "cosigned", _("Co-signed")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")


# Steps a cadre causes: dated by ISO week only, never by a time (the database refuses one).
CADRE_STEPS = (StepKind.FILED, StepKind.COSIGNED, StepKind.RATED, StepKind.REOPENED)
# Steps shown only to the author and the office (they may reveal the original text).
PRIVATE_STEPS = (StepKind.EDITED,)


class Step(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    week = models.CharField(max_length=8)
    at = models.DateTimeField(null=True, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer_kind = models.CharField(max_length=10, choices=AnswerKind.choices, null=True, blank=True)
    resolved = models.BooleanField(null=True, blank=True)
    note = models.TextField(max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="step_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind__in=CADRE_STEPS) | Q(at__isnull=True), name="step_cadre_steps_undated"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CADRE_STEPS) | Q(at__isnull=False), name="step_office_steps_dated"
            ),
            models.CheckConstraint(
                condition=~Q(kind=StepKind.RATED) | Q(resolved__isnull=False), name="step_rating_has_outcome"
            ),
        ]

    def __str__(self):
        return f"#{self.report_id} {self.kind} {self.week}"


class CoSign(models.Model):
    """附议: another cadre of the county backs a routed report, once each, as a keyed hash."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="cosigns")
    signer_key = models.CharField(max_length=KEY_LENGTH)
    week = models.CharField(max_length=8)

    class Meta:
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        constraints = [models.UniqueConstraint(fields=["report", "signer_key"], name="cosign_once_each")]

    def __str__(self):
        return f"#{self.report_id} {self.week}"


class Rating(models.Model):
    """Resolved or not, by the author or a co-signer, once per round (a reopening starts round 2)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="ratings")
    rater_key = models.CharField(max_length=KEY_LENGTH)
    round = models.PositiveSmallIntegerField()
    resolved = models.BooleanField()
    week = models.CharField(max_length=8)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["report", "round", "rater_key"], name="rating_once_per_round"),
            models.CheckConstraint(condition=Q(round__in=[1, 2]), name="rating_round_valid"),
        ]

    def __str__(self):
        return f"#{self.report_id} {self.week}"


class Message(models.Model):
    """Between the author and the county office; the department never reads them. The author's
    are dated by week only."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    from_office = models.BooleanField()
    text = models.TextField(max_length=TEXT_MAX)
    week = models.CharField(max_length=8)
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="message_not_empty"),
            models.CheckConstraint(
                condition=Q(from_office=True, at__isnull=False) | Q(from_office=False, at__isnull=True),
                name="message_author_undated",
            ),
        ]

    def __str__(self):
        return f"#{self.report_id} {self.week}"
