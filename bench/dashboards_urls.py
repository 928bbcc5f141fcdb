"""Bench-only URLconf: every portal route plus the trivial baselines (never in production).

- /bench/trivial/: no reader, no query;
- /bench/trivial-logged-in/: behind the page's login (the session cookie: session and user);
- /bench/trivial-api/: a DRF view behind the stats API's own authentication and permission (the
  REST_FRAMEWORK defaults: a token header, IsAuthenticated), returning JSON as the API does.
The page and the API are each compared with the trivial view behind the same login.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def trivial_logged_in(request):
    """The floor of any page for a logged-in reader: the session and user queries."""
    return HttpResponse(request.user.username, content_type="text/plain")


class TrivialAPI(APIView):
    """The floor of any stats answer: DRF dispatch, token authentication and JSON rendering."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.username})


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-logged-in/", trivial_logged_in),
    path("bench/trivial-api/", TrivialAPI.as_view()),
    path("", include("portal.urls")),
]
