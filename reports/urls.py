"""Dashboards (mounted at /reports/)."""

from django.urls import path

from reports import run_views, views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("counties/<str:code>/", views.county, name="county"),
    path("counties/<str:code>/report/", views.county_report, name="county-report"),
    path("counties/<str:code>/target/", views.county_target, name="county-target"),
    path("counties/<str:code>/townships/<str:township_code>/", views.township, name="township"),
    path("regions/<str:code>/", views.region, name="region"),
    path("regions/<str:code>/league/", views.league, name="league"),
    path("departments/<int:id>/", views.department, name="department"),
    path("runs/", run_views.rollup_runs, name="runs"),
    path("runs.json", run_views.rollup_runs_json, name="runs-json"),
]
