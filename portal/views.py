"""Cadre filing pages: this week, add/edit/delete/repeat entries, copy last week, submit, import;
and the public page where an account holder completes a one-time password reset.

Every write goes through portal.services (entries) or portal.accounts (accounts); these views only
translate between HTTP and them.
"""

import datetime as dt
import functools
from collections import OrderedDict
from decimal import Decimal

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from portal import accounts, policy, services, weeks
from portal.filters import AppFilterSet, DataItemFilterSet, DepartmentFilterSet, EntryFilterSet
from portal.forms import (
    KIND_HINTS,
    EntryForm,
    ImportForm,
    OneTimeResetForm,
    WeekEntriesChoiceForm,
    kind_cards,
)
from portal.models import (
    KIND_FIELDS,
    Department,
    Entry,
    EntryDataItem,
    EntryDepartment,
    Kind,
    LogStatus,
    WeeklyLog,
)
from portal.templatetags import filing
from portal.week_import import (
    AlreadyImported,
    ImportRejected,
    Pending,
    ask,
    import_pending,
    read_upload,
    result_message,
    template_csv,
    template_xlsx,
)

RECENT_ENTRIES = 60  # how far back "recently used" looks
KNOWN_SHOWN = 8  # known items listed before "show all" (all are in the page and the filter)


def cadre_required(view):
    """Logged in (else the login page) and a cadre (else 403)."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not policy.can_file(request.user):
            raise PermissionDenied(_("Only cadres file entries."))
        return view(request, *args, **kwargs)

    return wrapper


def _week_or_404(week: str) -> str:
    """A real ISO week that is not in the future."""
    if not weeks.is_week(week) or week > weeks.current_week():
        raise Http404(_("No such week."))
    return week


def _own_entry(request, pk) -> Entry:
    # Another cadre's entry is indistinguishable from a missing one.
    return get_object_or_404(Entry.objects.select_related("log"), pk=pk, log__cadre=request.user)


def _entries(cadre):
    return Entry.objects.for_cadre(cadre).select_related("app", "log").prefetch_related("departments")


# ---------------------------------------------------------------------------- remembered choices


def _recent_ids(cadre) -> dict[str, list[int]]:
    """Ids of the departments, apps and data items the cadre used lately, most recent first."""
    recent_entries = list(
        Entry.objects.for_cadre(cadre)
        .order_by("-occurred_on", "-id")
        .values_list("pk", "app_id")[:RECENT_ENTRIES]
    )
    order = {pk: i for i, (pk, _app) in enumerate(recent_entries)}

    def ordered(pairs):
        pairs = sorted(pairs, key=lambda p: order[p[0]])
        return list(OrderedDict.fromkeys(target for _entry, target in pairs))

    ids = list(order)
    return {
        "departments": ordered(
            EntryDepartment.objects.filter(entry_id__in=ids).values_list("entry_id", "department_id")
        ),
        "data_items": ordered(
            EntryDataItem.objects.filter(entry_id__in=ids).values_list("entry_id", "data_item_id")
        ),
        "app": list(OrderedDict.fromkeys(app for _pk, app in recent_entries if app)),
    }


def _remembered(cadre, kind) -> tuple[dict, list[int]]:
    """Initial values from the entry of this kind the cadre saved last (the form remembers
    choices), and that entry's departments. Last *saved*, not latest-dated: after "save and add
    another" the next form starts from the entry just saved, not from a later day's item.

    The departments are offered first among the one-tap choices but not picked: a remembered
    department left in place by mistake would attribute the burden to the wrong issuer, and the
    outside test found the remembered one wrong for 8 of 9 new items."""
    saved = _entries(cadre).order_by("-updated_at", "-id")
    latest = saved.filter(kind=kind).first()
    if latest is None:
        latest = saved.first()
        return {}, [d.pk for d in latest.departments.all()] if latest else []
    initial = {"hours": _hours_text(latest.hours)}
    for name in KIND_FIELDS[Kind(kind)]:
        if name in ("meeting_format", "meeting_role", "doc_channel", "inspection_label", "app_action"):
            initial[name] = getattr(latest, name)
        elif name == "app":
            initial["app"] = latest.app_id
    return initial, [d.pk for d in latest.departments.all()]


def _filled_from(entry) -> dict:
    """Every field of an earlier entry, title included: a new entry from a known title."""
    initial = services.entry_values(entry)
    initial["hours"] = _hours_text(entry.hours)
    del initial["occurred_on"]
    return initial


def _known_titles(cadre) -> list[dict]:
    """Every title the cadre has filed, once per kind, most used first, each with the entry it
    was last filed as. Not capped: Monday's daily check-in must still be offered on Friday."""
    rows = list(Entry.objects.for_cadre(cadre).known_titles())
    return [
        {"kind": Kind(r["kind"]), "title": r["title"], "uses": r["uses"], "id": r["last_id"]} for r in rows
    ]


