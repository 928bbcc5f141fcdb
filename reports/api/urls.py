"""REST API v1 stats routes (mounted at /api/v1/). Names: api-stats:<answer>."""

from django.urls import path, re_path

from reports import exports
from reports.api import views

app_name = "api-stats"

urlpatterns = [
    path("stats/counties/<str:code>/weeks/", views.CountyWeeksView.as_view(), name="county-weeks"),
    path(
        "stats/counties/<str:code>/departments/",
        views.CountyDepartmentsView.as_view(),
        name="county-departments",
    ),
    path(
        "stats/counties/<str:code>/townships/", views.CountyTownshipsView.as_view(), name="county-townships"
    ),
    path("stats/regions/<str:code>/counties/", views.RegionCountiesView.as_view(), name="region-counties"),
    path(
        "stats/departments/<str:id>/counties/",
        views.DepartmentCountiesView.as_view(),
        name="department-counties",
    ),
    re_path(
        # Any name and suffix reach the view, so that an unknown one is the API's JSON 404.
        r"^exports/(?P<dataset>[^/]+)\.(?P<fmt>[^/.]+)$",
        exports.ExportView.as_view(),
        name="export",
    ),
]
