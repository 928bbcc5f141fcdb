"""Status rows of rollup runs (reports.models.RollupRun): written here, read by the
administrators' page (reports.run_views) and the Django admin.

Which runs get a row:
- `manage.py rollup` (every scope): kind "command";
- `reports.tasks.rebuild_all()`: kind "rebuild", one row for the whole fan-out, each county's
  task adding itself to it;
- the drain of dirty marks (Celery beat every BURDEN_DRAIN_SECONDS, `manage.py rollup --dirty`):
  kind "drain", but only when it rolled something up. Beat's drain usually finds nothing (each
  submit's own task got there first), and a row per empty minute would bury the runs that
  matter; when it does find work (the broker was down, a worker was lost) that is worth seeing.
  Only the latest KEEP_DRAINS drain rows are kept.
- the per-submit rollup of one county-week writes none: a row per submit would flood the table.

Every write is a single UPDATE of one row, made outside the rollup's own transaction (each
county's rollup commits first), so a reader sees the progress as each county or batch finishes,
and concurrent county tasks of one rebuild add to the counters without losing each other's.
"""

import logging

from django.db.models import Case, F, Value, When
from django.db.models.functions import Concat, Greatest, Least
from django.utils import timezone

from portal.models import Region
from reports.models import RollupRun

logger = logging.getLogger(__name__)
KEEP_DRAINS = 100


def start(kind: str, counties_total: int, triggered_by: str = "") -> int:
    """A new running row; its id."""
    run = RollupRun.objects.create(
        kind=kind,
        triggered_by=triggered_by[:100],
        started_at=timezone.now(),
        counties_total=counties_total,
    )
    if kind == RollupRun.Kind.DRAIN:
        old = RollupRun.objects.filter(kind=RollupRun.Kind.DRAIN).values_list("pk", flat=True)[KEEP_DRAINS:]
        RollupRun.objects.filter(pk__in=list(old)).delete()
    return run.pk


def _finish_if_complete(run_id: int) -> None:
    """Finish a rebuild once every county is done or failed (its last county task). A command or a
    drain is finished by its own process (finish()): a drain's total may still grow."""
    RollupRun.objects.filter(
        pk=run_id,
        kind=RollupRun.Kind.REBUILD,
        finished_at=None,
        counties_total__lte=F("counties_done") + F("failures"),
    ).update(finished_at=timezone.now())


def done(run_id: int | None, counties: int = 1) -> None:
    """`counties` more counties are rolled up."""
    if run_id is None:
        return
    RollupRun.objects.filter(pk=run_id).update(
        counties_done=Case(
            # A rebuild's county redelivered after settle_rebuilds() counted it: never past the total.
            When(kind=RollupRun.Kind.REBUILD, then=Least(F("counties_done") + counties, F("counties_total"))),
            default=F("counties_done") + counties,
        )
    )
    _finish_if_complete(run_id)


def failed(run_id: int | None, county_id: int, error: BaseException) -> None:
    """A county's rollup raised: count it and note which county and the kind of error. The
    message goes to the server log only: a database error's text quotes the row it tripped on
    (`Key (county_id, week, cadre_id)=(...)`), which would tell an administrator who filed."""
    code = Region.objects.filter(pk=county_id).values_list("code", flat=True).first() or str(county_id)
    logger.error("rollup of county %s failed", code, exc_info=error)
    if run_id is None:
        return
    RollupRun.objects.filter(pk=run_id).update(
        failures=F("failures") + 1, failure_notes=Concat(F("failure_notes"), Value(_note(code, error)))
    )
    _finish_if_complete(run_id)


def _note(code: str, error: BaseException) -> str:
    pgcode = getattr(error, "pgcode", None) or getattr(getattr(error, "__cause__", None), "pgcode", None)
    return f"{code}: {type(error).__name__}{f' (SQLSTATE {pgcode})' if pgcode else ''}\n"


def failed_as_last_drain(county_id: int, error: BaseException) -> bool:
    """The latest drain row already notes this county failing this way. A county that fails at
    every beat would otherwise write a row a minute and push every other drain row out."""
    last = RollupRun.objects.filter(kind=RollupRun.Kind.DRAIN).values_list("failure_notes", flat=True).first()
    code = Region.objects.filter(pk=county_id).values_list("code", flat=True).first() or str(county_id)
    return last is not None and _note(code, error) in last


def finish(run_id: int | None) -> None:
    """The run's process is done with it. A drain's total grows to what it did (counties were
    marked while it ran)."""
    if run_id is not None:
        RollupRun.objects.filter(pk=run_id, finished_at=None).update(
            finished_at=timezone.now(),
            counties_total=Greatest(F("counties_total"), F("counties_done") + F("failures")),
        )


def settle_rebuilds() -> None:
    """Called by the drain when no county-week is marked dirty at all: every county of every
    rebuild still running has been rolled up, by its own task or, if that task's worker was lost,
    by the drain (its task comes back only when the broker redelivers it, up to an hour later).
    A rebuild marks every county-week before its row exists, and a failed county keeps its
    marks, so an empty mark table means nothing of a running rebuild is left to do."""
    RollupRun.objects.filter(kind=RollupRun.Kind.REBUILD, finished_at=None).update(
        counties_done=F("counties_total") - F("failures"), finished_at=timezone.now()
    )


def recent(limit: int = 30) -> list[RollupRun]:
    return list(RollupRun.objects.all()[:limit])


def as_json(run: RollupRun) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "kind_label": str(run.get_kind_display()),
        "triggered_by": run.triggered_by,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "running": run.running,
        "counties_total": run.counties_total,
        "counties_done": run.counties_done,
        "failures": run.failures,
        "failure_notes": run.failure_notes,
    }
