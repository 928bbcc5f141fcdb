"""seed_demo: a deterministic, idempotent demo province, and the fast --entries benchmark load."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.test import Client

from portal import demo, demo_bulk, weeks
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

pytestmark = pytest.mark.django_db


def dump():
    """The demo's content without ids, timestamps or salted password hashes."""
    entries = sorted(
        (
            e.log.cadre.username,
            e.log.week,
            e.log.status,
            e.kind,
            e.occurred_on,
            e.title,
            e.hours,
            e.meeting_format,
            e.meeting_role,
            e.relayed,
            e.repeat_topic,
            e.doc_channel,
            e.pages,
            e.report_back,
            e.inspection_label,
            e.materials_pages,
            e.rectification,
            e.conflicting_demand,
            e.app.code if e.app else None,
            e.app_action,
            e.duplicate_entry,
            tuple(sorted(d.code for d in e.departments.all())),
            tuple(sorted(i.code for i in e.data_items.all())),
        )
        for e in Entry.objects.select_related("log__cadre", "app").prefetch_related(
            "departments", "data_items"
        )
    )
    logs = sorted(
        WeeklyLog.objects.values_list("cadre__username", "week", "status", "township__code", "county__code")
    )
    users = sorted(
        User.objects.values_list("username", "display_name", "role", "region__code", "department__code")
    )
    reference = (
        sorted(Region.objects.values_list("code", "name", "level", "parent__code")),
        sorted(Department.objects.values_list("code", "name", "level", "parent__code", "region__code")),
        sorted(App.objects.values_list("code", "name", "owner__code")),
        sorted(DataItem.objects.values_list("code", "name")),
    )
    return entries, logs, users, reference


class _Undo(Exception):
    pass


def fresh_dump(seed):
    """Seed a fresh (small) demo, dump it, and roll it all back."""
    assert not Region.objects.exists()
    try:
        with transaction.atomic():
            demo.seed(seed=seed, scale="small")
            content = dump()
            raise _Undo
    except _Undo:
        return content


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Region,
            Department,
            App,
            DataItem,
            User,
            WeeklyLog,
            Entry,
            EntryDepartment,
            EntryDataItem,
            DirtyCountyWeek,
        )
    }


def run(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_it_is_deterministic_for_a_seed(frozen):
    first, again, other = fresh_dump(7), fresh_dump(7), fresh_dump(8)
    assert len(first[0]) > 1000
    assert first == again
    assert other[0] != first[0]
    # The seed drives the burden, not the province: the same places, departments and accounts.
    assert other[2:] == first[2:]


def test_a_second_run_changes_nothing(frozen):
    first = demo.seed(scale="small")
    before = counts()
    second = demo.seed(scale="small")
    assert first.created_entries == before["Entry"] > 0
    assert second.created_entries == 0
    assert second.submitted_logs == 0
    assert counts() == before


def test_it_leaves_a_filled_database_alone_with_if_empty(world):
    before = counts()
    output = run("--if-empty", "--scale", "small")
    assert "demo" in output.lower() or "演示" in output
    assert counts() == before
    assert not User.objects.filter(username="demo_admin").exists()


def test_it_loads_an_empty_database_with_if_empty(frozen):
    run("--if-empty", "--scale", "small")
    assert Region.objects.filter(level=RegionLevel.COUNTY).count() == 6
    assert Entry.objects.exists()


def test_every_role_gets_a_printed_login_that_works(frozen):
    output = run("--scale", "small", "--password", "another-demo-pass")
    province = demo.build_province(demo.SCALES["small"])
    assert set(province.logins) == set(Role.values)
    for role, username in province.logins.items():
        assert username in output
        user = User.objects.get(username=username)
        assert user.role == role
        # Through the login page: Client.login() passes no request, which django-axes refuses.
        login = Client().post("/login/", {"username": username, "password": "another-demo-pass"})
        assert login.status_code == 302, username
    assert "another-demo-pass" in output
    # Every demo account, not only the printed ones, can log in with the demo password.
    assert all(u.check_password("another-demo-pass") for u in User.objects.filter(role=Role.CADRE)[:20])


def test_it_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="--password"):
        run("--password", "123")
    assert not Region.objects.exists()


