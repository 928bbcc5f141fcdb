"""Exports: the stats answers as streamed files, per role, with the same suppression."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from portal.weeks import Period
from reports import stats
from tests.reports import dashboard_data

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def url(dataset, fmt, **query):
    base = reverse("api-stats:export", kwargs={"dataset": dataset, "fmt": fmt})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def body(answer) -> bytes:
    return b"".join(answer.streaming_content) if answer.streaming else answer.content


@pytest.fixture
def county_world(world, frozen):
    dashboard_data.populate(world)
    return world


def _csv_rows(answer):
    text = body(answer).decode("utf-8")
    assert text.startswith("\ufeff")  # a BOM, so Excel reads the Chinese names
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_county_townships_csv_is_the_answer_flattened_with_its_total(county_world):
    w = county_world
    answer = client_for(w.county_reviewer).get(url("county-townships", "csv", period="2026-Q4"))
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    rows = _csv_rows(answer)
    expected = stats.county_townships(w.county, Period("quarter", "2026-Q4"))
    assert [r["township_code"] for r in rows[:-1]] == [t["township"]["code"] for t in expected["results"]]
    for row, part in zip(rows, expected["results"]):
        assert row["suppressed"] == str(part["suppressed"])
        if part["suppressed"]:
            assert row["reporters"] == row["hours_total"] == row["hours_meeting"] == ""
        else:
            assert int(row["reporters"]) == part["reporters"]
            assert float(row["hours_meeting"]) == part["hours"]["meeting"]
    assert rows[-1]["township_code"] == "Total"
    assert int(rows[-1]["reporters"]) == expected["total"]["reporters"] == 21
    assert "万田乡" in [r["township_name"] for r in rows]


def test_county_weeks_json_streams_every_week(county_world):
    w = county_world
    answer = client_for(w.cadre).get(url("county-weeks", "json", period="2026-Q4"))
    assert answer.status_code == 200 and answer.streaming
    data = json.loads(body(answer))
    assert data["dataset"] == "county-weeks" and data["min_group"] == 5
    weeks = [dict(zip(data["columns"], row)) for row in data["rows"]]
    api = stats.county_weeks(w.county, Period("quarter", "2026-Q4"))["results"]
    assert [r["week"] for r in weeks] == [r["week"] for r in api]
    w47 = next(r for r in weeks if r["week"] == "2026-W47")
    assert w47["reporters"] == 21 and w47["suppressed"] is False
    assert next(r for r in weeks if r["week"] == "2026-W45")["hours_total"] is None


def test_xlsx_holds_the_same_rows(county_world):
    w = county_world
    answer = client_for(w.region_reviewer).get(url("region-counties", "xlsx", region=w.city.code))
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(body(answer))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("county_code", "county_name", "suppressed")
    # 衢江区 has one cadre, so both counties are hidden beside the city's total.
    assert [r[2] for r in rows[1:3]] == [True, True]
    assert rows[1][3] is None and rows[-1][0] == "Total"


def test_department_counties_follow_the_viewers_scope(county_world):
    w = county_world
    assert client_for(w.department_viewer).get(url("department-counties", "csv")).status_code == 200
    other = url("department-counties", "csv", department=w.dept_city.pk)
    assert client_for(w.department_viewer).get(other).status_code == 403
    assert client_for(w.region_reviewer).get(other).status_code == 200


@pytest.mark.parametrize(
    ("role", "query", "status"),
    [
        ("cadre", {"county": "330803"}, 403),  # another county
        ("county_reviewer", {"county": "330803", "period": "junk"}, 403),  # permission first
        ("county_reviewer", {"period": "junk"}, 400),
        ("county_reviewer", {"county": "999999"}, 404),
        ("admin", {}, 400),  # no county of their own: must name one
        ("department_viewer", {"county": "330802"}, 403),
    ],
)
def test_permission_then_parameters(world, frozen, role, query, status):
    answer = client_for(getattr(world, role)).get(url("county-weeks", "csv", **query))
    assert answer.status_code == status


def test_unknown_datasets_are_404_and_a_department_id_must_be_a_number(world, frozen):
    assert client_for(world.admin).get(url("entries", "csv")).status_code == 404
    answer = client_for(world.admin).get(url("department-counties", "csv", department="x"))
    assert answer.status_code == 400 and "department" in answer.json()


def test_a_client_asking_for_csv_gets_csv(world, frozen):
    client = client_for(world.county_reviewer)
    answer = client.get(url("county-departments", "csv"), HTTP_ACCEPT="text/csv")
    assert answer.status_code == 200
    assert body(answer).decode("utf-8").splitlines()[0].startswith("\ufeffdepartment_id,")
