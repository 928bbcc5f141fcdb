"""REST API v1 routes of the direct channel (mounted at /api/v1/). Names: api-problems:<name>."""

from django.urls import path

from problems import api

app_name = "api-problems"
urlpatterns = [
    path("problems/", api.ProblemListView.as_view(), name="problem-list"),
    # Any segment reaches the view, so a malformed id is a JSON 404, not an HTML page.
    path("problems/<str:id>/", api.ProblemDetailView.as_view(), name="problem-detail"),
]
