"""Small filters the dashboard templates need (number shapes and dict lookups)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def pct(value, places=1):
    """A share 0..1 as a percentage string; None (denominator 0) as an em dash."""
    if value is None:
        return "—"
    return f"{number_format(value * 100, int(places))}%"


@register.filter
def num(value, places=1):
    """A number with thousands separators (12,345.6); None as an em dash."""
    if value is None:
        return "—"
    return f"{float(value):,.{int(places)}f}"


@register.filter
def share_width(value):
    """CSS width (0-100) of a bar for a share."""
    return 0 if value is None else max(0, min(100, round(value * 100)))
