"""The county target for hours per cadre per week (reports.targets): set and cleared by the
county's burden-reduction office through its form, refused to everyone else whatever they send,
validated with messages in Chinese, and carried to the trend chart (static/js/dashboards.js draws
`chart.target` as a dashed line on the hours-per-cadre axis)."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Role, User
from reports import targets
from reports.models import CountyTarget
from tests.reports import dashboard_data

pytestmark = pytest.mark.django_db
RANGE = "目标须在每名干部每周 0.1 至 40 小时之间。"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _target_url(w, county=None):
    return reverse("reports:county-target", args=[(county or w.county).code])


def _chart(w, user=None):
    page = client_for(user or w.county_reviewer).get(reverse("reports:county", args=[w.county.code]))
    assert page.status_code == 200
    html = page.content.decode()
    data = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(data.group(1)), html


def test_the_county_office_sets_and_clears_its_target(world, frozen):
    office = client_for(world.county_reviewer)
    form = office.get(_target_url(world))
    assert form.status_code == 200 and 'name="hours_per_cadre_week"' in form.content.decode()
    answer = office.post(_target_url(world), {"hours_per_cadre_week": "6.5"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("reports:county", args=[world.county.code]) + "#trend-title"
    assert CountyTarget.objects.get(county=world.county).hours_per_cadre_week == Decimal("6.5")
    assert targets.target_of(world.county) == 6.5
    # The form shows the current target, and a second save replaces it (one row per county).
    assert 'value="6.5"' in office.get(_target_url(world)).content.decode()
    office.post(_target_url(world), {"hours_per_cadre_week": "8"})
    assert CountyTarget.objects.get().hours_per_cadre_week == Decimal("8.0")
    # Empty clears it.
    assert office.post(_target_url(world), {"hours_per_cadre_week": ""}).status_code == 302
    assert not CountyTarget.objects.exists() and targets.target_of(world.county) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("-2", RANGE),
        ("0", RANGE),
        ("40.5", RANGE),
        ("400", RANGE),
        ("abc", "请填写小时数，如 6.5。"),
        ("6.55", "小数不超过 1 位"),
    ],
)
def test_bad_input_is_a_chinese_form_error_and_changes_nothing(world, frozen, value, message):
    targets.set_target(world.county, Decimal("7.0"))
    answer = client_for(world.county_reviewer).post(_target_url(world), {"hours_per_cadre_week": value})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert message in html, html
    assert 'aria-invalid="true"' in html or "errorlist" in html
    assert CountyTarget.objects.get().hours_per_cadre_week == Decimal("7.0")


def test_nobody_else_may_set_it_whatever_they_send(world, frozen):
    other_office = User.objects.create(
        username="olga", role=Role.COUNTY_REVIEWER, region=world.other_county, display_name="olga"
    )
    for user in (
        other_office,
        world.cadre,
        world.department_viewer,
        world.region_reviewer,
        world.admin,
    ):
        client = client_for(user)
        assert client.get(_target_url(world)).status_code == 403, user
        for value in ("6.5", "-1", "abc", ""):
            assert client.post(_target_url(world), {"hours_per_cadre_week": value}).status_code == 403
    assert not CountyTarget.objects.exists()
    # Nor do they get the link to the form.
    _chart_data, html = _chart(world, world.cadre)
    assert _target_url(world) not in html
    # The other office sets its own county's target, not this one's.
    assert (
        client_for(other_office)
        .post(_target_url(world, world.other_county), {"hours_per_cadre_week": "5"})
        .status_code
        == 302
    )
    assert targets.target_of(world.other_county) == 5.0 and targets.target_of(world.county) is None


def test_the_trend_chart_carries_the_target_line(world, frozen, w47_closed):
    dashboard_data.populate(world)
    chart, html = _chart(world)
    assert chart["target"] is None and "data-target" not in html
    assert _target_url(world) in html  # the office's link to set it
    client_for(world.county_reviewer).post(_target_url(world), {"hours_per_cadre_week": "6.5"})
    chart, html = _chart(world)  # the cached page is keyed by the target: no stale page
    assert chart["target"] == 6.5 and chart["target_label"] == "县级目标"
    # The line is drawn against the hours per cadre, one point per week of the chart.
    assert len(chart["per_cadre"]) == len(chart["weeks"]) and chart["weeks"]
    assert all(v is None or v > 0 for v in chart["per_cadre"])
    assert 'data-target="6.5"' in html and "县级目标：6.5小时" in html
    # Every reader of the county sees the same line.
    region_chart, _html = _chart(world, world.region_reviewer)
    assert region_chart["target"] == 6.5
    client_for(world.county_reviewer).post(_target_url(world), {"hours_per_cadre_week": ""})
    assert _chart(world)[0]["target"] is None
