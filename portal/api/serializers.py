"""Shapes of the API: what the OpenAPI schema documents and how objects are written out.

Writes are validated by portal.services in one pass over a whole batch; DRF field validation
would repeat that row by row at a fraction of the speed. So the entry serializer here only
describes the request for the schema, generated from portal.entry_spec, and the views enforce
the JSON types it promises with entry_spec.json_type_errors (services also take the text of the
HTML forms and the spreadsheet import).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import entry_spec
from portal.entry_spec import MAX_BULK
from portal.models import App, DataItem, Department, DepartmentLevel, Kind, LogStatus, Region

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


def _spec_field(spec: entry_spec.FieldSpec):
    """The DRF field of one entry spec row, for the schema only (portal.services validates).
    Enums are ChoiceFields so that the schema names them (KindEnum, ...); every other field
    carries the schema entry_spec.openapi_schema writes, bounds included."""
    required = spec.required and spec.kind is None
    if spec.type == entry_spec.ENUM:
        return serializers.ChoiceField(
            choices=spec.choices.choices, required=required, allow_null=spec.nullable, help_text=spec.help
        )
    name = spec.name.title().replace("_", "") + "Field"
    field_class = extend_schema_field(entry_spec.openapi_schema(spec))(type(name, (serializers.Field,), {}))
    return field_class(required=required, allow_null=spec.nullable)


class _EntryBase(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    week = serializers.CharField(read_only=True, help_text="ISO week of occurred_on, e.g. 2026-W47.")

    def to_representation(self, instance):
        return entry_json(instance)


# One flat entry: id, week, then a field per row of portal.entry_spec.FIELDS.
EntrySerializer = type(
    "EntrySerializer",
    (_EntryBase,),
    {
        "__module__": __name__,
        "__doc__": "One flat entry. Kind-specific fields are null for entries of other kinds.",
        **{spec.name: _spec_field(spec) for spec in entry_spec.FIELDS},
    },
)


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
    }
    for spec in entry_spec.KIND_SPECIFIC:
        if spec.type == entry_spec.IDS:
            data[spec.name] = sorted(set(data_items or [])) if entry.kind == spec.kind else None
        elif spec.type == entry_spec.ID:
            data[spec.name] = getattr(entry, f"{spec.name}_id")
        else:
            data[spec.name] = getattr(entry, spec.name)
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
