"""The benchmark bulk loader behind `manage.py seed_demo --entries N` (and bench/, docs/benchmarks.md).

Adds N submitted entries in one week, fast: rows built with numpy from the demo province's titles
and mixes (portal.demo) and loaded with PostgreSQL COPY (bulk_create on SQLite), respecting every
database constraint and keeping each cadre-day at or under 24 hours. Unlike the demo world it
does not go through portal.services: it measures the database, not the filing rules.
"""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import db, weeks
from portal.demo import (
    ACTION_WORDS,
    APPS,
    DEFAULT_SEED,
    DOC_CHANNELS,
    DOC_TOPICS,
    DOC_WEIGHTS,
    INSPECTION_LABELS,
    INSPECTION_TOPICS,
    INSPECTION_WEIGHTS,
    INSPECTION_WORDS,
    THEMES,
)
from portal.models import (
    App,
    DataItem,
    Department,
    DirtyCountyWeek,
    Entry,
    EntryDataItem,
    EntryDepartment,
    LogStatus,
    Region,
    RegionLevel,
    Role,
    User,
    WeeklyLog,
)

BULK_KINDS = np.array(["meeting", "document", "inspection", "app_task"], dtype=object)
BULK_KIND_P = [0.3, 0.3, 0.1, 0.3]
BULK_HOURS = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
BULK_HOURS_P = [0.2, 0.3, 0.15, 0.2, 0.1, 0.05]
BULK_TITLES = {
    "meeting": [f"{t[0]}视频会议" for t in THEMES] + [f"{t}工作例会" for t in DOC_TOPICS],
    "document": [f"关于做好{t}有关工作的通知" for t in DOC_TOPICS]
    + [f"工作群通知：今日下班前报送{t}情况" for t in DOC_TOPICS],
    "inspection": [f"{t}{w}" for t in INSPECTION_TOPICS for w in INSPECTION_WORDS.values()],
    "app_task": [f"{a.name}：{ACTION_WORDS[a.actions[0]]}" for a in APPS],
}
# Every column of the entry table, in the model's order, so the bulk load follows the model.
ENTRY_COLUMNS = [f.column for f in Entry._meta.concrete_fields]


class BulkError(ValueError):
    """The requested benchmark load cannot be built (bad week, too many entries per cadre-day)."""


@dataclass
class BulkResult:
    entries: int
    cadres: int
    new_cadres: int
    week: str
    county_weeks: int
    backend: str


def _pick(rng, choices, n, p=None):
    return np.asarray(choices, dtype=object)[rng.choice(len(choices), size=n, p=p)]


def _distinct_second(rng, first, n_choices):
    """A second index per row, different from `first` (uniform over the others)."""
    return (first + 1 + rng.integers(0, n_choices - 1, size=len(first))) % n_choices


