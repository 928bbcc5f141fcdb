"""Small filters and tags the dashboard templates need (number shapes, dict lookups, and the
reporter-protection texts of reports.protection, so pages say exactly what the module does)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from reports import protection

register = template.Library()


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def pct(value, places=1):
    """A share 0..1 as a percentage string, rounded; None (denominator 0) as an em dash."""
    if value is None:
        return "—"
    # number_format truncates extra decimals (20.96 -> 20.9): round first.
    return f"{number_format(round(value * 100, int(places)), int(places))}%"


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


@register.filter
def as_of(value):
    """An answer's `as_of` (ISO 8601) as 2026-11-25 10:00 in the portal's time zone; '' if none."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


@register.simple_tag
def notice(n):
    """Rule 1's notice for a hidden cell, with the configured group size: 少于5人，不予显示."""
    return protection.NOTICE % {"n": n}


@register.simple_tag
def notice_explained(n):
    """The notice explained in words, shown once per page as visible text."""
    return protection.NOTICE_EXPLAINED % {"n": n}


@register.simple_tag
def adjusted():
    """Rule 2's one line: figures are randomly adjusted, parts may not add up to totals ('' when
    perturbation is off, which settings allow only with DEBUG)."""
    return str(protection.ADJUSTED) if protection.enabled() else ""


@register.simple_tag
def closes_after_hours():
    """Hours after its Sunday ends at which a week closes (rule 3), as a plain number: 36."""
    hours = float(settings.BURDEN_WEEK_CLOSES_AFTER_HOURS)
    return f"{hours:g}"


_ARROWS = {"up": "↑", "down": "↓", "same": "→"}


@register.simple_tag
def change(c, places=1, kind="num"):
    """The change of a figure against the previous bucket (reports.stats.change): an arrow, the
    signed difference, and the direction in words for screen readers; an em dash where either
    figure is hidden or missing. `kind` "pct" gives a share's change in percentage points."""
    if not c:
        return format_html(
            '<span class="change" data-direction="none"><span class="visually-hidden">{}</span>—</span>',
            _("no comparison"),
        )
    delta = c["delta"] * (100 if kind == "pct" else 1)
    words = {"up": _("up on the previous period"), "down": _("down on the previous period")}.get(
        c["direction"], _("unchanged on the previous period")
    )
    shown = f"{delta:+,.{int(places)}f}"
    if kind == "pct":
        shown = _("%(n)s pts") % {"n": shown}
    return format_html(
        '<span class="change change-{}" data-direction="{}"><span aria-hidden="true">{}</span> '
        '<span class="visually-hidden">{}</span>{}</span>',
        c["direction"],
        c["direction"],
        _ARROWS[c["direction"]],
        words,
        shown,
    )
