"""Inputs that once answered 500: each must now be a clean 400 or 404 and change nothing.

Hostile values of an entry's fields (dates, hours, titles, flags, choices, ids) are one table in
tests/portal/test_entry_spec.py, sent through the API, the filing form and the import alike."""

import io
import json
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.models import Entry, WeeklyLog
from tests.api.conftest import client_for


@pytest.fixture
def w(world, frozen):
    return world


def browser(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("week", ["2026-W40%0A", "1%D9%A9%D9%A9%D9%A9-W01", "0001-W01", "9999-W01"])
def test_a_week_that_is_not_an_ascii_iso_week_in_range_is_refused(w, week):
    answer = client_for(w.cadre).post(f"/api/v1/weeks/{week}/submit/")
    assert answer.status_code in (400, 404)
    assert not WeeklyLog.objects.exists()


@pytest.mark.parametrize("url", ["/weeks/0001-W01/", "/weeks/0001-W02/copy/", "/weeks/9999-W01/"])
def test_filing_pages_for_weeks_out_of_range_are_404(w, url):
    assert browser(w.cadre).get(url).status_code == 404


@pytest.mark.parametrize("period", ["9999", "9999-Q4", "9999-W52", "0001-W01", "0001", "٢٠٢٦"])
def test_dashboards_refuse_periods_out_of_range(w, period):
    client = browser(w.admin)
    for url in [
        f"/reports/counties/{w.county.code}/",
        f"/reports/regions/{w.city.code}/",
        f"/reports/departments/{w.dept_province.pk}/",
        f"/reports/counties/{w.county.code}/townships/{w.township.code}/",
    ]:
        assert client.get(f"{url}?period={period}").status_code == 400, url
    assert client.get(f"/api/v1/stats/counties/{w.county.code}/weeks/?period={period}").status_code == 400


@pytest.mark.parametrize("year", ["9999", "0001", "２０２６"])
def test_the_league_table_refuses_years_out_of_range(w, year):
    assert browser(w.admin).get(f"/reports/regions/{w.city.code}/league/?year={year}").status_code == 400


def test_unicode_digits_are_not_ids(w):
    client = client_for(w.admin)
    assert client.get("/api/v1/stats/departments/%C2%B2/counties/").status_code == 404
    assert client.get("/api/v1/exports/department-counties.csv?department=%C2%B2").status_code == 400


@pytest.mark.parametrize("title", ["a\ud800b", "a\x00b"])
def test_unstorable_titles_are_field_errors(w, title):
    client = client_for(w.cadre)

    def send(method, url, payload):
        # json.dumps escapes a lone surrogate as \ud800, as a client's JSON library would.
        return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json")

    answer = send("post", "/api/v1/entries/", w.entry_data(title=title, hours=2))
    assert answer.status_code == 400 and "title" in answer.json()
    entry = send("post", "/api/v1/entries/", w.entry_data(hours=2)).json()
    answer = send("patch", f"/api/v1/entries/{entry['id']}/", {"title": title})
    assert answer.status_code == 400 and "title" in answer.json()
    assert Entry.objects.get().title == w.entry_data()["title"]


def test_a_period_with_a_trailing_newline_is_refused_by_the_api(w):
    url = f"/api/v1/stats/counties/{w.county.code}/weeks/?period=2026-W47%0A"
    assert client_for(w.admin).get(url).status_code == 400


HEADER = "类型,日期,事项名称,耗时（小时）,发起部门,文件形式,页数\n"


def _import(w, name, content):
    client = browser(w.cadre)
    return client.post("/import/", {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    "row",
    [
        "文件,2026-11-18,x,1,ZJ-AGRI,无文号通知,²\n",
        "文件,2026-11-18,x" + "y" * 200_000 + ",1,ZJ-AGRI,无文号通知,1\n",
        "文件,2026-11-18,a\x00b,1,ZJ-AGRI,无文号通知,1\n",
    ],
)
def test_a_hostile_csv_is_rejected_with_a_message(w, row):
    answer = _import(w, "week.csv", (HEADER + row).encode())
    assert answer.status_code in (200, 400)
    assert not Entry.objects.exists()


def test_a_damaged_xlsx_is_rejected_with_a_message(w):
    book = openpyxl.Workbook()
    book.active.append(["类型"])
    whole = io.BytesIO()
    book.save(whole)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole.getvalue())) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    answer = _import(w, "week.xlsx", damaged.getvalue())
    assert answer.status_code in (200, 400)
    assert "XLSX" in answer.content.decode()
    assert not Entry.objects.exists()


