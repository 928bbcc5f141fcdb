"""Rollup jobs: plain functions that Celery tasks, `manage.py rollup` and tests call alike.

A rollup recomputes from raw submitted rows and replaces the derived rows of the county-weeks
it covers in one transaction, so running it twice or after a crash gives the same tables.

Dirty marks (portal.models.DirtyCountyWeek) say which county-weeks are stale. A rollup takes the
county's advisory lock (one rollup per county at a time; PostgreSQL drops the lock of a worker
that dies), reads the county's marks, recomputes, and at the end of its transaction deletes the
marks it read that were not marked again meanwhile (same `marked_at`). No mark row is locked
while the rollup works, so a writer marking a week of a county being rolled up never waits for
it: its newer mark simply outlives the rollup and is rolled up next.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from portal.models import DirtyCountyWeek, Region, WeeklyLog
from reports import extras, loading, protection, runs
from reports.models import CountyWeekStat, RollupRun
from reports.rollup import rollup

logger = logging.getLogger(__name__)
# Submitted logs per in-process batch of counties (about 200,000 entries at 20 a week).
BATCH_LOGS = 10_000


def _marks(county_ids, weeks=None) -> list[tuple[int, str, object]]:
    """The marks of these counties (of `weeks` only, if given): (pk, week, marked_at)."""
    marks = DirtyCountyWeek.objects.filter(county_id__in=list(county_ids))
    if weeks is not None:
        marks = marks.filter(week__in=list(weeks))
    return list(marks.values_list("pk", "week", "marked_at"))


def _release(marks) -> None:
    for pk, _week, marked_at in marks:
        # Marked again since we read it: leave it for the next run.
        DirtyCountyWeek.objects.filter(pk=pk, marked_at=marked_at).delete()


def _rollup(county_ids: list[int], weeks: list[str] | None, *, only_marked=False, wait=True):
    """Recompute these counties (all weeks, or `weeks`) in one transaction and drop their marks.

    With `only_marked`, only the marked weeks among `weeks` are recomputed, and nothing at all if
    none is marked (another run got there first). With `wait=False` a county another rollup holds
    is left alone. Returns the marks dropped, or None if nothing was done."""
    with transaction.atomic():
        if not loading.lock_counties(county_ids, wait=wait):
            return None
        marks = _marks(county_ids, weeks)
        if only_marked:
            if not marks:
                return None
            weeks = sorted({week for _pk, week, _at in marks})
        frames = rollup(**loading.load_raw(county_ids, weeks), key=settings.BURDEN_PERTURBATION_KEY.encode())
        loading.delete_derived(county_ids, weeks)
        loading.write_derived(frames, timezone.now())
        # Dashboard extras, same transaction; the cost cells need the logs' record keys.
        extras.replace(county_ids, weeks, record_keys=frames["reporter_weeks"])
        _release(marks)
    return marks


def rollup_county_week(county_id: int, week: str) -> None:
    """Recompute one county-week."""
    _rollup([county_id], [week])


def rollup_county(county_id: int) -> None:
    """Recompute every week of one county (stale rows of weeks without logs disappear)."""
    _rollup([county_id], None)


def county_ids() -> list[int]:
    return list(Region.objects.counties().order_by("code").values_list("pk", flat=True))


def county_batches(ids: list[int], max_logs: int = BATCH_LOGS) -> list[list[int]]:
    """Counties grouped so that each batch holds about `max_logs` submitted logs: one load and one
    pandas pass per batch amortizes the fixed cost per query while memory stays bounded."""
    sizes = dict(
        WeeklyLog.objects.submitted()
        .filter(county_id__in=ids)
        .values("county_id")
        .annotate(n=Count("id"))
        .values_list("county_id", "n")
    )
    batches, batch, held = [], [], 0
    for county_id in ids:
        size = sizes.get(county_id, 0)
        if batch and held + size > max_logs:
            batches.append(batch)
            batch, held = [], 0
        batch.append(county_id)
        held += size
    if batch:
        batches.append(batch)
    return batches


def rollup_all(progress=None, run_id: int | None = None) -> int:
    """Recompute every county in this process, a batch of counties per transaction;
    `progress(done, total)` is called with the counties done after each batch.

    With a status row `run_id` (reports.runs), progress is recorded there too, and a batch that
    raises is retried county by county so that only the county at fault is recorded as failed and
    the run goes on; without one, the error propagates as before."""
    ids = county_ids()
    done = 0
    for batch in county_batches(ids):
        try:
            _rollup(batch, None)
            runs.done(run_id, len(batch))
        except Exception:
            if run_id is None:
                raise
            for county_id in batch:
                try:
                    _rollup([county_id], None)
                    runs.done(run_id)
                except Exception as error:
                    runs.failed(run_id, county_id, error)
        done += len(batch)
        if progress:
            progress(done, len(ids))
    return len(ids)


def process_mark(county_id: int, week: str) -> bool:
    """Roll up a county-week if it is still marked dirty (the live path, after a write commits).

    Waits while another rollup holds the county: the worker waits, never the writer. A missing
    mark was drained by a run that saw the change that announced it."""
    return _rollup([county_id], [week], only_marked=True) is not None


def drain_county(county_id: int) -> int:
    """Roll up every marked week of one county in one pass; the number of county-weeks done."""
    marks = _rollup([county_id], None, only_marked=True)
    return len(marks or [])


def drain_dirty(limit: int | None = None, triggered_by: str = "beat") -> int:
    """Roll up marked county-weeks, a county at a time, oldest mark first, skipping counties
    another rollup holds; the number of county-weeks done. Celery beat runs it every
    BURDEN_DRAIN_SECONDS: whatever no enqueue reached (broker down, lost task, lost worker).

    A drain that rolls something up gets a status row (reports.runs; an empty one writes none). A
    county whose rollup raises anything but a database error (which the Celery task retries) is
    recorded there as failed and skipped, so one bad county cannot hold back the others' marks."""
    done, busy, run_id = 0, set(), None
    try:
        while limit is None or done < limit:
            county_id = (
                DirtyCountyWeek.objects.exclude(county_id__in=busy)
                .order_by("marked_at", "pk")
                .values_list("county_id", flat=True)
                .first()
            )
            if county_id is None:
                if not busy:
                    runs.settle_rebuilds()  # nothing is marked: every rebuild's counties are done
                break
            try:
                marks = _rollup([county_id], None, only_marked=True, wait=False)
            except DatabaseError:
                raise
            except Exception as error:
                if run_id is None and runs.failed_as_last_drain(county_id, error):
                    runs.failed(None, county_id, error)  # logged; the last drain row says it already
                else:
                    run_id = run_id or _drain_run(busy | {county_id}, triggered_by)
                    runs.failed(run_id, county_id, error)
                busy.add(county_id)
                continue
            if marks is None:
                busy.add(county_id)  # held by another rollup, or drained by it meanwhile
                continue
            # Only closed weeks count in a status row: one that appeared when a cadre's open-week
            # entry was rolled up would tell an administrator when someone filed (cf. data_version).
            if any(week <= protection.last_closed_week() for _pk, week, _at in marks):
                run_id = run_id or _drain_run(busy | {county_id}, triggered_by)
                runs.done(run_id)
            done += len(marks)
    finally:
        runs.finish(run_id)
    if done:
        logger.info("rolled up %d dirty county-weeks", done)
    return done


def _drain_run(counties_seen: set, triggered_by: str) -> int:
    """The status row of a drain that has just rolled up (or failed) its first county: counting
    that county and those still marked (a count that grows if more are marked meanwhile)."""
    left = (
        DirtyCountyWeek.objects.exclude(county_id__in=counties_seen)
        .filter(week__lte=protection.last_closed_week())
        .values("county_id")
        .distinct()
    )
    return runs.start(RollupRun.Kind.DRAIN, 1 + left.count(), triggered_by)


def mark_all_dirty() -> int:
    """Mark every county-week that has submitted logs or derived rows: a full rebuild as marks,
    so that whatever a lost worker leaves undone the next drain picks up. Returns the count."""
    county_weeks = set(WeeklyLog.objects.submitted().values_list("county_id", "week").distinct())
    county_weeks |= set(CountyWeekStat.objects.values_list("county_id", "week").distinct())
    DirtyCountyWeek.objects.mark(county_weeks)
    return len(county_weeks)
