import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import services
from portal.models import DirtyCountyWeek, Entry, LogStatus, WeeklyLog


@pytest.fixture
def w(world, frozen):
    return world


def test_an_entry_lands_in_the_week_township_and_county_of_its_date(w):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data(day=dt.date(2026, 11, 16)))
    log = entry.log
    assert log.week == "2026-W47"
    assert log.township == w.township  # the cadre sits in a village of this township
    assert log.county == w.county
    assert log.status == LogStatus.DRAFT
    earlier = services.entry_create(cadre=w.cadre, data=w.entry_data(day=dt.date(2026, 11, 15)))
    assert earlier.log.week == "2026-W46"


@pytest.mark.parametrize("kind", ["meeting", "document", "inspection", "app_task"])
def test_each_kind_is_stored_with_defaults_for_its_own_fields(w, kind):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data(kind))
    entry.refresh_from_db()
    assert entry.kind == kind
    if kind == "meeting":
        assert (entry.relayed, entry.repeat_topic) == (True, False)
        assert entry.doc_channel is None and entry.app_id is None
    if kind == "document":
        assert (entry.pages, entry.report_back) == (3, True)
    if kind == "inspection":
        assert (entry.materials_pages, entry.rectification, entry.conflicting_demand) == (40, False, False)
    if kind == "app_task":
        assert list(entry.data_items.all()) == [w.item]
        assert entry.duplicate_entry is False


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hours": "0"}, "hours"),
        ({"hours": "24.5"}, "hours"),
        ({"hours": "1.234"}, "hours"),
        ({"hours": "abc"}, "hours"),
        ({"occurred_on": "2026-11-23"}, "occurred_on"),
        ({"occurred_on": "2026-02-30"}, "occurred_on"),
        ({"title": "  "}, "title"),
        ({"departments": []}, "departments"),
        ({"departments": [999999]}, "departments"),
        ({"kind": "party"}, "kind"),
        ({"meeting_format": "telepathy"}, "meeting_format"),
        ({"meeting_role": None}, "meeting_role"),
        ({"doc_channel": "oral"}, "doc_channel"),
        ({"relayed": "yes"}, "relayed"),
        ({"data_items": [1]}, "data_items"),
    ],
)
def test_a_bad_field_is_refused_by_name_and_nothing_is_saved(w, overrides, field):
    data = w.entry_data("meeting")
    data.update(overrides)
    with pytest.raises(ValidationError) as exc:
        services.entry_create(cadre=w.cadre, data=data)
    assert field in exc.value.message_dict
    assert Entry.objects.count() == 0
    assert WeeklyLog.objects.count() == 0


def test_a_cadres_entries_on_one_day_add_up_to_at_most_24_hours(w):
    services.entry_create(cadre=w.cadre, data=w.entry_data(hours="20"))
    with pytest.raises(ValidationError) as exc:
        services.entry_create(cadre=w.cadre, data=w.entry_data(hours="4.5"))
    assert "hours" in exc.value.message_dict
    services.entry_create(cadre=w.cadre, data=w.entry_data(hours="4"))
    # Another cadre's day is their own.
    services.entry_create(cadre=w.cadre2, data=w.entry_data(hours="10"))


def test_a_bulk_batch_is_all_or_nothing_with_errors_by_index(w):
    rows = [w.entry_data(), w.entry_data("document"), w.entry_data(hours="30"), w.entry_data(title="")]
    with pytest.raises(services.BulkValidationError) as exc:
        services.entries_bulk_create(cadre=w.cadre, rows=rows)
    assert set(exc.value.errors) == {2, 3}
    assert "hours" in exc.value.errors[2] and "title" in exc.value.errors[3]
    assert Entry.objects.count() == 0
    created = services.entries_bulk_create(cadre=w.cadre, rows=rows[:2])
    assert len(created) == 2 and Entry.objects.count() == 2


def test_only_cadres_file(w):
    for user in (w.county_reviewer, w.admin, w.department_viewer):
        with pytest.raises(PermissionDenied):
            services.entry_create(cadre=user, data=w.entry_data())


