"""Stats API v1: five read-only answers over fixed period buckets, protected (reports.protection).

Order of checks (DESIGN.md): the role may make this kind of request at all (else 403 whatever the
parameters), the subject exists (else 404) and is within the user's scope (else 403), then the
`period` parameter is validated (else 400 with a field message).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import policy, weeks
from portal.models import Region, Role
from reports import stats, subjects
from reports.api import serializers


class _Detail(drf_serializers.Serializer):
    detail = drf_serializers.CharField()


DetailSerializer = _Detail
_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description='Errors by field, e.g. {"period": ["..."]}.'),
    401: _Detail,
    403: _Detail,
    404: _Detail,
}
_PERIOD = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    # Written from the rules parse_period checks with. Empty is allowed, as the server reads it
    # (DESIGN.md: a missing period means the current quarter; an empty one is missing).
    pattern=weeks.period_pattern(allow_empty=True),
    description=(
        "A fixed bucket: ISO week 2026-W47, month 2026-M11 (the weeks whose Thursday falls in it), "
        f"quarter 2026-Q4 or year 2026, years {weeks.FIRST_YEAR} to {weeks.LAST_YEAR} (missing or "
        "empty: this quarter). Only closed weeks are counted."
    ),
)
PERIOD_PARAMETER = _PERIOD
_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Official region code.")
_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Department id.")


PERIOD_HELP = gettext_lazy(
    "Give a week (2026-W47), a month (2026-M11), a quarter (2026-Q4) or a year (2026)."
)


def parse_period(request) -> weeks.Period:
    """The `period` query parameter, or the current quarter; ValidationError (400) if malformed."""
    label = request.query_params.get("period")
    if label is None or label == "":
        return weeks.current_quarter()
    try:
        return weeks.parse_period(label)
    except ValueError:
        raise ValidationError(
            {
                "period": [
                    _("Give a week (2026-W47), a month (2026-M11), a quarter (2026-Q4) or a year (2026).")
                ]
            }
        ) from None


class _StatsView(APIView):
    permission_classes = [IsAuthenticated]
    roles: tuple = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not (policy.is_admin(request.user) or request.user.role in self.roles):
            raise PermissionDenied(_("Your role may not read this answer."))


class _CountyView(_StatsView):
    roles = (Role.CADRE, Role.COUNTY_REVIEWER, Role.REGION_REVIEWER)
    selector = None

    def get(self, request, code):
        county = subjects.county_in_scope(request.user, code)
        return Response(stats.cached(type(self).selector, county, parse_period(request), [county.pk]))


class CountyWeeksView(_CountyView):
    selector = stats.county_weeks

    @extend_schema(
        parameters=[_CODE, _PERIOD],
        responses={200: serializers.CountyWeeksSerializer, **_ERRORS},
        description="One row per closed ISO week of the period.",
    )
    def get(self, request, code):
        return super().get(request, code)


class CountyTownshipsView(_CountyView):
    selector = stats.county_townships

    @extend_schema(
        parameters=[_CODE, _PERIOD],
        responses={200: serializers.CountyTownshipsSerializer, **_ERRORS},
        description="The county's townships over the period, with the county total.",
    )
    def get(self, request, code):
        return super().get(request, code)


class CountyDepartmentsView(_CountyView):
    selector = stats.county_departments

    @extend_schema(
        parameters=[_CODE, _PERIOD],
        responses={200: serializers.CountyDepartmentsSerializer, **_ERRORS},
        description=(
            "Issuing departments' footprint in the county: entries naming each, hours split equally "
            "among joint issuers; the total counts each entry once."
        ),
    )
    def get(self, request, code):
        return super().get(request, code)


class RegionCountiesView(_StatsView):
    roles = (Role.REGION_REVIEWER,)

    @extend_schema(
        parameters=[_CODE, _PERIOD],
        responses={200: serializers.RegionCountiesSerializer, **_ERRORS},
        description="County comparison below a city or province, with the region total.",
    )
    def get(self, request, code):
        region, county_ids = subjects.region_in_scope(request.user, code)
        period = parse_period(request)
        counties = Region.objects.filter(pk__in=county_ids)
        return Response(stats.cached(stats.region_counties, region, period, county_ids, counties=counties))


class DepartmentCountiesView(_StatsView):
    roles = (Role.DEPARTMENT_VIEWER, Role.REGION_REVIEWER)

    @extend_schema(
        parameters=[_ID, _PERIOD],
        responses={200: serializers.DepartmentCountiesSerializer, **_ERRORS},
        description=(
            "One department's footprint with its divisions, per county in the reader's scope: entries "
            "naming it or a division (each once) and their hours shares."
        ),
    )
    def get(self, request, id):
        department, counties = subjects.department_in_scope(request.user, id)
        period = parse_period(request)
        county_ids = counties.values_list("pk", flat=True)
        return Response(
            stats.cached(stats.department_counties, department, period, county_ids, counties=counties)
        )
