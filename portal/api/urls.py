"""REST API v1 filing routes, the OpenAPI schema and its docs (mounted at /api/).

Route names are namespaced "api:" (e.g. api:entry-list, api:entry-bulk, api:week-submit).
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api import views

app_name = "api"

entry_list = views.EntryViewSet.as_view({"get": "list", "post": "create"})
entry_detail = views.EntryViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})
entry_bulk = views.EntryViewSet.as_view({"post": "bulk"})


def _list(viewset):
    return viewset.as_view({"get": "list"})


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("v1/regions/", _list(views.RegionViewSet), name="region-list"),
    path("v1/departments/", _list(views.DepartmentViewSet), name="department-list"),
    path("v1/apps/", _list(views.AppViewSet), name="app-list"),
    path("v1/data-items/", _list(views.DataItemViewSet), name="data-item-list"),
    path("v1/entries/", entry_list, name="entry-list"),
    path("v1/entries/bulk/", entry_bulk, name="entry-bulk"),
    # Any segment reaches the view, so a malformed id is a JSON 404 / week a JSON 400, not an HTML page.
    path("v1/entries/<str:pk>/", entry_detail, name="entry-detail"),
    path("v1/weeks/<str:week>/", views.WeekView.as_view(), name="week-detail"),
    path("v1/weeks/<str:week>/submit/", views.WeekSubmitView.as_view(), name="week-submit"),
]
