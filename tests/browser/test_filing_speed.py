"""Filing must be quicker than describing it aloud. Each test counts what a cadre does on a
375 px phone (every tap, every filled field, every choice in a native select) and asserts the
budget of issue #10: repeat today 1, repeat on another day <= 2, a known title to a saved entry
<= 3, a new entry with a remembered department <= 6. Plus the two ways the form could save wrong
data (bugs 1 and 2) and where the hands are on the week page."""

import datetime as dt
from decimal import Decimal

import pytest

from portal import services, weeks
from portal.models import Entry

from .conftest import PHONE, log_in, shot

pytestmark = pytest.mark.browser


class Counted:
    """Drives the page and counts user actions: every click, filled field and select choice."""

    def __init__(self, page):
        self.page = page
        self.actions = 0

    def click(self, locator):
        locator.click()
        self.actions += 1

    def fill(self, locator, value):
        locator.fill(value)
        self.actions += 1

    def select(self, locator, value):
        locator.select_option(value)
        self.actions += 1


def _monday():
    return weeks.week_days(weeks.current_week())[0]


@pytest.fixture
def last_weeks_meeting(browser_world):
    w = browser_world
    return services.entry_create(
        cadre=w.cadre,
        data=w.entry_data(
            "meeting",
            day=weeks.today() - dt.timedelta(days=7),
            title="周一班子例会",
            hours="1.5",
            meeting_format="in_person",
            meeting_role="participant",
            departments=[w.dept_county.pk],
        ),
    )


def test_repeat_today_is_one_tap(phone, live_server, browser_world, last_weeks_meeting):
    log_in(phone, live_server, "alice")
    user = Counted(phone)
    user.click(phone.get_by_role("button", name="再记一次“周一班子例会”"))
    phone.get_by_text("已按今天再记一次：周一班子例会").wait_for()
    assert user.actions == 1
    copy = Entry.objects.get(log__cadre=browser_world.cadre, occurred_on=weeks.today())
    assert (copy.title, copy.hours, copy.meeting_format) == (
        "周一班子例会",
        last_weeks_meeting.hours,
        "in_person",
    )
    assert list(copy.departments.all()) == [browser_world.dept_county]


def test_repeat_on_another_day_is_two_actions(frozen, phone, live_server, browser_world, last_weeks_meeting):
    day = _monday()  # frozen on a Sunday, so Monday is another day of this week
    log_in(phone, live_server, "alice")
    user = Counted(phone)
    user.select(phone.get_by_label("再记一次“周一班子例会”的日期"), day.isoformat())
    user.click(phone.get_by_role("button", name="再记一次“周一班子例会”"))
    phone.locator(".message.success").wait_for()
    assert user.actions <= 2
    assert Entry.objects.filter(log__cadre=browser_world.cadre, occurred_on=day).count() == 1


def test_a_known_title_to_a_saved_entry_is_three_actions(frozen, phone, live_server, browser_world):
    w = browser_world
    services.entry_create(
        cadre=w.cadre,
        data=w.entry_data(
            "app_task",
            day=weeks.today() - dt.timedelta(days=14),
            title="浙里办村情填报",
            hours="0.75",
            app=w.app2.pk,
            app_action="photo_upload",
            duplicate_entry=True,
            departments=[w.dept_city.pk, w.dept_county.pk],
            data_items=[w.item2.pk],
        ),
    )
    day = _monday()
    log_in(phone, live_server, "alice")
    user = Counted(phone)
    user.click(phone.get_by_role("link", name="浙里办村情填报"))
    phone.get_by_text("请确认日期").wait_for()
    shot(phone, "14-filled-from-a-known-title")
    user.click(phone.locator(".day-chips button").first)  # confirm the day: Monday
    user.click(phone.get_by_role("button", name="保存", exact=True))
    phone.get_by_text("已保存：浙里办村情填报").wait_for()
    assert user.actions <= 3
    entry = Entry.objects.get(log__cadre=w.cadre, occurred_on=day)
    assert (entry.kind, entry.hours, entry.app, entry.app_action, entry.duplicate_entry) == (
        "app_task",
        Decimal("0.75"),
        w.app2,
        "photo_upload",
        True,
    )
    assert set(entry.departments.all()) == {w.dept_city, w.dept_county}
    assert list(entry.data_items.all()) == [w.item2]


def test_a_new_entry_with_a_remembered_department_is_at_most_six_actions(
    phone, live_server, browser_world, last_weeks_meeting
):
    """Kind, title, hours, one changed choice, the remembered department (offered first, one
    tap), save."""
    log_in(phone, live_server, "alice")
    user = Counted(phone)
    user.click(phone.locator(".kind-card", has_text="会议"))
    user.fill(phone.get_by_label("事项名称"), "周三班子例会")
    user.fill(phone.get_by_label("耗时（小时）"), "2")
    user.select(phone.locator("select[name=meeting_format]"), "video")
    remembered = phone.locator(".quick-picks button").first
    assert remembered.inner_text() == "柯城区委办公室"
    user.click(remembered)
    shot(phone, "13-remembered-form")
    user.click(phone.get_by_role("button", name="保存", exact=True))
    phone.get_by_text("已保存：周三班子例会").wait_for()
    assert user.actions <= 6
    entry = Entry.objects.get(title="周三班子例会")
    assert (entry.occurred_on, entry.hours, entry.meeting_format, entry.meeting_role) == (
        weeks.today(),
        Decimal("2"),
        "video",
        "participant",
    )
    assert list(entry.departments.all()) == [browser_world.dept_county]


