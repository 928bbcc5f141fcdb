"""A county big enough to show something above the minimum group (5), for dashboard tests.

County 330802 (柯城区) gets two more townships; cadres per township: 府山街道 7 (5 of them
village cadres, so both cadre levels are big enough to list in the cost), 荷花街道 6, 石室乡 6,
万田乡 2: 21 in all. Each cadre submits W46 and W47 with:
  a relayed meeting "全省乡村振兴工作视频会" (province), a document (city, unnumbered),
  a "research" inspection with 10 pages of materials (county office: disguised),
  an inspection by the city bureau (so two departments inspect in the same fortnight),
  an app task in 浙里办 and one in 基层治理四平台 asking for the same data item,
plus `extra` more 0.25-hour meetings (8.5 hours per cadre-week without them). The other county
(衢江区) gets 1 cadre. Everything goes through the write services, then the rollup.

Data is filed on the frozen Sunday of 2026-W47, while that week is still open: readers above the
cadre see only 2026-W46 until the `w47_closed` fixture moves "now" past its close (Tuesday noon).

What reporter protection shows (reports.protection): 万田乡 (2 cadres) and 衢江区 (1) are below
the minimum group and show the notice; every other township and 柯城区 itself are shown (no
complementary suppression), with every figure perturbed unless a test asks for the `exact` ones.
"""

import datetime as dt

from portal import services
from portal.models import Department, DepartmentLevel, Region, RegionLevel, Role, User
from reports import jobs
from tests.conftest import PASSWORD

DAYS = {"2026-W46": dt.date(2026, 11, 11), "2026-W47": dt.date(2026, 11, 18)}
TITLE = "全省乡村振兴工作视频会"
JOINED = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def _cadre(username, region):
    user = User(username=username, role=Role.CADRE, display_name=username, region=region)
    user.set_password(PASSWORD)
    user.save()
    return user


def _rows(w, day, extra):
    data = w.entry_data
    rows = [
        data("meeting", day, hours="2.0", title=TITLE, departments=[w.dept_province.pk], relayed=True),
        data("document", day, hours="1.0", departments=[w.dept_city.pk], doc_channel="unnumbered"),
        data(
            "inspection",
            day,
            hours="3.0",
            departments=[w.dept_county.pk],
            inspection_label="research",
            materials_pages=10,
        ),
        data("inspection", day, hours="1.5", departments=[w.dept_city.pk], inspection_label="inspection"),
        data("app_task", day, hours="0.5", app=w.app.pk, data_items=[w.item.pk], duplicate_entry=True),
        data(
            "app_task", day, hours="0.5", app=w.app2.pk, data_items=[w.item.pk], departments=[w.dept_city.pk]
        ),
    ]
    rows += [
        data("meeting", day, hours="0.25", title=f"例会 {n}", departments=[w.dept_county.pk], relayed=False)
        for n in range(extra)
    ]
    return rows


def populate(w, extra=0):
    """Build the county described above and roll it up; returns {township name: Region}."""
    t3 = Region.objects.create(code="330802003", name="石室乡", level=RegionLevel.TOWNSHIP, parent=w.county)
    t4 = Region.objects.create(code="330802004", name="万田乡", level=RegionLevel.TOWNSHIP, parent=w.county)
    village2 = Region.objects.create(
        code="330802001002", name="府山二村", level=RegionLevel.VILLAGE, parent=w.township
    )
    units = {w.township: 2, w.township2: 6, t3: 6, t4: 2, w.village: 3, village2: 2, w.other_township: 1}
    for unit, count in units.items():
        for n in range(count):
            cadre = _cadre(f"c{unit.code}-{n}", unit)
            for week, day in DAYS.items():
                services.entries_bulk_create(cadre=cadre, rows=_rows(w, day, extra))
                services.week_submit(cadre=cadre, week=week)
    # Every cadre's account dates from the start of the year, so completeness (logs submitted /
    # logs expected from active accounts week by week) has a denominator in every week.
    User.objects.filter(role=Role.CADRE).update(date_joined=JOINED)
    jobs.rollup_all()
    return {"府山街道": w.township, "荷花街道": w.township2, "石室乡": t3, "万田乡": t4}


def grow(w, extra):
    """Add `extra` short meetings to every populated cadre's weeks (amendments), and roll up again:
    many more raw entries, the same cells."""
    for cadre in User.objects.filter(username__startswith="c3308"):
        for day in DAYS.values():
            rows = [
                w.entry_data("meeting", day, hours="0.25", title=f"补充会 {n}", relayed=False)
                for n in range(extra)
            ]
            services.entries_bulk_create(cadre=cadre, rows=rows)
    jobs.rollup_all()


SMALL_DEPARTMENT = {"code": "QZ-SMALL", "name": "衢州市档案馆"}


def add_small_department(w, cadres=2, week="2026-W46"):
    """A department named by only `cadres` cadres of 万田乡 (fewer than the minimum group), in an
    amendment of their submitted `week`; rolled up. Returns the department."""
    department = Department.objects.create(level=DepartmentLevel.CITY, region=w.city, **SMALL_DEPARTMENT)
    filers = User.objects.filter(username__startswith="c330802004-").order_by("username")[:cadres]
    for cadre in filers:
        row = w.entry_data("document", DAYS[week], hours="1.0", departments=[department.pk])
        services.entries_bulk_create(cadre=cadre, rows=[row])
    jobs.rollup_all()
    return department
