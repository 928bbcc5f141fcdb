"""Status rows of rollup runs: written by `manage.py rollup`, a full rebuild's county tasks and
the drain, shown to administrators (Django admin, read-only; the runs page with its progress bars
and their JSON), a failing county counted and named while the run goes on.

A county is made to fail for real: a submitted log stored with week "2026-W60" (no year has a
60th ISO week; the write services refuse it, an import gone wrong or a hand edit would not) makes
its rollup raise ValueError in reports.rollup.week_buckets, every time, whoever runs it.
"""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.celery import app as celery_app
from portal.models import DirtyCountyWeek, WeeklyLog
from reports import jobs, runs, tasks
from reports.models import CountyWeekStat, RollupRun
from tests.conftest import W47_CLOSED
from tests.reports import fixture

pytestmark = pytest.mark.django_db
BAD_WEEK = "2026-W60"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _break_other_county(w):
    """A submitted log the other county's rollup cannot read (see the module docstring)."""
    return WeeklyLog.objects.create(
        cadre=w.other_cadre,
        week=BAD_WEEK,
        status="submitted",
        submitted_at=timezone.now(),
        township=w.other_township,
        county=w.other_county,
    )


def test_rollup_all_records_a_finished_run_with_its_counties(world, frozen):
    fixture.build(world)
    call_command("rollup", "--all")
    run = RollupRun.objects.get(kind=RollupRun.Kind.COMMAND)
    assert run.triggered_by == "manage.py rollup --all"
    assert (run.counties_total, run.counties_done, run.failures) == (2, 2, 0)
    assert run.started_at == timezone.now() and run.finished_at is not None
    assert CountyWeekStat.objects.filter(county=world.other_county).exists()


def test_a_failing_county_is_recorded_and_the_others_are_rolled_up(world, frozen):
    fixture.build(world)
    _break_other_county(world)
    with pytest.raises(CommandError, match=r"2 个县中有 1 个汇总失败：\n330803: ValueError"):
        call_command("rollup", "--all")
    run = RollupRun.objects.get(kind=RollupRun.Kind.COMMAND)
    assert not run.running
    assert (run.counties_total, run.counties_done, run.failures) == (2, 1, 1)
    assert run.failure_notes == "330803: ValueError\n"
    # The county that can be read was rolled up in spite of its batch-mate.
    assert CountyWeekStat.objects.filter(county=world.county, week=fixture.W47).exists()


def test_a_failure_note_names_the_county_and_the_error_kind_never_the_row(world, frozen):
    """A database error's message quotes the row it tripped on (on PostgreSQL: `Key (cadre_id,
    week)=(42, 2026-W47) already exists`): who filed which week. Administrators see the note."""
    fixture.build(world)
    log = WeeklyLog.objects.filter(county=world.other_county).first()
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        WeeklyLog.objects.create(
            cadre=log.cadre, week=log.week, township=log.township, county=log.county, status="draft"
        )
    run_id = runs.start(RollupRun.Kind.COMMAND, 1, "test")
    runs.failed(run_id, world.other_county.pk, raised.value)
    note = RollupRun.objects.get(pk=run_id).failure_notes
    assert re.fullmatch(r"330803: IntegrityError( \(SQLSTATE 23505\))?\n", note), note
    if "Key (" in str(raised.value):  # PostgreSQL: the message held the row, the note does not
        assert log.week in str(raised.value) and log.week not in note and "Key (" not in note


def test_one_county_by_the_command_gets_its_row_and_its_failure(world, frozen):
    fixture.build(world)
    call_command("rollup", "--county", world.county.code, "--week", fixture.W47)
    run = RollupRun.objects.get(triggered_by=f"manage.py rollup --county {world.county.code} --week 2026-W47")
    assert (run.counties_total, run.counties_done, run.failures, run.running) == (1, 1, 0, False)
    _break_other_county(world)
    with pytest.raises(CommandError, match="330803: ValueError"):
        call_command("rollup", "--county", world.other_county.code)
    run = RollupRun.objects.get(triggered_by=f"manage.py rollup --county {world.other_county.code}")
    assert (run.counties_done, run.failures, run.running) == (0, 1, False)


