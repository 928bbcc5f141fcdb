"""Cadre filing pages, login, logout and the one-time password reset (mounted at /)."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path, register_converter

from portal import views


class WeekConverter:
    """An ISO week label such as 2026-W47 (views 404 on weeks that do not exist)."""

    regex = r"\d{4}-W\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(WeekConverter, "week")

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("reset/", views.one_time_reset, name="one_time_reset"),
    path("", views.home, name="home"),
    path("weeks/<week:week>/", views.week_detail, name="week"),
    path("weeks/<week:week>/add/", views.entry_add, name="entry_add"),
    path("weeks/<week:week>/add/<str:kind>/", views.entry_add, name="entry_add_kind"),
    path("weeks/<week:week>/copy/", views.week_copy, name="week_copy"),
    path("weeks/<week:week>/submit/", views.week_submit, name="week_submit"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/repeat/", views.entry_repeat, name="entry_repeat"),
    path("import/", views.week_import, name="week_import"),
    re_path(r"^import/template\.(?P<fmt>xlsx|csv)$", views.import_template, name="import_template"),
    re_path(r"^lookup/(?P<what>departments|apps|data-items)/$", views.lookup, name="lookup"),
]
