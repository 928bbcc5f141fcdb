"""Filing pages: login, this week, add/edit/delete/repeat, copy last week, submit, lookups."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from portal import services
from portal.models import Entry, LogStatus, WeeklyLog
from tests.conftest import PASSWORD

TODAY = dt.date(2026, 11, 22)  # the frozen fixture's Sunday, week 2026-W47


@pytest.fixture
def w(world, frozen):
    return world


@pytest.fixture
def cadre_client(client, w):
    client.force_login(w.cadre)
    return client


def make(w, kind="meeting", day=TODAY, cadre=None, **overrides):
    return services.entry_create(cadre=cadre or w.cadre, data=w.entry_data(kind, day=day, **overrides))


def form_data(w, kind, **overrides):
    """POST data of the entry form, one valid entry of the kind."""
    data = {
        "occurred_on": "2026-11-20",
        "title": "全市防汛工作部署会",
        "hours": "1.5",
        "departments": [str(w.dept_city.pk)],
        "meeting": {"meeting_format": "video", "meeting_role": "participant", "relayed": "on"},
        "document": {"doc_channel": "oral", "pages": "0", "report_back": "on"},
        "inspection": {"inspection_label": "research", "materials_pages": "35", "rectification": "on"},
        "app_task": {
            "app": str(w.app2.pk),
            "app_action": "photo_upload",
            "duplicate_entry": "on",
            "data_items": [str(w.item.pk), str(w.item2.pk)],
        },
    }
    data.update(data.pop(kind))
    for other in ("meeting", "document", "inspection", "app_task"):
        data.pop(other, None)
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------- login and roles


def test_it_sends_anonymous_visitors_to_the_login_page(client, w):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.get(reverse("week", kwargs={"week": "2026-W47"}))
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_chinese_by_default_and_english_on_request(client, w):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page and "English" in page
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page and "Log in" in page


def test_it_logs_a_cadre_in_to_this_week(client, w, frozen):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    page = response.content.decode()
    assert "本周" in page and "2026-W47" in page


def test_a_wrong_password_is_refused_in_chinese(client, w):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


@pytest.mark.parametrize("role", ["county_reviewer", "region_reviewer", "department_viewer", "admin"])
def test_other_roles_land_on_the_reports_and_get_403_on_filing_pages(client, w, role):
    user = {
        "county_reviewer": w.county_reviewer,
        "region_reviewer": w.region_reviewer,
        "department_viewer": w.department_viewer,
        "admin": w.admin,
    }[role]
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("reports:home")
    entry = make(w)
    for url in [
        reverse("week", kwargs={"week": "2026-W47"}),
        reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"}),
        reverse("entry_edit", kwargs={"pk": entry.pk}),
        reverse("week_submit", kwargs={"week": "2026-W47"}),
        reverse("week_import"),
        reverse("import_template", kwargs={"fmt": "xlsx"}),
        reverse("lookup", kwargs={"what": "departments"}),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("entry_repeat", kwargs={"pk": entry.pk})).status_code == 403
    assert Entry.objects.count() == 1


def test_the_layout_shows_filing_to_cadres_and_statistics_to_others(client, w):
    client.force_login(w.cadre)
    page = client.get("/").content.decode()
    assert reverse("week_import") in page and "退出" in page and "alice" in page
    client.force_login(w.county_reviewer)
    page = client.get(reverse("reports:home"), follow=True).content.decode()
    assert reverse("week_import") not in page and f'href="{reverse("reports:home")}"' in page


def test_logout_takes_a_post_only(cadre_client):
    assert cadre_client.get(reverse("logout")).status_code == 405
    response = cadre_client.post(reverse("logout"))
    assert response.status_code == 302
    assert cadre_client.get("/").status_code == 302


def test_every_form_needs_its_csrf_token(w):
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.cadre)
    entry = make(w)
    posts = [
        (reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"}), form_data(w, "meeting")),
        (reverse("entry_repeat", kwargs={"pk": entry.pk}), {}),
        (reverse("entry_delete", kwargs={"pk": entry.pk}), {}),
        (reverse("week_submit", kwargs={"week": "2026-W47"}), {}),
        (reverse("logout"), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Entry.objects.count() == 1
    assert not WeeklyLog.objects.filter(status=LogStatus.SUBMITTED).exists()
    page = client.get(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"})).content
    assert b"csrfmiddlewaretoken" in page


# ---------------------------------------------------------------------------- this week


def test_this_week_groups_entries_by_kind_with_hours(cadre_client, w):
    make(w, "meeting", hours="2.5")
    make(w, "meeting", hours="1", title="第二个会")
    make(w, "document", hours="0.75")
    make(w, "app_task", day=TODAY - dt.timedelta(days=7), hours="3")  # last week: not shown in totals
    response = cadre_client.get("/")
    assert response.status_code == 200
    groups = {g["kind"].value: g for g in response.context["groups"]}
    assert groups["meeting"]["hours"] == Decimal("3.5") and len(groups["meeting"]["entries"]) == 2
    assert groups["document"]["hours"] == Decimal("0.75")
    assert groups["app_task"]["entries"] == []
    assert response.context["total"] == Decimal("4.25")
    page = response.content.decode()
    assert "2 条 · 3.5 小时" in page
    assert 'class="total-hours">4.25<' in page
    assert "草稿" in page


def test_the_week_links_back_but_not_beyond_the_current_week(cadre_client, w):
    page = cadre_client.get("/").content.decode()
    assert reverse("week", kwargs={"week": "2026-W46"}) in page
    assert reverse("week", kwargs={"week": "2026-W48"}) not in page
    past = cadre_client.get(reverse("week", kwargs={"week": "2026-W46"}))
    assert past.context["next_week"] == "2026-W47"
    for week in ["2026-W48", "2026-W99", "2026-W00"]:
        assert cadre_client.get(f"/weeks/{week}/").status_code == 404


def test_history_lists_past_weeks_with_status_and_totals(cadre_client, w):
    make(w, day=dt.date(2026, 11, 10), hours="2")
    make(w, day=dt.date(2026, 11, 11), hours="1.25")
    services.week_submit(cadre=w.cadre, week="2026-W46")
    make(w, day=dt.date(2026, 11, 3), hours="4")
    services.week_submit(cadre=w.cadre, week="2026-W45")
    make(w, day=dt.date(2026, 11, 4), hours="1")  # amends W45
    response = cadre_client.get("/")
    history = {log.week: log for log in response.context["history"]}
    assert history["2026-W46"].total == Decimal("3.25") and history["2026-W46"].n == 2
    assert history["2026-W45"].amended
    page = response.content.decode()
    assert "已提交（有修改）" in page and "3.25" in page


def test_another_cadres_entries_never_show(cadre_client, w):
    make(w, cadre=w.cadre2, title="别人的会")
    assert "别人的会" not in cadre_client.get("/").content.decode()


# ---------------------------------------------------------------------------- add, edit, delete


def test_the_kind_picker_leads_to_a_form_with_only_that_kinds_fields(cadre_client, w):
    page = cadre_client.get(reverse("entry_add", kwargs={"week": "2026-W47"})).content.decode()
    for kind in ["meeting", "document", "inspection", "app_task"]:
        assert reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": kind}) in page
    page = cadre_client.get(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"})).content
    page = page.decode()
    assert 'name="meeting_format"' in page and 'name="relayed"' in page
    assert 'name="doc_channel"' not in page and 'name="app"' not in page
    assert "一竿子插到底" in page  # the help text names the pattern
    page = cadre_client.get(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "inspection"}))
    assert "以“调研”名义的检查" in page.content.decode()
    page = cadre_client.get(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "document"}))
    assert "口头通知" in page.content.decode()
    page = cadre_client.get(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "app_task"}))
    assert "重复填报" in page.content.decode()
    assert cadre_client.get("/weeks/2026-W47/add/party/").status_code == 404


@pytest.mark.parametrize("kind", ["meeting", "document", "inspection", "app_task"])
def test_it_adds_an_entry_of_each_kind(cadre_client, w, kind):
    url = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": kind})
    response = cadre_client.post(url, form_data(w, kind))
    assert response.status_code == 302 and response["Location"] == reverse(
        "week", kwargs={"week": "2026-W47"}
    )
    entry = Entry.objects.get()
    assert (entry.kind, entry.occurred_on, entry.hours) == (kind, dt.date(2026, 11, 20), Decimal("1.5"))
    assert list(entry.departments.all()) == [w.dept_city]
    if kind == "meeting":
        assert (entry.meeting_format, entry.meeting_role, entry.relayed, entry.repeat_topic) == (
            "video",
            "participant",
            True,
            False,
        )
    elif kind == "document":
        assert (entry.doc_channel, entry.pages, entry.report_back) == ("oral", 0, True)
    elif kind == "inspection":
        assert (entry.inspection_label, entry.materials_pages, entry.rectification) == ("research", 35, True)
    else:
        assert (entry.app, entry.app_action, entry.duplicate_entry) == (w.app2, "photo_upload", True)
        assert set(entry.data_items.all()) == {w.item, w.item2}


def test_fields_of_another_kind_are_ignored_by_the_form(cadre_client, w):
    url = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"})
    cadre_client.post(url, form_data(w, "meeting", doc_channel="oral", pages="9", app=str(w.app.pk)))
    entry = Entry.objects.get()
    assert (entry.doc_channel, entry.pages, entry.app_id) == (None, None, None)


def test_save_and_add_another_returns_to_a_form_of_the_same_kind_on_the_same_day(cadre_client, w):
    url = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "document"})
    response = cadre_client.post(url, {**form_data(w, "document"), "save_add": "1"})
    assert response["Location"] == url + "?day=2026-11-20"
    form = cadre_client.get(response["Location"]).context["form"]
    assert (form.initial["occurred_on"], form.initial.get("title")) == (dt.date(2026, 11, 20), None)


def test_save_and_add_another_starts_from_the_entry_just_saved_not_the_latest_dated(cadre_client, w):
    """Bug 1: the next form took Friday's phone meeting (another department, 0.5 h)."""
    make(
        w,
        day=dt.date(2026, 11, 20),
        title="周五电话会",
        meeting_format="phone",
        departments=[w.dept_county.pk],
        hours="0.5",
    )
    url = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"})
    monday = form_data(w, "meeting", occurred_on="2026-11-16", hours="2", meeting_format="in_person")
    response = cadre_client.post(url, {**monday, "save_add": "1"})
    response = cadre_client.get(response["Location"])
    form = response.context["form"]
    assert response.context["quick_departments"][0] == [w.dept_city.pk, w.dept_city.name]
    assert (form.initial["hours"], form.initial["meeting_format"]) == ("2", "in_person")
    assert form.initial["occurred_on"] == dt.date(2026, 11, 16)


