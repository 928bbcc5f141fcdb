"""Freshness without loss: dirty marks, after-commit enqueue, SKIP LOCKED claims, broker outage."""

import datetime as dt
import time

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from portal import services
from portal.celery import app as celery_app
from portal.models import DirtyCountyWeek
from reports import jobs, loading
from reports.models import CountyWeekStat, ReporterWeek
from tests.reports import fixture, processes
from tests.reports.fixture import W46, W47


def _submit_one(w, cadre, week=W47, day=fixture.DAY47):
    services.entries_bulk_create(cadre=cadre, rows=[w.entry_data(day=day, hours="2.0")])
    services.week_submit(cadre=cadre, week=week)


@pytest.fixture
def queued(monkeypatch):
    """Announced rollups wait in the (in-memory) queue instead of running at commit, as they do
    with a real broker and no worker at hand."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)


@pytest.mark.django_db
def test_a_submit_marks_its_county_week_and_drain_rolls_it_up(world, frozen):
    _submit_one(world, world.cadre)
    assert list(DirtyCountyWeek.objects.values_list("county_id", "week")) == [(world.county.pk, W47)]
    assert jobs.drain_dirty() == 1
    assert not DirtyCountyWeek.objects.exists()
    assert CountyWeekStat.objects.get(county=world.county, week=W47).hours_total == 2.0
    assert jobs.drain_dirty() == 0


@pytest.mark.django_db
def test_an_amendment_marks_the_week_again_and_is_rolled_up(world, frozen):
    _submit_one(world, world.cadre)
    jobs.drain_dirty()
    entry = services.entries_bulk_create(cadre=world.cadre, rows=[world.entry_data(hours="1.5")])[0]
    assert DirtyCountyWeek.objects.filter(week=W47).exists()
    jobs.drain_dirty()
    assert CountyWeekStat.objects.get(county=world.county, week=W47).hours_total == 3.5
    # Moving an entry to another submitted week rolls both weeks up again.
    _submit_one(world, world.cadre, W46, fixture.DAY46)
    jobs.drain_dirty()
    services.entry_update(cadre=world.cadre, entry=entry, data={"occurred_on": fixture.DAY46.isoformat()})
    assert set(DirtyCountyWeek.objects.values_list("week", flat=True)) == {W46, W47}
    jobs.drain_dirty()
    hours = dict(CountyWeekStat.objects.filter(county=world.county).values_list("week", "hours_total"))
    assert hours == {W46: 3.5, W47: 2.0}


@pytest.mark.django_db
def test_a_mark_made_again_meanwhile_is_kept(world, frozen):
    _submit_one(world, world.cadre)
    mark = DirtyCountyWeek.objects.get()
    read = [(mark.pk, mark.week, mark.marked_at)]
    DirtyCountyWeek.objects.filter(pk=mark.pk).update(marked_at=mark.marked_at + dt.timedelta(seconds=1))
    jobs._release(read)
    assert DirtyCountyWeek.objects.filter(pk=mark.pk).exists()
    jobs._release([(mark.pk, mark.week, mark.marked_at + dt.timedelta(seconds=1))])
    assert not DirtyCountyWeek.objects.exists()


@pytest.mark.django_db
def test_the_commit_enqueues_the_rollup(world, frozen, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _submit_one(world, world.cadre)
    assert callbacks  # the enqueue waits for the commit
    assert not DirtyCountyWeek.objects.exists()
    assert ReporterWeek.objects.filter(county=world.county, week=W47, cadre_id=world.cadre.pk).exists()


@pytest.mark.django_db
def test_a_failing_enqueue_never_breaks_the_writer(
    world, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    from reports import tasks

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.rollup_dirty_week, "apply_async", broken)
    with django_capture_on_commit_callbacks(execute=True):
        _submit_one(world, world.cadre)
    assert DirtyCountyWeek.objects.filter(week=W47).exists()  # the mark waits


@pytest.mark.django_db(transaction=True)
def test_a_county_another_rollup_holds_is_left_to_it_and_drained_after(world, frozen, need_postgres, queued):
    _submit_one(world, world.cadre)
    other = psycopg2.connect(processes.test_database_url())
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [loading._LOCK_CLASS, world.county.pk])
            assert jobs.drain_dirty() == 0  # another rollup holds the county: not waited for
            assert DirtyCountyWeek.objects.exists()
        other.rollback()
    finally:
        other.close()
    assert jobs.process_mark(world.county.pk, W47) is True
    assert jobs.process_mark(world.county.pk, W47) is False  # drained: nothing left to do
    assert not DirtyCountyWeek.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_writer_marking_a_week_being_rolled_up_does_not_wait_and_is_not_lost(
    world, frozen, need_postgres, queued
):
    """The mark is not locked while its rollup works: a write into the submitted week commits at
    once, and its newer mark outlives the rollup, so the change is rolled up next."""
    _submit_one(world, world.cadre)
    mark = DirtyCountyWeek.objects.get()
    other = psycopg2.connect(processes.test_database_url())
    try:
        # Stand-in for a rollup in progress: the county's lock and the marks it has read.
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [loading._LOCK_CLASS, world.county.pk])
            cursor.execute(f"SELECT id, marked_at FROM {DirtyCountyWeek._meta.db_table}")
            read = cursor.fetchall()
            frozen.set(frozen.now + dt.timedelta(seconds=1))  # the clock moves on between the two
            started = time.monotonic()
            services.entries_bulk_create(cadre=world.cadre, rows=[world.entry_data(hours="1.0")])
            assert time.monotonic() - started < 2  # the writer did not queue behind the rollup
            cursor.execute(
                f"DELETE FROM {DirtyCountyWeek._meta.db_table} WHERE id = %s AND marked_at = %s", read[0]
            )
            assert cursor.rowcount == 0  # marked again meanwhile: kept
            cursor.execute("COMMIT")
    finally:
        other.close()
    assert DirtyCountyWeek.objects.get().marked_at > mark.marked_at
    jobs.drain_dirty()
    assert CountyWeekStat.objects.get(county=world.county, week=W47).hours_total == 3.0


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_submitting_answers_200_and_manage_rollup_drains_later(world, need_postgres):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.cadre)
    services.entries_bulk_create(cadre=world.cadre, rows=[world.entry_data(day=fixture.DAY46, hours="3.0")])
    script = (
        "import time; from rest_framework.test import APIClient; c = APIClient(); "
        f"c.credentials(HTTP_AUTHORIZATION='Token {token.key}'); t = time.monotonic(); "
        f"r = c.post('/api/v1/weeks/{W46}/submit/'); print(r.status_code, round(time.monotonic() - t, 2))"
    )
    started = time.monotonic()
    # Port 1 on loopback is closed: the broker is down for this process.
    result = processes.manage("shell", "-c", script, REDIS_URL="redis://127.0.0.1:1/5")
    assert result.returncode == 0, result.stderr[-2000:]
    status, seconds = result.stdout.split()[-2:]
    assert status == "200", result.stdout + result.stderr[-2000:]
    assert float(seconds) < 5 and time.monotonic() - started < 30
    assert "could not enqueue the rollup" in result.stderr
    assert DirtyCountyWeek.objects.filter(county=world.county, week=W46).exists()
    assert not CountyWeekStat.objects.filter(week=W46).exists()

    call_command("rollup", "--all")
    assert not DirtyCountyWeek.objects.exists()
    assert CountyWeekStat.objects.get(county=world.county, week=W46).hours_total == 3.0
    connection.close()


@pytest.mark.django_db
def test_rollup_command_arguments(world, frozen):
    from django.core.management.base import CommandError

    _submit_one(world, world.cadre)
    call_command("rollup", "--county", world.county.code, "--week", W47)
    assert CountyWeekStat.objects.filter(county=world.county, week=W47).exists()
    assert not DirtyCountyWeek.objects.exists()  # its mark was claimed
    for args, message in [
        (["--county", "999999"], "999999"),
        (["--county", world.county.code, "--week", "2026-W99"], "2026-W99"),
        (["--all", "--week", W47], "--week"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("rollup", *args)
    call_command("rollup", "--dirty")
    call_command("rollup", "--county", world.other_county.code)
