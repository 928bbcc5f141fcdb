"""Rollup runs in the Django admin, read-only: rows are written only by reports.runs.

The derived tables are not registered: administrators see no per-reporter rows (DESIGN.md
"Roles"), and the dashboards show every figure protected.
"""

from django.contrib import admin

from portal.admin import ReadOnlyAdmin
from reports.models import RollupRun


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "kind",
        "triggered_by",
        "finished_at",
        "counties_done",
        "counties_total",
        "failures",
    ]
    list_filter = ["kind"]
    fields = [*list_display, "failure_notes"]
    readonly_fields = fields
    date_hierarchy = "started_at"
