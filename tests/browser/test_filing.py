"""A cadre files a whole week on a 375 px phone in Chinese, in real Chromium."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from portal import services, weeks
from portal.models import Department, DepartmentLevel, Entry, LogStatus, WeeklyLog

from .conftest import log_in, no_horizontal_scroll, shot

pytestmark = pytest.mark.browser


def pick(page, label, query, name):
    """Type into a searchable picker and choose a result with the keyboard."""
    box = page.get_by_role("combobox", name=label)
    box.fill(query)
    option = page.get_by_role("option", name=name, exact=True)
    option.wait_for()
    for _ in range(20):  # the first result is highlighted; move down to the wanted one
        if option.get_attribute("aria-selected") == "true":
            break
        box.press("ArrowDown")
    box.press("Enter")
    page.locator(".chip", has_text=name).wait_for()


def open_kind(page, kind_label):
    page.locator(".kind-card", has_text=kind_label).first.click()
    page.get_by_label("事项名称").wait_for()


def save(page):
    page.get_by_role("button", name="保存", exact=True).click()


def test_a_cadre_files_a_week_on_a_phone(phone, live_server, browser_world):
    w = browser_world
    page = phone
    today = weeks.today()
    week = weeks.current_week()
    last_week_day = today - dt.timedelta(days=7)
    earlier = services.entry_create(
        cadre=w.cadre,
        data=w.entry_data("meeting", day=last_week_day, title="上周例会", hours="1"),
    )

    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    no_horizontal_scroll(page)
    shot(page, "01-login")
    log_in(page, live_server, "alice")
    page.get_by_role("heading", name="本周", exact=True).wait_for()
    no_horizontal_scroll(page)
    shot(page, "02-week-empty")

    # A meeting: the searchable department picker, then a 30-hour typo caught at its field.
    open_kind(page, "会议")
    page.get_by_label("事项名称").fill("全市安全生产视频会")
    page.get_by_label("耗时（小时）").fill("30")
    pick(page, "发起部门", "民政", "衢州市民政局")
    page.select_option("select[name=meeting_format]", "video")
    page.select_option("select[name=meeting_role]", "accompanying")
    page.locator("input[name=relayed]").check()
    save(page)
    error = page.locator("#id_hours_error")
    error.wait_for()
    assert "耗时必须大于 0 且不超过 24 小时。" in error.inner_text()
    assert Entry.objects.filter(log__cadre=w.cadre).count() == 1  # nothing saved
    no_horizontal_scroll(page)
    shot(page, "03-hours-error")
    page.get_by_label("耗时（小时）").fill("1.5")
    save(page)
    page.get_by_text("已保存：全市安全生产视频会").wait_for()

    # A document: the department used last is offered first, one tap.
    open_kind(page, "文件")
    page.locator(".quick-picks button", has_text="衢州市民政局").click()
    page.get_by_label("事项名称").fill("电话口头通知报送台账")
    page.get_by_label("耗时（小时）").fill("0.5")
    page.select_option("select[name=doc_channel]", "oral")
    page.locator("input[name=report_back]").check()
    no_horizontal_scroll(page)
    shot(page, "04-document-form")
    save(page)
    page.get_by_text("已保存：电话口头通知报送台账").wait_for()

    # An inspection called "research".
    open_kind(page, "督查检查")
    page.get_by_label("事项名称").fill("乡村振兴“调研”")
    page.get_by_label("耗时（小时）").fill("3")
    page.locator(".quick-picks button").first.click()  # the department used last
    page.select_option("select[name=inspection_label]", "research")
    page.get_by_label("准备材料页数").fill("40")
    page.locator("input[name=rectification]").check()
    save(page)
    page.get_by_text("已保存：乡村振兴“调研”").wait_for()

    # An app task: app and data items through their pickers.
    open_kind(page, "政务应用任务")
    page.get_by_label("事项名称").fill("浙里办重复填报人口数")
    page.get_by_label("耗时（小时）").fill("1")
    page.locator(".quick-picks button").first.click()
    pick(page, "应用或平台", "浙里", "浙里办")
    page.select_option("select[name=app_action]", "data_entry")
    page.locator("input[name=duplicate_entry]").check()
    pick(page, "数据项", "人口", "村户籍人口数")
    no_horizontal_scroll(page)
    shot(page, "05-app-task-form")
    save(page)
    page.get_by_text("已保存：浙里办重复填报人口数").wait_for()

    # Repeat last week's meeting for today in one tap.
    page.locator(f'form[action="/entries/{earlier.pk}/repeat/"] button').click()
    page.get_by_text("已按今天再记一次：上周例会").wait_for()

    mine = Entry.objects.filter(log__cadre=w.cadre, log__week=week)
    assert sorted(mine.values_list("kind", flat=True)) == [
        "app_task",
        "document",
        "inspection",
        "meeting",
        "meeting",
    ]
    app_task = mine.get(kind="app_task")
    assert (app_task.app, list(app_task.data_items.all())) == (w.app, [w.item])
    assert mine.get(title="全市安全生产视频会").meeting_role == "accompanying"
    assert mine.get(title="上周例会").occurred_on == today
    assert page.locator(".total-hours").first.inner_text() == "7"
    no_horizontal_scroll(page)
    shot(page, "06-week-filled")

    # Submit after a confirmation that shows the totals.
    page.get_by_role("link", name="提交本周").click()
    page.get_by_role("heading", name=re.compile("提交")).wait_for()
    assert page.locator("tfoot .total-hours").inner_text() == "7"
    no_horizontal_scroll(page)
    shot(page, "07-submit-confirm")
    page.get_by_role("button", name="提交本周").click()
    page.get_by_text(f"{week} 已提交，谢谢！").wait_for()
    assert page.locator(".week-stats .pill").inner_text() == "已提交"
    log = WeeklyLog.objects.get(cadre=w.cadre, week=week)
    assert log.status == LogStatus.SUBMITTED and not log.amended
    shot(page, "08-week-submitted")

    # Amending a submitted week keeps it submitted and marks it amended.
    page.locator(".entry", has_text="上周例会").get_by_role("link", name="删除").click()
    no_horizontal_scroll(page)
    page.get_by_role("button", name="删除").click()
    page.get_by_text("已删除：上周例会").wait_for()
    assert page.locator(".week-stats .pill").inner_text() == "已提交（有修改）"
    log.refresh_from_db()
    assert (log.status, log.amended) == (LogStatus.SUBMITTED, True)

    # The other pages fit the phone too.
    for path in ["/import/", f"/weeks/{week}/copy/", f"/weeks/{week}/add/"]:
        page.goto(live_server.url + path)
        no_horizontal_scroll(page)
    shot(page, "09-kind-picker")
    page.goto(live_server.url + "/import/")
    shot(page, "10-import")


def test_enter_right_after_typing_picks_the_match_not_a_recent_department(phone, live_server, browser_world):
    w = browser_world
    page = phone
    water = Department.objects.create(
        code="KC-WATER", name="柯城区水利局", level=DepartmentLevel.COUNTY, region=w.county
    )
    today = weeks.today()
    # Two recently used departments; the latest entry's one is offered first and tapped.
    for department in (w.dept_county, w.dept_city):
        services.entry_create(
            cadre=w.cadre, data=w.entry_data("document", day=today, departments=[department.pk])
        )
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/weeks/{weeks.current_week()}/add/meeting/")
    page.locator(".quick-picks button").first.click()
    assert page.locator(".quick-picks button").first.inner_text().endswith(w.dept_city.name)
    box = page.get_by_role("combobox", name="发起部门")
    box.click()
    page.get_by_role("option", name=w.dept_county.name, exact=True).wait_for()  # recent, on focus
    box.fill("水利")
    box.press("Enter")  # at once: before the lookup for 水利 has answered
    chosen = page.locator("select[name=departments] option:checked")
    expect(chosen).to_have_count(2)
    assert sorted(chosen.all_inner_texts()) == sorted([w.dept_city.name, water.name])
    assert page.url.endswith("/add/meeting/")  # Enter did not submit the form
    assert page.locator(f'select[name=departments] option[value="{water.pk}"]').count() == 1

    # The chips are removable, by a 44 px button named for its item.
    remove = page.get_by_role("button", name=f"移除 {w.dept_city.name}")
    box = remove.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    remove.click()
    expect(chosen).to_have_count(1)
    no_horizontal_scroll(page)

    page.get_by_label("事项名称").fill("水利工作会")
    page.get_by_label("耗时（小时）").fill("1")
    page.select_option("select[name=meeting_format]", "in_person")
    page.select_option("select[name=meeting_role]", "participant")
    shot(page, "13-picker-enter")
    save(page)
    page.get_by_text("已保存：水利工作会").wait_for()
    entry = Entry.objects.get(title="水利工作会")
    assert list(entry.departments.all()) == [water]


def test_the_basic_path_works_without_javascript(phone_without_js, live_server, browser_world):
    page = phone_without_js
    log_in(page, live_server, "bob")
    open_kind(page, "会议")
    page.get_by_label("事项名称").fill("无脚本也能填的会")
    page.get_by_label("耗时（小时）").fill("2")
    page.select_option("select[name=departments]", [str(browser_world.dept_county.pk)])
    page.select_option("select[name=meeting_format]", "in_person")
    page.select_option("select[name=meeting_role]", "participant")
    no_horizontal_scroll(page)
    shot(page, "11-no-js-form")
    save(page)
    page.get_by_text("已保存：无脚本也能填的会").wait_for()
    entry = Entry.objects.get(log__cadre=browser_world.cadre2)
    assert list(entry.departments.all()) == [browser_world.dept_county]


def test_the_language_switch_turns_the_page_english(phone, live_server, browser_world):
    page = phone
    log_in(page, live_server, "alice")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="This week", exact=True).wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    no_horizontal_scroll(page)
    shot(page, "12-week-english")
    page.get_by_role("button", name="简体中文").click()
    page.get_by_role("heading", name="本周", exact=True).wait_for()
