"""Rollup jobs: plain functions that Celery tasks, `manage.py rollup` and tests call alike.

A rollup recomputes from raw submitted rows and replaces the derived rows of the county-weeks
it covers in one transaction, so running it twice or after a crash gives the same tables.

Dirty marks (portal.models.DirtyCountyWeek) are claimed with SELECT ... FOR UPDATE SKIP LOCKED
inside the transaction that rolls them up and are deleted there only if they were not marked
again meanwhile (same `marked_at`). While a mark is held a writer re-marking it waits for our
commit, then re-inserts it and announces it again, so a change is never lost nor half-seen.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from portal.models import DirtyCountyWeek, Region, WeeklyLog
from reports import extras, loading
from reports.rollup import rollup

logger = logging.getLogger(__name__)
# Submitted logs per in-process batch of counties (about 200,000 entries at 20 a week).
BATCH_LOGS = 10_000


def _claim(county_ids, weeks=None) -> list[tuple[int, object]]:
    marks = DirtyCountyWeek.objects.select_for_update(skip_locked=True).filter(county_id__in=county_ids)
    if weeks is not None:
        marks = marks.filter(week__in=list(weeks))
    return list(marks.values_list("pk", "marked_at"))


def _release(claimed) -> None:
    for pk, marked_at in claimed:
        # Marked again since we claimed it: leave it for the next run.
        DirtyCountyWeek.objects.filter(pk=pk, marked_at=marked_at).delete()


def _rollup(county_ids: list[int], weeks: list[str] | None) -> None:
    with transaction.atomic():
        loading.lock_counties(county_ids)
        claimed = _claim(county_ids, weeks)
        frames = rollup(**loading.load_raw(county_ids, weeks), key=settings.BURDEN_PERTURBATION_KEY.encode())
        loading.delete_derived(county_ids, weeks)
        loading.write_derived(frames, timezone.now())
        # Dashboard extras, same transaction; the cost cells need the logs' record keys.
        extras.replace(county_ids, weeks, record_keys=frames["reporter_weeks"])
        _release(claimed)


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


def rollup_all(progress=None) -> int:
    """Recompute every county in this process, a batch of counties per transaction;
    `progress(done, total)` is called with the counties done after each batch."""
    ids = county_ids()
    done = 0
    for batch in county_batches(ids):
        _rollup(batch, None)
        done += len(batch)
        if progress:
            progress(done, len(ids))
    return len(ids)


def process_mark(county_id: int, week: str) -> bool:
    """Roll up a county-week if it is still marked dirty and no one else holds the mark.

    A missing mark was drained after the change that announced it committed; a held mark is
    being rolled up, and a change it missed re-marks the week after that commit.
    """
    with transaction.atomic():
        mark = (
            DirtyCountyWeek.objects.select_for_update(skip_locked=True)
            .filter(county_id=county_id, week=week)
            .first()
        )
        if mark is None:
            return False
        _rollup([county_id], [week])
    return True


def drain_dirty(limit: int | None = None) -> int:
    """Roll up dirty county-weeks, one transaction each, until none is left unclaimed."""
    done = 0
    while limit is None or done < limit:
        with transaction.atomic():
            mark = (
                DirtyCountyWeek.objects.select_for_update(skip_locked=True)
                .order_by("marked_at", "pk")
                .first()
            )
            if mark is None:
                break
            _rollup([mark.county_id], [mark.week])
        done += 1
    if done:
        logger.info("rolled up %d dirty county-weeks", done)
    return done
