from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal import policy


@login_required
def home(request):
    """Where a reviewer lands: the counties and regions their role lets them read."""
    return render(
        request,
        "reports/home.html",
        {"counties": policy.visible_counties(request.user).select_related("parent")},
    )