def _hours_text(hours: Decimal) -> str:
    return filing.hours(hours)


def _default_day(week: str) -> dt.date:
    """Today in the current week, else the last day of a past week."""
    return min(weeks.today(), weeks.week_days(week)[1])


def _day_in(week: str, value: str | None) -> dt.date | None:
    """`value` as a date of `week` that is not in the future, else None."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if weeks.week_of(day) == week and day <= weeks.today() else None


def week_day_choices(week: str) -> list[tuple[dt.date, str]]:
    """The days of `week` up to today, each with a short label ("今天" for today)."""
    monday, _sunday = weeks.week_days(week)
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    return [(day, filing.day_label(day)) for day in days if day <= weeks.today()]


# ---------------------------------------------------------------------------- pages


def home(request):
    """The landing page: a cadre's current week; every other role goes to the dashboards."""
    if not request.user.is_authenticated:
        return redirect("login")
    if policy.can_file(request.user):
        return week_detail(request, weeks.current_week())
    return redirect("reports:home")


def _week_summary(cadre, week):
    log = WeeklyLog.objects.filter(cadre=cadre, week=week).first()
    # The same FilterSet as the API's entry list, so "a week's entries" means one thing.
    entries = list(EntryFilterSet({"week": week}, queryset=_entries(cadre)).qs.order_by("occurred_on", "id"))
    groups = []
    for kind in Kind:
        items = [e for e in entries if e.kind == kind]
        groups.append({"kind": kind, "entries": items, "hours": sum((e.hours for e in items), Decimal(0))})
    total = sum((g["hours"] for g in groups), Decimal(0))
    return log, groups, entries, total


def _status(log):
    if log is None or log.status == LogStatus.DRAFT:
        return "draft"
    return "amended" if log.amended else "submitted"


def _reminder(cadre, week):
    """On the current week's page, while last week is still open and not submitted: say so and
    offer to submit or copy it. Shown in the portal only; nothing is sent anywhere."""
    if week != weeks.current_week():
        return None
    last = weeks.shift_week(week, -1)
    if last <= weeks.last_closed_week(timezone.now(), settings.BURDEN_WEEK_CLOSES_AFTER_HOURS):
        return None
    log = WeeklyLog.objects.filter(cadre=cadre, week=last).annotate(n=Count("entries")).first()
    if log is not None and log.is_submitted:
        return None
    return {"week": last, "entries": log.n if log else 0}


