from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def hours(value):
    """Hours without trailing zeros: 2.5, 3, 0.75 (never 2.50)."""
    if value in (None, ""):
        value = Decimal(0)
    number = Decimal(str(value)).quantize(Decimal("0.01")).normalize()
    return f"{number:f}"
