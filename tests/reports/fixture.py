"""A small hand-checked county: the expected tables in the tests are computed by hand from it.

Week 2026-W47, county 330802 (柯城区):
  alice (township 330802001, via her village), submitted:
    E1 meeting     2.5 h  [province]                 relayed, participant
    E2 document    1.0 h  [province, city]           unnumbered          (joint: 0.5 h each)
    E3 inspection  4.0 h  [division]                 research, 40 pages  (disguised)
    E4 app_task    0.5 h  [city]                     duplicate entry
  bob (township 330802001), submitted:
    E5 meeting     3.0 h  [county office]            accompanying, repeat topic
    E6 document    2.0 h  [county office]            numbered
    E7 inspection  1.5 h  [province, division, county office]  label inspection, rectification
                                                     (joint: 0.5 h each; not disguised)
  hank (township 330802002): submitted an empty week (a reporter with 0 hours)
  ivan (township 330802002): a draft with a 5 h meeting (excluded)
Week 2026-W46: alice, submitted: E8 meeting 1.0 h [city].
Other county 330803: carol, W47 submitted: E9 document 1.0 h [city], numbered.
"""

import datetime as dt

from portal import services
from portal.models import Role, User
from tests.conftest import PASSWORD

W47 = "2026-W47"
W46 = "2026-W46"
DAY47 = dt.date(2026, 11, 18)
DAY46 = dt.date(2026, 11, 11)


def cadre(username, region):
    user = User(username=username, role=Role.CADRE, display_name=username, region=region)
    user.set_password(PASSWORD)
    user.save()
    return user


def build(world):
    """Create the fixture's entries and submissions through the write services."""
    w = world
    prov, div, city, cty = w.dept_province.pk, w.dept_division.pk, w.dept_city.pk, w.dept_county.pk
    hank = cadre("hank", w.township2)
    ivan = cadre("ivan", w.township2)
    data = w.entry_data
    services.entries_bulk_create(
        cadre=w.cadre,
        rows=[
            data("meeting", DAY47, hours="2.5", departments=[prov], relayed=True),
            data("document", DAY47, hours="1.0", departments=[prov, city], doc_channel="unnumbered"),
            data(
                "inspection",
                DAY47,
                hours="4.0",
                departments=[div],
                inspection_label="research",
                materials_pages=40,
            ),
            data("app_task", DAY47, hours="0.5", departments=[city], duplicate_entry=True),
            data("meeting", DAY46, hours="1.0", departments=[city], relayed=False),
        ],
    )
    services.entries_bulk_create(
        cadre=w.cadre2,
        rows=[
            data(
                "meeting",
                DAY47,
                hours="3.0",
                departments=[cty],
                meeting_role="accompanying",
                relayed=False,
                repeat_topic=True,
            ),
            data("document", DAY47, hours="2.0", departments=[cty], doc_channel="numbered"),
            data(
                "inspection",
                DAY47,
                hours="1.5",
                departments=[prov, div, cty],
                inspection_label="inspection",
                materials_pages=0,
                rectification=True,
            ),
        ],
    )
    services.entries_bulk_create(cadre=ivan, rows=[data("meeting", DAY47, hours="5.0")])
    services.entries_bulk_create(
        cadre=w.other_cadre,
        rows=[data("document", DAY47, hours="1.0", departments=[city], doc_channel="numbered")],
    )
    for user, week in [(w.cadre, W47), (w.cadre, W46), (w.cadre2, W47), (hank, W47), (w.other_cadre, W47)]:
        services.week_submit(cadre=user, week=week)
    return {"hank": hank, "ivan": ivan}