@cadre_required
@require_GET
def week_detail(request, week):
    week = _week_or_404(week)
    cadre = request.user
    log, groups, entries, total = _week_summary(cadre, week)
    current = weeks.current_week()
    history = (
        WeeklyLog.objects.filter(cadre=cadre)
        .exclude(week=week)
        .annotate(n=Count("entries"), total=Sum("entries__hours"))
        .order_by("-week")[:12]
    )
    _source, recurring = _copy_candidates(cadre, week)
    known = _known_titles(cadre)
    last_entries = Entry.objects.in_bulk([k["id"] for k in known])
    for item in known:
        item["entry"] = last_entries[item["id"]]
    monday, sunday = weeks.week_days(week)
    return render(
        request,
        "portal/week.html",
        {
            "week": week,
            "monday": monday,
            "sunday": sunday,
            "is_current": week == current,
            "log": log,
            "status": _status(log),
            "groups": groups,
            "entry_count": len(entries),
            "total": total,
            "previous_week": weeks.shift_week(week, -1),
            "next_week": weeks.shift_week(week, 1) if week < current else None,
            "current_week": current,
            "history": history,
            "known": known,
            "known_shown": KNOWN_SHOWN,
            "repeat_days": week_day_choices(week),
            "default_day": _default_day(week),
            "reminder": _reminder(cadre, week),
            "recurring": recurring,
            "kind_cards": kind_cards(),
        },
    )


QUICK_DEPARTMENTS = 6  # recently used departments offered as one-tap toggles


def _entry_form_page(request, form, *, week, entry=None, filled_from=None, recent=None, first=()):
    quick = []
    if recent and "departments" in form.fields:
        ids = list(dict.fromkeys([*first, *recent["departments"]]))[: max(QUICK_DEPARTMENTS, len(first))]
        names = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
        quick = [[pk, names[pk]] for pk in ids if pk in names]
    known = {}
    if entry is None:
        # A known title fills the whole entry: title -> the entry to fill from, this kind's first.
        for item in sorted(_known_titles(request.user), key=lambda k: k["kind"] != form.kind):
            known.setdefault(item["title"], item["id"])
        if known:
            form.fields["title"].widget.attrs["list"] = "title-suggestions"
    days = week_day_choices(week)
    return render(
        request,
        "portal/entry_form.html",
        {
            "form": form,
            "week": week,
            "entry": entry,
            "kind": form.kind,
            "kind_hint": KIND_HINTS[form.kind],
            "known_titles": known,
            "filled_from": filled_from,
            "day_choices": days,
            "quick_departments": quick,
            "day_choices_json": [[day.isoformat(), label] for day, label in days],
            "log": WeeklyLog.objects.filter(cadre=request.user, week=week).first(),
        },
    )


@cadre_required
@require_http_methods(["GET", "POST"])
def entry_add(request, week, kind=None):
    """A new entry: from the kind's remembered choices, or (?like=<id>) filled in whole from an
    earlier entry with a known title, leaving the date (?day=, else the default) to confirm."""
    week = _week_or_404(week)
    like = None
    if request.method == "GET" and request.GET.get("like", "").isdigit():
        like = _entries(request.user).prefetch_related("data_items").filter(pk=request.GET["like"]).first()
        if like is not None and like.kind != kind:
            # The title decides the kind: go to that kind's form, keeping the query.
            url = reverse("entry_add_kind", kwargs={"week": week, "kind": like.kind})
            return redirect(f"{url}?{request.GET.urlencode()}")
    if kind is None:
        return render(request, "portal/kind_picker.html", {"week": week, "kind_cards": kind_cards()})
    if kind not in Kind.values:
        raise Http404(_("No such kind."))
    recent = _recent_ids(request.user)
    if request.method == "POST":
        first = []
        form = EntryForm(request.POST, kind=kind, recent=recent)
        if form.is_valid():
            try:
                entry = services.entry_create(cadre=request.user, data=form.service_data())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Saved: %(title)s") % {"title": entry.title})
                if "save_add" in request.POST:
                    # The next form starts from this entry's choices and day (see _remembered).
                    url = reverse("entry_add_kind", kwargs={"week": entry.log.week, "kind": kind})
                    return redirect(f"{url}?day={entry.occurred_on.isoformat()}")
                return redirect("week", week=entry.log.week)
    else:
        initial, first = (_filled_from(like), []) if like else _remembered(request.user, kind)
        initial["occurred_on"] = _day_in(week, request.GET.get("day")) or _default_day(week)
        form = EntryForm(kind=kind, recent=recent, initial=initial)
        if not like:
            form.fields["title"].widget.attrs["autofocus"] = True
    return _entry_form_page(request, form, week=week, filled_from=like, recent=recent, first=first)