def test_a_drain_that_finds_nothing_writes_no_row_and_one_that_works_does(world, frozen):
    assert jobs.drain_dirty() == 0
    assert not RollupRun.objects.exists()
    fixture.build(world)  # marks both counties' weeks dirty
    frozen.set(W47_CLOSED)
    assert jobs.drain_dirty() > 0
    run = RollupRun.objects.get()
    assert (run.kind, run.triggered_by, run.counties_done, run.counties_total) == ("drain", "beat", 2, 2)
    assert not run.running


def test_a_drain_row_counts_closed_weeks_only(world, frozen):
    """Rolling up the open week writes no status row: its time would say when someone filed."""
    fixture.build(world)  # W47 still open: 330802 has W46 (closed) marked, 330803 only W47
    assert jobs.drain_dirty() > 0
    run = RollupRun.objects.get()
    assert (run.counties_done, run.counties_total) == (1, 1)
    RollupRun.objects.all().delete()
    WeeklyLog.objects.filter(cadre=world.other_cadre).update(submitted_at=timezone.now())
    DirtyCountyWeek.objects.mark([(world.other_county.pk, fixture.W47)])  # an open-week change only
    assert jobs.drain_dirty() == 1
    assert not RollupRun.objects.exists()


def test_a_county_that_keeps_failing_keeps_one_drain_row(world, frozen):
    fixture.build(world)
    frozen.set(W47_CLOSED)
    jobs.drain_dirty()
    RollupRun.objects.all().delete()
    bad = _break_other_county(world)
    DirtyCountyWeek.objects.mark([(world.other_county.pk, bad.week)])
    for _beat in range(3):
        jobs.drain_dirty()
    run = RollupRun.objects.get()  # one row, not one a minute
    assert (run.failures, run.failure_notes) == (1, "330803: ValueError\n")
    DirtyCountyWeek.objects.mark([(world.county.pk, fixture.W47)])
    jobs.drain_dirty()  # work done beside the failure: a row for that work
    latest, first = RollupRun.objects.all()
    assert (latest.counties_done, first.failures) == (1, 1)
    jobs.drain_dirty()  # the latest row no longer notes the failure: it is noted again
    assert RollupRun.objects.first().failure_notes == "330803: ValueError\n"


def test_a_failing_county_does_not_hold_back_the_drain(world, frozen):
    fixture.build(world)
    bad = _break_other_county(world)
    # Its mark is the oldest: the drain takes it first, records it, and goes on to the other county.
    DirtyCountyWeek.objects.mark([(world.other_county.pk, bad.week)])
    DirtyCountyWeek.objects.filter(county=world.other_county).update(
        marked_at=timezone.now().replace(year=2000)
    )
    assert tasks.drain_dirty.apply().get() >= 1
    run = RollupRun.objects.get()
    assert (run.kind, run.counties_done, run.failures) == ("drain", 1, 1)
    assert "330803: ValueError" in run.failure_notes
    assert not DirtyCountyWeek.objects.filter(county=world.county).exists()
    assert DirtyCountyWeek.objects.filter(county=world.other_county).exists()  # tried again next time


def test_a_rebuild_counts_each_county_task_on_one_row(world, frozen, monkeypatch):
    fixture.build(world)
    jobs.drain_dirty()
    _break_other_county(world)
    # The fan-out only queues its county tasks (as with a broker and no worker at hand); each is
    # then run here, one at a time, as a worker would.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    tasks.rebuild_all()
    run = RollupRun.objects.get(kind=RollupRun.Kind.REBUILD)
    assert (run.counties_total, run.counties_done, run.failures, run.running) == (2, 0, 0, True)
    tasks.drain_county.apply(args=[world.county.pk, run.pk])
    run.refresh_from_db()
    assert (run.counties_done, run.failures, run.running) == (1, 0, True)
    tasks.drain_county.apply(args=[world.other_county.pk, run.pk])
    run.refresh_from_db()
    assert (run.counties_done, run.failures, run.running) == (1, 1, False)
    assert run.failure_notes.startswith("330803: ValueError")


def test_a_rebuild_whose_worker_was_lost_is_settled_by_the_drain(world, frozen, monkeypatch):
    fixture.build(world)
    jobs.drain_dirty()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    tasks.rebuild_all()
    run = RollupRun.objects.get(kind=RollupRun.Kind.REBUILD)
    tasks.drain_county.apply(args=[world.county.pk, run.pk])
    # The other county's worker is lost: beat's drain rolls the county up, then finds no mark left.
    jobs.drain_dirty()
    jobs.drain_dirty()
    run.refresh_from_db()
    assert (run.counties_done, run.failures, run.running) == (2, 0, False)
    # The lost task, redelivered an hour later, finds nothing to do and never counts past the total.
    tasks.drain_county.apply(args=[world.other_county.pk, run.pk])
    run.refresh_from_db()
    assert run.counties_done == 2


