"""Shared fixtures: a small reference world and one account per role.

`need(condition, reason)` skips a test that needs a service or a browser this machine lacks,
with the reason shown by `-ra`; under CI=true such a skip is a failure instead, so CI can never
pass by skipping.
"""

import datetime as dt
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import translation

from portal.models import (
    App,
    DataItem,
    Department,
    DepartmentLevel,
    Region,
    RegionLevel,
    Role,
    User,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct-horse-battery"


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must not skip: {reason}")
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true any skip is a failure, not only need()'s: CI passes by running everything."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"CI must not skip: {report.longrepr}"
    return report


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a test that switched to English must not change
    the messages of whichever test its worker runs next (the order differs under xdist)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def need_postgres():
    need(on_postgres(), "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/burden")


@pytest.fixture
def need_redis():
    need(redis_reachable(), "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")


class World:
    """A province with one city, two counties, townships and villages; departments, apps, items."""

    def __init__(self):
        R = Region.objects.create
        self.province = R(code="330000", name="浙江省", level=RegionLevel.PROVINCE)
        self.city = R(code="330800", name="衢州市", level=RegionLevel.CITY, parent=self.province)
        self.county = R(code="330802", name="柯城区", level=RegionLevel.COUNTY, parent=self.city)
        self.other_county = R(code="330803", name="衢江区", level=RegionLevel.COUNTY, parent=self.city)
        self.township = R(code="330802001", name="府山街道", level=RegionLevel.TOWNSHIP, parent=self.county)
        self.township2 = R(code="330802002", name="荷花街道", level=RegionLevel.TOWNSHIP, parent=self.county)
        self.village = R(code="330802001001", name="府山村", level=RegionLevel.VILLAGE, parent=self.township)
        self.other_township = R(
            code="330803001", name="樟潭街道", level=RegionLevel.TOWNSHIP, parent=self.other_county
        )
        D = Department.objects.create
        self.dept_province = D(
            code="ZJ-AGRI", name="浙江省农业农村厅", level=DepartmentLevel.PROVINCE, region=self.province
        )
        self.dept_division = D(
            code="ZJ-AGRI-01",
            name="浙江省农业农村厅乡村建设处",
            level=DepartmentLevel.PROVINCE,
            parent=self.dept_province,
            region=self.province,
        )
        self.dept_city = D(code="QZ-CIVIL", name="衢州市民政局", level=DepartmentLevel.CITY, region=self.city)
        self.dept_county = D(
            code="KC-OFFICE", name="柯城区委办公室", level=DepartmentLevel.COUNTY, region=self.county
        )
        self.app = App.objects.create(code="APP-ZLB", name="浙里办", owner=self.dept_province)
        self.app2 = App.objects.create(code="APP-GRID", name="基层治理四平台", owner=self.dept_city)
        self.item = DataItem.objects.create(code="DI-POP", name="村户籍人口数")
        self.item2 = DataItem.objects.create(code="DI-TOILET", name="改厕前后照片")

        def user(username, role, **kwargs):
            u = User(username=username, role=role, display_name=username, **kwargs)
            u.set_password(PASSWORD)
            u.is_staff = role == Role.ADMIN
            u.is_superuser = role == Role.ADMIN
            u.save()
            return u

        self.cadre = user("alice", Role.CADRE, region=self.village)
        self.cadre2 = user("bob", Role.CADRE, region=self.township)
        self.other_cadre = user("carol", Role.CADRE, region=self.other_township)
        self.county_reviewer = user("dave", Role.COUNTY_REVIEWER, region=self.county)
        self.region_reviewer = user("erin", Role.REGION_REVIEWER, region=self.city)
        self.department_viewer = user("frank", Role.DEPARTMENT_VIEWER, department=self.dept_province)
        self.admin = user("grace", Role.ADMIN)

    def entry_data(self, kind="meeting", day=None, **overrides):
        """A valid entry payload (JSON-style) of each kind."""
        day = day or dt.date(2026, 11, 18)
        base = {
            "kind": kind,
            "occurred_on": day.isoformat(),
            "title": "全省乡村振兴工作视频会",
            "hours": "2.5",
            "departments": [self.dept_province.pk],
        }
        base.update(
            {
                "meeting": {"meeting_format": "video", "meeting_role": "participant", "relayed": True},
                "document": {"doc_channel": "unnumbered", "pages": 3, "report_back": True},
                "inspection": {"inspection_label": "research", "materials_pages": 40},
                "app_task": {"app": self.app.pk, "app_action": "data_entry", "data_items": [self.item.pk]},
            }[kind]
        )
        base.update(overrides)
        return base


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """A cache of its own per test: cached answers are keyed by data versions (row counts, ids,
    computed_at) that can repeat between tests whose databases were rolled back."""
    import uuid

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def world(db):
    return World()


SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FROZEN_NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
# Wednesday of the next week: 2026-W47 has closed (Tuesday noon), so readers above the cadre see it.
W47_CLOSED = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


class Clock:
    """The frozen "now"; `set()` moves it (e.g. to read a week once it has closed)."""

    def __init__(self, patched):
        self._patched = patched
        self.now = FROZEN_NOW

    def set(self, moment: dt.datetime) -> None:
        self.now = moment
        self._patched.return_value = moment.astimezone(dt.UTC)


@pytest.fixture
def frozen():
    """Freeze "now" at Sunday 2026-11-22 10:00 Shanghai time (ISO week 2026-W47)."""
    from unittest import mock

    from django.utils import timezone

    with mock.patch.object(timezone, "now", return_value=FROZEN_NOW.astimezone(dt.UTC)) as patched:
        yield Clock(patched)


@pytest.fixture
def w47_closed(frozen):
    """Read as on Wednesday 2026-11-25, once 2026-W47 has closed (after the data was filed)."""
    frozen.set(W47_CLOSED)
    return frozen


@pytest.fixture
def exact(settings):
    """Exact figures (BURDEN_PERTURBATION=0), for tests of the measures themselves."""
    settings.BURDEN_PERTURBATION = False
