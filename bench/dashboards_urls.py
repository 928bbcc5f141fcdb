"""Bench-only URLconf: every portal route plus /bench/trivial/, the baseline (never in production)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def trivial_logged_in(request):
    """The floor of any page for a logged-in reader: the session and user queries."""
    return HttpResponse(request.user.username, content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-logged-in/", trivial_logged_in),
    path("", include("portal.urls")),
]
