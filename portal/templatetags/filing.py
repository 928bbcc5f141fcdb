from decimal import Decimal

from django import template
from django.utils import dateformat
from django.utils.translation import gettext as _

from portal import weeks
from portal.models import DocChannel, Kind, MeetingFormat, MeetingRole
from reports.rollup import SOFT_INSPECTION_LABELS  # pure pandas: the rollup's own rule

register = template.Library()


@register.filter
def hours(value):
    """Hours without trailing zeros: 2.5, 3, 0.75 (never 2.50)."""
    if value in (None, ""):
        value = Decimal(0)
    number = Decimal(str(value)).quantize(Decimal("0.01")).normalize()
    return f"{number:f}"


@register.filter
def day_label(day):
    """A day as the filing pages name it: "today", else weekday and month/day."""
    if day == weeks.today():
        return _("today")
    return dateformat.format(day, "D n/j")


@register.simple_tag
def entry_flags(entry):
    """The kind-specific marks of an entry that the cadre should see at a glance in the list."""
    flags = []
    if entry.kind == Kind.MEETING:
        if entry.meeting_format in (MeetingFormat.VIDEO, MeetingFormat.PHONE):
            flags.append(entry.get_meeting_format_display())
        if entry.meeting_role == MeetingRole.ACCOMPANYING:
            flags.append(_("accompanying"))
        if entry.relayed:
            flags.append(_("relayed"))
        if entry.repeat_topic:
            flags.append(_("theme repeated"))
    elif entry.kind == Kind.DOCUMENT:
        if entry.doc_channel and entry.doc_channel != DocChannel.NUMBERED:
            flags.append(entry.get_doc_channel_display())
        if entry.report_back:
            flags.append(_("report back"))
    elif entry.kind == Kind.INSPECTION:
        if entry.inspection_label in SOFT_INSPECTION_LABELS:
            flags.append(_("called “%(label)s”") % {"label": entry.get_inspection_label_display()})
        if entry.materials_pages:
            flags.append(_("%(n)d pages of materials") % {"n": entry.materials_pages})
        if entry.rectification:
            flags.append(_("rectification"))
        if entry.conflicting_demand:
            flags.append(_("contradicts earlier"))
    elif entry.kind == Kind.APP_TASK:
        if entry.app_id:
            flags.append(entry.app.name)
        if entry.duplicate_entry:
            flags.append(_("duplicate entry"))
    return flags