def test_the_form_remembers_the_cadres_last_choices(cadre_client, w):
    make(
        w, "meeting", meeting_format="phone", meeting_role="host", departments=[w.dept_county.pk], hours="0.5"
    )
    make(w, "document", departments=[w.dept_city.pk])  # a later entry of another kind
    response = cadre_client.get(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"}))
    form = response.context["form"]
    assert form.initial["meeting_format"] == "phone"
    assert form.initial["meeting_role"] == "host"
    assert form.initial["hours"] == "0.5"
    assert form.initial["occurred_on"] == TODAY
    # The last meeting's department is offered first as a one-tap choice, but not picked: a
    # department left in place by mistake would charge the burden to the wrong issuer.
    assert "departments" not in form.initial
    assert response.context["quick_departments"][:2] == [
        [w.dept_county.pk, w.dept_county.name],
        [w.dept_city.pk, w.dept_city.name],
    ]
    # Recently used departments come first in the picker.
    groups = form.fields["departments"].choices
    assert str(groups[0][0]) == "最近使用"
    assert [pk for pk, _name in groups[0][1]] == [w.dept_city.pk, w.dept_county.pk]


def test_a_past_week_defaults_to_its_last_day(cadre_client, w):
    form = cadre_client.get(
        reverse("entry_add_kind", kwargs={"week": "2026-W40", "kind": "meeting"})
    ).context["form"]
    assert form.initial["occurred_on"] == dt.date(2026, 10, 4)


def test_it_edits_an_entry(cadre_client, w):
    entry = make(w, "inspection")
    url = reverse("entry_edit", kwargs={"pk": entry.pk})
    page = cadre_client.get(url).content.decode()
    assert 'value="全省乡村振兴工作视频会"' in page and 'value="2.5"' in page
    response = cadre_client.post(url, form_data(w, "inspection", title="改了名字", occurred_on="2026-11-12"))
    assert response["Location"] == reverse("week", kwargs={"week": "2026-W46"})
    entry.refresh_from_db()
    assert (entry.title, entry.log.week, entry.materials_pages) == ("改了名字", "2026-W46", 35)


def test_another_cadres_entry_answers_404(cadre_client, w):
    theirs = make(w, cadre=w.cadre2)
    for name in ["entry_edit", "entry_delete"]:
        assert cadre_client.get(reverse(name, kwargs={"pk": theirs.pk})).status_code == 404
        assert (
            cadre_client.post(reverse(name, kwargs={"pk": theirs.pk}), form_data(w, "meeting")).status_code
            == 404
        )
    assert cadre_client.post(reverse("entry_repeat", kwargs={"pk": theirs.pk})).status_code == 404
    assert Entry.objects.count() == 1
    assert Entry.objects.get().title == "全省乡村振兴工作视频会"


def test_it_deletes_an_entry_after_confirmation(cadre_client, w):
    entry = make(w)
    url = reverse("entry_delete", kwargs={"pk": entry.pk})
    assert "全省乡村振兴工作视频会" in cadre_client.get(url).content.decode()
    assert Entry.objects.count() == 1
    response = cadre_client.post(url)
    assert response.status_code == 302
    assert not Entry.objects.exists()


def test_changing_a_submitted_week_keeps_it_submitted_and_marks_it_amended(cadre_client, w):
    entry = make(w)
    services.week_submit(cadre=w.cadre, week="2026-W47")
    page = cadre_client.get(reverse("entry_edit", kwargs={"pk": entry.pk})).content.decode()
    assert "标记为有修改" in page
    cadre_client.post(reverse("entry_edit", kwargs={"pk": entry.pk}), form_data(w, "meeting", hours="3"))
    log = WeeklyLog.objects.get(week="2026-W47")
    assert (log.status, log.amended) == (LogStatus.SUBMITTED, True)
    assert "已提交（有修改）" in cadre_client.get("/").content.decode()


# ---------------------------------------------------------------------------- speed


def test_repeat_logs_an_earlier_entry_again_today_in_one_post(cadre_client, w):
    old = make(w, "app_task", day=dt.date(2026, 11, 12), title="浙里办打卡")
    page = cadre_client.get("/").content.decode()
    assert reverse("entry_repeat", kwargs={"pk": old.pk}) in page  # offered on this week's page
    response = cadre_client.post(reverse("entry_repeat", kwargs={"pk": old.pk}))
    assert response["Location"] == reverse("week", kwargs={"week": "2026-W47"})
    copy = Entry.objects.exclude(pk=old.pk).get()
    assert (copy.occurred_on, copy.title, copy.kind, copy.app_id) == (
        TODAY,
        "浙里办打卡",
        "app_task",
        w.app.pk,
    )
    assert list(copy.data_items.all()) == [w.item]
    assert cadre_client.get(reverse("entry_repeat", kwargs={"pk": old.pk})).status_code == 405


def test_repeat_that_would_break_a_rule_saves_nothing_and_says_why(cadre_client, w):
    make(w, hours="20")
    big = make(w, day=dt.date(2026, 11, 12), hours="5")
    response = cadre_client.post(reverse("entry_repeat", kwargs={"pk": big.pk}), follow=True)
    assert "超过 24 小时" in response.content.decode()
    assert Entry.objects.count() == 2
    # It goes back where it came from, but never off the site.
    url = reverse("entry_repeat", kwargs={"pk": big.pk})
    assert cadre_client.post(url, {"next": "/weeks/2026-W46/"})["Location"] == "/weeks/2026-W46/"
    assert cadre_client.post(url, {"next": "https://evil.example/"})["Location"] == reverse("home")


def test_copy_from_last_week_copies_the_ticked_entries(cadre_client, w):
    weekly = make(w, day=dt.date(2026, 11, 9), title="周一例会")  # Monday of W46
    once = make(w, "document", day=dt.date(2026, 11, 11), title="一次性通知")
    make(w, day=dt.date(2026, 11, 2), title="周一例会")  # W45: so the Monday meeting recurs
    url = reverse("week_copy", kwargs={"week": "2026-W47"})
    response = cadre_client.get(url)
    assert response.context["form"].initial["entries"] == [str(weekly.pk)]  # recurring ones pre-ticked
    assert "一次性通知" in response.content.decode()
    response = cadre_client.post(url, {"entries": [str(weekly.pk), str(once.pk)]})
    assert response["Location"] == reverse("week", kwargs={"week": "2026-W47"})
    copies = Entry.objects.filter(log__week="2026-W47").order_by("occurred_on")
    assert [(e.title, e.occurred_on) for e in copies] == [
        ("周一例会", dt.date(2026, 11, 16)),
        ("一次性通知", dt.date(2026, 11, 18)),
    ]


def test_copy_needs_a_tick_and_reports_rule_breaks_without_saving(cadre_client, w):
    entry = make(w, day=dt.date(2026, 11, 9), hours="10")
    make(w, day=dt.date(2026, 11, 16), hours="20")
    url = reverse("week_copy", kwargs={"week": "2026-W47"})
    response = cadre_client.post(url, {})
    assert "请至少勾选一条" in response.content.decode()
    response = cadre_client.post(url, {"entries": [str(entry.pk)]})
    assert "超过 24 小时" in response.content.decode()
    assert Entry.objects.count() == 2


# ---------------------------------------------------------------------------- submit


def test_submitting_shows_the_totals_then_submits(cadre_client, w):
    make(w, "meeting", hours="2")
    make(w, "inspection", hours="3.5")
    url = reverse("week_submit", kwargs={"week": "2026-W47"})
    response = cadre_client.get(url)
    page = response.content.decode()
    assert 'class="num total-hours">5.5<' in page and "督查检查" in page
    assert not WeeklyLog.objects.filter(status=LogStatus.SUBMITTED).exists()
    response = cadre_client.post(url, follow=True)
    log = WeeklyLog.objects.get(week="2026-W47")
    assert log.status == LogStatus.SUBMITTED and not log.amended
    assert "已提交" in response.content.decode()


def test_an_empty_week_may_be_submitted_but_not_a_future_one(cadre_client, w):
    response = cadre_client.post(reverse("week_submit", kwargs={"week": "2026-W46"}))
    assert response.status_code == 302
    assert WeeklyLog.objects.get(week="2026-W46").status == LogStatus.SUBMITTED
    assert cadre_client.post(reverse("week_submit", kwargs={"week": "2026-W48"})).status_code == 404


# ---------------------------------------------------------------------------- picker lookups


def test_lookups_search_by_name_with_recently_used_first(cadre_client, w):
    make(w, departments=[w.dept_county.pk])
    url = reverse("lookup", kwargs={"what": "departments"})
    recent = cadre_client.get(url).json()["results"]
    assert [r["name"] for r in recent] == ["柯城区委办公室"] and recent[0]["recent"]
    found = cadre_client.get(url, {"q": "农业"}).json()["results"]
    assert {r["name"] for r in found} == {"浙江省农业农村厅", "浙江省农业农村厅乡村建设处"}
    found = cadre_client.get(url, {"q": "办"}).json()["results"]
    assert found[0]["name"] == "柯城区委办公室"  # recently used first
    apps = cadre_client.get(reverse("lookup", kwargs={"what": "apps"}), {"q": "浙里"}).json()["results"]
    assert [a["code"] for a in apps] == ["APP-ZLB"]
    items = cadre_client.get(reverse("lookup", kwargs={"what": "data-items"}), {"q": "照片"}).json()
    assert [i["code"] for i in items["results"]] == ["DI-TOILET"]
    assert cadre_client.get("/lookup/users/").status_code == 404


def test_lookups_need_a_cadre(client, w):
    assert client.get(reverse("lookup", kwargs={"what": "apps"})).status_code == 403


def test_a_search_too_long_is_a_400_not_a_500(cadre_client):
    response = cadre_client.get(reverse("lookup", kwargs={"what": "departments"}), {"q": "长" * 101})
    assert response.status_code == 400
    assert "search" in response.json()


def test_the_week_page_query_count_does_not_grow_with_entries(cadre_client, w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert cadre_client.get("/").status_code == 200
        return len(captured)

    make(w, "meeting", hours="1")
    make(w, "meeting", day=dt.date(2026, 11, 12), hours="1")  # a repeat suggestion and a past week
    few = queries()
    for day in range(16, 22):
        make(w, "app_task", day=dt.date(2026, 11, day), hours="1")
        make(w, "document", day=dt.date(2026, 11, day - 7), hours="1")
    assert queries() == few


# ---------------------------------------------------------------------------- filing shortcuts


def test_a_known_title_fills_the_whole_entry_as_last_filed(cadre_client, w):
    """Bug 2: a known title filled nothing else, so another item's department stayed."""
    make(w, "app_task", day=dt.date(2026, 11, 10), title="浙里办打卡", hours="0.25")
    last = make(
        w,
        "app_task",
        day=dt.date(2026, 11, 17),
        title="浙里办打卡",
        hours="0.5",
        app=w.app2.pk,
        app_action="check_in",
        duplicate_entry=True,
        departments=[w.dept_city.pk, w.dept_county.pk],
        data_items=[w.item2.pk],
    )
    make(w, "meeting", day=dt.date(2026, 11, 19), departments=[w.dept_province.pk])  # saved later
    # From the meeting form: the title belongs to an app task, so the app task's form opens.
    add = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"})
    response = cadre_client.get(add, {"like": last.pk, "day": "2026-11-18"})
    target = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "app_task"})
    assert response["Location"].startswith(target)
    response = cadre_client.get(response["Location"])
    form = response.context["form"]
    assert form.initial["title"] == "浙里办打卡"
    assert sorted(form.initial["departments"]) == sorted([w.dept_city.pk, w.dept_county.pk])
    assert (form.initial["app"], form.initial["app_action"], form.initial["duplicate_entry"]) == (
        w.app2.pk,
        "check_in",
        True,
    )
    assert (form.initial["data_items"], form.initial["hours"]) == ([w.item2.pk], "0.5")
    assert form.initial["occurred_on"] == dt.date(2026, 11, 18)
    assert "请确认日期" in response.content.decode()
    # The form's page knows every title, so picking one in the title box can fill the form.
    page = cadre_client.get(add).content.decode()
    assert 'id="known-titles"' in page and "浙里办打卡" in page


