"""Rollup runs in the Django admin, read-only: rows are written only by reports.runs.

The derived tables are not registered: administrators see no per-reporter rows (DESIGN.md
"Roles"), and the dashboards show every figure protected.
"""

from django.contrib import admin

from reports.models import RollupRun


@admin.register(RollupRun)
class RollupRunAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