def test_save_and_add_another_starts_from_the_entry_just_saved(frozen, phone, live_server, browser_world):
    """Bug 1: the next form was filled from the latest-dated entry (Friday's phone meeting of
    another department), so a quick second entry went to the wrong department."""
    w = browser_world
    services.entry_create(
        cadre=w.cadre,
        data=w.entry_data(
            "meeting",
            day=weeks.today(),
            title="电话调度会",
            hours="0.5",
            meeting_format="phone",
            departments=[w.dept_province.pk],
        ),
    )
    monday = _monday()
    log_in(phone, live_server, "alice")
    phone.locator(".kind-card", has_text="会议").click()
    phone.get_by_label("事项名称").fill("民政工作例会")
    phone.get_by_role("textbox", name="日期").fill(monday.isoformat())
    phone.get_by_label("耗时（小时）").fill("2")
    phone.select_option("select[name=meeting_format]", "in_person")
    box = phone.get_by_role("combobox", name="发起部门")
    box.fill("民政")
    phone.get_by_role("option", name="衢州市民政局", exact=True).click()
    phone.get_by_role("button", name="保存并继续添加").click()
    phone.get_by_text("已保存：民政工作例会").wait_for()
    assert phone.get_by_role("textbox", name="日期").input_value() == monday.isoformat()
    assert phone.get_by_label("耗时（小时）").input_value() == "2"
    assert phone.locator("select[name=meeting_format]").input_value() == "in_person"
    # The department just used is offered first, one tap; none is picked unasked.
    assert phone.locator(".quick-picks button").first.inner_text() == "衢州市民政局"
    assert phone.locator("select[name=departments]").evaluate("s => s.selectedOptions.length") == 0


def test_picking_a_known_title_fills_the_whole_entry(phone, live_server, browser_world):
    """Bug 2: picking a known title from the suggestions kept another item's department and app."""
    w = browser_world
    services.entry_create(
        cadre=w.cadre,
        data=w.entry_data(
            "app_task",
            day=weeks.today() - dt.timedelta(days=7),
            title="基层四平台巡查上报",
            app=w.app2.pk,
            app_action="check_in",
            departments=[w.dept_city.pk],
            data_items=[],
        ),
    )
    services.entry_create(  # saved last: its department and app are the remembered ones
        cadre=w.cadre,
        data=w.entry_data(
            "app_task", day=weeks.today(), title="浙里办人口", departments=[w.dept_province.pk]
        ),
    )
    log_in(phone, live_server, "alice")
    phone.locator(".kind-card", has_text="政务应用任务").click()
    title = phone.get_by_label("事项名称")
    title.fill("基层四平台巡查上报")
    title.dispatch_event("change")  # what choosing the suggestion does
    phone.get_by_text("请确认日期").wait_for()
    assert phone.locator("select[name=departments]").evaluate(
        "s => Array.from(s.selectedOptions).map(o => o.text)"
    ) == ["衢州市民政局"]
    assert phone.locator("select[name=app]").input_value() == str(w.app2.pk)
    assert phone.locator("select[name=app_action]").input_value() == "check_in"
    phone.get_by_role("button", name="保存", exact=True).click()
    phone.get_by_text("已保存：基层四平台巡查上报").wait_for()
    entry = Entry.objects.get(title="基层四平台巡查上报", occurred_on=weeks.today())
    assert (list(entry.departments.all()), entry.app) == ([w.dept_city], w.app2)


def test_the_weeks_main_actions_are_on_the_first_screen_and_big_enough(
    phone, live_server, browser_world, last_weeks_meeting
):
    w = browser_world
    for n, kind in enumerate(["meeting", "document", "inspection", "app_task"]):
        services.entry_create(
            cadre=w.cadre, data=w.entry_data(kind, day=weeks.today(), title=f"事项{n}", hours="1")
        )
    services.week_submit(cadre=w.cadre, week=weeks.current_week())
    services.entry_create(
        cadre=w.cadre, data=w.entry_data("meeting", day=weeks.today(), title="补记", hours="1")
    )
    log_in(phone, live_server, "alice")
    shot(phone, "15-week-first-screen")
    assert phone.locator(".week-stats .pill").inner_text() == "已提交（有修改）"
    for target in [
        phone.locator(".kind-card").last,
        phone.get_by_role("link", name="从上周复制"),
        phone.locator(".week-stats"),
    ]:
        box = target.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], target
    # The amended status fits its box.
    assert phone.locator(".week-stats .pill").evaluate("p => p.scrollWidth <= p.parentElement.clientWidth")
    small = phone.evaluate(
        """() => Array.from(document.querySelectorAll(
              'main button, main .btn, main select, main input:not([type=hidden]), header button, nav a'))
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent.trim() || e.name || e.className, e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44)
            .map(([n, r]) => n + ' ' + Math.round(r.height))"""
    )
    assert small == []