def test_like_refuses_another_cadres_entry_and_bad_days(cadre_client, w):
    theirs = make(w, cadre=w.cadre2, title="别人的事项")
    add = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"})
    form = cadre_client.get(add, {"like": theirs.pk, "day": "2099-01-01"}).context["form"]
    assert form.initial.get("title") is None  # not filled from someone else's entry
    assert form.initial["occurred_on"] == TODAY  # a future or foreign day falls back to the default


def test_known_titles_are_unique_ranked_by_use_and_not_capped(cadre_client, w):
    for n in range(5):
        make(w, "app_task", day=dt.date(2026, 11, 16) + dt.timedelta(days=n), title="每日打卡", hours="0.1")
    for n in range(30):
        make(
            w, "document", day=dt.date(2026, 11, 2) + dt.timedelta(days=n % 7), title=f"通知{n}", hours="0.1"
        )
    known = cadre_client.get("/").context["known"]
    titles = [k["title"] for k in known]
    assert titles[0] == "每日打卡" and known[0]["uses"] == 5
    assert len(titles) == len(set(titles)) == 31


def test_repeat_on_another_day_of_the_week(cadre_client, w):
    old = make(w, "app_task", day=dt.date(2026, 11, 12), title="浙里办打卡")
    page = cadre_client.get("/").content.decode()
    assert 'value="2026-11-18"' in page  # Wednesday is offered beside the button
    response = cadre_client.post(reverse("entry_repeat", kwargs={"pk": old.pk}), {"day": "2026-11-18"})
    assert response["Location"] == reverse("week", kwargs={"week": "2026-W47"})
    assert Entry.objects.exclude(pk=old.pk).get().occurred_on == dt.date(2026, 11, 18)
    # A future or unreadable day is refused with a message, and nothing is written.
    for day in ("2026-11-23", "someday"):
        response = cadre_client.post(
            reverse("entry_repeat", kwargs={"pk": old.pk}), {"day": day}, follow=True
        )
        assert response.status_code == 200 and "error" in response.content.decode()
    assert Entry.objects.count() == 2


