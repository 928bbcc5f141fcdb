"""Filing forms. They only shape input for portal.services, which owns every rule: fields are
lenient here (mostly not required) so the service's own Chinese message is the one shown."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import (
    KIND_FIELDS,
    App,
    AppAction,
    DataItem,
    Department,
    DocChannel,
    InspectionLabel,
    Kind,
    MeetingFormat,
    MeetingRole,
)

# Labels and help texts naming the pattern each field records (DESIGN.md table, articles in seeds/).
HELP = {
    "occurred_on": _("The day it happened; it decides the week. Not in the future."),
    "title": _("A short name, e.g. the meeting's or the notice's title."),
    "hours": _("Your own time including preparation and travel, e.g. 1.5. At most 24 a day."),
    "departments": _("The superior body that issued it. Pick several for a joint issuance."),
    "meeting_format": _("In person, by video or by phone."),
    "meeting_role": _("Accompanying: you sat in without a part to play."),
    "relayed": _(
        "The same meeting passed down level by level from above, "
        "“one pole straight to the bottom” (一竿子插到底)."
    ),
    "repeat_topic": _("You already heard the same theme at another meeting (a “nesting-doll” meeting)."),
    "doc_channel": _(
        "Un-numbered notices, oral instructions (口头通知), chat messages and sticky notes "
        "are documents too: record them here."
    ),
    "pages": _("Length of the document, 0 if it was oral or a chat message."),
    "report_back": _("It demands a written report, table or summary back."),
    "inspection_label": _(
        "What it was called. An inspection in the name of “research” (以“调研”名义的检查) "
        "or “guidance” is still an inspection."
    ),
    "materials_pages": _("Pages of ledgers, photos and materials you prepared for it."),
    "rectification": _("It demanded a rectification."),
    "conflicting_demand": _("It demanded the opposite of what an earlier inspection wanted."),
    "app": _("The app, platform or work chat group that demanded the work."),
    "app_action": _("What the app made you do."),
    "duplicate_entry": _("The same data was already submitted elsewhere (重复填报)."),
    "data_items": _("The data items you filled in; they show which data is asked for again and again."),
}


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


def _choice(choices, label, field):
    return forms.ChoiceField(
        label=label,
        choices=[("", "—"), *choices],
        required=False,
        help_text=HELP[field],
    )


def _flag(label, field):
    return forms.BooleanField(label=label, required=False, help_text=HELP[field])


def _count(label, field):
    return forms.IntegerField(
        label=label,
        required=False,
        help_text=HELP[field],
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
    )


class RecentFirstMultiple(forms.ModelMultipleChoiceField):
    """A multi-select whose options start with the cadre's recently used items."""

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


class EntryForm(forms.Form):
    """The fields of one kind of entry. `recent` maps departments/app/data_items to recent ids."""

    occurred_on = forms.DateField(
        label=_("Date"),
        required=False,
        help_text=HELP["occurred_on"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        help_text=HELP["title"],
        widget=forms.TextInput(attrs={"maxlength": "200", "autocomplete": "off"}),
    )
    hours = forms.CharField(
        label=_("Hours"),
        required=False,
        help_text=HELP["hours"],
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    departments = RecentFirstMultiple(
        Department.objects.order_by("name"),
        label=_("Issuing departments"),
        required=False,
        help_text=HELP["departments"],
        widget=forms.SelectMultiple(attrs={"size": "6"}),
    )
    # meeting
    meeting_format = _choice(MeetingFormat.choices, _("Meeting format"), "meeting_format")
    meeting_role = _choice(MeetingRole.choices, _("Your role"), "meeting_role")
    relayed = _flag(_("Relayed level by level from above"), "relayed")
    repeat_topic = _flag(_("Theme already heard at another meeting"), "repeat_topic")
    # document
    doc_channel = _choice(DocChannel.choices, _("How it arrived"), "doc_channel")
    pages = _count(_("Pages"), "pages")
    report_back = _flag(_("Demands a written report back"), "report_back")
    # inspection
    inspection_label = _choice(InspectionLabel.choices, _("Called"), "inspection_label")
    materials_pages = _count(_("Pages of materials prepared"), "materials_pages")
    rectification = _flag(_("Demanded a rectification"), "rectification")
    conflicting_demand = _flag(_("Contradicts an earlier inspection"), "conflicting_demand")
    # app task
    app = forms.ModelChoiceField(
        App.objects.order_by("name"),
        label=_("App or platform"),
        required=False,
        help_text=HELP["app"],
        empty_label="—",
    )
    app_action = _choice(AppAction.choices, _("What it made you do"), "app_action")
    duplicate_entry = _flag(_("Data already submitted elsewhere"), "duplicate_entry")
    data_items = RecentFirstMultiple(
        DataItem.objects.order_by("name"),
        label=_("Data items"),
        required=False,
        help_text=HELP["data_items"],
        widget=forms.SelectMultiple(attrs={"size": "6"}),
    )

    def __init__(self, *args, kind, recent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = Kind(kind)
        own = set(KIND_FIELDS[self.kind])
        for name in [n for names in KIND_FIELDS.values() for n in names]:
            if name not in own:
                del self.fields[name]
        recent = recent or {}
        for name, what in (("departments", "departments"), ("app", "apps"), ("data_items", "data-items")):
            if name in self.fields:
                self.fields[name].widget.attrs["data-lookup-url"] = reverse("lookup", kwargs={"what": what})
        # Always regroup: the class-level fields must not touch the database at import time.
        for name in ("departments", "data_items"):
            if name in self.fields:
                self.fields[name].set_recent(recent.get(name, []))
        if "app" in self.fields and recent.get("app"):
            # Recently used apps first, then the rest.
            field = self.fields["app"]
            apps = list(field.queryset)
            order = {pk: i for i, pk in enumerate(recent["app"])}
            apps.sort(key=lambda a: (order.get(a.pk, len(order)), a.name))
            field.choices = [("", "—")] + [(a.pk, a.name) for a in apps]

    @property
    def common_fields(self):
        return [self[name] for name in ("occurred_on", "title", "hours", "departments")]

    @property
    def kind_fields(self):
        return [self[name] for name in KIND_FIELDS[self.kind]]

    def service_data(self) -> dict:
        """The cleaned input as the dict portal.services takes (ids for relations)."""
        data = self.cleaned_data
        values = {
            "kind": self.kind.value,
            "occurred_on": data.get("occurred_on"),
            "title": data.get("title") or "",
            "hours": data.get("hours") or None,
            "departments": [d.pk for d in data.get("departments") or []],
        }
        for name in KIND_FIELDS[self.kind]:
            value = data.get(name)
            if name == "app":
                value = value.pk if value else None
            elif name == "data_items":
                value = [d.pk for d in value or []]
            elif value == "":
                value = None
            values[name] = value
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