@cadre_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, pk):
    entry = _own_entry(request, pk)
    recent = _recent_ids(request.user)
    if request.method == "POST":
        form = EntryForm(request.POST, kind=entry.kind, recent=recent)
        if form.is_valid():
            try:
                entry = services.entry_update(cadre=request.user, entry=entry, data=form.service_data())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Saved: %(title)s") % {"title": entry.title})
                return redirect("week", week=entry.log.week)
    else:
        initial = services.entry_values(entry)
        initial["hours"] = _hours_text(entry.hours)
        form = EntryForm(kind=entry.kind, recent=recent, initial=initial)
    return _entry_form_page(request, form, week=entry.log.week, entry=entry, recent=recent)


@cadre_required
@require_http_methods(["GET", "POST"])
def entry_delete(request, pk):
    entry = _own_entry(request, pk)
    if request.method == "POST":
        week = entry.log.week
        services.entry_delete(cadre=request.user, entry=entry)
        messages.success(request, _("Deleted: %(title)s") % {"title": entry.title})
        return redirect("week", week=week)
    return render(request, "portal/entry_delete.html", {"entry": entry, "week": entry.log.week})


def _error_text(exc: ValidationError) -> str:
    """A ValidationError as one line, each message after its field's label."""
    labels = {f.name: str(f.verbose_name) for f in Entry._meta.get_fields() if hasattr(f, "verbose_name")}
    parts = []
    for field, msgs in exc.message_dict.items():
        label = labels.get(field)
        parts.extend(f"{label}：{m}" if label else m for m in msgs)
    return " ".join(parts)


@cadre_required
@require_POST
def entry_repeat(request, pk):
    """Log an earlier entry again in one action: today, or the day chosen beside the button."""
    entry = _own_entry(request, pk)
    data = services.entry_values(entry)
    day = weeks.today()
    if request.POST.get("day"):
        try:
            day = dt.date.fromisoformat(request.POST["day"])
        except ValueError:
            day = None
    try:
        if day is None:
            raise ValidationError({"occurred_on": [_("Enter a valid date (YYYY-MM-DD).")]})
        data["occurred_on"] = day
        copy = services.entry_create(cadre=request.user, data=data)
    except ValidationError as exc:
        messages.error(
            request,
            _("Could not repeat “%(title)s”: %(errors)s")
            % {"title": entry.title, "errors": _error_text(exc)},
        )
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
        return redirect(back if safe else reverse("home"))
    if day == weeks.today():
        messages.success(request, _("Logged again for today: %(title)s") % {"title": copy.title})
    else:
        messages.success(
            request,
            _("Logged again for %(day)s: %(title)s") % {"day": filing.day_label(day), "title": copy.title},
        )
    return redirect("week", week=copy.log.week)


def _copy_candidates(cadre, week) -> tuple[list[Entry], list[Entry]]:
    """Last week's entries, each with the day it would be copied to (`copy_day`: the same
    weekday), whether that day is still to come (`copy_later`) or already has the item
    (`copy_logged`); and those to pre-tick: the ones that recur, as the cadre's own weeks before
    last show, and can be copied now."""
    monday = weeks.week_monday(week)
    source = list(
        _entries(cadre)
        .filter(log__week=weeks.shift_week(week, -1))
        .prefetch_related("data_items")
        .order_by("occurred_on", "id")
    )
    logged = set(_entries(cadre).filter(log__week=week).values_list("kind", "title", "occurred_on"))
    earlier = [weeks.shift_week(week, -n) for n in (2, 3, 4)]
    recurring = set(Entry.objects.for_cadre(cadre).in_weeks(earlier).values_list("kind", "title"))
    for entry in source:
        entry.copy_day = monday + dt.timedelta(days=entry.occurred_on.weekday())
        entry.copy_later = entry.copy_day > weeks.today()
        entry.copy_logged = (entry.kind, entry.title, entry.copy_day) in logged
    pre_ticked = [
        e for e in source if (e.kind, e.title) in recurring and not e.copy_later and not e.copy_logged
    ]
    return source, pre_ticked