def test_repeat_from_a_past_weeks_page_records_into_that_week(cadre_client, w):
    old = make(w, day=dt.date(2026, 11, 3), title="周二例会")
    page = cadre_client.get(reverse("week", kwargs={"week": "2026-W46"}))
    days = [day for day, _label in page.context["repeat_days"]]
    assert days == [dt.date(2026, 11, 9) + dt.timedelta(days=n) for n in range(7)]
    assert page.context["default_day"] == dt.date(2026, 11, 15)
    cadre_client.post(reverse("entry_repeat", kwargs={"pk": old.pk}), {"day": "2026-11-10"})
    assert Entry.objects.exclude(pk=old.pk).get().log.week == "2026-W46"


def test_copy_keeps_the_weekday_never_into_the_future_and_says_what_was_left_out(cadre_client, w, frozen):
    frozen.set(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))  # Wednesday
    monday = make(w, day=dt.date(2026, 11, 9), title="周一例会")
    friday = make(w, "document", day=dt.date(2026, 11, 13), title="周五通知")
    tuesday = make(w, day=dt.date(2026, 11, 10), title="周二长会", hours="20")
    make(w, day=dt.date(2026, 11, 17), title="本周二已有", hours="5")  # Tuesday would pass 24 h
    url = reverse("week_copy", kwargs={"week": "2026-W47"})
    page = cadre_client.get(url).content.decode()
    assert f'value="{friday.pk}" disabled' in page and "还没到" in page
    response = cadre_client.post(url, {"entries": [monday.pk, friday.pk, tuesday.pk]}, follow=True)
    copies = Entry.objects.filter(log__week="2026-W47").exclude(title="本周二已有")
    assert list(copies.values_list("title", "occurred_on")) == [("周一例会", dt.date(2026, 11, 16))]
    text = response.content.decode()
    assert "已从上周复制 1 条事项" in text
    left_out = "未复制：“周五通知”（星期五 11/20还没到）；“周二长会”（耗时（小时）：2026-11-17 的事项合计"
    assert left_out in text


