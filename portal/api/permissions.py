"""Role checks of the API, asked before any parameter is looked at."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from portal import policy


class IsCadre(BasePermission):
    """Only cadres file and read raw entries (their own)."""

    message = _("Only cadres file entries.")

    def has_permission(self, request, view):
        return policy.can_file(request.user)
