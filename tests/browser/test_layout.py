"""Layout in real Chromium: on a desktop the header lines up with the dashboard body below it (and
with the narrow body of other pages); on a 375 px phone in English no word is broken across two
lines and no page scrolls sideways. Screenshots: test-artifacts/layout-*.png."""

import datetime as dt

import pytest

from portal import services, weeks
from portal.models import Entry
from tests.conftest import PASSWORD

from .conftest import ARTIFACTS, PHONE, shot
from .test_dashboards import DESKTOP, assert_every_chart_draws, log_in

pytestmark = pytest.mark.browser

# Every run of two or more Latin letters or digits in a visible text node whose line boxes lie on
# more than one line: a word broken inside. A line break may only fall between such runs (at a
# space, after a hyphen), so a run's client rects all share one line unless the word was cut.
# Chinese text is not looked at: it breaks between any two characters.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, select, option, textarea, .visually-hidden')) continue;
    if (!parent.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    for (const match of node.data.matchAll(/[A-Za-z0-9\\u00C0-\\u024F]{2,}/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (rects.length < 2) continue;
      // A word wider than its whole line has to break: only a needless break counts.
      let block = parent;
      while (block.parentElement && getComputedStyle(block).display.startsWith('inline')) {
        block = block.parentElement;
      }
      if (rects.reduce((sum, r) => sum + r.width, 0) > block.clientWidth) continue;
      const tops = rects.map((r) => r.top);
      const height = Math.min(...rects.map((r) => r.height));
      if (Math.max(...tops) - Math.min(...tops) > height / 2) {
        const where = `${parent.tagName.toLowerCase()} class="${parent.className}"`;
        broken.push(`"${match[0]}" in <${where}>: ${node.data.trim().slice(0, 60)}`);
      }
    }
  }
  return broken;
}"""


# The innermost elements reaching past the right edge of a phone's screen, for a failure message.
STICKING_OUT = """(width) => [...document.body.querySelectorAll('*')]
  .filter((el) => el.getBoundingClientRect().left + el.scrollWidth > width + 1 && el.checkVisibility())
  .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().left + c.scrollWidth > width + 1))
  .slice(0, 8)
  .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">: ${el.textContent.trim().slice(0, 50)}`)
