"""The filing domain: reference data, accounts, weekly logs and entries.

The database enforces what it can (CHECK constraints, uniqueness); rules that need other rows or
today's date (daily hours, no future dates) live in portal.services, the only writer of entries,
and the rules of reference data and accounts' units in portal.reference, which the clean() of
those models asks (so the admin's forms check them).
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _check_reference(instance):
    # portal.reference reads these models, so it is imported when first needed.
    from portal import reference

    reference.clean(instance)


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class RegionQuerySet(models.QuerySet):
    def counties(self):
        return self.filter(level=RegionLevel.COUNTY)

    def below(self, region):
        """Every region under `region` (not itself), by walking the tree level by level."""
        ids, frontier = [], [region.pk]
        while frontier:
            frontier = list(self.model.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return self.filter(pk__in=ids)


class Region(models.Model):
    """A node of the administrative tree, identified by its official code."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=RegionLevel.values), name="region_level_valid"),
            models.CheckConstraint(
                condition=Q(level=RegionLevel.PROVINCE) | Q(parent__isnull=False),
                name="region_parent_required_below_province",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        super().clean()
        _check_reference(self)

    def ancestor(self, level):
        """This region or the ancestor of the given level, or None."""
        node = self
        while node is not None and node.level != level:
            node = node.parent
        return node


class DepartmentLevel(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class DepartmentQuerySet(models.QuerySet):
    def with_divisions(self, department):
        """The department and every division below it."""
        ids, frontier = [department.pk], [department.pk]
        while frontier:
            frontier = list(self.model.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return self.filter(pk__in=ids)


class Department(models.Model):
    """A superior issuing body, e.g. a provincial department, one of its divisions, a county office."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=DepartmentLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="divisions",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=DepartmentLevel.values), name="department_level_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        _check_reference(self)


class App(models.Model):
    """A government app, platform or chat work group that demands work."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        Department,
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        related_name="apps",
    )

    class Meta:
        verbose_name = _("app")
        verbose_name_plural = _("apps")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        _check_reference(self)


class DataItem(models.Model):
    """A high-frequency data item that apps ask cadres to fill in."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("data item")
        verbose_name_plural = _("data items")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    COUNTY_REVIEWER = "county_reviewer", _("County reviewer")
    REGION_REVIEWER = "region_reviewer", _("Region reviewer")
    DEPARTMENT_VIEWER = "department_viewer", _("Department viewer")
    ADMIN = "admin", _("Administrator")


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is an administrator; left at the default role (cadre) it would need a region
        # and `createsuperuser` would hit the user_region_required_for_role constraint.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """An account: its role decides what it may file and see; its unit is a region or department."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CADRE)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="viewers",
    )

    # Login times are not kept for any role (DESIGN.md reporter protection, rule 4): a cadre's
    # logins would show when they file, and no reader needs anyone's. Without the field Django
    # does not connect update_last_login, so web, admin and API logins write nothing.
    last_login = None

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.CADRE, Role.COUNTY_REVIEWER, Role.REGION_REVIEWER])
                | Q(region__isnull=False),
                name="user_region_required_for_role",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPARTMENT_VIEWER) | Q(department__isnull=False),
                name="user_department_required_for_viewer",
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        _check_reference(self)


class ResetStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    VOIDED = "voided", _("Voided")


class PasswordReset(models.Model):
    """A one-time password reset an administrator issued and only the account holder completes.

    Only a hash of the code is kept. Nothing here records when the holder acted: completing a
    reset changes its status, not a timestamp (DESIGN.md reporter protection, rule 4).
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_resets"
    )
    code_hash = models.CharField(max_length=128, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ResetStatus.choices, default=ResetStatus.PENDING
    )
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    # Shown to the holder at their next login, then cleared.
    notice_pending = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("one-time password reset")
        verbose_name_plural = _("one-time password resets")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="passwordreset_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ResetStatus.values), name="passwordreset_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user.username} {self.issued_at:%Y-%m-%d %H:%M}"


class LogStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class WeeklyLogQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=LogStatus.SUBMITTED)


class WeeklyLog(models.Model):
    """One cadre's ISO week. The township and county are recorded so history stays put."""

    cadre = models.ForeignKey(User, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="logs")
    week = models.CharField(_("week"), max_length=8)
    status = models.CharField(_("status"), max_length=10, choices=LogStatus.choices, default=LogStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    amended = models.BooleanField(_("amended after submission"), default=False)
    township = models.ForeignKey(
        Region, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WeeklyLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly log")
        verbose_name_plural = _("weekly logs")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "week"], name="weeklylog_one_per_cadre_week"),
            models.CheckConstraint(condition=Q(status__in=LogStatus.values), name="weeklylog_status_valid"),
            models.CheckConstraint(
                condition=Q(status=LogStatus.DRAFT, submitted_at__isnull=True)
                | Q(status=LogStatus.SUBMITTED, submitted_at__isnull=False),
                name="weeklylog_submitted_at_iff_submitted",
            ),
        ]
        indexes = [models.Index(fields=["county", "week", "status"], name="weeklylog_county_week")]

    def __str__(self):
        return f"{self.cadre} {self.week}"

    @property
    def is_submitted(self):
        return self.status == LogStatus.SUBMITTED