# ---------------------------------------------------------------------------- nesting, NUL, size


def deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [1000, 100_000, 17])
def test_json_nested_too_deep_is_400_even_before_login(w, levels):
    body = '{"username": "alice", "password": ' + deep_json(levels) + "}"
    answer = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert answer.status_code == 400
    assert "16" in answer.json()["detail"]


def test_json_nested_too_deep_is_400_for_a_cadre_and_changes_nothing(w):
    body = '{"entries": [' + deep_json(1000) + "]}"
    answer = client_for(w.cadre).post("/api/v1/entries/bulk/", body, content_type="application/json")
    assert answer.status_code == 400
    assert "detail" in answer.json()
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stats/counties/3308%0002/weeks/",
        "/api/v1/stats/counties/330802/departments/?period=2026-Q4%00",
        "/api/v1/stats/counties/330802/weeks/?per%00iod=2026-Q4",
        "/api/v1/weeks/2026-W47%00/",
    ],
)
def test_a_nul_in_an_api_path_or_query_is_a_json_400(w, url):
    answer = client_for(w.county_reviewer).get(url)
    assert answer.status_code == 400
    assert "NUL" in answer.json()["detail"]


@pytest.mark.parametrize(
    "url",
    ["/reports/counties/3308%0002/", "/reports/counties/330802/?period=2026%00", "/weeks/2026-W47/?x=%00"],
)
def test_a_nul_in_a_page_address_is_a_400_page(w, url):
    answer = browser(w.county_reviewer).get(url)
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("text/html")
    assert "NUL" in answer.content.decode()


def test_a_nul_in_a_form_field_is_a_400_and_changes_nothing(w):
    answer = Client().post("/login/", {"username": "ali\x00ce", "password": "x"})
    assert answer.status_code == 400
    assert "username" in answer.content.decode()
    data = {
        "occurred_on": "2026-11-20",
        "title": "会\x00议",
        "hours": "1",
        "departments": [str(w.dept_city.pk)],
    }
    answer = browser(w.cadre).post("/weeks/2026-W47/add/meeting/", data)
    assert answer.status_code == 400
    assert not Entry.objects.exists()


def test_a_nul_in_a_cookie_is_a_400(w):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijk"
    assert client.get("/").status_code == 400


@pytest.mark.parametrize("body", [{"title": "会\x00议"}, {"ti\x00tle": "x"}])
def test_a_nul_in_a_json_string_or_key_is_a_json_400(w, body):
    data = {**w.entry_data(), **body}
    answer = client_for(w.cadre).post("/api/v1/entries/", data, format="json")
    assert answer.status_code == 400
    assert "NUL" in json.dumps(answer.json(), ensure_ascii=False)
    assert not Entry.objects.exists()


def test_a_nul_in_a_bulk_entry_is_reported_where_field_errors_are(w):
    rows = [w.entry_data(), w.entry_data(title="会\x00议")]
    answer = client_for(w.cadre).post("/api/v1/entries/bulk/", {"entries": rows}, format="json")
    assert answer.status_code == 400
    assert list(answer.json()["entries"]["1"]) == ["title"]
    assert not Entry.objects.exists()


def test_a_nul_in_the_token_login_is_a_400(w):
    data = {"username": "ali\x00ce", "password": "x"}
    answer = Client().post("/api/v1/auth/token/", data, content_type="application/json")
    assert answer.status_code == 400
    assert "username" in answer.json()


def test_an_api_body_over_the_limit_is_a_json_413(w, settings):
    body = json.dumps({"entries": [w.entry_data(title="x" * 1000)] * 3000})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    answer = client_for(w.cadre).post("/api/v1/entries/bulk/", body, content_type="application/json")
    assert answer.status_code == 413
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in answer.json()["detail"]
    assert not Entry.objects.exists()