# ---------------------------------------------------------------------------- who sees them


def _running_run():
    return RollupRun.objects.create(
        kind=RollupRun.Kind.REBUILD,
        triggered_by="rebuild_all()",
        started_at=timezone.now(),
        counties_total=40,
        counties_done=15,
    )


def test_administrators_see_runs_with_a_progress_bar(world, frozen):
    _running_run()
    page = client_for(world.admin).get(reverse("reports:runs"))
    assert page.status_code == 200
    html = page.content.decode()
    bar = re.search(r"<progress [^>]*>", html).group(0)
    assert 'max="40"' in bar and 'value="15"' in bar and 'aria-label="' in bar
    assert "data-polling" in html and "js/runs.js" in html  # refreshes itself while running
    assert "<script>" not in html  # the CSP allows no inline script
    assert (
        "全量重建" in html and "已完成 <span data-done>15</span> / <span data-total>40</span> 个县" in html
    )  # translated
    answer = client_for(world.admin).get(reverse("reports:runs-json")).json()
    assert {k: answer["runs"][0][k] for k in ("counties_total", "counties_done", "running")} == {
        "counties_total": 40,
        "counties_done": 15,
        "running": True,
    }


def test_the_runs_page_stops_refreshing_once_nothing_runs(world, frozen):
    run = _running_run()
    run.finished_at = timezone.now()
    run.save()
    html = client_for(world.admin).get(reverse("reports:runs")).content.decode()
    assert "data-polling" not in html


@pytest.mark.parametrize("role", ["county_reviewer", "region_reviewer", "department_viewer", "cadre"])
def test_nobody_else_sees_runs(world, frozen, role):
    _running_run()
    for name in ("reports:runs", "reports:runs-json"):
        assert client_for(getattr(world, role)).get(reverse(name)).status_code == 403
    assert Client().get(reverse("reports:runs-json")).status_code == 302  # to the login page


def test_the_django_admin_lists_runs_read_only(world, frozen):
    run = _running_run()
    admin = client_for(world.admin)
    listing = admin.get(reverse("admin:reports_rolluprun_changelist"))
    assert listing.status_code == 200 and "rebuild_all()" in listing.content.decode()
    detail = admin.get(reverse("admin:reports_rolluprun_change", args=[run.pk]))
    assert detail.status_code == 200
    assert 'name="counties_done"' not in detail.content.decode()  # nothing to edit
    assert (
        admin.post(
            reverse("admin:reports_rolluprun_change", args=[run.pk]), {"counties_done": 40}
        ).status_code
        == 403
    )
    assert admin.get(reverse("admin:reports_rolluprun_add")).status_code == 403
    assert (
        admin.post(reverse("admin:reports_rolluprun_delete", args=[run.pk]), {"post": "yes"}).status_code
        == 403
    )
    run.refresh_from_db()
    assert run.counties_done == 15
    assert (
        client_for(world.county_reviewer).get(reverse("admin:reports_rolluprun_changelist")).status_code
        == 302
    )


def test_only_the_latest_drain_rows_are_kept(world, frozen):
    from reports import runs

    old = timezone.now().replace(year=2025)
    RollupRun.objects.bulk_create(
        [
            RollupRun(kind=RollupRun.Kind.DRAIN, started_at=old, finished_at=old, counties_total=1)
            for _ in range(runs.KEEP_DRAINS)
        ]
        + [RollupRun(kind=RollupRun.Kind.COMMAND, started_at=old, finished_at=old, counties_total=1)]
    )
    fixture.build(world)
    jobs.drain_dirty()
    drains = RollupRun.objects.filter(kind=RollupRun.Kind.DRAIN)
    assert drains.count() == runs.KEEP_DRAINS
    assert drains.first().started_at == timezone.now()  # the new one is kept, an old one went
    assert RollupRun.objects.filter(kind=RollupRun.Kind.COMMAND).count() == 1  # other kinds stay
