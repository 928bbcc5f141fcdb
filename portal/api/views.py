"""REST API v1, filing side: token, reference lists, a cadre's entries and weeks.

Views check the role, the JSON types and the shape; every write goes through portal.services,
which validates values and rules and raises ValidationError / BulkValidationError /
PermissionDenied, answered here as 400 / 400 / 403.
"""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal import entry_spec, services, weeks
from portal.api import idempotency
from portal.api.pagination import StrictLimitOffsetPagination
from portal.api.parsers import SafeJSONParser
from portal.api.permissions import IsCadre
from portal.api.serializers import (
    AppSerializer,
    BulkResultSerializer,
    BulkSerializer,
    DataItemSerializer,
    DepartmentSerializer,
    EntrySerializer,
    LoginSerializer,
    RegionSerializer,
    TokenSerializer,
    WeekSerializer,
    entry_json,
)
from portal.filters import (
    WEEK_PATTERN,
    AppFilterSet,
    DataItemFilterSet,
    DepartmentFilterSet,
    EntryFilterSet,
    RegionFilterSet,
)
from portal.models import App, DataItem, Department, Entry, LogStatus, Region

# Error shapes for the schema: {"field": ["message"]} (bulk: {"entries": {"3": {...}}}) and {"detail": "..."}.
_FIELD_ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Errors by field.")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


