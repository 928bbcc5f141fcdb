"""Celery tasks: thin wrappers over reports.jobs (ids in, nothing heavy out).

All are idempotent (they recompute from raw rows), acknowledged late so a worker lost mid-task
hands the task to another, and retried with exponential backoff on database or network errors.
"""

from celery import group, shared_task
from django.db import DatabaseError

from reports import jobs, runs
from reports.models import RollupRun

_RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


# No result is stored: a cadre's request enqueues this, and a result backend that is down would
# otherwise hold that request while it retries.
@shared_task(ignore_result=True, **_RETRY)
def rollup_dirty_week(county_id: int, week: str) -> bool:
    """Enqueued after a submit or amendment commits: roll up the county-week if still dirty."""
    return jobs.process_mark(county_id, week)


@shared_task(**_RETRY)
def rollup_county(county_id: int) -> int:
    jobs.rollup_county(county_id)
    return county_id


@shared_task(bind=True, ignore_result=True, **_RETRY)
def drain_county(self, county_id: int, run_id: int | None = None) -> int:
    """One county of a full rebuild: its marked weeks in one pass, counted on the rebuild's status
    row (reports.runs) once done. A database or network error is retried and recorded as the
    county's failure only once retries are spent; any other error is recorded at once (a retry
    would meet the same data) and the county's marks stay for beat's drain to try again."""
    try:
        weeks = jobs.drain_county(county_id)
    except (DatabaseError, OSError) as error:
        if self.request.retries >= self.max_retries:
            runs.failed(run_id, county_id, error)
        raise
    except Exception as error:
        runs.failed(run_id, county_id, error)
        return 0
    runs.done(run_id)
    return weeks


@shared_task(ignore_result=True, **_RETRY)
def drain_dirty() -> int:
    """Celery beat, every BURDEN_DRAIN_SECONDS: whatever dirty mark no enqueue reached (broker
    down, lost task, lost worker)."""
    return jobs.drain_dirty()


def rebuild_all(triggered_by: str = "rebuild_all()") -> int:
    """A full rebuild: mark every county-week, then fan out one task per county (more workers
    finish sooner), each counted on one status row of kind "rebuild" (reports.runs). The marks
    are the promise: a county whose worker is lost is drained by beat within
    BURDEN_DRAIN_SECONDS, not after the broker's visibility timeout."""
    marked = jobs.mark_all_dirty()
    ids = jobs.county_ids()
    run_id = runs.start(RollupRun.Kind.REBUILD, len(ids), triggered_by)
    if not ids:
        runs.finish(run_id)
    group(drain_county.s(county_id, run_id) for county_id in ids).apply_async()
    return marked
