"""Django admin for reference data and accounts.

Weekly logs and entries are deliberately not registered: an administrator sees no identities
behind any report (DESIGN.md roles table), and entries are written only through portal.services.
The forms check the same tree and role rules as the CSV import, so a bad edit is a form error
rather than a database error.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from portal.models import (
    PARENT_LEVEL,
    ROLE_REGION_LEVELS,
    App,
    DataItem,
    Department,
    Region,
    RegionLevel,
    Role,
    User,
)

admin.site.site_header = _("Burden portal administration")
admin.site.site_title = _("Burden portal administration")
admin.site.index_title = _("Reference data and accounts")


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]

    def clean(self):
        data = super().clean()
        level, parent = data.get("level"), data.get("parent")
        if not level:
            return data
        expected = PARENT_LEVEL[RegionLevel(level)]
        if expected is None and parent is not None:
            self.add_error("parent", _("A province has no parent."))
        elif expected is not None and parent is None:
            self.add_error("parent", _("Choose the parent region (one level up)."))
        elif expected is not None and parent.level != expected:
            self.add_error(
                "parent",
                _("The parent of a %(level)s must be a %(expected)s.")
                % {"level": RegionLevel(level).label, "expected": expected.label},
            )
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "level", "parent", "region"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node = parent
        # Walk up from the chosen parent: meeting this department again would make a loop.
        while node is not None and self.instance.pk is not None:
            if node.pk == self.instance.pk:
                raise forms.ValidationError(_("A department cannot be placed under itself or its divisions."))
            node = node.parent
        return parent


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    form = DepartmentForm
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


class _RoleUnitMixin:
    """The unit must fit the role, as in the roles table (and as import_users checks)."""

    def clean(self):
        data = super().clean()
        role, region, department = data.get("role"), data.get("region"), data.get("department")
        if not role:
            return data
        allowed = ROLE_REGION_LEVELS[Role(role)]
        if allowed is not None and (region is None or region.level not in allowed):
            levels = " / ".join(str(RegionLevel(level).label) for level in sorted(allowed))
            self.add_error("region", _("This role needs a region of level: %(levels)s.") % {"levels": levels})
        if role == Role.DEPARTMENT_VIEWER and department is None:
            self.add_error("department", _("A department viewer needs a department."))
        elif role != Role.DEPARTMENT_VIEWER and department is not None:
            self.add_error("department", _("Only department viewers belong to a department."))
        return data


class UserAdminChangeForm(_RoleUnitMixin, UserChangeForm):
    pass


class UserAdminCreationForm(_RoleUnitMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Role and unit"), {"fields": ["display_name", "role", "region", "department"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "is_superuser", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "usable_password", "password1", "password2"]}),
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

    def save_model(self, request, obj, form, change):
        obj.is_staff = obj.is_superuser = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)
