"""REST API v1 of the direct channel: /api/v1/problems/ and /api/v1/problems/{id}/.

Cadres create reports and list their own (written or co-signed); the county office, region
reviewers and departments list those in their scope (portal.policy). Administrators and
anonymous callers may not use it (403 / 401), whatever the parameters. What each sees of a
report is problems.present's, the same as on the pages.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import policy
from portal.api.pagination import MAX_OFFSET, StrictLimitOffsetPagination
from portal.policy import Audience
from problems import anonymity, present, services
from problems.models import (
    DETAILS_MAX,
    SUMMARY_MAX,
    AnswerKind,
    AssignmentStatus,
    Pattern,
    Report,
    Status,
    StepKind,
)

MAX_ID = 2**63 - 1


class UsesChannel(BasePermission):
    message = _("Your role does not use the direct channel.")

    def has_permission(self, request, view):
        return policy.problem_role(request.user) is not None


# ---------------------------------------------------------------------------- shapes (schema)


class ProblemRegion(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ProblemDepartment(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ProblemText(serializers.Serializer):
    summary = serializers.CharField()
    details = serializers.CharField()


class ProblemRouting(serializers.Serializer):
    id = serializers.IntegerField()
    department = ProblemDepartment()
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)
    status_label = serializers.CharField()
    routed_on = serializers.DateField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    answer_kind = serializers.ChoiceField(choices=AnswerKind.choices, allow_null=True)
    answer_label = serializers.CharField(allow_null=True)
    answer = serializers.CharField(allow_blank=True)
    answered_on = serializers.DateField(allow_null=True)


class ProblemStep(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StepKind.choices)
    label = serializers.CharField()
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W47.")
    date = serializers.DateField(
        allow_null=True, help_text="Day of an office or department act; null for a cadre's."
    )
    department = ProblemDepartment(allow_null=True)
    answer_kind = serializers.ChoiceField(choices=AnswerKind.choices, allow_null=True)
    answer_label = serializers.CharField(allow_null=True)
    resolved = serializers.BooleanField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class ProblemMessage(serializers.Serializer):
    from_office = serializers.BooleanField()
    week = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    text = serializers.CharField()


class ProblemSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    county = ProblemRegion()
    township = ProblemRegion(
        allow_null=True, help_text="Null unless the township has at least BURDEN_MIN_GROUP cadres."
    )
    week = serializers.CharField(help_text="ISO week filed; never a time.")
    pattern = serializers.ChoiceField(choices=Pattern.choices)
    pattern_label = serializers.CharField()
    departments = ProblemDepartment(many=True)
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    overdue = serializers.BooleanField()
    cosigns = serializers.CharField(help_text='Co-signatures: a number, or "<5" under the minimum group.')
    summary = serializers.CharField()


class ProblemSerializer(ProblemSummarySerializer):
    details = serializers.CharField()
    original = ProblemText(
        allow_null=True, help_text="The author's own words: the author and the office only."
    )
    edited = serializers.BooleanField(allow_null=True)
    close_reason = serializers.CharField(allow_null=True)
    routings = ProblemRouting(many=True)
    steps = ProblemStep(many=True)
    messages = ProblemMessage(many=True, allow_null=True)


class ProblemPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProblemSummarySerializer(many=True)


class ProblemCreateSerializer(serializers.Serializer):
    departments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=services.MAX_DEPARTMENTS,
    )
    pattern = serializers.ChoiceField(choices=Pattern.choices)
    summary = serializers.CharField(max_length=SUMMARY_MAX)
    details = serializers.CharField(max_length=DETAILS_MAX)


_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Errors by field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT),
    403: OpenApiResponse(OpenApiTypes.OBJECT),
}


def _types(data) -> dict:
    """The JSON types the schema promises (services accept lenient values for the pages)."""
    if not isinstance(data, dict):
        return {"non_field_errors": [_("Expected a JSON object.")]}
    errors = {}
    # Lengths as sent, before the service strips spaces: what the schema's maxLength promises.
    for field, longest in (("pattern", 40), ("summary", SUMMARY_MAX), ("details", DETAILS_MAX)):
        if field in data and not isinstance(data[field], str):
            errors[field] = [_("Must be a string.")]
        elif field in data and len(data[field]) > longest:
            errors[field] = [_("At most %(n)d characters.") % {"n": longest}]
    departments = data.get("departments")
    if departments is not None and not (
        isinstance(departments, list)
        and len(departments) <= services.MAX_DEPARTMENTS
        and all(isinstance(d, int) and not isinstance(d, bool) and 0 < d <= MAX_ID for d in departments)
    ):
        errors["departments"] = [
            _("Give a list of 1 to %(n)d department ids.") % {"n": services.MAX_DEPARTMENTS}
        ]
    return errors


class _ProblemsView(APIView):
    permission_classes = [IsAuthenticated, UsesChannel]
    parser_classes = [JSONParser]

    def _audience_of(self, report):
        return policy.problem_audience(self.request.user, report)


class ProblemListView(_ProblemsView):
    pagination_class = StrictLimitOffsetPagination

    @extend_schema(
        operation_id="problems_list",
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 1000},
                OpenApiParameter.QUERY,
                required=False,
            ),
            OpenApiParameter(
                "offset",
                {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                OpenApiParameter.QUERY,
                required=False,
            ),
        ],
        responses={200: ProblemPageSerializer, **_ERRORS},
        description="Cadre: the reports they wrote or co-signed. Office, region reviewer, department: "
        "the reports in their scope. Never who wrote them.",
    )
    def get(self, request):
        user = request.user
        base = present.with_relations(Report.objects.all())
        if policy.problem_role(user) == "cadre":
            reports = base.followed_by(anonymity.person_key(user))
        else:
            reports = policy.problems_visible(user, base)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(reports.order_by("-week", "id"), request, view=self)
        shown = anonymity.townships_shown([r.township_id for r in page])
        rows = [
            present.report_data(r, self._audience_of(r), shown_townships=shown, detail=False) for r in page
        ]
        return paginator.get_paginated_response(rows)

    @extend_schema(
        operation_id="problems_create",
        request=ProblemCreateSerializer,
        responses={201: ProblemSerializer, **_ERRORS},
        description="A cadre files a report. The answer is the report as its author sees it.",
    )
    def post(self, request):
        if not policy.can_file(request.user):
            raise PermissionDenied(_("Only cadres report problems."))
        errors = _types(request.data)
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            report = services.report_file(cadre=request.user, data=request.data)
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        report = present.with_relations(Report.objects.filter(pk=report.pk)).get()
        return Response(present.report_data(report, Audience.AUTHOR), status=status.HTTP_201_CREATED)


class ProblemDetailView(_ProblemsView):
    @extend_schema(
        operation_id="problems_retrieve",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Report number.")
        ],
        responses={200: ProblemSerializer, 404: OpenApiResponse(OpenApiTypes.OBJECT), **_ERRORS},
        description="One report with its routings and every step, as the reader may see it; a "
        "report outside the reader's scope is 404.",
    )
    def get(self, request, id):
        if not (id.isascii() and id.isdigit() and 0 < int(id) <= MAX_ID):
            raise Http404
        report = present.with_relations(Report.objects.filter(pk=int(id))).first()
        audience = self._audience_of(report) if report else None
        if audience is None:
            raise Http404
        return Response(present.report_data(report, audience))

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied):
            exc = PermissionDenied(str(exc))
        return super().handle_exception(exc)
