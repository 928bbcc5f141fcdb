"""/api/v1/problems/ and /api/v1/problems/{id}/: scope by role, what each sees, 400 / 403 / 404."""

import pytest
from django.urls import reverse

from problems import services
from problems.models import Report
from tests.api.conftest import client_for

from .conftest import answered, file, routed

LIST = "/api/v1/problems/"


def detail(report):
    return reverse("api-problems:problem-detail", kwargs={"id": report.pk})


def body(w, **overrides):
    data = {
        "departments": [w.dept_province.pk],
        "pattern": "traces",
        "summary": "每天拍照打卡三次",
        "details": "照片还要带水印。",
    }
    data.update(overrides)
    return data


def test_a_cadre_creates_and_lists_their_own_with_steps(w):
    api = client_for(w.cadre)
    created = api.post(LIST, body(w), format="json")
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["week"] == "2026-W48" and report["status"] == "new"
    assert report["original"]["summary"] == "每天拍照打卡三次"
    assert [s["kind"] for s in report["steps"]] == ["filed"] and report["steps"][0]["date"] is None
    file(w, cadre=w.cadre2)
    listed = api.get(LIST).json()
    assert [r["id"] for r in listed["results"]] == [report["id"]]
    assert api.get(reverse("api-problems:problem-detail", kwargs={"id": report["id"]})).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"departments": []}, "departments"),
        ({"departments": [999_999]}, "departments"),
        ({"departments": ["1"]}, "departments"),
        ({"departments": "1"}, "departments"),
        ({"departments": [True]}, "departments"),
        ({"pattern": "moon"}, "pattern"),
        ({"pattern": 5}, "pattern"),
        ({"summary": None}, "summary"),
        ({"summary": "x" * 199 + "   "}, "summary"),
        ({"details": ""}, "details"),
    ],
)
def test_bad_input_is_400_by_field_and_writes_nothing(w, overrides, field):
    answer = client_for(w.cadre).post(LIST, body(w, **overrides), format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert Report.objects.count() == 0


def test_junk_bodies_and_pages_are_400_not_500(w):
    api = client_for(w.cadre)
    assert api.post(LIST, [1, 2], format="json").status_code == 400
    assert api.post(LIST, "junk", content_type="application/json").status_code == 400
    assert api.get(LIST + "?limit=0").status_code == 400
    assert api.get(LIST + "?offset=x").status_code == 400


def test_another_cadres_report_is_404(w):
    report = file(w)
    for user in (w.cadre2, w.other_cadre, w.county_reviewer.__class__.objects.get(username="frank")):
        assert client_for(user).get(detail(report)).status_code == 404
    assert client_for(w.cadre).get("/api/v1/problems/abc/").status_code == 404
    assert client_for(w.cadre).get(f"/api/v1/problems/{2**70}/").status_code == 404


def test_each_reader_sees_only_their_scope_and_never_the_original_unless_privy(w):
    report = file(w)
    services.report_edit(
        reviewer=w.county_reviewer, report=report, summary="照片打卡过多", details="每天三次。"
    )
    routed(w, report)
    routed(w, departments=[w.dept_city.pk])  # frank's department is not concerned
    office = client_for(w.county_reviewer).get(detail(report)).json()
    assert office["original"]["summary"] == "同一户籍人口数每月要在三个系统重复填报"
    assert office["messages"] == []
    for user in (w.department_viewer, w.region_reviewer):
        seen = client_for(user).get(detail(report)).json()
        assert seen["summary"] == "照片打卡过多" and seen["original"] is None and seen["messages"] is None
        assert "edited" not in [s["kind"] for s in seen["steps"]]
    frank = client_for(w.department_viewer).get(LIST).json()
    assert [r["id"] for r in frank["results"]] == [report.pk]
    assert client_for(w.region_reviewer).get(LIST).json()["count"] == 2
    # The other county's region reviewer sees only routed reports; a new one is not listed.
    file(w)
    assert client_for(w.region_reviewer).get(LIST).json()["count"] == 2
    assert client_for(w.county_reviewer).get(LIST).json()["count"] == 3


def test_steps_of_the_loop_carry_weeks_and_the_office_dates(w):
    report = answered(w)
    steps = client_for(w.cadre).get(detail(report)).json()["steps"]
    kinds = [s["kind"] for s in steps]
    assert kinds == ["filed", "routed", "answered"]
    assert steps[0]["date"] is None and steps[1]["date"] == "2026-11-23"
    assert all(s["week"] == "2026-W48" for s in steps)


def test_the_schema_documents_the_problem_routes(w):
    schema = client_for().get("/api/schema/?format=json").json()
    assert "/api/v1/problems/" in schema["paths"] and "/api/v1/problems/{id}/" in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/problems/"])
    problem = schema["components"]["schemas"]["Problem"]["properties"]
    assert {"steps", "routings", "week", "cosigns", "original"} <= set(problem)
    assert not [name for name in problem if "author" in name or "user" in name]
