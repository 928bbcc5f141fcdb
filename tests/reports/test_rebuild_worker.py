"""A full rebuild survives a lost worker: kill -9 of the worker in the middle of a county, and
every county is rebuilt within 2 minutes by beat draining the rebuild's dirty marks (not an hour
later, when the broker would redeliver the unacknowledged task)."""

import os
import signal
import tempfile
import time

import psycopg2
import pytest

from portal import services
from portal.models import DirtyCountyWeek, Region, RegionLevel
from reports import jobs, loading, tasks
from reports.models import CountyWeekStat, ReporterWeek, RollupRun
from tests.reports import fixture, processes

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _tables():
    stats = sorted(CountyWeekStat.objects.values_list("county_id", "week", "reporters", "hours_total"))
    reporters = sorted(ReporterWeek.objects.values_list("county_id", "week", "cadre_id", "hours_total"))
    return stats, reporters


def test_a_rebuild_survives_a_worker_killed_mid_county(world, need_postgres, need_redis):
    # Four counties with submitted weeks (the fixture's two, and two more).
    fixture.build(world)
    for code, name in (("330804", "龙游县"), ("330805", "常山县")):
        county = Region.objects.create(code=code, name=name, level=RegionLevel.COUNTY, parent=world.city)
        township = Region.objects.create(
            code=f"{code}001", name=f"{name}城关镇", level=RegionLevel.TOWNSHIP, parent=county
        )
        cadre = fixture.cadre(f"cadre{code}", township)
        services.entries_bulk_create(cadre=cadre, rows=[world.entry_data(day=fixture.DAY47, hours="2.0")])
        services.week_submit(cadre=cadre, week=fixture.W47)
    jobs.rollup_all()
    expected = _tables()
    CountyWeekStat.objects.all().delete()
    ReporterWeek.objects.all().delete()
    last = Region.objects.counties().order_by("code").last()

    # Hold the last county, so the worker is inside its task (waiting for the county) when killed.
    holder = psycopg2.connect(processes.test_database_url())
    holder.cursor().execute("SELECT pg_advisory_lock(%s, %s)", [loading._LOCK_CLASS, last.pk])
    redis_url = os.environ["REDIS_URL"]
    worker = processes.start_worker(redis_url, solo=True)
    try:
        tasks.rebuild_all()
        deadline = time.monotonic() + 60
        while DirtyCountyWeek.objects.exclude(county=last).exists():
            assert time.monotonic() < deadline, "the other counties were not rebuilt"
            assert worker.poll() is None, "the worker died on its own"
            time.sleep(0.2)
        assert DirtyCountyWeek.objects.filter(county=last).exists()
        # Readers see the progress as each county's task commits: 3 of 4, still running.
        run = RollupRun.objects.get(kind=RollupRun.Kind.REBUILD)
        while run.counties_done < 3:
            assert time.monotonic() < deadline, "progress was not recorded"
            time.sleep(0.2)
            run.refresh_from_db()
        assert (run.counties_total, run.counties_done, run.running) == (4, 3, True)
        time.sleep(1)  # it has taken the last county's task and waits for the county
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        holder.close()  # the "other rollup" ends
        if worker.poll() is None:
            worker.kill()
    assert not CountyWeekStat.objects.filter(county=last).exists()  # the lost county is not done

    # A new worker with beat: the rebuild's marks are drained within 2 minutes.
    killed = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        worker = processes.start_worker(
            redis_url, solo=True, beat_schedule=os.path.join(scratch, "beat"), BURDEN_DRAIN_SECONDS="5"
        )
        try:
            while DirtyCountyWeek.objects.exists():
                assert time.monotonic() - killed < 120, "not rebuilt within 2 minutes of the kill"
                assert worker.poll() is None, "the new worker died"
                time.sleep(0.5)
            # The rebuild's status row: three counties counted by their tasks, the lost one by the
            # drain that found no mark left (its task comes back only when the broker redelivers).
            run = RollupRun.objects.get(kind=RollupRun.Kind.REBUILD)
            while run.running:
                assert time.monotonic() - killed < 130, "the rebuild's run was never finished"
                time.sleep(0.5)
                run.refresh_from_db()
            assert (run.counties_total, run.counties_done, run.failures) == (4, 4, 0)
        finally:
            output = processes.stop_worker(worker)
    assert "Traceback" not in output, output[-3000:]
    assert _tables() == expected  # the same tables as a clean recompute
