"""Refuse at the door what no view can use: NUL characters anywhere, and API bodies over the limit.

PostgreSQL text cannot hold a NUL character: psycopg2 raises ValueError for one in any query
parameter, so a NUL in a path segment or a field reaches the database as a 500. No field of the
portal takes one, so a request carrying one is refused as a whole, with a message, before any view
or session lookup runs (a session cookie is a query parameter too). JSON bodies are checked by the
API's parser (portal.api.parsers), which reads them anyway.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refuse(request, message: str, status: int = 400):
    """The same refusal everywhere: JSON `{"detail"}` for the API, the portal's page otherwise."""
    if is_api(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "bad_request.html", {"message": message}, status=status)


def _nul_in(pairs) -> str | None:
    for name, values in pairs:
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "\\0")
    return None


class HostileInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        answer = self.check(request)
        return answer if answer is not None else self.get_response(request)

    def check(self, request):
        if is_api(request) and self._too_big(request):
            message = _("The request body is larger than %(limit)d bytes.") % {
                "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            }
            return refuse(request, message, status=413)
        if NUL in request.path_info:
            return refuse(request, _("The address contains a NUL character."))
        if _nul_in(request.GET.lists()) is not None:
            return refuse(request, _("The query string contains a NUL character."))
        if _nul_in((name, [value]) for name, value in request.COOKIES.items()) is not None:
            return refuse(request, _("A cookie contains a NUL character."))
        if request.method == "POST" and request.content_type in _FORMS:
            # Text fields only: an uploaded file is bytes, and NUL bytes are normal in an XLSX.
            field = _nul_in(request.POST.lists())
            if field is not None:
                return refuse(request, _("The field %(field)s contains a NUL character.") % {"field": field})
        return None

    @staticmethod
    def _too_big(request) -> bool:
        # Django refuses the same bodies with an HTML 400 once a view reads them; the API
        # answers JSON, and 413 says what is wrong.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return limit is not None and length > limit