def test_copy_with_nothing_copyable_copies_nothing_and_says_why(cadre_client, w):
    big = make(w, day=dt.date(2026, 11, 15), title="周日长会", hours="20")
    make(w, day=dt.date(2026, 11, 22), title="今天已有", hours="5")
    url = reverse("week_copy", kwargs={"week": "2026-W47"})
    response = cadre_client.post(url, {"entries": [big.pk]})
    assert response.status_code == 200
    assert "未复制：“周日长会”" in response.content.decode()
    assert Entry.objects.count() == 2


def test_on_monday_the_week_page_reminds_that_last_week_is_not_submitted(cadre_client, w, frozen):
    shanghai = dt.timezone(dt.timedelta(hours=8))
    make(w, day=dt.date(2026, 11, 20))
    frozen.set(dt.datetime(2026, 11, 23, 8, 30, tzinfo=shanghai))  # Monday of W48
    page = cadre_client.get("/").content.decode()
    assert "上周（2026-W47）还没有提交" in page
    assert reverse("week_submit", kwargs={"week": "2026-W47"}) in page
    assert reverse("week_copy", kwargs={"week": "2026-W48"}) in page
    # Once the week has closed (Tuesday noon) the reminder is gone: nothing chases the cadre.
    frozen.set(dt.datetime(2026, 11, 24, 13, 0, tzinfo=shanghai))
    assert "还没有提交" not in cadre_client.get("/").content.decode()
    frozen.set(dt.datetime(2026, 11, 23, 8, 30, tzinfo=shanghai))
    services.week_submit(cadre=w.cadre, week="2026-W47")
    assert "还没有提交" not in cadre_client.get("/").content.decode()