_DETAIL = OpenApiResponse(DetailSerializer)
_AUTH_ERRORS = {401: _DETAIL, 403: _DETAIL}
_IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    # Printable ASCII, as idempotency.idempotent checks.
    {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX, "pattern": "^[ -~]*$"},
    OpenApiParameter.HEADER,
    description=(
        "Retry-safe POST: the same key with the same body replays the stored answer, with another "
        "body answers 422, while the first request runs answers 409. Kept 7 days, per user."
    ),
)
_IDEMPOTENCY_ERRORS = {409: _DETAIL, 422: _DETAIL}


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [SafeJSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenSerializer, 400: _FIELD_ERRORS, 429: _DETAIL},
        auth=[],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            # django-axes marks the lockout on the Django request, where its middleware finds it.
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            return Response(
                {"non_field_errors": [_("Unable to log in with the given username and password.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# ---------------------------------------------------------------------------- reference lists


# A filter's bad value (a search over 100 characters, an unknown level, a bad limit) is a 400.
_LIST_ERRORS = {400: _FIELD_ERRORS, **_AUTH_ERRORS}


class _ReferenceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    pagination_class = StrictLimitOffsetPagination


@extend_schema_view(list=extend_schema(responses={200: RegionSerializer(many=True), **_LIST_ERRORS}))
class RegionViewSet(_ReferenceViewSet):
    """The region tree: filter by level and by the parent's code."""

    queryset = Region.objects.select_related("parent").order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet


@extend_schema_view(list=extend_schema(responses={200: DepartmentSerializer(many=True), **_LIST_ERRORS}))
class DepartmentViewSet(_ReferenceViewSet):
    queryset = Department.objects.order_by("code")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet


@extend_schema_view(list=extend_schema(responses={200: AppSerializer(many=True), **_LIST_ERRORS}))
class AppViewSet(_ReferenceViewSet):
    queryset = App.objects.order_by("code")
    serializer_class = AppSerializer
    filterset_class = AppFilterSet


@extend_schema_view(list=extend_schema(responses={200: DataItemSerializer(many=True), **_LIST_ERRORS}))
class DataItemViewSet(_ReferenceViewSet):
    queryset = DataItem.objects.order_by("code")
    serializer_class = DataItemSerializer
    filterset_class = DataItemFilterSet


# ---------------------------------------------------------------------------- entries


def entries_with_relations(queryset):
    """Entries with what entry_json reads, in a fixed number of queries."""
    return queryset.select_related("log").prefetch_related(
        Prefetch("departments", queryset=Department.objects.only("id")),
        Prefetch("data_items", queryset=DataItem.objects.only("id")),
    )


def _validation_response(exc: DjangoValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return Response({"non_field_errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)


_ENTRY_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Entry id.")


@extend_schema_view(
    list=extend_schema(responses={200: EntrySerializer(many=True), 400: _FIELD_ERRORS, **_AUTH_ERRORS}),
    create=extend_schema(
        request=EntrySerializer,
        parameters=[_IDEMPOTENCY_KEY],
        responses={201: EntrySerializer, 400: _FIELD_ERRORS, **_AUTH_ERRORS, **_IDEMPOTENCY_ERRORS},
    ),
    retrieve=extend_schema(
        parameters=[_ENTRY_ID], responses={200: EntrySerializer, 404: _DETAIL, **_AUTH_ERRORS}
    ),
    partial_update=extend_schema(
        parameters=[_ENTRY_ID],
        request=EntrySerializer(partial=True),
        responses={200: EntrySerializer, 400: _FIELD_ERRORS, 404: _DETAIL, **_AUTH_ERRORS},
    ),
    destroy=extend_schema(parameters=[_ENTRY_ID], responses={204: None, 404: _DETAIL, **_AUTH_ERRORS}),
)
class EntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A cadre's own entries. Another cadre's entry is 404: its existence is not revealed."""

    permission_classes = [IsAuthenticated, IsCadre]
    parser_classes = [SafeJSONParser]
    serializer_class = EntrySerializer
    filterset_class = EntryFilterSet
    pagination_class = StrictLimitOffsetPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    queryset = Entry.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        own = Entry.objects.for_cadre(self.request.user)
        return entries_with_relations(own).order_by("occurred_on", "id")

    def get_object(self):
        raw = self.kwargs["pk"]
        if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= entry_spec.MAX_ID):
            raise Http404
        try:
            return self.get_queryset().get(pk=int(raw))
        except Entry.DoesNotExist:
            raise Http404 from None

    def _entry_response(self, entry, status_code=status.HTTP_200_OK):
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(entry_json(entry), status=status_code)

    def create(self, request):
        def handler():
            errors = entry_spec.json_type_errors(request.data)
            if errors:
                return Response(errors, status=status.HTTP_400_BAD_REQUEST)
            try:
                entry = services.entry_create(cadre=request.user, data=request.data)
            except DjangoValidationError as exc:
                return _validation_response(exc)
            # The request was valid, so its ids are what was stored: no need to read them back.
            data = entry_json(entry, request.data["departments"], request.data.get("data_items"))
            return Response(data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(self, request, handler)

    def partial_update(self, request, pk=None):
        entry = self.get_object()
        errors = entry_spec.json_type_errors(request.data)
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            entry = services.entry_update(cadre=request.user, entry=entry, data=request.data)
        except DjangoValidationError as exc:
            return _validation_response(exc)
        except Entry.DoesNotExist:  # deleted by a concurrent request after get_object()
            raise Http404 from None
        return self._entry_response(entry)

    def destroy(self, request, pk=None):
        try:
            services.entry_delete(cadre=request.user, entry=self.get_object())
        except Entry.DoesNotExist:  # deleted by a concurrent request after get_object()
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=BulkSerializer,
        parameters=[_IDEMPOTENCY_KEY],
        responses={201: BulkResultSerializer, 400: _FIELD_ERRORS, **_AUTH_ERRORS, **_IDEMPOTENCY_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="bulk", filterset_class=None, pagination_class=None)
    def bulk(self, request):
        """Create up to 1,000 entries, all or none; errors are keyed by the index of each entry."""

        def handler():
            rows = request.data.get("entries") if isinstance(request.data, dict) else None
            if not isinstance(rows, list) or not 0 < len(rows) <= services.MAX_BULK:
                message = _("Send a list of 1 to %(max)d entries.") % {"max": services.MAX_BULK}
                return Response({"entries": [message]}, status=status.HTTP_400_BAD_REQUEST)
            errors = {}
            for index, row in enumerate(rows):
                row_errors = entry_spec.json_type_errors(row)
                if row_errors:
                    errors[str(index)] = row_errors
            if errors:
                return Response({"entries": errors}, status=status.HTTP_400_BAD_REQUEST)
            try:
                entries = services.entries_bulk_create(cadre=request.user, rows=rows)
            except services.BulkValidationError as exc:
                errors = {str(index): row_errors for index, row_errors in exc.errors.items()}
                return Response({"entries": errors}, status=status.HTTP_400_BAD_REQUEST)
            except DjangoValidationError as exc:
                return _validation_response(exc)
            ids = [entry.pk for entry in entries]
            return Response({"created": len(ids), "ids": ids}, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(self, request, handler)


# ---------------------------------------------------------------------------- weeks

_WEEK = OpenApiParameter(
    "week",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=WEEK_PATTERN,
    description="ISO week, e.g. 2026-W47.",
)


class _WeekView(APIView):
    permission_classes = [IsAuthenticated, IsCadre]
    parser_classes = [SafeJSONParser]

    def _week(self, week):
        if not weeks.is_week(week):
            raise _BadWeek
        return week

    def _answer(self, week):
        log = self.request.user.logs.filter(week=week).first()
        entries = []
        if log is not None:
            entries = [
                entry_json(e) for e in entries_with_relations(log.entries.all()).order_by("occurred_on", "id")
            ]
        return Response(
            {
                "week": week,
                "status": log.status if log else LogStatus.DRAFT,
                "submitted_at": serializers.DateTimeField().to_representation(log.submitted_at)
                if log and log.submitted_at
                else None,
                "entries": entries,
            }
        )

    def handle_exception(self, exc):
        if isinstance(exc, _BadWeek):
            return Response({"week": [_("Not a valid ISO week such as 2026-W47.")]}, status=400)
        return super().handle_exception(exc)


class _BadWeek(Exception):
    pass


class WeekView(_WeekView):
    @extend_schema(
        parameters=[_WEEK],
        responses={200: WeekSerializer, 400: _FIELD_ERRORS, **_AUTH_ERRORS},
        description="The cadre's log of one week: status and entries. Creates nothing.",
    )
    def get(self, request, week):
        return self._answer(self._week(week))


class WeekSubmitView(_WeekView):
    @extend_schema(
        request=None,
        parameters=[_WEEK],
        responses={200: WeekSerializer, 400: _FIELD_ERRORS, **_AUTH_ERRORS},
        description="Submit the week (the current one or earlier). Already submitted: a no-op 200.",
    )
    def post(self, request, week):
        try:
            services.week_submit(cadre=request.user, week=self._week(week))
        except DjangoValidationError as exc:
            return _validation_response(exc)
        return self._answer(week)
