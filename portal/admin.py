"""Django admin for reference data and accounts.

Weekly logs and entries are deliberately not registered: an administrator sees no identities
behind any report (DESIGN.md roles table), and entries are written only through portal.services.
Administrators never see or set a password and cannot act as anyone (reporter protection, rule 4):
accounts get one-time resets through portal.accounts, whose codes are shown once. Their changes to
accounts and reference data are in the audit log (portal/audit.py), shown here read-only.
The rules of the region tree, departments, apps and accounts' units are portal.reference's, asked
by the models' clean(): every form here refuses, field by field and with the same message, what
the CSV import refuses, so a bad edit is a form error rather than a broken tree or a 500.
"""

from auditlog.admin import LogEntryAdmin as AuditlogEntryAdmin
from auditlog.models import LogEntry
from auditlog.render import get_field_verbose_name
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken import admin as authtoken_admin

from portal import accounts, reference
from portal.models import App, DataItem, Department, Region, User

# rest_framework.authtoken registers an admin listing every API token: its keys would let an
# administrator act as any account holder through the API, and its creation times tell when each
# first logged in there. Imported above so it is registered before being removed, whatever the
# order of INSTALLED_APPS.
admin.site.unregister(authtoken_admin.TokenProxy)

admin.site.site_header = _("Burden portal administration")
admin.site.site_title = _("Burden portal administration")
admin.site.index_title = _("Reference data and accounts")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by code (the audit log, rollup runs): administrators read them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    fields = ["code", "name", "level", "parent"]
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    fields = ["code", "name", "level", "parent", "region"]
    list_display = ["code", "name", "level", "parent", "region"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "region"]
    list_select_related = ["parent", "region"]


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "owner"]
    list_filter = ["owner__level"]
    search_fields = ["code", "name", "owner__name"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]


@admin.register(DataItem)
class DataItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class UserAdminChangeForm(forms.ModelForm):
    """No password field of any kind, not even the read-only hash: administrators neither see nor
    set passwords (DESIGN.md reporter protection, rule 4); they issue one-time resets."""

    class Meta:
        model = User
        fields = ["username", "display_name", "role", "region", "department", "is_active"]
        field_classes = {"username": UsernameField}


class UserAdminCreationForm(forms.ModelForm):
    """A new account gets no password: saving issues its first one-time reset."""

    class Meta:
        model = User
        fields = ["username", "display_name", "role", "region", "department"]
        field_classes = {"username": UsernameField}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    # The stock add template is about choosing a password; ours is admin/portal/user/change_form.html.
    add_form_template = None
    fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Role and unit"), {"fields": ["display_name", "role", "region", "department"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username"]}),
        (_("Role and unit"), {"fields": ["display_name", "role", "region", "department"]}),
    ]
    # Staff rights follow the role: only administrators are staff.
    readonly_fields = ["is_staff", "is_superuser", "date_joined"]
    list_display = ["username", "display_name", "role", "region", "department", "is_active"]
    list_filter = ["role", "is_active", "region__level"]
    search_fields = ["username", "display_name", "region__name", "region__code", "department__name"]
    autocomplete_fields = ["region", "department"]
    list_select_related = ["region", "department"]
    ordering = ["username"]
    filter_horizontal = []
    actions = ["issue_one_time_resets"]

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: the audit log keeps pointing at who did what.
        return False

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_one_time_reset"
        view = self.admin_site.admin_view(self.one_time_reset_view)
        return [path("<path:object_id>/one-time-reset/", view, name=name), *super().get_urls()]

    def user_change_password(self, request, id, form_url=""):
        """Refused for every account: nobody sets another account's password (rule 4)."""
        self.message_user(
            request,
            _("Administrators cannot set passwords: issue a one-time reset, and its holder chooses one."),
            messages.ERROR,
        )
        return HttpResponseRedirect(reverse("admin:portal_user_change", args=[id]))

    def save_model(self, request, obj, form, change):
        reference.give_role_rights(obj)
        if change:
            super().save_model(request, obj, form, change)
        else:
            # Kept on the request for response_add, which shows the code once.
            request.portal_issued_resets = [accounts.open_account(obj)]

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "portal_issued_resets", None)
        if not issued:
            return super().response_add(request, obj, post_url_continue)
        return self._issued_page(request, issued, created=True)

    @admin.action(description=_("Issue one-time reset"), permissions=["change"])
    def issue_one_time_resets(self, request, queryset):
        users = list(queryset.order_by("username"))
        if request.POST.get("confirmed") != "yes":
            hidden = [("action", "issue_one_time_resets")]
            hidden += [(helpers.ACTION_CHECKBOX_NAME, user.pk) for user in users]
            return self._confirm_page(request, users, hidden)
        return self._issued_page(request, accounts.issue_resets(users=users))

    def one_time_reset_view(self, request, object_id):
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("confirmed") == "yes":
            return self._issued_page(request, accounts.issue_resets(users=[user]))
        return self._confirm_page(request, [user], [])

    def _confirm_page(self, request, users, hidden):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Issue one-time reset"),
            "users": users,
            "hidden": hidden,
            "lifetime_hours": int(accounts.RESET_LIFETIME.total_seconds() // 3600),
        }
        return TemplateResponse(request, "admin/portal/user/one_time_reset_confirm.html", context)

    def _issued_page(self, request, issued, created=False):
        # Rendered straight into the response (admin views are never cached): the codes are not
        # kept in a message, the session or anywhere else, and this page is the only time they show.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("One-time reset codes"),
            "issued": issued,
            "created": created,
            "reset_url": request.build_absolute_uri(reverse("one_time_reset")),
        }
        return TemplateResponse(request, "admin/portal/user/one_time_reset_issued.html", context)


# auditlog's own admin lets a superuser delete entries when another admin page deletes in cascade;
# ours is read-only for everyone, so the log stays append-only. Its admin module is imported above,
# so it is registered before being replaced, whatever the order of INSTALLED_APPS.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin, AuditlogEntryAdmin):
    list_display = ["created", "who", "action", "resource_url", "changed_fields"]
    fieldsets = [
        (None, {"fields": ["created", "who", "resource_url", "remote_addr"]}),
        (_("Changes"), {"fields": ["action", "msg"]}),
    ]
    readonly_fields = ["created", "who", "resource_url", "remote_addr", "action", "msg"]
    actions = None

    @admin.display(description=_("by"))
    def who(self, entry):
        if entry.actor_id:
            return entry.actor.username
        command = (entry.additional_data or {}).get("command")
        return _("operator: %(command)s") % {"command": command} if command else "—"

    @admin.display(description=_("changed fields"))
    def changed_fields(self, entry):
        return ", ".join(str(get_field_verbose_name(entry, name)) for name in entry.changes_dict)
