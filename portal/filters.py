"""One FilterSet per resource, shared by the REST API and the HTML lists.

Every filter validates its value: junk answers 400 with a field message in the API and a form
error in the pages, never a database error (NUL characters, out-of-range ids).
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from portal import weeks
from portal.entry_spec import MAX_ID
from portal.models import App, DataItem, Department, Entry, Kind, Region, RegionLevel

SEARCH_MAX = 100
PARENT_MAX = Region._meta.get_field("code").max_length
# The schema's patterns come from portal.weeks, which the server checks with.
WEEK_PATTERN = weeks.week_pattern()


class WeekField(forms.CharField):
    """An ISO week label such as 2026-W47 that really exists."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        if not weeks.is_week(value):
            raise ValidationError(_("Not a valid ISO week such as 2026-W47."), code="invalid")
        return value


# An empty value means "any week", as an HTML filter form with a blank field sends it.
@extend_schema_field(
    {"type": "string", "pattern": weeks.week_pattern(allow_empty=True), "example": "2026-W47"}
)
class WeekFilter(django_filters.CharFilter):
    field_class = WeekField


@extend_schema_field({"type": "string", "maxLength": SEARCH_MAX})
class SearchFilter(django_filters.CharFilter):
    """Case-insensitive substring of the name or the code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", SEARCH_MAX)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value))


def choice_filter(choices, **kwargs):
    """A ChoiceFilter whose schema says what the server takes: one of the values, or empty for
    any (as an HTML filter form with a blank field sends it)."""
    schema = {"type": "string", "enum": [*(value for value, _label in choices), ""]}
    filter_class = extend_schema_field(schema)(
        type("ChoiceOrEmptyFilter", (django_filters.ChoiceFilter,), {})
    )
    return filter_class(choices=choices, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class DepartmentFilter(django_filters.ModelChoiceFilter):
    """An issuing department by id; an id that names no department is a 400."""


@extend_schema_field({"type": "string", "maxLength": PARENT_MAX})
class RegionCodeFilter(django_filters.CharFilter):
    pass


class EntryFilterSet(django_filters.FilterSet):
    """A cadre's own entries by week, kind and issuing department."""

    week = WeekFilter(field_name="log__week", label=_("week"))
    kind = choice_filter(Kind.choices, label=_("kind"))
    department = DepartmentFilter(
        field_name="departments", queryset=Department.objects.all(), label=_("department")
    )

    class Meta:
        model = Entry
        fields = ["week", "kind", "department"]


class RegionFilterSet(django_filters.FilterSet):
    level = choice_filter(RegionLevel.choices, label=_("level"))
    parent = RegionCodeFilter(field_name="parent__code", max_length=PARENT_MAX, label=_("parent region code"))
    search = SearchFilter()

    class Meta:
        model = Region
        fields = ["level", "parent", "search"]


class DepartmentFilterSet(django_filters.FilterSet):
    search = SearchFilter()

    class Meta:
        model = Department
        fields = ["search"]


class AppFilterSet(django_filters.FilterSet):
    search = SearchFilter()

    class Meta:
        model = App
        fields = ["search"]


class DataItemFilterSet(django_filters.FilterSet):
    search = SearchFilter()

    class Meta:
        model = DataItem
        fields = ["search"]
