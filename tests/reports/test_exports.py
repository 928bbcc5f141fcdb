"""Exports: the stats answers as streamed files, per role, protected exactly as the answers.

Files are read with perturbation on (the default) and compared with the stats API's answer for the
same cell; exact figures use the `exact` fixture. Data is filed on the frozen Sunday of 2026-W47;
`closed` reads it once that week has closed.
"""

import codecs
import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tests.reports import dashboard_data

pytestmark = pytest.mark.django_db
ADJUSTED_EN = "To protect reporters, figures are randomly adjusted a little; parts may not add up to totals."
ADJUSTED_ZH = "为保护填报人，数字经过随机微调，分项之和可能不等于合计"


def client_for(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def url(dataset, fmt, **query):
    """The export's URL; field codes as headers (what these tests of the rows read) unless the
    test asks for the readable files (header="names", the default for people)."""
    query.setdefault("header", "codes")
    base = reverse("api-stats:export", kwargs={"dataset": dataset, "fmt": fmt})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def body(answer) -> bytes:
    return b"".join(answer.streaming_content) if answer.streaming else answer.content


@pytest.fixture
def county_world(world, frozen):
    """Read on the Sunday the data was filed: 2026-W47 is still open."""
    dashboard_data.populate(world)
    return world


@pytest.fixture
def closed(county_world, w47_closed):
    return county_world


def _csv_rows(answer):
    text = body(answer).decode("utf-8")
    assert text.startswith("\ufeff")  # a BOM, so Excel reads the Chinese names
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(answer):
    sheet = load_workbook(io.BytesIO(body(answer))).active
    return list(sheet.iter_rows(values_only=True))


def _note_of(row):
    """The note of a final spreadsheet row: its first cell, every other cell empty."""
    assert set(row[1:]) <= {None, ""}, row
    return row[0]


def _api(user, path):
    return client_for(user).get(f"/api/v1/stats/{path}").json()


def test_county_townships_csv_is_the_answer_flattened_with_its_total_and_the_note(closed):
    w = closed
    answer = client_for(w.county_reviewer).get(url("county-townships", "csv", period="2026-Q4"))
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    header, *rows = _csv_rows(answer)
    *parts, total, note = rows
    records = [dict(zip(header, row)) for row in parts]
    expected = _api(w.county_reviewer, f"counties/{w.county.code}/townships/?period=2026-Q4")
    assert [r["township_code"] for r in records] == [t["township"]["code"] for t in expected["results"]]
    for row, part in zip(records, expected["results"]):
        assert row["suppressed"] == str(part["suppressed"])
        if part["suppressed"]:
            assert row["reporters"] == row["hours_total"] == row["hours_meeting"] == ""
        else:
            # The same cell, the same numbers as the answer.
            assert int(row["reporters"]) == part["reporters"]
            assert float(row["hours_meeting"]) == part["hours"]["meeting"]
    total = dict(zip(header, total))
    assert total["township_code"] == "Total"
    assert int(total["reporters"]) == expected["total"]["reporters"]
    assert 19 <= expected["total"]["reporters"] <= 23  # 21 cadres, a count moved by at most 2
    assert "万田乡" in [r["township_name"] for r in records]
    # The note: a final row after the total, in the first column, as wide as the header.
    assert note[0] == ADJUSTED_EN and set(note[1:]) == {""} and len(note) == len(header)


def test_county_weeks_json_carries_perturbed_as_of_and_the_note(closed):
    w = closed
    answer = client_for(w.cadre).get(url("county-weeks", "json", period="2026-Q4"))
    assert answer.status_code == 200 and answer.streaming
    data = json.loads(body(answer))
    api = _api(w.cadre, f"counties/{w.county.code}/weeks/?period=2026-Q4")
    assert data["dataset"] == "county-weeks" and data["min_group"] == 5
    assert data["perturbed"] is True and data["note"] == ADJUSTED_EN
    assert data["as_of"] == api["as_of"] and data["as_of"]
    weeks = [dict(zip(data["columns"], row)) for row in data["rows"]]
    assert [r["week"] for r in weeks] == [r["week"] for r in api["results"]]
    assert [r["week"] for r in weeks][-1] == "2026-W47"  # the last closed week
    w47 = next(r for r in weeks if r["week"] == "2026-W47")
    api47 = next(r for r in api["results"] if r["week"] == "2026-W47")
    assert w47["suppressed"] is False and w47["reporters"] == api47["reporters"]
    assert w47["hours_total"] == api47["hours_total"]
    assert next(r for r in weeks if r["week"] == "2026-W45")["hours_total"] is None
    # The note is in the meta only: no row of the JSON holds it.
    assert all(ADJUSTED_EN not in json.dumps(row) for row in data["rows"])


def test_the_note_is_in_the_readers_language(closed):
    w = closed
    client = client_for(w.county_reviewer, language="zh-hans")
    data = json.loads(body(client.get(url("county-weeks", "json", period="2026-Q4"))))
    assert data["note"] == ADJUSTED_ZH
    rows = _csv_rows(client.get(url("county-weeks", "csv", period="2026-Q4")))
    assert rows[-1][0] == ADJUSTED_ZH
    assert _note_of(_xlsx_rows(client.get(url("county-weeks", "xlsx", period="2026-Q4")))[-1]) == ADJUSTED_ZH


def test_xlsx_holds_the_same_rows_then_the_total_then_the_note(closed):
    w = closed
    answer = client_for(w.region_reviewer).get(url("region-counties", "xlsx", region=w.city.code))
    assert answer.status_code == 200
    header, *rows = _xlsx_rows(answer)
    assert header[:3] == ("county_code", "county_name", "suppressed")
    # 衢江区 has one cadre and is hidden; 柯城区 is shown (no complementary suppression).
    by_code = {r[0]: r for r in rows[:2]}
    assert by_code[w.county.code][2] is False and by_code[w.other_county.code][2] is True
    assert by_code[w.other_county.code][3] is None
    api = _api(w.region_reviewer, f"regions/{w.city.code}/counties/")
    shown = next(r for r in api["results"] if r["county"]["code"] == w.county.code)
    assert by_code[w.county.code][3] == shown["reporters"]
    assert rows[-2][0] == "Total" and rows[-2][3] == api["total"]["reporters"]
    assert _note_of(rows[-1]) == ADJUSTED_EN


def test_every_format_says_its_figures_are_adjusted(closed):
    w = closed
    for dataset, user, query in [
        ("county-weeks", w.county_reviewer, {}),
        ("county-townships", w.county_reviewer, {}),
        ("county-departments", w.county_reviewer, {}),
        ("region-counties", w.region_reviewer, {"region": w.city.code}),
        ("department-counties", w.department_viewer, {}),
    ]:
        client = client_for(user)
        assert json.loads(body(client.get(url(dataset, "json", **query))))["note"] == ADJUSTED_EN, dataset
        assert _csv_rows(client.get(url(dataset, "csv", **query)))[-1][0] == ADJUSTED_EN, dataset
        assert _note_of(_xlsx_rows(client.get(url(dataset, "xlsx", **query)))[-1]) == ADJUSTED_EN, dataset


def test_exact_files_say_nothing_is_adjusted(closed, exact):
    w = closed
    client = client_for(w.county_reviewer)
    data = json.loads(body(client.get(url("county-weeks", "json", period="2026-Q4"))))
    assert data["perturbed"] is False and data["note"] is None
    weeks = {row[0]: dict(zip(data["columns"], row)) for row in data["rows"]}
    assert weeks["2026-W47"]["reporters"] == 21 and weeks["2026-W47"]["hours_total"] == 178.5
    rows = _csv_rows(client.get(url("county-weeks", "csv", period="2026-Q4")))
    assert rows[-1][0] == "2026-W47"  # no total for weeks, and no note


def test_a_department_below_the_minimum_is_in_no_file(closed):
    w = closed
    small = dashboard_data.add_small_department(w, cadres=2)
    client = client_for(w.county_reviewer)
    for fmt in ("csv", "json"):
        text = body(client.get(url("county-departments", fmt, period="2026-Q4"))).decode("utf-8")
        assert w.dept_city.name in text
        assert small.name not in text and small.code not in text, fmt
    cells = [v for row in _xlsx_rows(client.get(url("county-departments", "xlsx"))) for v in row]
    assert w.dept_city.name in cells and small.name not in cells and small.code not in cells
    ids = [row[0] for row in _xlsx_rows(client.get(url("county-departments", "xlsx")))[1:-2]]
    assert small.pk not in ids and w.dept_city.pk in ids


def test_the_open_week_is_in_no_file(county_world):
    w = county_world  # read on the Sunday of 2026-W47
    client = client_for(w.county_reviewer)
    for dataset in ("county-weeks", "county-townships", "county-departments"):
        for fmt in ("csv", "json"):
            text = body(client.get(url(dataset, fmt, period="2026-Q4"))).decode("utf-8")
            assert "2026-W47" not in text, (dataset, fmt)
    data = json.loads(body(client.get(url("county-weeks", "json", period="2026-Q4"))))
    assert [row[0] for row in data["rows"]][-1] == "2026-W46"
    rows = _xlsx_rows(client.get(url("county-weeks", "xlsx", period="2026-Q4")))
    assert "2026-W47" not in [r[0] for r in rows] and rows[-2][0] == "2026-W46"
    # The open week asked for by name: its row is hidden.
    data = json.loads(body(client.get(url("county-townships", "json", period="2026-W47"))))
    assert all(row[data["columns"].index("suppressed")] is True for row in data["rows"])


def test_a_month_is_a_period(closed):
    w = closed
    data = json.loads(body(client_for(w.county_reviewer).get(url("county-weeks", "json", period="2026-M11"))))
    assert data["period"] == "2026-M11"
    assert [row[0] for row in data["rows"]] == ["2026-W45", "2026-W46", "2026-W47"]


def test_department_counties_follow_the_viewers_scope(closed):
    w = closed
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
        ("county_reviewer", {"period": "2026-M13"}, 400),
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


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("name", FORMULAS)
def test_a_formula_looking_name_is_inert_text_in_csv_and_xlsx(closed, name):
    w = closed
    w.dept_city.name = name
    w.dept_city.save()
    client = client_for(w.county_reviewer)
    rows = _csv_rows(client.get(url("county-departments", "csv", period="2026-Q4")))
    (row,) = [r for r in rows if r[0] == str(w.dept_city.pk)]
    # The quote makes a spreadsheet show the text; the figures beside it stay plain numbers.
    assert "'" + name in row
    assert name not in row
    figures = [cell for cell in row if cell and cell[0].isdigit()]
    assert figures and all(float(cell) >= 0 for cell in figures)

    sheet = load_workbook(
        io.BytesIO(body(client.get(url("county-departments", "xlsx", period="2026-Q4"))))
    ).active
    # XML reads a carriage return back as a line feed.
    (cell,) = [c for row in sheet.iter_rows() for c in row if c.value == name.replace("\r", "\n")]
    assert cell.data_type == "s"  # text, not "f" (a formula)
    numbers = [c for c in sheet[cell.row] if type(c.value) in (int, float)]
    assert numbers and all(c.data_type == "n" for c in numbers)


# ---------------------------------------------------------------------------- files people read


def test_xlsx_for_people_has_chinese_headers_a_title_block_and_percentages(closed):
    w = closed
    answer = client_for(w.county_reviewer, "zh-hans").get(
        url("county-townships", "xlsx", period="2026-Q4", header="names")
    )
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(body(answer)))
    sheet = book.active
    assert sheet.title == "乡镇（街道）"
    rows = list(sheet.iter_rows(values_only=True))
    # Title block: the county, the period, the data's date, the note, the notice explained.
    assert rows[0][0].endswith("柯城区") and rows[1][0] == "期间：2026-Q4"
    assert rows[2][0].startswith("数据截至") and rows[3][0] == ADJUSTED_ZH
    header_at = next(i for i, r in enumerate(rows) if r[0] == "乡镇代码")
    assert sheet.freeze_panes == f"A{header_at + 2}"
    header = rows[header_at]
    assert "填报完整率" in header and "人均每周用时" in header and "hours_per_reporter" not in header
    share = header.index("占40小时工作周的比例")
    cells = list(sheet.iter_rows(min_row=header_at + 2))
    formats = {row[share].number_format for row in cells if isinstance(row[share].value, float)}
    assert formats == {"0.0%"}
    hidden = [r for r in rows[header_at + 1 :] if r[header.index("是否隐藏（人数不足）")] == "是"]
    assert hidden and all(r[header.index("填报干部")] == "少于5人，不予显示" for r in hidden)


def test_csv_for_people_keeps_its_bom_and_has_chinese_headers(closed):
    w = closed
    data = body(
        client_for(w.county_reviewer, "zh-hans").get(
            url("county-weeks", "csv", period="2026-Q4", header="names")
        )
    )
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("周次,是否隐藏（人数不足）,填报干部")
    assert text.rstrip().splitlines()[-1].startswith("数据截至")


def test_a_bad_header_is_a_400(closed):
    w = closed
    answer = client_for(w.county_reviewer, "zh-hans").get(url("county-weeks", "csv", header="fancy"))
    assert answer.status_code == 400 and "header" in answer.json()
