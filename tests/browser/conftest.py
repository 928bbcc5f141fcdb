"""Real Chromium through Playwright's sync API against pytest-django's live server.

The live server runs in a thread of this process and shares the test database (live_server
implies transactional_db). Screenshots go to test-artifacts/ (gitignored) for a human to look at.
"""

import os
import pathlib

import pytest

from tests.conftest import PASSWORD, World, chromium_path, need

# Playwright's sync API runs an event loop in the test thread; Django would then refuse the
# test's own (synchronous) database calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 812}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",  # the browser's own widgets (date picker) in Chinese too
]


@pytest.fixture(scope="module")
def chromium():
    # Per module, so Playwright's event loop is gone before the next module's tests run.
    path = chromium_path()
    need(path is not None, "needs Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_world(live_server):
    return World()


def _context(chromium, **kwargs):
    options = {"viewport": PHONE, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "device_scale_factor": 2}
    options.update(kwargs)
    return chromium.new_context(**options)


@pytest.fixture
def phone(chromium):
    """A page in a phone-sized, Chinese-speaking browser."""
    context = _context(chromium)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_without_js(chromium):
    context = _context(chromium, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def county(browser_world, frozen):
    """The dashboard county (tests/reports/dashboard_data) in the browser world, read once 2026-W47
    has closed."""
    from django.core.cache import cache

    from tests.conftest import W47_CLOSED
    from tests.reports import dashboard_data

    cache.clear()  # rendered bodies are cached by data version; tests reuse codes and ids
    dashboard_data.populate(browser_world)
    frozen.set(W47_CLOSED)  # filed on the Sunday of 2026-W47; read once that week has closed
    yield browser_world
    cache.clear()