class Kind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    DOCUMENT = "document", _("Document")
    INSPECTION = "inspection", _("Inspection")
    APP_TASK = "app_task", _("App task")


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video conference")
    PHONE = "phone", _("Phone conference")


class MeetingRole(models.TextChoices):
    HOST = "host", _("Host")
    SPEAKER = "speaker", _("Speaker")
    PARTICIPANT = "participant", _("Participant")
    ACCOMPANYING = "accompanying", _("Accompanying (sitting in)")


class DocChannel(models.TextChoices):
    NUMBERED = "numbered", _("Numbered document")
    UNNUMBERED = "unnumbered", _("Un-numbered notice")
    ORAL = "oral", _("Oral instruction")
    CHAT = "chat", _("Chat group message")
    STICKY_NOTE = "sticky_note", _("Sticky note")


class InspectionLabel(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    SUPERVISION = "supervision", _("Supervision")
    ASSESSMENT = "assessment", _("Assessment")
    RESEARCH = "research", _("Research")
    INVESTIGATION = "investigation", _("Investigation")
    GUIDANCE = "guidance", _("Guidance")
    OTHER = "other", _("Other")


class AppAction(models.TextChoices):
    DATA_ENTRY = "data_entry", _("Data entry")
    PHOTO_UPLOAD = "photo_upload", _("Photo upload")
    CHECK_IN = "check_in", _("Check-in")
    PROMOTION = "promotion", _("Promotion / forwarding")
    RANKING = "ranking", _("Ranking points")
    GROUP_DUTY = "group_duty", _("Chat group duty")
    OTHER = "other", _("Other")


# Kind-specific fields, by kind (DESIGN.md "Domain" table).
KIND_FIELDS = {
    Kind.MEETING: ["meeting_format", "meeting_role", "relayed", "repeat_topic"],
    Kind.DOCUMENT: ["doc_channel", "pages", "report_back"],
    Kind.INSPECTION: ["inspection_label", "materials_pages", "rectification", "conflicting_demand"],
    Kind.APP_TASK: ["app", "app_action", "duplicate_entry", "data_items"],
}
ALL_KIND_FIELDS = [name for names in KIND_FIELDS.values() for name in names]
# Scalar kind fields (stored on the entry row, so NOT NULL for their kind and NULL otherwise).
_SCALAR_KIND_FIELDS = {
    kind: [("app_id" if f == "app" else f) for f in names if f != "data_items"]
    for kind, names in KIND_FIELDS.items()
}


def _kind_shape(kind):
    """Q: the row is of `kind`, its own scalar fields are set and every other kind's are null."""
    condition = Q(kind=kind)
    for name in _SCALAR_KIND_FIELDS[kind]:
        condition &= Q(**{f"{name}__isnull": False})
    for other, names in _SCALAR_KIND_FIELDS.items():
        if other != kind:
            for name in names:
                condition &= Q(**{f"{name}__isnull": True})
    return condition


def _enum_or_null(field, choices):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": choices.values}),
        name=f"entry_{field}_valid",
    )


class EntryQuerySet(models.QuerySet):
    def for_cadre(self, cadre):
        return self.filter(log__cadre=cadre)

    def in_weeks(self, weeks):
        return self.filter(log__week__in=list(weeks))

    def known_titles(self):
        """One row per distinct (kind, title): how often it was filed and the id of the entry
        filed last with it (the one to fill a new entry from), most used first."""
        return (
            self.values("kind", "title")
            .annotate(uses=models.Count("id"), last_id=models.Max("id"))
            .order_by("-uses", "-last_id")
        )


