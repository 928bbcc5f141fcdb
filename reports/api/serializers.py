"""Shapes of the stats answers, for the OpenAPI schema (the selectors in reports.stats build them)."""

from rest_framework import serializers


class _Kinds(serializers.Serializer):
    meeting = serializers.IntegerField()
    document = serializers.IntegerField()
    inspection = serializers.IntegerField()
    app_task = serializers.IntegerField()


class _KindHours(serializers.Serializer):
    meeting = serializers.FloatField()
    document = serializers.FloatField()
    inspection = serializers.FloatField()
    app_task = serializers.FloatField()


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RegionLevelRefSerializer(RegionRefSerializer):
    level = serializers.CharField()


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


def _share(help_text):
    return serializers.FloatField(allow_null=True, help_text=help_text)


class MeasuresSerializer(serializers.Serializer):
    """A cell's measures, perturbed; all null (and `suppressed` true) below the minimum group."""

    suppressed = serializers.BooleanField()
    reporters = serializers.IntegerField(allow_null=True, help_text="Distinct reporting cadres.")
    entries = _Kinds(allow_null=True)
    hours = _KindHours(allow_null=True)
    hours_total = serializers.FloatField(allow_null=True)
    hours_per_reporter = serializers.FloatField(allow_null=True, help_text="hours_total / reporter_weeks.")
    week_share = _share("hours_per_reporter / 40.")
    unnumbered_doc_share = _share("Documents not numbered / documents.")
    relayed_meeting_share = _share("Meetings relayed level by level / meetings.")
    repeat_meeting_share = _share("Meetings on a theme already heard / meetings.")
    accompanying_share = _share("Meetings attended only to sit in / meetings.")
    disguised_inspection_share = _share(
        "Research/investigation/guidance visits that demanded materials or a rectification / inspections."
    )
    duplicate_entry_share = _share("App tasks repeating data already submitted / app tasks.")


class PeriodMeasuresSerializer(MeasuresSerializer):
    reporter_weeks = serializers.IntegerField(allow_null=True, help_text="Submitted weekly logs.")


class _Completeness(serializers.Serializer):
    expected_logs = serializers.IntegerField(
        help_text="Weekly logs expected: active cadre accounts that existed in each week, summed over weeks."
    )
    completeness = _share("Submitted logs (adjusted) / expected logs, as DHIS2's reporting rate.")


class WeekRowSerializer(MeasuresSerializer, _Completeness):
    week = serializers.CharField()


class TownshipRowSerializer(PeriodMeasuresSerializer, _Completeness):
    township = RegionRefSerializer()


class CountyTotalSerializer(PeriodMeasuresSerializer, _Completeness):
    pass


class CountyRowSerializer(PeriodMeasuresSerializer):
    county = RegionRefSerializer()


class DepartmentMeasuresSerializer(serializers.Serializer):
    suppressed = serializers.BooleanField()
    reporters = serializers.IntegerField(allow_null=True)
    entries = serializers.IntegerField(allow_null=True)
    entries_by_kind = _Kinds(allow_null=True)
    hours = serializers.FloatField(allow_null=True)


class DepartmentRowSerializer(DepartmentMeasuresSerializer):
    department = DepartmentRefSerializer()


class FootprintMeasuresSerializer(serializers.Serializer):
    suppressed = serializers.BooleanField()
    reporters = serializers.IntegerField(allow_null=True)
    entries = serializers.IntegerField(allow_null=True)
    hours = serializers.FloatField(allow_null=True)


class FootprintRowSerializer(FootprintMeasuresSerializer):
    county = RegionRefSerializer()


class _Answer(serializers.Serializer):
    period = serializers.CharField(help_text="2026-W47, 2026-M11, 2026-Q4 or 2026.")
    min_group = serializers.IntegerField()
    perturbed = serializers.BooleanField(
        help_text="Every figure is its true value plus bounded noise from the cell key (reporter protection)."
    )
    as_of = serializers.DateTimeField(allow_null=True, help_text="When this data was last rolled up.")


class CountyWeeksSerializer(_Answer):
    county = RegionRefSerializer()
    results = WeekRowSerializer(many=True)


class CountyTownshipsSerializer(_Answer):
    county = RegionRefSerializer()
    results = TownshipRowSerializer(many=True)
    total = CountyTotalSerializer()


class CountyDepartmentsSerializer(_Answer):
    county = RegionRefSerializer()
    results = DepartmentRowSerializer(many=True)
    total = DepartmentMeasuresSerializer()


class RegionCountiesSerializer(_Answer):
    region = RegionLevelRefSerializer()
    results = CountyRowSerializer(many=True)
    total = PeriodMeasuresSerializer()


class DepartmentCountiesSerializer(_Answer):
    department = DepartmentRefSerializer()
    results = FootprintRowSerializer(many=True)
    total = FootprintMeasuresSerializer()