@cadre_required
@require_http_methods(["GET", "POST"])
def week_copy(request, week):
    """Copy the entries of the week before that the cadre ticks into this week, each to the same
    weekday. What cannot be copied (a day still to come, a day that would pass 24 hours) is
    left out and named in one line; the rest is copied."""
    week = _week_or_404(week)
    source_week = weeks.shift_week(week, -1)
    source, pre_ticked = _copy_candidates(request.user, week)
    errors = []
    if request.method == "POST":
        form = WeekEntriesChoiceForm(request.POST, entries=source)
        if form.is_valid():
            ticked = set(form.cleaned_data["entries"])
            chosen = [e for e in source if str(e.pk) in ticked]
            not_copied = [
                (e, _("%(day)s has not come yet") % {"day": filing.day_label(e.copy_day)})
                for e in chosen
                if e.copy_later
            ]
            chosen = [e for e in chosen if not e.copy_later]
            rows = []
            for entry in chosen:
                row = services.entry_values(entry)
                row["occurred_on"] = entry.copy_day
                rows.append(row)
            try:
                services.validate_entries(request.user, rows)
            except services.BulkValidationError as exc:
                for index, field_errors in exc.errors.items():
                    not_copied.append((chosen[index], _error_text(ValidationError(field_errors))))
                rows = [row for index, row in enumerate(rows) if index not in exc.errors]
            created = []
            if rows:
                try:
                    created = services.entries_bulk_create(cadre=request.user, rows=rows)
                except services.BulkValidationError as exc:  # changed since the check: nothing copied
                    errors.extend(_error_text(ValidationError(e)) for _i, e in sorted(exc.errors.items()))
                except ValidationError as exc:
                    errors.append(_error_text(exc))
            left_out = "；".join(f"“{entry.title}”（{reason}）" for entry, reason in not_copied)
            if created and not errors:
                messages.success(request, _("Copied %(n)d entries from last week.") % {"n": len(created)})
                if left_out:
                    messages.warning(request, _("Not copied: %(items)s.") % {"items": left_out})
                return redirect("week", week=week)
            if left_out:
                errors.append(_("Not copied: %(items)s.") % {"items": left_out})
    else:
        form = WeekEntriesChoiceForm(entries=source, initial={"entries": [str(e.pk) for e in pre_ticked]})
    return render(
        request,
        "portal/week_copy.html",
        {"form": form, "week": week, "source_week": source_week, "source": source, "errors": errors},
    )


@cadre_required
@require_http_methods(["GET", "POST"])
def week_submit(request, week):
    """Confirm the week's totals, then submit it."""
    week = _week_or_404(week)
    if request.method == "POST":
        try:
            services.week_submit(cadre=request.user, week=week)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("week", week=week)
        messages.success(request, _("Week %(week)s is submitted. Thank you.") % {"week": week})
        return redirect("week", week=week)
    log, groups, entries, total = _week_summary(request.user, week)
    return render(
        request,
        "portal/week_submit.html",
        {
            "week": week,
            "log": log,
            "status": _status(log),
            "groups": groups,
            "total": total,
            "entry_count": len(entries),
        },
    )


# ---------------------------------------------------------------------------- import


