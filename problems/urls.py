"""Pages of the direct channel (mounted at /problems/)."""

from django.urls import path

from problems import views

app_name = "problems"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("<int:id>/", views.detail, name="detail"),
    path("<int:id>/<slug:action>/", views.act, name="act"),
]