def assert_entries_are_valid():
    """What the database cannot check: weeks, units, dates and daily hours."""
    today = weeks.today()
    assert not Entry.objects.filter(occurred_on__gt=today).exists()
    assert not WeeklyLog.objects.filter(week__gt=weeks.current_week()).exists()
    for entry in Entry.objects.select_related("log").only("occurred_on", "log__week").iterator():
        assert weeks.week_of(entry.occurred_on) == entry.log.week
    days = Entry.objects.values("log__cadre", "occurred_on").annotate(total=Sum("hours"))
    assert max(d["total"] for d in days) <= Decimal(24)
    for log in WeeklyLog.objects.select_related("cadre__region__parent", "township", "county"):
        region = log.cadre.region
        township = region if region.level == RegionLevel.TOWNSHIP else region.parent
        assert log.township == township
        assert log.county_id == township.parent_id
    assert not Entry.objects.annotate(n=Count("departments")).filter(n=0).exists()
    assert (
        not Entry.objects.filter(kind="app_task")
        .annotate(n=Count("data_items"))
        .filter(n=0, app_action="data_entry")
        .exists()
    )


def test_the_realistic_province_follows_the_articles(frozen):
    """The default scale, once: shape, constraints and the patterns the dashboards will count."""
    result = demo.seed()
    assert Region.objects.filter(level=RegionLevel.CITY).count() == 2
    assert Region.objects.filter(level=RegionLevel.COUNTY).count() == 6
    assert Region.objects.filter(level=RegionLevel.TOWNSHIP).count() == 48
    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() >= 140
    assert all(
        len(r.code) == {"province": 6, "city": 6, "county": 6, "township": 9, "village": 12}[r.level]
        for r in Region.objects.all()
    )
    assert 36 <= Department.objects.count() <= 45
    assert set(Department.objects.values_list("level", flat=True)) == {
        "central",
        "province",
        "city",
        "county",
    }
    assert Department.objects.filter(parent__isnull=False).count() >= 4
    assert 13 <= App.objects.count() <= 17
    assert 28 <= DataItem.objects.count() <= 32
    assert result.created_entries == Entry.objects.count() > 30000
    assert WeeklyLog.objects.values("week").distinct().count() == 12
    assert_entries_are_valid()

    # Cadres in every township and village; most townships reach the minimum group, a few do not.
    cadres_by_township = Counter(
        (u.region if u.region.level == RegionLevel.TOWNSHIP else u.region.parent).code
        for u in User.objects.filter(role=Role.CADRE).select_related("region__parent")
    )
    assert len(cadres_by_township) == 48
    assert not Region.objects.filter(level=RegionLevel.VILLAGE).exclude(users__role=Role.CADRE).exists()
    small = [code for code, n in cadres_by_township.items() if n < 5]
    assert 2 <= len(small) <= 8

    # Submitted past weeks, drafts, the current week mostly draft, and some empty submitted weeks.
    current = weeks.current_week()
    past = WeeklyLog.objects.exclude(week=current)
    assert past.filter(status=LogStatus.SUBMITTED).count() > 0.8 * past.count()
    assert past.filter(status=LogStatus.DRAFT).exists()
    now = WeeklyLog.objects.filter(week=current)
    assert now.filter(status=LogStatus.DRAFT).count() > now.filter(status=LogStatus.SUBMITTED).count()
    assert WeeklyLog.objects.submitted().annotate(n=Count("entries")).filter(n=0).exists()

    # The articles' patterns.
    meetings = Entry.objects.filter(kind="meeting")
    assert meetings.filter(relayed=True, meeting_format="video").count() > 0.2 * meetings.count()
    assert meetings.filter(meeting_role="accompanying").exists()
    assert meetings.filter(repeat_topic=True).exists()
    documents = Entry.objects.filter(kind="document")
    assert (
        documents.exclude(doc_channel="numbered").count()
        > 3 * documents.filter(doc_channel="numbered").count()
    )
    assert {"oral", "sticky_note", "chat", "unnumbered"} <= set(
        documents.values_list("doc_channel", flat=True)
    )
    assert Entry.objects.filter(
        Q(materials_pages__gt=0) | Q(rectification=True),
        kind="inspection",
        inspection_label__in=["research", "investigation", "guidance"],
    ).exists()
    assert Entry.objects.filter(kind="app_task", duplicate_entry=True).values("app").distinct().count() >= 5
    joint = Entry.objects.annotate(n=Count("departments")).filter(n__gte=2)
    assert joint.exists()
    assert not Entry.objects.annotate(n=Count("departments")).filter(n__gt=3).exists()
    # Titles reported identically by many cadres (the same province-wide video meeting).
    shared = (
        Entry.objects.values("title")
        .annotate(cadres=Count("log__cadre", distinct=True))
        .filter(cadres__gte=50)
    )
    assert any(row["title"].endswith("视频会议") for row in shared)


