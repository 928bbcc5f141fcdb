"""Bench-only URLconf: every portal route plus /bench/trivial/, the baseline (never in production)."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), path("", include("portal.urls"))]