@cadre_required
@require_http_methods(["GET", "POST"])
def week_import(request):
    """Upload a file; when rows of it are already logged, ask (skip, replace or add) and write
    nothing until the answer, which brings the checked rows back signed (no second upload)."""
    form, problems, question, pending = ImportForm(), [], None, None
    if request.method == "POST":
        answering = "pending" in request.POST
        try:
            if answering:
                pending = Pending.unsign(request.user, request.POST["pending"])
                result = import_pending(request.user, pending, request.POST.get("on_existing") or None)
            else:
                form = ImportForm(request.POST, request.FILES)
                if not form.is_valid():
                    return render(request, "portal/import.html", {"form": form})
                pending = read_upload(form.cleaned_data["file"])
                result = import_pending(request.user, pending)
        except AlreadyImported as exc:
            question = exc.question
        except ImportRejected as exc:
            problems = exc.problems
            if answering and pending is not None:
                question = ask(request.user, pending)  # e.g. "add" broke the 24-hour rule: choose again
        else:
            messages.success(request, result_message(result))
            weeks_written = sorted(e.log.week for e in result.created) or result.weeks
            return redirect("week", week=weeks_written[0])
    return render(request, "portal/import.html", {"form": form, "problems": problems, "question": question})


@cadre_required
@require_GET
def import_template(request, fmt):
    if fmt == "xlsx":
        response = HttpResponse(
            template_xlsx(request.user),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="burden-week-template.{fmt}"'
    return response


# ---------------------------------------------------------------------------- picker lookups

_LOOKUPS = {
    "departments": (DepartmentFilterSet, "departments"),
    "apps": (AppFilterSet, "app"),
    "data-items": (DataItemFilterSet, "data_items"),
}


@require_GET
def lookup(request, what):
    """Reference items whose name or code contains `q`, the cadre's recently used ones first."""
    if not request.user.is_authenticated or not policy.can_file(request.user):
        return JsonResponse({"detail": _("Only cadres file entries.")}, status=403)
    filterset_class, recent_key = _LOOKUPS[what]
    q = request.GET.get("q", "").strip()
    recent = _recent_ids(request.user)[recent_key]
    rank = {pk: i for i, pk in enumerate(recent)}
    model = filterset_class._meta.model
    # The API's reference-list search (name or code), so both find the same items.
    filterset = filterset_class({"search": q}, queryset=model.objects.all())
    if not filterset.is_valid():
        return JsonResponse(filterset.errors, status=400)
    queryset = filterset.qs if q else model.objects.filter(pk__in=recent)
    found = list(queryset.order_by("name")[:200])
    found.sort(key=lambda item: (rank.get(item.pk, len(rank)), item.name))
    return JsonResponse(
        {
            "results": [
                {"id": item.pk, "code": item.code, "name": item.name, "recent": item.pk in rank}
                for item in found[:20]
            ]
        }
    )


# ---------------------------------------------------------------------------- one-time reset


class _ResetThrottle(SimpleRateThrottle):
    """Reset attempts per client address, at the token login's rate (LOGIN_THROTTLE_RATE), so
    codes cannot be tried in bulk across accounts; each reset also dies after a few wrong codes."""

    scope = "one_time_reset"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES["login"]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def one_time_reset(request):
    """Public: set a new password with the one-time code an administrator issued."""
    form = OneTimeResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # A wrong code is a failed login to django-axes: it counts against the account and the
        # client like a wrong password, and a lockout from either door closes both.
        credentials = {"username": request.POST.get("username", "")}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return locked_out(request, None, credentials)
        if not _ResetThrottle().allow_request(request, None):
            form.is_valid()
            form.add_error(None, _("Too many attempts from this device. Wait a minute and try again."))
            status = 429
        elif form.is_valid():
            try:
                accounts.complete_reset(
                    username=form.cleaned_data["username"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except accounts.ResetRefused:
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                form.add_error(
                    None,
                    _(
                        "The username or the code is wrong, or the code has expired or was already used. "
                        "A code stops working after %(n)s wrong tries; ask your administrator for a new one."
                    )
                    % {"n": accounts.MAX_FAILED_ATTEMPTS},
                )
            except ValidationError as exc:
                form.add_error("new_password1", exc)
            else:
                messages.success(request, _("Your new password is set. Log in with it."))
                return redirect("login")
    return render(request, "registration/one_time_reset.html", {"form": form}, status=status)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) once an account or a client has failed too
    often: 429 with when to try again, JSON for the API, the portal's own page otherwise."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    message = _(
        "Too many failed logins for this account or from this device. Try again in %(minutes)d minutes."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