def test_submitting_marks_the_county_week_dirty_and_is_idempotent(w):
    services.entry_create(cadre=w.cadre, data=w.entry_data())
    log = services.week_submit(cadre=w.cadre, week="2026-W47")
    assert log.status == LogStatus.SUBMITTED and log.submitted_at is not None
    assert DirtyCountyWeek.objects.filter(county=w.county, week="2026-W47").exists()
    again = services.week_submit(cadre=w.cadre, week="2026-W47")
    assert again.submitted_at == log.submitted_at


def test_an_empty_week_may_be_submitted_but_not_a_future_one(w):
    log = services.week_submit(cadre=w.cadre, week="2026-W46")
    assert log.entries.count() == 0 and log.is_submitted
    with pytest.raises(ValidationError):
        services.week_submit(cadre=w.cadre, week="2026-W48")
    with pytest.raises(ValidationError):
        services.week_submit(cadre=w.cadre, week="2026-W99")


def test_amending_a_submitted_week_keeps_it_submitted_and_marks_it(w):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data())
    services.week_submit(cadre=w.cadre, week="2026-W47")
    DirtyCountyWeek.objects.all().delete()
    services.entry_update(cadre=w.cadre, entry=entry, data={"hours": "3"})
    log = WeeklyLog.objects.get(cadre=w.cadre, week="2026-W47")
    assert log.is_submitted and log.amended
    assert DirtyCountyWeek.objects.filter(county=w.county, week="2026-W47").exists()
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.00")


def test_changing_the_date_moves_the_entry_and_dirties_both_weeks(w):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data())
    services.week_submit(cadre=w.cadre, week="2026-W47")
    services.week_submit(cadre=w.cadre, week="2026-W46")
    DirtyCountyWeek.objects.all().delete()
    moved = services.entry_update(cadre=w.cadre, entry=entry, data={"occurred_on": "2026-11-10"})
    assert moved.log.week == "2026-W46"
    assert set(DirtyCountyWeek.objects.values_list("week", flat=True)) == {"2026-W46", "2026-W47"}


def test_changing_kind_drops_the_old_kinds_fields(w):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data("meeting"))
    changed = services.entry_update(
        cadre=w.cadre, entry=entry, data={"kind": "document", "doc_channel": "oral"}
    )
    changed.refresh_from_db()
    assert changed.meeting_format is None and changed.doc_channel == "oral" and changed.pages == 0


def test_a_cadre_cannot_touch_another_cadres_entry(w):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data())
    with pytest.raises(Entry.DoesNotExist):
        services.entry_update(cadre=w.cadre2, entry=entry, data={"hours": "1"})
    with pytest.raises(Entry.DoesNotExist):
        services.entry_delete(cadre=w.cadre2, entry=entry)
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_deleting_from_a_submitted_week_keeps_the_log(w):
    entry = services.entry_create(cadre=w.cadre, data=w.entry_data())
    services.week_submit(cadre=w.cadre, week="2026-W47")
    services.entry_delete(cadre=w.cadre, entry=entry)
    log = WeeklyLog.objects.get(cadre=w.cadre, week="2026-W47")
    assert log.is_submitted and log.amended and log.entries.count() == 0


def test_each_stale_county_week_is_announced_once_per_commit(w, django_capture_on_commit_callbacks):
    from django.db import transaction

    from portal.signals import county_week_changed

    heard = []

    def receiver(sender, county_id, week, **kwargs):
        heard.append((county_id, week))

    county_week_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for cadre in (w.cadre, w.cadre2):
                services.entry_create(cadre=cadre, data=w.entry_data())
                services.week_submit(cadre=cadre, week="2026-W47")
            services.week_submit(cadre=w.cadre, week="2026-W46")
    finally:
        county_week_changed.disconnect(receiver)
    assert sorted(heard) == [(w.county.pk, "2026-W46"), (w.county.pk, "2026-W47")]