"""


def english(page):
    """Turn the portal English with its own language switch (the choice is kept in a cookie)."""
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")


def assert_words_whole(page, name, language="en"):
    shot(page, f"layout-{language}-" + name.replace(" ", "-") + "-phone")  # first: a failure leaves one
    broken = page.evaluate(BROKEN_WORDS)
    assert not broken, f"{name}: words broken across lines:\n" + "\n".join(broken)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        out = "\n".join(page.evaluate(STICKING_OUT, PHONE["width"]))
        pytest.fail(f"{name} is {width}px wide at {PHONE['width']}px; reaching past the edge:\n{out}")


def test_the_desktop_header_lines_up_with_the_page_body(chromium, live_server, county):
    w = county
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    page = context.new_page()

    def edges(selector):
        box = page.locator(selector).first.bounding_box()
        return round(box["x"]), round(box["x"] + box["width"])

    def assert_lined_up(name, wide):
        bar, nav, body = edges(".site-header .bar"), edges(".main-nav"), edges("main.container")
        for box in (bar, nav):
            assert abs(box[0] - body[0]) <= 1 and abs(box[1] - body[1]) <= 1, f"{name}: {box} vs body {body}"
        width = body[1] - body[0]
        assert (width > 1000) if wide else (800 < width < 900), f"{name}: body {width}px wide"
        # The brand's text and the first tab's start where the page's heading does.
        heading = page.locator("main h1").first.bounding_box()["x"]
        brand = page.locator(".brand").bounding_box()["x"]
        tab = page.locator(".main-nav a").first.evaluate(
            "(a) => a.getBoundingClientRect().left + parseFloat(getComputedStyle(a).paddingLeft)"
        )
        for what, x in (("brand", brand), ("first tab", tab)):
            assert abs(x - heading) <= 1, f"{name}: {what} at {x}, heading at {heading}"

    try:
        log_in(page, live_server, w.county_reviewer.username)
        for name, path in [
            ("home", "/reports/"),
            ("county", f"/reports/counties/{w.county.code}/?period=2026-Q4"),
            ("report", f"/reports/counties/{w.county.code}/report/?period=2026-Q4"),
        ]:
            page.goto(live_server.url + path)
            assert_lined_up(name, wide=True)
        assert_every_chart_draws(page)
        shot(page, "layout-report-desktop")
        page.goto(f"{live_server.url}/reports/counties/{w.county.code}/?period=2026-Q4")
        page.screenshot(path=str(ARTIFACTS / "layout-county-desktop-top.png"))

        # A page that is not a dashboard keeps the narrow body, and the header follows it.
        page.goto(f"{live_server.url}/reports/counties/{w.county.code}/target/")
        assert_lined_up("target", wide=False)
        shot(page, "layout-target-desktop")
    finally:
        context.close()


def test_english_dashboards_on_a_phone_break_lines_between_words(phone, live_server, county):
    w = county
    page = phone
    log_in(page, live_server, w.county_reviewer.username)
    english(page)
    for name, path in [
        ("county", f"/reports/counties/{w.county.code}/?period=2026-Q4"),
        ("township", f"/reports/counties/{w.county.code}/townships/{w.township.code}/?period=2026-Q4"),
        ("report", f"/reports/counties/{w.county.code}/report/?period=2026-Q4"),
        ("department", f"/reports/departments/{w.dept_city.pk}/?period=2026-Q4"),
        ("home", "/reports/"),
    ]:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert_words_whole(page, name)

    page.context.clear_cookies()
    log_in(page, live_server, w.region_reviewer.username)
    english(page)
    for name, path in [
        ("region", f"/reports/regions/{w.city.code}/?period=2026-Q4"),
        ("league", f"/reports/regions/{w.city.code}/league/?year=2026"),
    ]:
        page.goto(live_server.url + path)
        assert_words_whole(page, name)

    # Chinese still wraps, between characters: the league table's long lead takes three lines.
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    lead = page.locator(".lead").first
    lines = lead.evaluate("(p) => Math.round(p.clientHeight / parseFloat(getComputedStyle(p).lineHeight))")
    assert lines >= 2, lead.inner_text()
    assert_words_whole(page, "league", language="zh")


def test_english_filing_pages_on_a_phone_break_lines_between_words(phone, live_server, browser_world):
    w = browser_world
    today = weeks.today()
    week = weeks.current_week()
    last_week = today - dt.timedelta(days=7)
    for kind in ("meeting", "document", "inspection", "app_task"):
        data = w.entry_data(kind, day=today, title=f"Weekly {kind} review", departments=[w.dept_province.pk])
        services.entry_create(cadre=w.cadre, data=data)
    services.entry_create(
        cadre=w.cadre, data=w.entry_data("meeting", day=last_week, title="Last week's meeting")
    )
    # A title with no place to break (a file number pasted in) must still not widen the page.
    services.entry_create(
        cadre=w.cadre, data=w.entry_data("document", day=today, title="QZ" + "0123456789" * 6)
    )
    entry = Entry.objects.filter(log__cadre=w.cadre, log__week=week).first()

    page = phone
    page.goto(f"{live_server.url}/login/")
    english(page)
    assert_words_whole(page, "login")
    page.get_by_label("Username").fill(w.cadre.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="This week", exact=True).wait_for()
    assert_words_whole(page, "week")
    for name, path in [
        ("kind picker", f"/weeks/{week}/add/"),
        ("meeting form", f"/weeks/{week}/add/meeting/"),
        ("document form", f"/weeks/{week}/add/document/"),
        ("inspection form", f"/weeks/{week}/add/inspection/"),
        ("app task form", f"/weeks/{week}/add/app_task/"),
        ("edit entry", f"/entries/{entry.pk}/edit/"),
        ("delete entry", f"/entries/{entry.pk}/delete/"),
        ("copy last week", f"/weeks/{week}/copy/"),
        ("submit", f"/weeks/{week}/submit/"),
        ("import", "/import/"),
    ]:
        page.goto(live_server.url + path)
        assert_words_whole(page, name)
