"""Shapes of the API: what the OpenAPI schema documents and how objects are written out.

Writes are validated by portal.services in one pass over a whole batch; DRF field validation
would repeat that row by row at a fraction of the speed. So the input serializers here only
describe the request for the schema, and `check_entry_types` below enforces the JSON types the
schema promises (services accept lenient strings such as "2.5" for the HTML forms).
"""

import re

from django.utils.translation import gettext as _
from rest_framework import serializers

from portal.models import (
    App,
    AppAction,
    DataItem,
    Department,
    DepartmentLevel,
    DocChannel,
    InspectionLabel,
    Kind,
    LogStatus,
    MeetingFormat,
    MeetingRole,
    Region,
)
from portal.services import MAX_BULK, TITLE_MAX

# Ids are PostgreSQL bigints; anything larger can name nothing.
MAX_ID = 2**63 - 1
MAX_COUNT = 100000
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---------------------------------------------------------------------------- reference lists


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=DepartmentLevel.choices, read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "level", "parent"]


class AppSerializer(serializers.ModelSerializer):
    class Meta:
        model = App
        fields = ["id", "code", "name", "owner"]


class DataItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataItem
        fields = ["id", "code", "name"]


# ---------------------------------------------------------------------------- auth


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


# ---------------------------------------------------------------------------- entries


def _id_list(**kwargs):
    return serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), **kwargs)


def _enum(choices):
    return serializers.ChoiceField(choices=choices, allow_null=True, required=False)


def _bool():
    return serializers.BooleanField(allow_null=True, required=False, default=None)


def _count():
    return serializers.IntegerField(min_value=0, max_value=MAX_COUNT, allow_null=True, required=False)


class EntrySerializer(serializers.Serializer):
    """One flat entry. Kind-specific fields are null for entries of other kinds."""

    id = serializers.IntegerField(read_only=True)
    week = serializers.CharField(read_only=True, help_text="ISO week of occurred_on, e.g. 2026-W47.")
    kind = serializers.ChoiceField(choices=Kind.choices)
    occurred_on = serializers.DateField()
    title = serializers.CharField(max_length=TITLE_MAX)
    hours = serializers.FloatField(min_value=0, max_value=24, help_text="0 < hours <= 24, 2 decimals.")
    departments = _id_list(min_length=1, help_text="Issuing department ids (more than one: joint).")
    meeting_format = _enum(MeetingFormat.choices)
    meeting_role = _enum(MeetingRole.choices)
    relayed = _bool()
    repeat_topic = _bool()
    doc_channel = _enum(DocChannel.choices)
    pages = _count()
    report_back = _bool()
    inspection_label = _enum(InspectionLabel.choices)
    materials_pages = _count()
    rectification = _bool()
    conflicting_demand = _bool()
    app = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, required=False)
    app_action = _enum(AppAction.choices)
    duplicate_entry = _bool()
    data_items = _id_list(allow_null=True, required=False)

    def to_representation(self, instance):
        return entry_json(instance)


def entry_json(entry, departments=None, data_items=None) -> dict:
    """The entry as its flat JSON object. Relations are read from the entry (prefetched by the
    caller) unless their ids are given, as just written from a validated request."""
    if departments is None:
        departments = [d.pk for d in entry.departments.all()]
    if data_items is None and entry.kind == Kind.APP_TASK:
        data_items = [d.pk for d in entry.data_items.all()]
    data = {
        "id": entry.pk,
        "week": entry.log.week,
        "kind": entry.kind,
        "occurred_on": entry.occurred_on.isoformat(),
        "title": entry.title,
        "hours": float(entry.hours),
        "departments": sorted(set(departments)),
        "meeting_format": entry.meeting_format,
        "meeting_role": entry.meeting_role,
        "relayed": entry.relayed,
        "repeat_topic": entry.repeat_topic,
        "doc_channel": entry.doc_channel,
        "pages": entry.pages,
        "report_back": entry.report_back,
        "inspection_label": entry.inspection_label,
        "materials_pages": entry.materials_pages,
        "rectification": entry.rectification,
        "conflicting_demand": entry.conflicting_demand,
        "app": entry.app_id,
        "app_action": entry.app_action,
        "duplicate_entry": entry.duplicate_entry,
        "data_items": sorted(set(data_items or [])) if entry.kind == Kind.APP_TASK else None,
    }
    return data


class BulkSerializer(serializers.Serializer):
    entries = serializers.ListField(child=EntrySerializer(), min_length=1, max_length=MAX_BULK)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class WeekSerializer(serializers.Serializer):
    week = serializers.CharField()
    status = serializers.ChoiceField(choices=LogStatus.choices)
    submitted_at = serializers.DateTimeField(allow_null=True)
    entries = EntrySerializer(many=True)


# ---------------------------------------------------------------------------- JSON type checks

_STRINGS = {
    "kind",
    "title",
    "meeting_format",
    "meeting_role",
    "doc_channel",
    "inspection_label",
    "app_action",
}
_BOOLS = {"relayed", "repeat_topic", "report_back", "rectification", "conflicting_demand", "duplicate_entry"}
_COUNTS = {"pages", "materials_pages"}
_ID_LISTS = {"departments", "data_items"}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id_list(value):
    return isinstance(value, list) and all(_is_int(v) and 0 < v <= MAX_ID for v in value)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" from a JSON escape
        return False
    return True


def check_entry_types(row) -> dict[str, list[str]]:
    """Errors by field where a value has the wrong JSON type; values themselves (ranges, enums,
    required fields, references, the daily total) are left to portal.services."""
    if not isinstance(row, dict):
        return {"non_field_errors": [_("Expected a JSON object.")]}
    errors = {}
    for field, value in row.items():
        message = None
        if field in _STRINGS or field == "occurred_on":
            if value is None:
                continue
            if not isinstance(value, str):
                message = _("Must be a string.")
            elif "\x00" in value:
                message = _("Null characters are not allowed.")
            elif not value.isascii() and not _encodable(value):
                message = _("The text holds characters that cannot be stored.")
            elif field == "occurred_on" and not _DATE_RE.match(value):
                message = _("Enter a valid date (YYYY-MM-DD).")
        elif field == "hours":
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                message = _("Must be a number.")
        elif field in _BOOLS:
            if value is not None and not isinstance(value, bool):
                message = _("Must be true or false.")
        elif field in _COUNTS or field == "app":
            if value is not None and not (_is_int(value) and abs(value) <= MAX_ID):
                message = _("Must be a whole number.")
        elif field in _ID_LISTS and value is not None and not _is_id_list(value):
            message = _("Give a list of ids.")
        if message:
            errors[field] = [message]
    return errors
