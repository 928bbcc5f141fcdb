"""Forms of the direct channel: they render the fields and carry the raw values; problems.services
validates them (one set of rules for the pages and the API) and its errors are put back here."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import Department
from problems.models import DETAILS_MAX, SUMMARY_MAX, TEXT_MAX, AnswerKind, Pattern


def _choices(choices):
    return [("", _("Choose…")), *choices]


class ServiceForm(forms.Form):
    """Every field optional and lenient: the service decides, and its errors land on the fields."""

    def add_service_errors(self, error: ValidationError):
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class DepartmentsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            Department.objects.order_by("name"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": "6"}),
            **kwargs,
        )

    def clean(self, value):
        # Raw ids go to the service, which says what is wrong with them in its own words.
        return value or []


class ReportForm(ServiceForm):
    departments = DepartmentsField(
        label=_("Department(s) concerned"),
        help_text=_("The superior department(s) whose demand this is."),
    )
    pattern = forms.ChoiceField(label=_("Pattern"), required=False, choices=_choices(Pattern.choices))
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        help_text=_("One line: what is demanded, and why it is formalism."),
        widget=forms.TextInput(attrs={"maxlength": str(SUMMARY_MAX), "autocomplete": "off"}),
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        help_text=_(
            "What happened, how often, what it costs you. "
            "Leave out names, places and dates that only you would know."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": str(DETAILS_MAX)}),
    )

    def clean_pattern(self):
        return self.data.get("pattern", "")


class EditForm(ServiceForm):
    summary = forms.CharField(
        label=_("Summary the departments will read"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": str(SUMMARY_MAX)}),
    )
    details = forms.CharField(
        label=_("Details the departments will read"),
        required=False,
        help_text=_(
            "Take out anything that could identify the writer. "
            "The original stays visible to the author and your office only."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": str(DETAILS_MAX)}),
    )


class RouteForm(ServiceForm):
    departments = DepartmentsField(label=_("Route to department(s)"))


class CloseForm(ServiceForm):
    reason = forms.CharField(
        label=_("Reason for closing"),
        required=False,
        help_text=_("The author reads it."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": str(TEXT_MAX)}),
    )


class MergeForm(ServiceForm):
    into = forms.CharField(
        label=_("Duplicate of report number"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class AnswerForm(ServiceForm):
    kind = forms.ChoiceField(
        label=_("Your answer"), required=False, choices=AnswerKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("What changed, or why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": str(TEXT_MAX)}),
    )

    def clean_kind(self):
        return self.data.get("kind", "")


class VerifyForm(ServiceForm):
    note = forms.CharField(
        label=_("Note (required when returning)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": str(TEXT_MAX)}),
    )


class MessageForm(ServiceForm):
    text = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": str(TEXT_MAX)}),
    )
