"""Filing forms. They only shape input for portal.services, which owns every rule: the entry
form's fields are made from portal.entry_spec and are lenient (not required, no validators), so
the service's own message, the same as the API's and the import's, is the one shown."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import entry_spec
from portal.models import KIND_FIELDS, App, DataItem, Department, Kind

# What each kind covers, shown on the kind picker.
KIND_HINTS = {
    Kind.MEETING: _("Meetings, video and phone conferences, sitting in to accompany"),
    Kind.DOCUMENT: _("Numbered or not: notices, oral instructions, chat messages, sticky notes"),
    Kind.INSPECTION: _("Inspections, assessments, supervision, “research” visits that check"),
    Kind.APP_TASK: _("Data entry, photos, check-ins and duty in apps and work chat groups"),
}


def kind_cards():
    return [
        {"kind": kind, "value": kind.value, "label": kind.label, "hint": KIND_HINTS[kind]} for kind in Kind
    ]


class CheckboxInput(forms.CheckboxInput):
    """A checkbox that hands on what was posted: a ticked box posts "on", and anything else
    ("yes", "2") is left for portal.services to refuse, as the API's and the import's are.
    (Named like Django's so that templates still see widget_type "checkbox".)"""

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return False
        return data.get(name)


_TICKED = {"on": True, "true": True, "1": True, "false": False, "0": False, "": False}


class FlagField(forms.Field):
    widget = CheckboxInput

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return bool(value)
        return _TICKED.get(value.lower(), value) if isinstance(value, str) else value


class IdChoiceField(forms.ChoiceField):
    """A select of reference rows by id. The id goes to portal.services as posted, which names an
    unknown one the way it does for the API and the import."""

    def valid_value(self, value):
        return True


class RecentFirstMultiple(forms.MultipleChoiceField):
    """A multi-select of reference rows by id whose options start with the cadre's recently used
    items. The ids go to portal.services as posted (see IdChoiceField)."""

    def __init__(self, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def valid_value(self, value):
        return True

    def set_recent(self, recent):
        recent = list(recent)
        items = list(self.queryset)
        by_pk = {item.pk: item for item in items}
        first = [by_pk[pk] for pk in recent if pk in by_pk]
        rest = [item for item in items if item.pk not in set(recent)]
        groups = []
        if first:
            groups.append((_("Recently used"), [(i.pk, i.name) for i in first]))
        groups.append((_("All"), [(i.pk, i.name) for i in rest]))
        self.choices = groups


def _form_field(spec: entry_spec.FieldSpec) -> forms.Field:
    """The form field of one entry spec row. Fields are lenient (not required, no validators):
    they only shape the input; portal.services checks it against the same spec, so the form
    shows the same message as the API and the import. Bounds go to the widgets for the browser."""
    common = {"label": spec.label, "help_text": spec.help, "required": False}
    if spec.type == entry_spec.DATE:
        # Not stripped: "2026-11-30\n" is no more a date here than in the API.
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.CharField(strip=False, widget=widget, **common)
    if spec.type == entry_spec.TEXT:
        attrs = {"maxlength": str(spec.max_length), "autocomplete": "off"}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if spec.type == entry_spec.HOURS:
        attrs = {"inputmode": "decimal", "autocomplete": "off", "data-max": str(spec.maximum)}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if spec.type == entry_spec.ENUM:
        widget = forms.Select(choices=[("", "—"), *spec.choices.choices])
        return forms.CharField(widget=widget, **common)
    if spec.type == entry_spec.BOOL:
        return FlagField(**common)
    if spec.type == entry_spec.COUNT:
        attrs = {"inputmode": "numeric", "min": str(spec.minimum), "max": str(spec.maximum)}
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if spec.type == entry_spec.ID:
        return IdChoiceField(**common)
    if spec.type == entry_spec.IDS:
        queryset = {"departments": Department, "data_items": DataItem}[spec.reference].objects.order_by(
            "name"
        )
        return RecentFirstMultiple(queryset, widget=forms.SelectMultiple(attrs={"size": "6"}), **common)
    raise AssertionError(spec.type)  # pragma: no cover


class EntryForm(forms.Form):
    """The fields of one kind of entry, made from portal.entry_spec. `recent` maps
    departments/app/data_items to recently used ids."""

    def __init__(self, *args, kind, recent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = Kind(kind)
        for spec in entry_spec.FIELDS:
            if spec.name != "kind" and spec.kind in (None, self.kind):
                self.fields[spec.name] = _form_field(spec)
        recent = recent or {}
        for name, what in (("departments", "departments"), ("app", "apps"), ("data_items", "data-items")):
            if name in self.fields:
                self.fields[name].widget.attrs["data-lookup-url"] = reverse("lookup", kwargs={"what": what})
        for name in ("departments", "data_items"):
            if name in self.fields:
                self.fields[name].set_recent(recent.get(name, []))
        if "app" in self.fields:
            # Recently used apps first, then the rest.
            apps = list(App.objects.order_by("name"))
            order = {pk: i for i, pk in enumerate(recent.get("app") or [])}
            apps.sort(key=lambda a: (order.get(a.pk, len(order)), a.name))
            self.fields["app"].choices = [("", "—")] + [(a.pk, a.name) for a in apps]

    @property
    def common_fields(self):
        return [self[name] for name in ("occurred_on", "title", "hours", "departments")]

    @property
    def kind_fields(self):
        return [self[name] for name in KIND_FIELDS[self.kind]]

    def service_data(self) -> dict:
        """The input as the dict portal.services takes: the posted text, ids as posted, flags
        as booleans; an empty field is None (its default, or "required")."""
        data = self.cleaned_data
        values = {"kind": self.kind.value}
        for name in self.fields:
            value = data.get(name)
            values[name] = None if value in ("", None) else value
        values["departments"] = values["departments"] or []
        if "data_items" in values:
            values["data_items"] = values["data_items"] or []
        return values

    def add_service_errors(self, error: ValidationError):
        """Show a service's errors at their fields (anything else above the form)."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class WeekEntriesChoiceForm(forms.Form):
    """Tick entries (of last week) to copy."""

    entries = forms.MultipleChoiceField(
        label=_("Entries to copy"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].choices = [(str(e.pk), e.title) for e in entries]
        self.fields["entries"].error_messages["required"] = _("Tick at least one entry to copy.")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("XLSX or CSV file"),
        help_text=_("Made from the template below; one row per entry, at most 1000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class OneTimeResetForm(forms.Form):
    """Completing a one-time reset: the account, the code the administrator handed over, and the
    new password twice. portal.accounts checks the code and the password rules."""

    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    code = forms.CharField(
        label=_("One-time code"),
        max_length=40,
        help_text=_("The code your administrator handed you, e.g. ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_new_password2(self):
        first, second = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords are not the same."))
        return second
