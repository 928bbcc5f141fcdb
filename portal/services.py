"""Every write to logs and entries goes through these functions.

Each owns its transaction, locks the cadre's row so concurrent requests of one cadre cannot
together break the 24-hours-a-day rule, validates the whole input before writing anything, and
marks the county-week dirty in the same transaction when a submitted week changes.
"""

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import db, entry_spec, weeks
from portal.models import (
    ALL_KIND_FIELDS,
    KIND_FIELDS,
    App,
    DataItem,
    Department,
    DirtyCountyWeek,
    Entry,
    EntryDataItem,
    EntryDepartment,
    Kind,
    LogStatus,
    RegionLevel,
    Role,
    User,
    WeeklyLog,
)
from portal.signals import county_week_changed

MAX_BULK = entry_spec.MAX_BULK
MAX_DAY_HOURS = entry_spec.MAX_DAY_HOURS
ENTRY_FIELDS = entry_spec.NAMES


class BulkValidationError(Exception):
    """Errors of a rejected batch, keyed by the index of each bad row: {3: {"hours": [...]}}."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        super().__init__(errors)
        self.errors = errors


# ---------------------------------------------------------------------------- validation


class _Lookups:
    """Ids of the reference rows named by a batch, fetched with one query per table."""

    def __init__(self, rows):
        def ids(field, many):
            found = set()
            for row in rows:
                value = row.get(field)
                values = value if many and isinstance(value, list) else [value]
                found.update(entry_spec.as_id(v) for v in values)
            found.discard(None)
            return found

        self.departments = set(
            Department.objects.filter(pk__in=ids("departments", True)).values_list("pk", flat=True)
        )
        self.apps = set(App.objects.filter(pk__in=ids("app", False)).values_list("pk", flat=True))
        self.data_items = set(
            DataItem.objects.filter(pk__in=ids("data_items", True)).values_list("pk", flat=True)
        )


_KIND = entry_spec.SPEC["kind"]


def _plan(specs):
    """(spec, its check, whether [] is missing) for each field, worked out once."""
    return tuple(
        (spec, entry_spec.CHECKS[spec.type], spec.type == entry_spec.IDS and spec.required) for spec in specs
    )


_COMMON = [spec for spec in entry_spec.COMMON if spec.name != "kind"]
# The fields checked for an entry of each kind (None: a row whose kind is missing or unknown).
_CHECKED = {None: _plan(_COMMON)} | {
    kind: _plan([*_COMMON, *(entry_spec.SPEC[name] for name in names)]) for kind, names in KIND_FIELDS.items()
}
_OTHERS = {kind: [s for s in entry_spec.KIND_SPECIFIC if s.kind != kind] for kind in KIND_FIELDS}


def normalize_row(row: dict, lookups: _Lookups, today: dt.date) -> tuple[dict, dict]:
    """Check one entry's fields on their own, as portal.entry_spec says; return (clean values,
    errors by field)."""
    if not isinstance(row, dict):
        return {}, {"non_field_errors": [_("Each entry must be an object.")]}
    errors: dict[str, list[str]] = {}
    clean: dict = {}

    kind = row.get("kind")
    if kind is None or kind == "":
        errors["kind"] = [entry_spec.required_message(_KIND)]
        kind = None
    else:
        clean["kind"], message = entry_spec.CHECKS[entry_spec.ENUM](_KIND, kind, lookups, today)
        if message:
            errors["kind"] = [message]
            kind = None

    for spec, check, empty_list_missing in _CHECKED[kind]:
        value = row.get(spec.name)
        if value is None or value == "" or (empty_list_missing and value == []):
            if spec.required:
                errors[spec.name] = [entry_spec.required_message(spec)]
            elif spec.default is not None:
                clean[spec.name] = list(spec.default) if spec.type == entry_spec.IDS else spec.default
            continue
        value, message = check(spec, value, lookups, today)
        if message:
            errors[spec.name] = [message]
        else:
            clean[spec.name] = value

    if kind is not None:
        # Fields of another kind must be absent or null (an empty data_items list is "none").
        for spec in _OTHERS[kind]:
            value = row.get(spec.name)
            if value is not None and not (spec.type == entry_spec.IDS and value == []):
                errors.setdefault(spec.name, []).append(entry_spec.other_kind_message(spec))
    return clean, errors


def _day_hours(cadre, days, exclude_ids=()):
    """Hours the cadre already logged on each of `days`, leaving out entries being replaced."""
    if not days:
        return {}
    rows = (
        Entry.objects.filter(log__cadre=cadre, occurred_on__in=list(days))
        .exclude(pk__in=list(exclude_ids))
        .values("occurred_on")
        .annotate(total=Sum("hours"))
    )
    return {row["occurred_on"]: row["total"] for row in rows}


def _normalize_rows(rows) -> tuple[list[dict], dict]:
    """Each row checked on its own: (clean rows, errors by row index)."""
    today = weeks.today()
    lookups = _Lookups([r for r in rows if isinstance(r, dict)])
    cleaned, errors = [], {}
    for index, row in enumerate(rows):
        clean, row_errors = normalize_row(row, lookups, today)
        cleaned.append(clean)
        if row_errors:
            errors[index] = row_errors
    return cleaned, errors


def _check_day_hours(cleaned, errors, logged, indexes=None) -> None:
    """Add an error to each row that takes its day past 24 hours, counting `logged` (hours
    already on each day) and the rows at `indexes` (all rows by default) in order."""
    running = defaultdict(Decimal)
    for index in range(len(cleaned)) if indexes is None else indexes:
        clean = cleaned[index]
        if "occurred_on" in clean and "hours" in clean:
            day = clean["occurred_on"]
            running[day] += clean["hours"]
            if logged.get(day, 0) + running[day] > MAX_DAY_HOURS:
                errors.setdefault(index, {}).setdefault("hours", []).append(
                    _("Entries on %(day)s would add up to more than 24 hours.") % {"day": day.isoformat()}
                )


def validate_entries(cadre, rows, *, exclude_ids=()) -> list[dict]:
    """Validate a batch as a whole; return the clean rows or raise BulkValidationError."""
    cleaned, errors = _normalize_rows(rows)
    days = {c["occurred_on"] for c in cleaned if "occurred_on" in c}
    _check_day_hours(cleaned, errors, _day_hours(cadre, days, exclude_ids))
    if errors:
        raise BulkValidationError(errors)
    return cleaned


def check_batch(rows) -> dict[int, dict[str, list[str]]]:
    """Errors of a batch taken on its own, without anything already logged: every entry rule
    and the 24-hours-a-day rule within the batch. An importer reports these before asking about
    rows already logged (which may make a day's total look too large)."""
    cleaned, errors = _normalize_rows(rows)
    _check_day_hours(cleaned, errors, {})
    return errors


# ---------------------------------------------------------------------------- helpers


def _lock_cadre(cadre) -> User:
    """Serialize one cadre's writes; refuse anyone who may not file."""
    if cadre is None or getattr(cadre, "role", None) != Role.CADRE:
        raise PermissionDenied(_("Only cadres file entries."))
    locked = (
        User.objects.select_for_update(of=("self",)).select_related("region__parent__parent").get(pk=cadre.pk)
    )
    if locked.region is None or locked.region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise PermissionDenied(_("Your account is not attached to a township or village."))
    return locked


def cadre_units(cadre):
    """(township, county) a cadre files for, from the unit on their account."""
    township = cadre.region.ancestor(RegionLevel.TOWNSHIP)
    county = township.ancestor(RegionLevel.COUNTY) if township else None
    if township is None or county is None:
        raise PermissionDenied(_("Your account is not attached to a township or village."))
    return township, county


def _logs_for(cadre, week_labels) -> dict[str, WeeklyLog]:
    """The cadre's logs for these weeks, created as drafts where missing."""
    existing = {log.week: log for log in WeeklyLog.objects.filter(cadre=cadre, week__in=week_labels)}
    missing = [w for w in week_labels if w not in existing]
    if missing:
        township, county = cadre_units(cadre)
        WeeklyLog.objects.bulk_create(
            [WeeklyLog(cadre=cadre, week=w, township=township, county=county) for w in missing]
        )
        existing.update({log.week: log for log in WeeklyLog.objects.filter(cadre=cadre, week__in=missing)})
    return existing


def _touch(logs):
    """A submitted log that changed is amended and its county-week must be rolled up again."""
    changed = [log for log in logs if log.is_submitted]
    if not changed:
        return
    WeeklyLog.objects.filter(pk__in=[log.pk for log in changed]).update(amended=True)
    for log in changed:
        log.amended = True
    mark_dirty({(log.county_id, log.week) for log in changed})


def mark_dirty(county_weeks):
    """Record stale county-weeks in this transaction and announce each once after it commits."""
    county_weeks = sorted(county_weeks)
    if not county_weeks:
        return
    DirtyCountyWeek.objects.mark(county_weeks)
    # Once per transaction, however many writes in it touched a county-week (a seed or an import
    # submits thousands of weeks in one transaction).
    db.after_commit(_announce, county_weeks)


def _announce(county_week):
    county_id, week = county_week
    county_week_changed.send(sender=WeeklyLog, county_id=county_id, week=week)


def _apply(entry, clean):
    for field in ["kind", "occurred_on", "title", "hours", *ALL_KIND_FIELDS]:
        if field == "data_items":
            continue
        target = "app_id" if field == "app" else field
        setattr(entry, target, clean.get(field))


def _write_links(entries_and_rows, replace=False):
    if replace:
        ids = [e.pk for e, _ in entries_and_rows]
        EntryDepartment.objects.filter(entry_id__in=ids).delete()
        EntryDataItem.objects.filter(entry_id__in=ids).delete()
    # Plain tuples: no model instance per link row.
    db.insert_values(
        EntryDepartment._meta.db_table,
        ["entry_id", "department_id"],
        [(e.pk, d) for e, c in entries_and_rows for d in c["departments"]],
    )
    db.insert_values(
        EntryDataItem._meta.db_table,
        ["entry_id", "data_item_id"],
        [(e.pk, d) for e, c in entries_and_rows for d in c.get("data_items", [])],
    )


# ---------------------------------------------------------------------------- writes


def entries_bulk_create(*, cadre, rows) -> list[Entry]:
    """Create up to MAX_BULK entries, all or none; errors are keyed by row index."""
    if not isinstance(rows, list) or not rows:
        raise BulkValidationError({})  # callers check shape first; this is a last guard
    if len(rows) > MAX_BULK:
        raise ValidationError({"entries": [_("At most %(max)d entries per request.") % {"max": MAX_BULK}]})
    with transaction.atomic():
        cadre = _lock_cadre(cadre)
        cleaned = validate_entries(cadre, rows)
        entries = _create(cadre, cleaned)
        _touch({e.log for e in entries})
    return entries


def _create(cadre, cleaned) -> list[Entry]:
    """Insert clean rows into their weeks' logs (inside the caller's transaction)."""
    if not cleaned:
        return []
    logs = _logs_for(cadre, sorted({weeks.week_of(c["occurred_on"]) for c in cleaned}))
    entries = []
    for clean in cleaned:
        entry = Entry(log=logs[weeks.week_of(clean["occurred_on"])])
        _apply(entry, clean)
        entries.append(entry)
    db.insert_objects(Entry, entries)
    _write_links(list(zip(entries, cleaned)))
    return entries


# ---------------------------------------------------------------------------- import of a file


class OnExisting(enum.StrEnum):
    """What an import does with rows identical to entries the cadre already logged."""

    SKIP = "skip"
    REPLACE = "replace"
    ADD = "add"


def _signature(values) -> tuple:
    """An entry's content, comparable between a clean row and a stored entry: every field,
    departments and data items as sorted tuples (None for fields of another kind)."""
    key = []
    for field in ENTRY_FIELDS:
        value = values.get(field)
        if field in ("departments", "data_items") and value is not None:
            value = tuple(sorted(value))
        key.append(value)
    return tuple(key)


def _stored_signatures(cadre, days) -> list[tuple[int, str, tuple]]:
    """(id, week, signature) of the cadre's entries on `days`, with four queries in all."""
    entries = list(
        Entry.objects.filter(log__cadre=cadre, occurred_on__in=list(days))
        .select_related("log")
        .order_by("occurred_on", "pk")
    )
    ids = [e.pk for e in entries]
    departments, items = defaultdict(list), defaultdict(list)
    for entry_id, dept_id in EntryDepartment.objects.filter(entry_id__in=ids).values_list(
        "entry_id", "department_id"
    ):
        departments[entry_id].append(dept_id)
    for entry_id, item_id in EntryDataItem.objects.filter(entry_id__in=ids).values_list(
        "entry_id", "data_item_id"
    ):
        items[entry_id].append(item_id)
    found = []
    for entry in entries:
        values = {f: getattr(entry, f) for f in ["kind", "occurred_on", "title", "hours"]}
        for field in ALL_KIND_FIELDS:
            values[field] = getattr(entry, "app_id" if field == "app" else field, None)
        values["data_items"] = items[entry.pk] if entry.kind == Kind.APP_TASK else None
        values["departments"] = departments[entry.pk]
        found.append((entry.pk, entry.log.week, _signature(values)))
    return found


def _match_logged(cadre, cleaned) -> dict[int, tuple[int, str]]:
    """Rows identical to an entry the cadre already logged: {row index: (entry id, week)}.

    Each stored entry answers for one row only, in row order, so a file holding two identical
    rows matches both only when two such entries are logged."""
    days = {c["occurred_on"] for c in cleaned if "occurred_on" in c}
    if not days:
        return {}
    free = defaultdict(list)
    for pk, week, signature in _stored_signatures(cadre, days):
        free[signature].append((pk, week))
    matches = {}
    for index, clean in enumerate(cleaned):
        waiting = free.get(_signature(clean))
        if waiting:
            matches[index] = waiting.pop(0)
    return matches


class AlreadyLogged(Exception):
    """Rows of an import match entries already logged and no choice was made; nothing written.

    `matches` is {row index: week of the matching entry}; `weeks` the weeks the rows fall in;
    `in_weeks` how many entries the cadre has in those weeks (what "replace" would delete)."""

    def __init__(self, matches: dict[int, str], weeks: list[str], in_weeks: int):
        super().__init__(matches)
        self.matches = matches
        self.weeks = weeks
        self.in_weeks = in_weeks


@dataclasses.dataclass
class ImportResult:
    created: list[Entry]
    skipped: list[int] = dataclasses.field(default_factory=list)  # row indexes left out as already logged
    matched: list[int] = dataclasses.field(default_factory=list)  # row indexes identical to a logged entry
    deleted: int = 0  # entries the "replace" choice deleted
    weeks: list[str] = dataclasses.field(default_factory=list)  # the weeks the rows fall in


def _entries_in_weeks(cadre, week_labels):
    return Entry.objects.filter(log__cadre=cadre, log__week__in=week_labels)


def import_check(cadre, rows) -> AlreadyLogged | None:
    """What entries_import would ask about these rows now, or None (rows must be clean)."""
    cleaned, errors = _normalize_rows(rows)
    if errors:
        raise BulkValidationError(errors)
    matches = _match_logged(cadre, cleaned)
    if not matches:
        return None
    return _already_logged(cadre, matches, sorted({weeks.week_of(c["occurred_on"]) for c in cleaned}))


def _already_logged(cadre, matches, week_labels) -> AlreadyLogged:
    return AlreadyLogged(
        {i: week for i, (_pk, week) in matches.items()},
        week_labels,
        _entries_in_weeks(cadre, week_labels).count(),
    )


def entries_import(*, cadre, rows, on_existing=None) -> ImportResult:
    """Import a file's rows, all or none, minding rows identical to entries already logged.

    A row matches a logged entry when every field is the same (kind, date, title, hours,
    departments and the kind's own fields); each logged entry matches one row at most.
    With matches and `on_existing` None, nothing is written: AlreadyLogged says which rows.
    Otherwise, in one transaction under the cadre's lock:

    - "skip": only the rows that match nothing are created;
    - "replace": every entry the cadre has in the weeks the rows fall in (the file's weeks) is
      deleted, matching or not, then every row is created: the file becomes those weeks' log;
    - "add": every row is created, the matching ones a second time.

    The 24-hours-a-day rule holds for what the database holds afterwards. A rejected import
    (BulkValidationError keyed by row index) changes nothing.
    """
    if not isinstance(rows, list) or not rows:
        raise BulkValidationError({})
    if len(rows) > MAX_BULK:
        raise ValidationError({"entries": [_("At most %(max)d entries per request.") % {"max": MAX_BULK}]})
    if on_existing is not None and on_existing not in set(OnExisting):
        raise ValidationError({"on_existing": [_("Choose what to do with the rows already logged.")]})
    with transaction.atomic():
        cadre = _lock_cadre(cadre)
        cleaned, errors = _normalize_rows(rows)
        if errors:
            raise BulkValidationError(errors)
        week_labels = sorted({weeks.week_of(c["occurred_on"]) for c in cleaned})
        matches = _match_logged(cadre, cleaned)
        if matches and on_existing is None:
            raise _already_logged(cadre, matches, week_labels)
        keep = list(range(len(cleaned)))
        removed = []
        if on_existing == OnExisting.SKIP:
            keep = [i for i in keep if i not in matches]
        elif on_existing == OnExisting.REPLACE:
            removed = list(_entries_in_weeks(cadre, week_labels).values_list("pk", flat=True))
        days = {cleaned[i]["occurred_on"] for i in keep}
        _check_day_hours(cleaned, errors, _day_hours(cadre, days, removed), keep)
        if errors:
            raise BulkValidationError(errors)
        touched = set()
        if removed:
            touched |= set(WeeklyLog.objects.filter(entries__pk__in=removed).distinct())
            Entry.objects.filter(pk__in=removed).delete()
        entries = _create(cadre, [cleaned[i] for i in keep])
        _touch(touched | {e.log for e in entries})
    return ImportResult(
        created=entries,
        skipped=[i for i in matches if i not in keep],
        matched=sorted(matches),
        deleted=len(removed),
        weeks=week_labels,
    )


def entry_create(*, cadre, data) -> Entry:
    """Create one entry; raise ValidationError with errors by field."""
    try:
        return entries_bulk_create(cadre=cadre, rows=[data])[0]
    except BulkValidationError as exc:
        raise ValidationError(exc.errors.get(0, {})) from None


def entry_values(entry) -> dict:
    """The entry as the dict the validators take (ids for relations)."""
    values = {f: getattr(entry, f) for f in ["kind", "occurred_on", "title", "hours"]}
    for field in ALL_KIND_FIELDS:
        if field == "app":
            values["app"] = entry.app_id
        elif field == "data_items":
            values["data_items"] = (
                [d.pk for d in entry.data_items.all()] if entry.kind == Kind.APP_TASK else None
            )
        else:
            values[field] = getattr(entry, field)
    values["departments"] = [d.pk for d in entry.departments.all()]
    return values


def entry_update(*, cadre, entry, data) -> Entry:
    """Change some fields of an entry (PATCH semantics). A changed date may move it to another
    week's log; both weeks are rolled up again if submitted."""
    with transaction.atomic():
        cadre = _lock_cadre(cadre)
        entry = (
            Entry.objects.select_for_update(of=("self",))
            .select_related("log")
            .get(pk=entry.pk, log__cadre=cadre)
        )
        merged = entry_values(entry)
        new_kind = data.get("kind", entry.kind)
        if new_kind != entry.kind:
            # Switching kind drops the old kind's stored fields; only the patch may set fields.
            for field in KIND_FIELDS.get(entry.kind, []):
                merged[field] = None
        merged.update({k: v for k, v in data.items() if k in ENTRY_FIELDS})
        try:
            clean = validate_entries(cadre, [merged], exclude_ids=[entry.pk])[0]
        except BulkValidationError as exc:
            raise ValidationError(exc.errors.get(0, {})) from None
        old_log = entry.log
        new_week = weeks.week_of(clean["occurred_on"])
        new_log = old_log if new_week == old_log.week else _logs_for(cadre, [new_week])[new_week]
        _apply(entry, clean)
        entry.log = new_log
        entry.save()
        _write_links([(entry, clean)], replace=True)
        _touch({old_log, new_log})
    return entry


def entry_delete(*, cadre, entry) -> None:
    with transaction.atomic():
        cadre = _lock_cadre(cadre)
        entry = Entry.objects.select_related("log").get(pk=entry.pk, log__cadre=cadre)
        log = entry.log
        entry.delete()
        _touch({log})


def week_submit(*, cadre, week) -> WeeklyLog:
    """Submit a week (a no-op if it is already submitted). A week with no entries may be
    submitted: a cadre with no burden that week still counts as a reporter."""
    try:
        weeks.parse_week(week)
    except ValueError:
        raise ValidationError({"week": [_("Not a valid ISO week such as 2026-W47.")]}) from None
    if week > weeks.current_week():
        raise ValidationError({"week": [_("A future week cannot be submitted.")]})
    with transaction.atomic():
        cadre = _lock_cadre(cadre)
        log = _logs_for(cadre, [week])[week]
        if log.is_submitted:
            return log
        log.status = LogStatus.SUBMITTED
        log.submitted_at = timezone.now()
        log.save(update_fields=["status", "submitted_at"])
        mark_dirty({(log.county_id, log.week)})
    return log
