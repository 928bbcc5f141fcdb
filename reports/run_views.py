"""The administrators' page of rollup runs: recent status rows (reports.runs) with a progress bar
per run, refreshed while one is running by static/js/runs.js polling the JSON twin of the page
(no inline script: the CSP forbids it). Permission is portal.policy's (403 for everyone else)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal import policy
from reports import runs

RECENT = 30


def _allowed(request):
    if not policy.can_see_rollup_runs(request.user):
        raise PermissionDenied(_("Only administrators see rollup runs."))


@login_required
def rollup_runs(request):
    _allowed(request)
    recent = runs.recent(RECENT)
    return render(
        request,
        "reports/runs.html",
        {"runs": recent, "any_running": any(run.running for run in recent)},
    )


@login_required
def rollup_runs_json(request):
    _allowed(request)
    recent = runs.recent(RECENT)
    response = JsonResponse({"runs": [runs.as_json(run) for run in recent]})
    response["Cache-Control"] = "no-store"
    return response
