from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("portal.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/v1/", include("problems.api_urls")),
    path("problems/", include("problems.urls")),
    path("reports/", include("reports.urls")),
    path("", include("portal.web_urls")),
]