def check_bulk(n, week):
    assert Entry.objects.count() == n
    logs = WeeklyLog.objects.filter(week=week)
    assert logs.count() == logs.filter(status=LogStatus.SUBMITTED).count() > 0
    assert_entries_are_valid()
    touched = set(logs.values_list("county_id", "week").distinct())
    assert touched == set(DirtyCountyWeek.objects.values_list("county_id", "week"))
    assert not Entry.objects.filter(~Q(kind="app_task"), app__isnull=False).exists()
    assert (
        EntryDataItem.objects.filter(entry__kind="app_task").count()
        >= Entry.objects.filter(kind="app_task").count()
    )
    assert EntryDepartment.objects.count() > n


def test_entries_n_adds_exactly_n_entries(frozen):
    # bulk_create on SQLite, COPY on PostgreSQL.
    output = run("--scale", "small", "--entries", "1234", "--week", "2026-W46", "--cadres", "150")
    check_bulk(1234, "2026-W46")
    assert "1234" in output
    # The small demo has fewer than 150 cadres: benchmark cadres were made to carry the rows.
    assert User.objects.filter(username__startswith="bench_").exists()
    assert WeeklyLog.objects.filter(week="2026-W46").count() == 150


def test_entries_n_copies_exactly_n_entries_on_postgres(frozen, need_postgres):
    run("--scale", "small", "--entries", "5000", "--cadres", "120")
    check_bulk(5000, "2026-W47")
    # A second load in the same week takes other cadres (one log per cadre and week).
    run("--scale", "small", "--entries", "700", "--cadres", "20")
    assert Entry.objects.count() == 5700
    assert WeeklyLog.objects.filter(week="2026-W47").count() == 140


def test_entries_n_refuses_a_future_week_and_no_entries(frozen):
    # Monday 2026-11-16 of W47 is long past on the frozen Sunday; a future week is refused.
    with pytest.raises(CommandError, match="2026-W48"):
        run("--scale", "small", "--entries", "10", "--week", "2026-W48")
    with pytest.raises(CommandError):
        run("--scale", "small", "--entries", "0")
    assert not Entry.objects.exists()


@pytest.mark.parametrize("days", [7, 1])
def test_bulk_rows_keep_every_cadre_day_within_24_hours(days):
    # 50 entries per cadre as for a million in one week; on a Monday they all share one day.
    frame, departments, items = demo_bulk.bulk_rows(
        10_000,
        log_ids=list(range(1000, 1200)),
        cadre_count=200,
        days=days,
        seed=1,
        dept_ids=[1, 2, 3, 4],
        app_ids=[9],
        item_ids=[5, 6, 7],
    )
    assert len(frame) == 10_000
    assert frame.groupby("log_id").size().eq(50).all()
    assert frame.groupby(["log_id", "day"])["hours"].sum().max() <= 24
    assert frame["day"].max() == days - 1
    pairs = list(zip(*departments))
    assert len(pairs) == len(set(pairs))  # (entry, department) unique, as the database demands
    assert set(departments[0]) == set(range(10_000))
    pairs = list(zip(*items))
    assert len(pairs) == len(set(pairs))
    assert set(items[0]) == set(frame.index[frame["kind"] == "app_task"])