class Entry(models.Model):
    """One burden item: a meeting, document, inspection or app task, issued by departments."""

    log = models.ForeignKey(
        WeeklyLog, verbose_name=_("weekly log"), on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("issuing departments"),
        through="EntryDepartment",
        related_name="entries",
    )
    # meeting
    meeting_format = models.CharField(
        _("meeting format"), max_length=12, choices=MeetingFormat.choices, null=True, blank=True
    )
    meeting_role = models.CharField(
        _("role at the meeting"), max_length=12, choices=MeetingRole.choices, null=True, blank=True
    )
    relayed = models.BooleanField(_("relayed level by level"), null=True, blank=True)
    repeat_topic = models.BooleanField(_("theme already heard"), null=True, blank=True)
    # document
    doc_channel = models.CharField(
        _("document channel"), max_length=12, choices=DocChannel.choices, null=True, blank=True
    )
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    report_back = models.BooleanField(_("demands a written report back"), null=True, blank=True)
    # inspection
    inspection_label = models.CharField(
        _("called"), max_length=14, choices=InspectionLabel.choices, null=True, blank=True
    )
    materials_pages = models.PositiveIntegerField(_("pages of materials prepared"), null=True, blank=True)
    rectification = models.BooleanField(_("demanded a rectification"), null=True, blank=True)
    conflicting_demand = models.BooleanField(_("contradicts an earlier inspection"), null=True, blank=True)
    # app task
    app = models.ForeignKey(
        App,
        verbose_name=_("app"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    app_action = models.CharField(
        _("app action"), max_length=12, choices=AppAction.choices, null=True, blank=True
    )
    duplicate_entry = models.BooleanField(_("data already submitted elsewhere"), null=True, blank=True)
    data_items = models.ManyToManyField(
        DataItem,
        verbose_name=_("data items"),
        through="EntryDataItem",
        related_name="entries",
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["occurred_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="entry_hours_range"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="entry_kind_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="entry_title_not_empty"),
            _enum_or_null("meeting_format", MeetingFormat),
            _enum_or_null("meeting_role", MeetingRole),
            _enum_or_null("doc_channel", DocChannel),
            _enum_or_null("inspection_label", InspectionLabel),
            _enum_or_null("app_action", AppAction),
            models.CheckConstraint(
                condition=_kind_shape(Kind.MEETING)
                | _kind_shape(Kind.DOCUMENT)
                | _kind_shape(Kind.INSPECTION)
                | _kind_shape(Kind.APP_TASK),
                name="entry_kind_fields",
            ),
        ]
        indexes = [models.Index(fields=["log", "occurred_on"], name="entry_log_day")]

    def __str__(self):
        return self.title


class EntryDepartment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE)
    department = models.ForeignKey(Department, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "department"], name="entrydepartment_unique")]
        indexes = [models.Index(fields=["department"], name="entrydepartment_dept")]


class EntryDataItem(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE)
    data_item = models.ForeignKey(DataItem, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "data_item"], name="entrydataitem_unique")]


class DirtyCountyWeekQuerySet(models.QuerySet):
    def mark(self, county_weeks):
        """Mark (county id, week) pairs stale now; a mark already there gets the new time, which
        keeps it past a rollup that read the older one (reports.jobs)."""
        now = timezone.now()
        self.bulk_create(
            [DirtyCountyWeek(county_id=c, week=w, marked_at=now) for c, w in sorted(county_weeks)],
            update_conflicts=True,
            unique_fields=["county", "week"],
            update_fields=["marked_at"],
            batch_size=2000,
        )


class DirtyCountyWeek(models.Model):
    """A county-week whose derived tables are stale. Written in the same transaction as the
    change that made it stale, so nothing is lost when the broker is down."""

    county = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)
    marked_at = models.DateTimeField(auto_now=True)

    objects = DirtyCountyWeekQuerySet.as_manager()

    class Meta:
        verbose_name = _("stale county-week")
        verbose_name_plural = _("stale county-weeks")
        constraints = [models.UniqueConstraint(fields=["county", "week"], name="dirtycountyweek_unique")]


class IdempotencyRecord(models.Model):
    """A stored answer to a request made with an Idempotency-Key, per user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]
