"""The direct channel in the Django admin: read-only, and nothing in it names an author.

No table of the channel holds a user id, so there is no author to show; the keyed hashes
(author_key, signer_key, rater_key) are left out of every list and form anyway, since they are
of use to nobody but someone trying to link reports to one another or to an account. Nothing can
be added, changed or deleted here: every write goes through problems.services.
"""

from django.contrib import admin

from problems.models import Assignment, CoSign, Message, Rating, Report, Step


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = Step
    fields = ["kind", "week", "at", "department", "answer_kind", "resolved", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AssignmentInline(StepInline):
    model = Assignment
    fields = [
        "department",
        "status",
        "routed_on",
        "due_on",
        "overdue",
        "answer_kind",
        "answer",
        "answered_on",
    ]
    readonly_fields = fields


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "week", "county", "pattern", "status", "summary"]
    list_filter = ["status", "pattern"]
    # The township is left out: where it is small it would narrow the author down.
    fields = [
        "id",
        "week",
        "county",
        "pattern",
        "status",
        "summary",
        "details",
        "routed_summary",
        "routed_text",
        "close_reason",
    ]
    readonly_fields = fields
    inlines = [AssignmentInline, StepInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["report_id", "department", "status", "routed_on", "due_on", "overdue", "first_on_time"]
    list_filter = ["status", "overdue"]
    fields = [
        "report",
        "department",
        "status",
        "routed_on",
        "due_on",
        "overdue",
        "answer_kind",
        "answer",
        "answered_on",
    ]
    readonly_fields = fields


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ["report_id", "kind", "week", "at", "department"]
    list_filter = ["kind"]
    fields = ["report", "kind", "week", "at", "department", "answer_kind", "resolved", "note"]
    readonly_fields = fields


@admin.register(CoSign)
class CoSignAdmin(ReadOnlyAdmin):
    list_display = ["report_id", "week"]
    fields = ["report", "week"]
    readonly_fields = fields


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["report_id", "round", "resolved", "week"]
    fields = ["report", "round", "resolved", "week"]
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["report_id", "from_office", "week"]
    fields = ["report", "from_office", "week", "text"]
    readonly_fields = fields
