"""Filing must be quicker than describing it aloud: a repeated meeting in at most 3 actions."""

import datetime as dt

import pytest

from portal import services, weeks
from portal.models import Entry

from .conftest import log_in, shot

pytestmark = pytest.mark.browser


class Counted:
    """Drives the page and counts user actions: every click and every filled field."""

    def __init__(self, page):
        self.page = page
        self.actions = 0

    def click(self, locator):
        locator.click()
        self.actions += 1

    def fill(self, locator, value):
        locator.fill(value)
        self.actions += 1


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


def test_a_repeated_meeting_is_one_tap(phone, live_server, browser_world, last_weeks_meeting):
    log_in(phone, live_server, "alice")
    user = Counted(phone)
    user.click(phone.get_by_role("button", name="按今天再记一次“周一班子例会”"))
    phone.get_by_text("已按今天再记一次：周一班子例会").wait_for()
    assert user.actions <= 3
    copy = Entry.objects.get(log__cadre=browser_world.cadre, occurred_on=weeks.today())
    assert (copy.title, copy.hours, copy.meeting_format) == (
        "周一班子例会",
        last_weeks_meeting.hours,
        "in_person",
    )
    assert list(copy.departments.all()) == [browser_world.dept_county]


def test_a_new_meeting_like_the_last_is_three_actions(phone, live_server, browser_world, last_weeks_meeting):
    """Kind, title, save: format, role, department and hours are remembered from the last one."""
    log_in(phone, live_server, "alice")
    user = Counted(phone)
    user.click(phone.locator(".kind-card", has_text="会议"))
    user.fill(phone.get_by_label("事项名称"), "周三班子例会")
    shot(phone, "13-three-actions-form")
    user.click(phone.get_by_role("button", name="保存", exact=True))
    phone.get_by_text("已保存：周三班子例会").wait_for()
    assert user.actions == 3
    entry = Entry.objects.get(title="周三班子例会")
    assert (entry.occurred_on, entry.hours, entry.meeting_format, entry.meeting_role) == (
        weeks.today(),
        last_weeks_meeting.hours,
        "in_person",
        "participant",
    )
    assert list(entry.departments.all()) == [browser_world.dept_county]
