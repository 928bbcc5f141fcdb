"""The database itself rejects bad rows: every CHECK and unique constraint of portal.models.

Rows are written straight through the ORM (create / queryset.update), bypassing portal.services and
model validation, so only the database stands in the way. Each case names the constraint it hits
and the test checks that this constraint (not some other error) is the one that fired.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from portal.models import (
    DirtyCountyWeek,
    Entry,
    EntryDataItem,
    EntryDepartment,
    IdempotencyRecord,
    PasswordReset,
    Region,
    RegionLevel,
    Role,
    User,
    WeeklyLog,
)

DAY = dt.date(2026, 11, 18)
KIND_DEFAULTS = {
    "meeting": {
        "meeting_format": "video",
        "meeting_role": "participant",
        "relayed": True,
        "repeat_topic": False,
    },
    "document": {"doc_channel": "unnumbered", "pages": 3, "report_back": False},
    "inspection": {
        "inspection_label": "research",
        "materials_pages": 40,
        "rectification": False,
        "conflicting_demand": False,
    },
    "app_task": {"app_action": "data_entry", "duplicate_entry": True},
}


class Rows:
    """A valid log with one valid entry of each kind, to be spoiled by each case."""

    def __init__(self, world):
        self.world = world
        self.log = WeeklyLog.objects.create(
            cadre=world.cadre, week="2026-W47", township=world.township, county=world.county
        )
        self.entries = {kind: Entry.objects.create(**self.entry_fields(kind)) for kind in KIND_DEFAULTS}

    def entry_fields(self, kind, **overrides):
        fields = {
            "log": self.log,
            "kind": kind,
            "occurred_on": DAY,
            "title": "全省乡村振兴工作视频会",
            "hours": Decimal("1.50"),
            **KIND_DEFAULTS[kind],
        }
        if kind == "app_task":
            fields["app"] = self.world.app
        fields.update(overrides)
        return fields

    def new_entry(self, kind, **overrides):
        return Entry.objects.create(**self.entry_fields(kind, **overrides))

    def spoil(self, obj, **fields):
        return type(obj).objects.filter(pk=obj.pk).update(**fields)


def _w(rows):
    return rows.world


def _reset(user, **fields):
    now = timezone.now()
    return PasswordReset.objects.create(user=user, issued_at=now, expires_at=now, **fields)


# (constraint names, or for SQLite unique columns, any of which may fire; description; action)
CASES = [
    (["entry_hours_range"], "hours 0", lambda r: r.new_entry("meeting", hours=Decimal("0"))),
    (["entry_hours_range"], "hours 24.01", lambda r: r.new_entry("document", hours=Decimal("24.01"))),
    (["entry_hours_range"], "negative hours", lambda r: r.new_entry("inspection", hours=Decimal("-1"))),
    (
        ["entry_hours_range"],
        "hours updated to 0",
        lambda r: r.spoil(r.entries["meeting"], hours=Decimal("0")),
    ),
    # An unknown kind also matches no kind's field shape; either constraint may report it.
    (
        ["entry_kind_valid", "entry_kind_fields"],
        "unknown kind",
        lambda r: r.spoil(r.entries["meeting"], kind="lecture"),
    ),
    (["entry_title_not_empty"], "empty title", lambda r: r.new_entry("meeting", title="")),
    (
        ["entry_meeting_format_valid"],
        "bad meeting format",
        lambda r: r.new_entry("meeting", meeting_format="zoom"),
    ),
    (["entry_meeting_role_valid"], "bad meeting role", lambda r: r.new_entry("meeting", meeting_role="boss")),
    (
        ["entry_doc_channel_valid"],
        "bad document channel",
        lambda r: r.new_entry("document", doc_channel="fax"),
    ),
    (
        ["entry_inspection_label_valid"],
        "bad inspection label",
        lambda r: r.new_entry("inspection", inspection_label="visit"),
    ),
    (["entry_app_action_valid"], "bad app action", lambda r: r.new_entry("app_task", app_action="like")),
    (["entry_kind_fields"], "meeting without format", lambda r: r.new_entry("meeting", meeting_format=None)),
    (["entry_kind_fields"], "meeting without relayed flag", lambda r: r.new_entry("meeting", relayed=None)),
    (
        ["entry_kind_fields"],
        "document carrying meeting fields",
        lambda r: r.new_entry("document", meeting_format="video", meeting_role="host"),
    ),
    (["entry_kind_fields"], "document without pages", lambda r: r.new_entry("document", pages=None)),
    (
        ["entry_kind_fields"],
        "inspection with a relayed flag",
        lambda r: r.new_entry("inspection", relayed=True),
    ),
    (["entry_kind_fields"], "app task without app", lambda r: r.new_entry("app_task", app=None)),
    (
        ["entry_kind_fields"],
        "meeting carrying an app",
        lambda r: r.spoil(r.entries["meeting"], app=_w(r).app),
    ),
    (
        ["entry_kind_fields"],
        "kind changed by update",
        lambda r: r.spoil(r.entries["meeting"], kind="document"),
    ),
    (["pages"], "negative pages", lambda r: r.new_entry("document", pages=-1)),
    (
        ["materials_pages"],
        "negative materials pages",
        lambda r: r.spoil(r.entries["inspection"], materials_pages=-2),
    ),
    (
        ["weeklylog_one_per_cadre_week", "portal_weeklylog.cadre_id, portal_weeklylog.week"],
        "second log for the same cadre and week",
        lambda r: WeeklyLog.objects.create(
            cadre=_w(r).cadre, week="2026-W47", township=_w(r).township, county=_w(r).county
        ),
    ),
    (
        ["weeklylog_submitted_at_iff_submitted"],
        "submitted without submitted_at",
        lambda r: r.spoil(r.log, status="submitted"),
    ),
    (
        ["weeklylog_submitted_at_iff_submitted"],
        "draft with submitted_at",
        lambda r: r.spoil(r.log, submitted_at=timezone.now()),
    ),
    (
        ["weeklylog_status_valid", "weeklylog_submitted_at_iff_submitted"],
        "unknown status",
        lambda r: r.spoil(r.log, status="archived"),
    ),
    (["user_role_valid"], "unknown role", lambda r: r.spoil(_w(r).admin, role="boss")),
    (["user_region_required_for_role"], "cadre without region", lambda r: r.spoil(_w(r).cadre, region=None)),
    (
        ["user_region_required_for_role"],
        "county reviewer without region",
        lambda r: User.objects.create(username="nobody", role=Role.COUNTY_REVIEWER),
    ),
    (
        ["user_department_required_for_viewer"],
        "department viewer without department",
        lambda r: r.spoil(_w(r).department_viewer, department=None),
    ),
    (["region_level_valid"], "unknown region level", lambda r: r.spoil(_w(r).township, level="district")),
    (
        ["region_parent_required_below_province"],
        "city without parent",
        lambda r: Region.objects.create(code="331000", name="台州市", level=RegionLevel.CITY),
    ),
    (
        ["department_level_valid"],
        "unknown department level",
        lambda r: r.spoil(_w(r).dept_city, level="township"),
    ),
    (
        ["entrydepartment_unique", "portal_entrydepartment.entry_id, portal_entrydepartment.department_id"],
        "same issuer twice",
        lambda r: [
            EntryDepartment.objects.create(entry=r.entries["meeting"], department=_w(r).dept_city)
            for _ in range(2)
        ],
    ),
    (
        ["entrydataitem_unique", "portal_entrydataitem.entry_id, portal_entrydataitem.data_item_id"],
        "same data item twice",
        lambda r: [
            EntryDataItem.objects.create(entry=r.entries["app_task"], data_item=_w(r).item) for _ in range(2)
        ],
    ),
    (
        ["dirtycountyweek_unique", "portal_dirtycountyweek.county_id, portal_dirtycountyweek.week"],
        "county-week marked twice",
        lambda r: [DirtyCountyWeek.objects.create(county=_w(r).county, week="2026-W47") for _ in range(2)],
    ),
    (
        ["idempotency_unique_user_key", "portal_idempotencyrecord.user_id, portal_idempotencyrecord.key"],
        "idempotency key reused",
        lambda r: [
            IdempotencyRecord.objects.create(
                user=_w(r).cadre, key="k1", method="POST", path="/", fingerprint="f"
            )
            for _ in range(2)
        ],
    ),
    (
        ["passwordreset_one_pending_per_user", "portal_passwordreset.user_id"],
        "two pending resets for one account",
        lambda r: [_reset(_w(r).cadre) for _ in range(2)],
    ),
    (
        ["passwordreset_status_valid"],
        "unknown reset status",
        lambda r: _reset(_w(r).cadre, status="forgotten"),
    ),
    (["code"], "duplicate region code", lambda r: r.spoil(_w(r).township2, code=_w(r).township.code)),
    (["code"], "duplicate department code", lambda r: r.spoil(_w(r).dept_city, code=_w(r).dept_county.code)),
    (["code"], "duplicate app code", lambda r: r.spoil(_w(r).app2, code=_w(r).app.code)),
    (["code"], "duplicate data item code", lambda r: r.spoil(_w(r).item2, code=_w(r).item.code)),
    (["username"], "duplicate username", lambda r: r.spoil(_w(r).cadre2, username=_w(r).cadre.username)),
]


@pytest.fixture
def rows(world):
    return Rows(world)


def test_the_valid_rows_are_accepted(rows):
    assert Entry.objects.count() == 4
    # And a log may be submitted when it says when.
    assert rows.spoil(rows.log, status="submitted", submitted_at=timezone.now()) == 1
    assert rows.new_entry("meeting", hours=Decimal("24")).hours == Decimal("24")


@pytest.mark.parametrize("names, description, action", CASES, ids=[case[1] for case in CASES])
def test_the_database_rejects(rows, names, description, action):
    with pytest.raises(IntegrityError) as rejected, transaction.atomic():
        action(rows)
    # PostgreSQL names the violated constraint; SQLite names a CHECK constraint, or the columns
    # of a unique one. Either way the expected constraint, not some other error, must have fired.
    message = str(rejected.value)
    assert any(name in message for name in names), message


def test_every_declared_constraint_has_a_case():
    declared = {
        constraint.name
        for model in apps.get_app_config("portal").get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, (models.CheckConstraint, models.UniqueConstraint))
    }
    covered = {name for names, _description, _action in CASES for name in names}
    assert declared - covered == set()
