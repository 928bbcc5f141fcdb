"""The county target for hours per cadre per week: read by the dashboard, written only here."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from reports.models import CountyTarget

MAX_HOURS = Decimal("40")  # a target above the whole work week would say nothing


def target_of(county) -> float | None:
    """The county's target in hours per cadre per week, or None if none is set. One query."""
    value = CountyTarget.objects.filter(county=county).values_list("hours_per_cadre_week", flat=True).first()
    return None if value is None else float(value)


def set_target(county, hours: Decimal | None) -> None:
    """Set the county's target, or clear it with None."""
    if hours is None:
        CountyTarget.objects.filter(county=county).delete()
    else:
        CountyTarget.objects.update_or_create(county=county, defaults={"hours_per_cadre_week": hours})


_OUT_OF_RANGE = _("A target is between 0.1 and 40 hours per cadre per week.")


class TargetForm(forms.Form):
    hours_per_cadre_week = forms.DecimalField(
        label=_("Target: hours per cadre per week"),
        required=False,
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal("0.1"), message=_OUT_OF_RANGE),
            MaxValueValidator(MAX_HOURS, message=_OUT_OF_RANGE),
        ],
        help_text=_("Between 0.1 and 40 hours; leave empty to remove the target."),
        error_messages={"invalid": _("Enter a number of hours such as 6.5.")},
    )