def bulk_rows(n: int, *, log_ids, cadre_count, days: int, seed: int, dept_ids, app_ids, item_ids):
    """Vectorised entry and link rows: (entries DataFrame, departments (entry_ix, id), items (entry_ix, id)).

    Entries are dealt to cadres in turn and to days round-robin within each cadre, so a cadre-day
    holds at most ceil(per_cadre / days) entries, each short enough to stay within 24 hours.
    """
    rng = np.random.default_rng(seed)
    per = np.full(cadre_count, n // cadre_count)
    per[: n % cadre_count] += 1
    cadre_ix = np.repeat(np.arange(cadre_count), per)
    starts = np.concatenate(([0], np.cumsum(per)[:-1]))
    position = np.arange(n) - starts[cadre_ix]
    day = position % days
    per_day = math.ceil(per.max() / days)
    cap = math.floor(24 / per_day * 4) / 4  # quarter hours; per_day * cap <= 24
    if cap < 0.25:
        raise BulkError(_("%(n)d entries per cadre-day cannot fit in 24 hours; add cadres.") % {"n": per_day})
    hours = np.minimum(BULK_HOURS[rng.choice(len(BULK_HOURS), size=n, p=BULK_HOURS_P)], cap)

    kind = BULK_KINDS[rng.choice(4, size=n, p=BULK_KIND_P)]
    frame = pd.DataFrame({"log_ix": cadre_ix, "kind": kind, "day": day, "hours": hours})
    title = np.empty(n, dtype=object)
    for k, titles in BULK_TITLES.items():
        mask = kind == k
        title[mask] = _pick(rng, titles, int(mask.sum()))
    frame["title"] = title

    def column(k, values, dtype=object):
        out = pd.Series([None] * n, dtype=dtype)
        mask = kind == k
        out[mask] = values(int(mask.sum()))
        return out

    def flags(p):
        return lambda m: rng.random(m) < p

    frame["meeting_format"] = column(
        "meeting", lambda m: _pick(rng, ["video", "in_person", "phone"], m, [0.5, 0.4, 0.1])
    )
    frame["meeting_role"] = column(
        "meeting",
        lambda m: _pick(rng, ["participant", "accompanying", "host", "speaker"], m, [0.6, 0.3, 0.05, 0.05]),
    )
    frame["relayed"] = column("meeting", flags(0.4))
    frame["repeat_topic"] = column("meeting", flags(0.3))
    frame["doc_channel"] = column(
        "document", lambda m: _pick(rng, DOC_CHANNELS, m, np.array(DOC_WEIGHTS) / 100)
    )
    frame["pages"] = column("document", lambda m: rng.integers(0, 12, m), "Int64")
    frame["report_back"] = column("document", flags(0.6))
    frame["inspection_label"] = column(
        "inspection", lambda m: _pick(rng, INSPECTION_LABELS, m, np.array(INSPECTION_WEIGHTS) / 100)
    )
    frame["materials_pages"] = column("inspection", lambda m: rng.integers(0, 60, m), "Int64")
    frame["rectification"] = column("inspection", flags(0.35))
    frame["conflicting_demand"] = column("inspection", flags(0.08))
    frame["app_id"] = column(
        "app_task", lambda m: np.asarray(app_ids)[rng.integers(0, len(app_ids), m)], "Int64"
    )
    frame["app_action"] = column(
        "app_task",
        lambda m: _pick(
            rng, ["data_entry", "photo_upload", "check_in", "group_duty"], m, [0.5, 0.2, 0.2, 0.1]
        ),
    )
    frame["duplicate_entry"] = column("app_task", flags(0.45))

    # Issuers: one department, sometimes two or three (joint issuance), always distinct.
    dept_ids = np.asarray(dept_ids)
    first = rng.integers(0, len(dept_ids), n)
    joint = rng.random(n)
    two = np.flatnonzero(joint < 0.13)
    three = np.flatnonzero(joint < 0.03)
    second = _distinct_second(rng, first[two], len(dept_ids))
    # The third avoids both: step past the first by an offset different from the second's.
    offset2 = (second - first[two]) % len(dept_ids)
    in_three = np.isin(two, three)
    offset3 = 1 + (offset2[in_three] - 1 + 1 + rng.integers(0, len(dept_ids) - 2, in_three.sum())) % (
        len(dept_ids) - 1
    )
    third = (first[three] + offset3) % len(dept_ids)
    dept_rows = (
        np.concatenate([np.arange(n), two, three]),
        np.concatenate([dept_ids[first], dept_ids[second], dept_ids[third]]),
    )

    # Data items: one or two per app task.
    item_ids = np.asarray(item_ids)
    tasks = np.flatnonzero(kind == "app_task")
    item_first = rng.integers(0, len(item_ids), len(tasks))
    pairs = rng.random(len(tasks)) < 0.4
    item_second = _distinct_second(rng, item_first[pairs], len(item_ids))
    item_rows = (
        np.concatenate([tasks, tasks[pairs]]),
        np.concatenate([item_ids[item_first], item_ids[item_second]]),
    )
    frame["log_id"] = np.asarray(log_ids)[cadre_ix]
    return frame, dept_rows, item_rows


def _bench_cadres(needed: int, week: str):
    """Cadres with no log in `week`, creating benchmark cadres across the townships if needed."""
    free = list(
        User.objects.filter(role=Role.CADRE, region__isnull=False)
        .exclude(logs__week=week)
        .order_by("pk")
        .values_list("pk", flat=True)[:needed]
    )
    missing = needed - len(free)
    new = 0
    if missing > 0:
        townships = list(Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code"))
        if not townships:
            raise BulkError(_("There are no townships: load the reference data first."))
        taken = User.objects.filter(username__startswith="bench_").count()
        unusable = make_password(None)
        users = []
        for i in range(taken, taken + missing):
            town = townships[i % len(townships)]
            users.append(
                User(
                    username=f"bench_{i:07d}",
                    display_name=f"基准测试干部{i}",
                    role=Role.CADRE,
                    region=town,
                    password=unusable,
                )
            )
        User.objects.bulk_create(users, batch_size=5000)
        new = len(users)
        free += list(
            User.objects.filter(username__in=[u.username for u in users])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return free, new


def _allocate_ids(model, count: int) -> np.ndarray:
    """Primary keys for rows about to be inserted with explicit ids."""
    return np.array(db.next_ids(model, count), dtype=np.int64)


def generate_bulk(
    n: int,
    *,
    week: str | None = None,
    seed: int = DEFAULT_SEED,
    cadres: int | None = None,
    per_cadre: int = 50,
) -> BulkResult:
    """Add n submitted entries in one week, spread over cadres with no log that week.

    Uses ceil(n / per_cadre) cadres (or `cadres`), creating benchmark cadres when the demo has too
    few, so a million entries fit one province-week at <= 24 hours per cadre-day. Every touched
    county-week is marked dirty (without announcing it: `manage.py rollup` is the benchmark).
    """
    if n < 1:
        raise BulkError(_("--entries must be at least 1."))
    week = week or weeks.current_week()
    if not weeks.is_week(week):
        raise BulkError(_("--week: %(week)s is not an ISO week such as 2026-W47.") % {"week": week})
    today = weeks.today()
    monday = weeks.week_monday(week)
    if monday > today:
        raise BulkError(_("--week: %(week)s is in the future.") % {"week": week})
    days = min(7, (today - monday).days + 1)
    cadre_count = min(n, cadres or math.ceil(n / per_cadre))
    if math.ceil(math.ceil(n / cadre_count) / days) * 0.25 > 24:
        raise BulkError(
            _("%(n)d entries per cadre do not fit in %(days)d day(s) of 24 hours; add --cadres.")
            % {"n": math.ceil(n / cadre_count), "days": days}
        )

    with transaction.atomic():
        cadre_ids, new = _bench_cadres(cadre_count, week)
        cadre_count = len(cadre_ids)
        users = {
            pk: (region_id, level, parent_id)
            for pk, region_id, level, parent_id in User.objects.filter(pk__in=cadre_ids).values_list(
                "pk", "region_id", "region__level", "region__parent_id"
            )
        }
        township_county = dict(
            Region.objects.filter(level=RegionLevel.TOWNSHIP).values_list("pk", "parent_id")
        )
        now = timezone.now()
        log_ids = _allocate_ids(WeeklyLog, cadre_count)
        logs = pd.DataFrame({"id": log_ids, "cadre_id": cadre_ids})
        township = [
            region if level == RegionLevel.TOWNSHIP else parent
            for region, level, parent in (users[pk] for pk in cadre_ids)
        ]
        logs["township_id"] = township
        logs["county_id"] = [township_county[t] for t in township]
        logs["week"], logs["status"], logs["submitted_at"], logs["amended"], logs["created_at"] = (
            week,
            LogStatus.SUBMITTED.value,
            now.isoformat(),
            False,
            now.isoformat(),
        )

        frame, (dept_ix, dept_values), (item_ix, item_values) = bulk_rows(
            n,
            log_ids=log_ids,
            cadre_count=cadre_count,
            days=days,
            seed=seed,
            dept_ids=sorted(Department.objects.values_list("pk", flat=True)),
            app_ids=sorted(App.objects.values_list("pk", flat=True)),
            item_ids=sorted(DataItem.objects.values_list("pk", flat=True)),
        )
        entry_ids = _allocate_ids(Entry, n)
        frame["id"] = entry_ids
        frame["occurred_on"] = (pd.Timestamp(monday) + pd.to_timedelta(frame["day"], unit="D")).dt.strftime(
            "%Y-%m-%d"
        )
        frame["created_at"] = frame["updated_at"] = now.isoformat()
        links = pd.DataFrame({"entry_id": entry_ids[dept_ix], "department_id": dept_values})
        items = pd.DataFrame({"entry_id": entry_ids[item_ix], "data_item_id": item_values})
        log_columns = [
            "id",
            "cadre_id",
            "week",
            "status",
            "submitted_at",
            "amended",
            "township_id",
            "county_id",
            "created_at",
        ]

        if db.on_postgres():
            db.copy_in(WeeklyLog._meta.db_table, log_columns, logs)
            db.copy_in(Entry._meta.db_table, ENTRY_COLUMNS, frame)
            db.copy_in(EntryDepartment._meta.db_table, ["entry_id", "department_id"], links)
            db.copy_in(EntryDataItem._meta.db_table, ["entry_id", "data_item_id"], items)
        else:
            _bulk_create_rows(logs, frame, links, items, now)
        county_weeks = sorted(set(logs["county_id"].tolist()))
        # Dirty marks only: announcing them would roll a million entries up inside this command.
        DirtyCountyWeek.objects.bulk_create(
            [DirtyCountyWeek(county_id=c, week=week, marked_at=now) for c in county_weeks],
            update_conflicts=True,
            unique_fields=["county", "week"],
            update_fields=["marked_at"],
        )
    db.analyze([WeeklyLog, Entry, EntryDepartment, EntryDataItem])
    return BulkResult(n, cadre_count, new, week, len(county_weeks), connection.vendor)


def _bulk_create_rows(logs, frame, links, items, now):
    """The portable path for SQLite: the same rows through bulk_create in batches."""
    WeeklyLog.objects.bulk_create(
        [
            WeeklyLog(
                id=r.id,
                cadre_id=r.cadre_id,
                week=r.week,
                status=r.status,
                submitted_at=now,
                amended=False,
                township_id=r.township_id,
                county_id=r.county_id,
            )
            for r in logs.itertuples()
        ],
        batch_size=2000,
    )
    fields = [c for c in ENTRY_COLUMNS if c not in ("created_at", "updated_at")]
    records = frame[fields].astype(object).where(frame[fields].notna(), None).to_dict("records")
    for record in records:
        record["hours"] = Decimal(str(record["hours"]))
        record["occurred_on"] = dt.date.fromisoformat(record["occurred_on"])
    Entry.objects.bulk_create([Entry(**record) for record in records], batch_size=2000)
    EntryDepartment.objects.bulk_create(
        [EntryDepartment(entry_id=e, department_id=d) for e, d in links.itertuples(index=False)],
        batch_size=5000,
    )
    EntryDataItem.objects.bulk_create(
        [EntryDataItem(entry_id=e, data_item_id=d) for e, d in items.itertuples(index=False)], batch_size=5000
    )