def test_the_entry_list_shows_each_items_flags(cadre_client, w):
    make(w, "meeting", meeting_format="video", meeting_role="accompanying", relayed=True)
    make(w, "inspection", day=dt.date(2026, 11, 21), inspection_label="research", materials_pages=40)
    make(w, "app_task", day=dt.date(2026, 11, 20), duplicate_entry=True)
    make(w, "document", day=dt.date(2026, 11, 19), doc_channel="oral")
    page = cadre_client.get("/").content.decode()
    for flag in (
        "视频会议",
        "陪会",
        "层层传达",
        "以“调研”名义",
        "材料 40 页",
        "重复填报",
        "口头通知",
        "浙里办",
    ):
        assert f'<span class="flag">{flag}</span>' in page, flag


def test_the_week_page_copies_last_weeks_recurring_items_in_one_tap(cadre_client, w):
    weekly = make(w, day=dt.date(2026, 11, 9), title="周一例会")  # W46, recurring since W45
    make(w, day=dt.date(2026, 11, 2), title="周一例会")
    daily = make(w, "app_task", day=dt.date(2026, 11, 10), title="每日打卡", hours="0.25")
    make(w, "app_task", day=dt.date(2026, 11, 3), title="每日打卡", hours="0.25")
    make(w, "document", day=dt.date(2026, 11, 11), title="一次性通知")  # not recurring
    make(w, "app_task", day=dt.date(2026, 11, 17), title="每日打卡", hours="0.25")  # already this week
    page = cadre_client.get("/")
    assert [e.pk for e in page.context["recurring"]] == [weekly.pk]  # the check-in is logged already
    assert "从上周复制 1 条常规事项" in page.content.decode()
    cadre_client.post(reverse("week_copy", kwargs={"week": "2026-W47"}), {"entries": [weekly.pk]})
    copied = Entry.objects.get(log__week="2026-W47", title="周一例会")
    assert copied.occurred_on == dt.date(2026, 11, 16)
    copy_page = cadre_client.get(reverse("week_copy", kwargs={"week": "2026-W47"})).content.decode()
    assert "当天已记录" in copy_page and f'value="{daily.pk}" checked' not in copy_page
