"""Rollup jobs: plain functions that Celery tasks, `manage.py rollup` and tests call alike.

A rollup recomputes from raw submitted rows and replaces the derived rows of the county-weeks
it covers in one transaction, so running it twice or after a crash gives the same tables.

Dirty marks (portal.models.DirtyCountyWeek) are claimed with SELECT ... FOR UPDATE SKIP LOCKED
inside the transaction that rolls them up and are deleted there only if they were not marked
again meanwhile (same `marked_at`). While a mark is held a writer re-marking it waits for our
commit, then re-inserts it and announces it again, so a change is never lost nor half-seen.
"""

import logging

from django.db import transaction
from django.utils import timezone

from portal.models import DirtyCountyWeek, Region
from reports import loading
from reports.rollup import rollup

logger = logging.getLogger(__name__)


def _claim(county_id, weeks=None) -> list[tuple[int, object]]:
    marks = DirtyCountyWeek.objects.select_for_update(skip_locked=True).filter(county_id=county_id)
    if weeks is not None:
        marks = marks.filter(week__in=list(weeks))
    return list(marks.values_list("pk", "marked_at"))


def _release(claimed) -> None:
    for pk, marked_at in claimed:
        # Marked again since we claimed it: leave it for the next run.
        DirtyCountyWeek.objects.filter(pk=pk, marked_at=marked_at).delete()


def _rollup(county_id: int, weeks: list[str] | None) -> None:
    with transaction.atomic():
        loading.lock_counties([county_id])
        claimed = _claim(county_id, weeks)
        frames = rollup(**loading.load_raw([county_id], weeks))
        loading.delete_derived([county_id], weeks)
        loading.write_derived(frames, timezone.now())
        _release(claimed)


def rollup_county_week(county_id: int, week: str) -> None:
    """Recompute one county-week."""
    _rollup(county_id, [week])


def rollup_county(county_id: int) -> None:
    """Recompute every week of one county (stale rows of weeks without logs disappear)."""
    _rollup(county_id, None)


def county_ids() -> list[int]:
    return list(Region.objects.counties().order_by("code").values_list("pk", flat=True))


def rollup_all(progress=None) -> int:
    """Recompute every county in this process; `progress(done, total)` is called after each."""
    ids = county_ids()
    for done, county_id in enumerate(ids, start=1):
        rollup_county(county_id)
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
        _rollup(county_id, [week])
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
            _rollup(mark.county_id, [mark.week])
        done += 1
    if done:
        logger.info("rolled up %d dirty county-weeks", done)
    return done
