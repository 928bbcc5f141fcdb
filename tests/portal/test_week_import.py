"""Week import: the template, all rows or none, every bad row named by its row number."""

import datetime as dt
import io
import time
import zipfile
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import db, services, week_import
from portal.models import Entry, WeeklyLog

HEADERS = [header for _field, header in week_import.COLUMNS]


@pytest.fixture
def cadre_client(client, world, frozen):
    client.force_login(world.cadre)
    return client


def xlsx(rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "填报"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("week.xlsx", out.getvalue())


def csv_file(rows, encoding="utf-8-sig", headers=HEADERS):
    lines = [",".join(headers)] + [",".join(str(row.get(h, "")) for h in headers) for row in rows]
    return SimpleUploadedFile("week.csv", ("\r\n".join(lines) + "\r\n").encode(encoding))


def import_rows(cadre, rows, on_existing=None):
    """What the upload view does with parsed rows once the cadre has chosen (if asked)."""
    return week_import.import_pending(cadre, week_import.prepare(rows), on_existing)


def good_rows():
    return [
        {
            "类型": "会议",
            "日期": dt.date(2026, 11, 16),
            "事项名称": "全市防汛视频会",
            "耗时（小时）": 2.5,
            "发起部门": "衢州市民政局、KC-OFFICE",
            "会议形式": "视频会议",
            "参会身份": "陪会",
            "层层传达": "是",
        },
        {
            "类型": "文件",
            "日期": "2026-11-17",
            "事项名称": "关于报送材料的口头通知",
            "耗时（小时）": "1",
            "发起部门": "浙江省农业农村厅",
            "文件形式": "口头通知",
            "要求书面报告": "是",
        },
        {
            "类型": "inspection",
            "日期": "2026/11/18",
            "事项名称": "乡村振兴调研",
            "耗时（小时）": 4,
            "发起部门": "ZJ-AGRI-01",
            "检查名义": "调研",
            "材料页数": 60,
            "要求整改": "否",
        },
        {
            "类型": "政务应用任务",
            "日期": "2026年11月12日",  # last week: imports land in the week of their date
            "事项名称": "浙里办数据填报",
            "耗时（小时）": "0.75",
            "发起部门": "浙江省农业农村厅",
            "应用": "浙里办",
            "应用操作": "数据填报",
            "重复填报": "是",
            "数据项": "村户籍人口数；DI-TOILET",
        },
    ]


def test_the_templates_have_the_chinese_headers(cadre_client):
    response = cadre_client.get(reverse("import_template", kwargs={"fmt": "xlsx"}))
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book["填报"][1]]
    assert header[:5] == ["类型", "日期", "事项名称", "耗时（小时）", "发起部门"]
    assert header == HEADERS
    assert "说明" in book.sheetnames
    response = cadre_client.get(reverse("import_template", kwargs={"fmt": "csv"}))
    assert response.content.decode("utf-8-sig").strip() == ",".join(HEADERS)
    assert cadre_client.get("/import/template.pdf").status_code == 404


def test_a_good_xlsx_file_imports_every_row(cadre_client, world):
    response = cadre_client.post(reverse("week_import"), {"file": xlsx(good_rows())})
    assert response.status_code == 302
    assert response["Location"] == reverse("week", kwargs={"week": "2026-W46"})
    entries = {e.kind: e for e in Entry.objects.all()}
    assert len(entries) == 4
    meeting = entries["meeting"]
    assert (meeting.hours, meeting.meeting_format, meeting.meeting_role, meeting.relayed) == (
        Decimal("2.5"),
        "video",
        "accompanying",
        True,
    )
    assert set(meeting.departments.all()) == {world.dept_city, world.dept_county}
    assert (entries["document"].doc_channel, entries["document"].report_back) == ("oral", True)
    assert (entries["inspection"].inspection_label, entries["inspection"].materials_pages) == ("research", 60)
    task = entries["app_task"]
    assert (task.app, task.duplicate_entry, task.log.week) == (world.app, True, "2026-W46")
    assert set(task.data_items.all()) == {world.item, world.item2}
    assert set(WeeklyLog.objects.values_list("week", flat=True)) == {"2026-W46", "2026-W47"}


def test_a_gbk_csv_file_from_excel_imports_too(cadre_client):
    rows = good_rows()[:3]
    rows[0]["发起部门"] = "衢州市民政局"
    rows[0]["日期"] = "2026-11-16"
    response = cadre_client.post(reverse("week_import"), {"file": csv_file(rows, encoding="gb18030")})
    assert response.status_code == 302
    assert Entry.objects.count() == 3


def test_a_bad_date_an_unknown_department_and_hours_out_of_range_are_listed_by_row(cadre_client):
    rows = good_rows()
    rows[0]["日期"] = "2026-13-45"  # row 2
    rows[1]["发起部门"] = "不存在的部门"  # row 3
    rows[2]["耗时（小时）"] = 30  # row 4
    response = cadre_client.post(reverse("week_import"), {"file": xlsx(rows)})
    assert response.status_code == 200
    problems = response.context["problems"]
    assert [message for _row, message in problems] == [
        "第 2 行，日期：请输入有效日期（YYYY-MM-DD）。",
        "第 3 行，发起部门：未知部门：不存在的部门。",
        "第 4 行，耗时（小时）：耗时必须大于 0 且不超过 24 小时。",
    ]
    page = response.content.decode()
    assert "未导入任何事项：共 3 个问题。" in page
    assert "第 3 行，发起部门：未知部门：不存在的部门。" in page
    assert not Entry.objects.exists()
    assert not WeeklyLog.objects.exists()


def test_the_same_problems_in_a_csv_file(world, frozen):
    rows = good_rows()
    rows[0]["日期"] = "昨天"
    rows[0]["发起部门"] = "衢州市民政局"
    rows[1]["发起部门"] = "不存在的部门"
    rows[2]["耗时（小时）"] = "0"
    with pytest.raises(week_import.ImportRejected) as caught:
        import_rows(world.cadre, week_import.parse_upload(csv_file(rows)))
    assert [row for row, _message in caught.value.problems] == [2, 3, 4]
    assert not Entry.objects.exists()


def test_every_problem_of_a_row_and_every_rule_of_the_services_is_reported(world, frozen):
    rows = good_rows()
    rows[0].update(
        {"日期": "2026-11-30", "会议形式": "飞鸽传书", "层层传达": "也许"}
    )  # future, bad choice, bad bool
    rows[1]["类型"] = "聚餐"
    rows[2]["耗时（小时）"] = 20
    rows[2]["日期"] = "2026-11-18"
    rows.append({**rows[2], "事项名称": "同一天又一次调研"})  # row 6: 20 + 20 hours on 11-18
    rows[3]["应用"] = "不存在的应用"
    rows[3]["数据项"] = "不存在的数据"
    with pytest.raises(week_import.ImportRejected) as caught:
        import_rows(world.cadre, week_import.parse_upload(xlsx(rows)))
    messages = [m for _row, m in caught.value.problems]
    assert "第 2 行，日期：日期不能晚于今天。" in messages
    assert "第 2 行，会议形式：“飞鸽传书”不是有效选项。" in messages
    assert "第 2 行，层层传达：请填写“是”或“否”。" in messages
    assert "第 3 行，类型：“聚餐”不是有效的类型。" in messages
    assert "第 5 行，应用：未知应用：不存在的应用。" in messages
    assert "第 5 行，数据项：未知数据项：不存在的数据。" in messages
    assert "第 6 行，耗时（小时）：2026-11-18 的事项合计将超过 24 小时。" in messages
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("week.xlsx", b"PK\x03\x04 not really a zip"), "无法读取这个 XLSX 文件。"),
        (SimpleUploadedFile("week.pdf", b"%PDF-1.4"), "请上传用模板填写的 .xlsx 或 .csv 文件。"),
        (
            SimpleUploadedFile("week.csv", "类型,日期\r\n".encode()),
            "缺少列：事项名称、耗时（小时）、发起部门。",
        ),
        (SimpleUploadedFile("week.csv", ",".join([*HEADERS, "备注"]).encode()), "未知的列：备注。"),
        (
            SimpleUploadedFile("week.csv", (",".join(HEADERS) + "\r\n,,\r\n").encode()),
            "标题行下面没有任何事项。",
        ),
        (SimpleUploadedFile("week.csv", b"\xff\xfe\x00\xd8bad"), "CSV 文件既不是 UTF-8 也不是 GBK 编码。"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(cadre_client, upload, message):
    response = cadre_client.post(reverse("week_import"), {"file": upload})
    assert response.status_code == 200
    assert any(message in m for _row, m in response.context["problems"]), response.context["problems"]
    assert not Entry.objects.exists()


def test_at_most_1000_rows(world, frozen):
    row = good_rows()[1]
    rows = [{**row, "耗时（小时）": "0.01"} for _ in range(1001)]
    with pytest.raises(week_import.ImportRejected) as caught:
        week_import.parse_upload(csv_file(rows))
    assert caught.value.problems == [(None, "每个文件最多 1000 条事项。")]


def _huge_workbook(rows: int, blank=False) -> bytes:
    """A workbook of `rows` rows that zips to a few tens of KB: the sheet XML is the same row
    again and again (and has no dimension, so a reader cannot know its size up front)."""
    template = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.title = "填报"
    book.save(template)
    cells = '<c t="inlineStr"><is><t>会议</t></is></c><c t="inlineStr"><is><t>2026-11-18</t></is></c>'
    header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADERS)
    body = f"<row>{'' if blank else cells}</row>" * rows  # row numbers may be left out
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData><row r="1">{header}</row>{body}</sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("blank", [False, True], ids=["entries", "blank rows"])
def test_a_small_file_with_200000_rows_is_refused_within_a_second(cadre_client, blank):
    content = _huge_workbook(200_000, blank=blank)
    assert len(content) < 100_000  # tens of KB on the wire
    start = time.monotonic()
    response = cadre_client.post(reverse("week_import"), {"file": SimpleUploadedFile("big.xlsx", content)})
    assert time.monotonic() - start < 1.0
    assert response.status_code == 200
    problems = " ".join(m for _row, m in response.context["problems"])
    assert ("每个文件最多 1000 条事项" if not blank else "文件太大") in problems, problems
    assert not Entry.objects.exists()


def test_a_workbook_that_unpacks_too_big_or_reads_too_long_is_refused(world, frozen, monkeypatch):
    upload = xlsx(good_rows())
    monkeypatch.setattr(week_import, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(week_import.ImportRejected, match="文件太大"):
        week_import.parse_upload(upload)
    monkeypatch.setattr(week_import, "MAX_UNPACKED_BYTES", 50 * 1024 * 1024)
    monkeypatch.setattr(week_import, "READ_SECONDS", -1.0)  # the budget is spent before reading
    with pytest.raises(week_import.ImportRejected):
        week_import.parse_upload(SimpleUploadedFile("big.xlsx", _huge_workbook(500, blank=True)))


def test_english_field_codes_work_as_headers(world, frozen):
    headers = [field for field, _h in week_import.COLUMNS]
    mapping = dict(zip(HEADERS, headers))
    rows = [{mapping[k]: v for k, v in good_rows()[1].items()}]
    rows[0]["kind"] = "document"
    rows[0]["doc_channel"] = "oral"
    result = import_rows(world.cadre, week_import.parse_upload(xlsx(rows, headers=headers)))
    assert [e.doc_channel for e in result.created] == ["oral"]


# ---------------------------------------------------------------------------- uploading again


def upload(client, rows, **kwargs):
    return client.post(reverse("week_import"), {"file": xlsx(rows)}, **kwargs)


def answer(client, asked, choice, **kwargs):
    token = asked.context["question"].token
    return client.post(reverse("week_import"), {"pending": token, "on_existing": choice}, **kwargs)


def contents(cadre):
    """The cadre's entries as comparable tuples (kind, date, title, hours, departments)."""
    return sorted(
        (e.kind, e.occurred_on, e.title, e.hours, tuple(sorted(d.pk for d in e.departments.all())))
        for e in Entry.objects.filter(log__cadre=cadre).prefetch_related("departments")
    )


def test_uploading_the_same_file_twice_asks_and_writes_nothing(cadre_client, world):
    assert upload(cadre_client, good_rows()).status_code == 302
    before = contents(world.cadre)
    response = upload(cadre_client, good_rows())
    assert response.status_code == 200
    question = response.context["question"]
    assert (question.total, question.matched, question.new) == (4, 4, 0)
    assert question.by_week == [("2026-W46", 1, "5"), ("2026-W47", 3, "2–4")]
    page = response.content.decode()
    assert "有些行已经记录过" in page
    assert "文件中的 4 行里有 4 行与您已记录的事项相同：" in page
    assert "2026-W47：3 行（第 2–4 行）" in page
    assert "尚未导入任何事项。" in page
    assert 'name="pending"' in page and 'value="skip"' in page and 'value="replace"' in page
    assert Entry.objects.count() == 4
    assert contents(world.cadre) == before


def test_skip_imports_only_the_rows_not_yet_logged(cadre_client, world):
    upload(cadre_client, good_rows()[:2])
    asked = upload(cadre_client, good_rows())  # rows 2 and 3 were imported before
    assert asked.context["question"].matched == 2
    assert Entry.objects.count() == 2
    response = answer(cadre_client, asked, "skip", follow=True)
    assert "已导入 2 条，跳过 2 条已有事项。" in response.content.decode()
    assert Entry.objects.count() == 4
    assert len(set(contents(world.cadre))) == 4  # no duplicates
    # The same answer sent again (a double tap) finds every row logged and writes nothing.
    response = answer(cadre_client, asked, "skip", follow=True)
    assert "未导入任何事项：文件中的 4 行都已记录过。" in response.content.decode()
    assert Entry.objects.count() == 4


def test_add_imports_every_row_again(cadre_client, world):
    upload(cadre_client, good_rows())
    asked = upload(cadre_client, good_rows())
    response = answer(cadre_client, asked, "add", follow=True)
    assert "已导入 4 条事项，其中 4 条与已有事项相同。" in response.content.decode()
    assert Entry.objects.count() == 8
    assert len(set(contents(world.cadre))) == 4


def test_replace_makes_the_file_the_log_of_its_weeks(cadre_client, world):
    upload(cadre_client, good_rows())
    typed = services.entry_create(  # typed in on the site, in one of the file's weeks
        cadre=world.cadre, data=world.entry_data("document", day=dt.date(2026, 11, 19), title="手工填写")
    )
    earlier = services.entry_create(  # a week the file does not touch: left alone
        cadre=world.cadre, data=world.entry_data("meeting", day=dt.date(2026, 11, 4), title="更早的会")
    )
    services.week_submit(cadre=world.cadre, week="2026-W47")
    corrected = good_rows()
    corrected[1]["耗时（小时）"] = "3"  # the cadre corrected one row's hours
    asked = upload(cadre_client, corrected)
    question = asked.context["question"]
    assert (question.matched, question.weeks, question.in_weeks) == (3, ["2026-W46", "2026-W47"], 5)
    assert (
        "先删除您在 2026-W46、2026-W47 已记录的全部 5 条事项（包括在网页上填写的），再导入文件中的全部 4 行。"
        in (asked.content.decode())
    )
    response = answer(cadre_client, asked, "replace", follow=True)
    assert "已删除 2026-W46、2026-W47 原有的 5 条事项，并导入 4 条。" in response.content.decode()
    assert not Entry.objects.filter(pk=typed.pk).exists()
    assert Entry.objects.filter(pk=earlier.pk).exists()
    in_file_weeks = Entry.objects.filter(log__week__in=["2026-W46", "2026-W47"])
    assert sorted(in_file_weeks.values_list("hours", flat=True)) == [
        Decimal("0.75"),
        Decimal("2.5"),
        Decimal("3"),
        Decimal("4"),
    ]
    log = WeeklyLog.objects.get(cadre=world.cadre, week="2026-W47")
    assert (log.status, log.amended) == ("submitted", True)  # a submitted week changed: rolled up again


def test_replace_is_all_or_nothing(world, frozen):
    rows = week_import.parse_upload(xlsx(good_rows()))
    import_rows(world.cadre, rows)
    before = contents(world.cadre)
    # The deletions are done when the insert fails: they must be rolled back with it.
    with (
        mock.patch.object(db, "insert_objects", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        import_rows(world.cadre, rows, "replace")
    assert contents(world.cadre) == before


def test_a_row_typed_in_by_hand_counts_as_already_logged(cadre_client, world):
    services.entry_create(
        cadre=world.cadre,
        data={
            "kind": "document",
            "occurred_on": "2026-11-17",
            "title": "关于报送材料的口头通知",
            "hours": "1.00",
            "departments": [world.dept_province.pk],
            "doc_channel": "oral",
            "report_back": True,
        },
    )
    asked = upload(cadre_client, good_rows())
    assert asked.context["question"].by_week == [("2026-W47", 1, "3")]
    assert Entry.objects.count() == 1
    answer(cadre_client, asked, "skip")
    assert Entry.objects.count() == 4


def test_a_file_with_no_logged_rows_imports_without_asking(cadre_client, world):
    upload(cadre_client, good_rows()[:2])
    response = upload(cadre_client, good_rows()[2:], follow=True)
    assert "已导入 2 条事项。" in response.content.decode()
    assert Entry.objects.count() == 4


def test_a_full_day_uploaded_again_asks_instead_of_citing_the_24_hour_rule(cadre_client, world):
    rows = [{**good_rows()[2], "耗时（小时）": 15}]
    upload(cadre_client, rows)
    asked = upload(cadre_client, rows)  # 15 + 15 hours: the question, not "more than 24 hours"
    assert asked.context["question"].matched == 1
    refused = answer(cadre_client, asked, "add")
    assert [m for _row, m in refused.context["problems"]] == [
        "第 2 行，耗时（小时）：2026-11-18 的事项合计将超过 24 小时。"
    ]
    assert refused.context["question"] is not None  # asked again, to choose otherwise
    assert Entry.objects.count() == 1
    answer(cadre_client, refused, "replace")
    assert Entry.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),  # the signature
        lambda token: token[:5] + ("A" if token[5] != "A" else "B") + token[6:],  # the rows
        lambda token: "not a payload at all",
        lambda token: "",
    ],
)
def test_a_tampered_payload_is_refused(cadre_client, world, tamper):
    upload(cadre_client, good_rows())
    asked = upload(cadre_client, good_rows())
    token = tamper(asked.context["question"].token)
    response = cadre_client.post(reverse("week_import"), {"pending": token, "on_existing": "add"})
    assert response.status_code == 200
    assert [m for _row, m in response.context["problems"]] == [
        "导入数据已被改动或损坏，未导入任何事项。请重新上传文件。"
    ]
    assert Entry.objects.count() == 4


def test_another_cadres_payload_is_refused(client, world, frozen):
    client.force_login(world.cadre)
    upload(client, good_rows())
    asked = upload(client, good_rows())
    client.force_login(world.cadre2)
    response = answer(client, asked, "add")
    assert "导入数据已被改动或损坏" in response.context["problems"][0][1]
    assert not Entry.objects.filter(log__cadre=world.cadre2).exists()


def test_an_answer_given_too_late_is_refused(cadre_client, world):
    upload(cadre_client, good_rows())
    asked = upload(cadre_client, good_rows())
    later = time.time() + week_import.PENDING_MAX_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = answer(cadre_client, asked, "add")
    assert response.context["problems"] == [(None, "上传的文件等待答复已超过一小时，请重新上传。")]
    assert Entry.objects.count() == 4


def test_an_unknown_answer_is_refused(cadre_client, world):
    upload(cadre_client, good_rows())
    asked = upload(cadre_client, good_rows())
    response = answer(cadre_client, asked, "merge")
    assert [m for _row, m in response.context["problems"]] == ["请选择如何处理已记录过的行。"]
    assert Entry.objects.count() == 4


def test_identical_rows_within_one_file_match_as_many_logged_entries(world, frozen):
    row = good_rows()[1]
    import_rows(world.cadre, week_import.parse_upload(xlsx([row])))
    with pytest.raises(week_import.AlreadyImported) as caught:
        import_rows(world.cadre, week_import.parse_upload(xlsx([row, row])))
    assert (caught.value.question.matched, caught.value.question.new) == (1, 1)
    result = import_rows(world.cadre, week_import.parse_upload(xlsx([row, row])), "skip")
    assert (len(result.created), len(result.skipped)) == (1, 1)
    assert Entry.objects.count() == 2


# ---------------------------------------------------------------------------- joint issuers


def test_the_joint_issuers_column_adds_departments(cadre_client, world):
    row = {**good_rows()[1], "发起部门": "浙江省农业农村厅", "联合发起部门": "衢州市民政局、KC-OFFICE"}
    assert upload(cadre_client, [row]).status_code == 302
    entry = Entry.objects.get()
    assert set(entry.departments.all()) == {world.dept_province, world.dept_city, world.dept_county}
    row["联合发起部门"] = "不存在的部门"
    response = upload(cadre_client, [row])
    assert [m for _row, m in response.context["problems"]] == [
        "第 2 行，联合发起部门：未知部门：不存在的部门。"
    ]


# ---------------------------------------------------------------------------- the template's lists


def test_the_template_lists_the_counties_reference_items_with_strict_drop_downs(cadre_client, world):
    from portal.models import App, Department, DepartmentLevel

    elsewhere = Department.objects.create(
        code="QJ-OFFICE", name="衢江区委办公室", level=DepartmentLevel.COUNTY, region=world.other_county
    )
    App.objects.create(code="APP-QJ", name="衢江通", owner=elsewhere)
    Department.objects.create(code="GOV-CN", name="国务院办公厅", level=DepartmentLevel.CENTRAL)
    response = cadre_client.get(reverse("import_template", kwargs={"fmt": "xlsx"}))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["填报", "说明", "部门", "应用", "数据项"]
    departments = [tuple(r) for r in book["部门"].iter_rows(values_only=True)]
    assert departments == [
        ("名称", "代码", "层级"),
        ("国务院办公厅", "GOV-CN", "中央"),
        ("浙江省农业农村厅", "ZJ-AGRI", "省"),
        ("浙江省农业农村厅乡村建设处", "ZJ-AGRI-01", "省"),
        ("衢州市民政局", "QZ-CIVIL", "市"),
        ("柯城区委办公室", "KC-OFFICE", "县（区）"),
    ]  # not the other county's office
    apps = [tuple(r) for r in book["应用"].iter_rows(values_only=True)]
    assert apps == [
        ("名称", "代码", "所属部门"),
        ("基层治理四平台", "APP-GRID", "衢州市民政局"),
        ("浙里办", "APP-ZLB", "浙江省农业农村厅"),
    ]
    items = [tuple(r) for r in book["数据项"].iter_rows(values_only=True)]
    assert items == [("名称", "代码"), ("村户籍人口数", "DI-POP"), ("改厕前后照片", "DI-TOILET")]

    sheet = book["填报"]
    letter = {c.value: c.column_letter for c in sheet[1]}
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            by_column[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
    expected = {
        "发起部门": ("'部门'!$A$2:$A$6", "stop"),
        "应用": ("'应用'!$A$2:$A$3", "stop"),
        "数据项": ("'数据项'!$A$2:$A$3", "stop"),
        # Several names in one cell: Excel warns but lets them through; the import checks each.
        "联合发起部门": ("'部门'!$A$2:$A$6", "warning"),
        "其他数据项": ("'数据项'!$A$2:$A$3", "warning"),
    }
    for header, (formula, style) in expected.items():
        validation = by_column[letter[header]]
        assert (validation.type, validation.formula1, validation.errorStyle) == ("list", formula, style)
        assert validation.showErrorMessage is True
        assert str(validation.sqref) == f"{letter[header]}2:{letter[header]}1001"
    for header in [
        "类型",
        "会议形式",
        "参会身份",
        "层层传达",
        "文件形式",
        "检查名义",
        "应用操作",
        "重复填报",
    ]:
        validation = by_column[letter[header]]
        assert validation.type == "list" and validation.formula1.startswith('"')
        assert (validation.showErrorMessage, validation.errorStyle) == (True, "stop"), header
    notes = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True)}
    assert "联合发起部门" in notes and "顿号" in notes["联合发起部门"]
    assert "重复导入" in notes


def test_a_formula_looking_department_name_is_text_in_the_template(cadre_client, world):
    world.dept_city.name = '=HYPERLINK("http://x","y")'
    world.dept_city.save()
    response = cadre_client.get(reverse("import_template", kwargs={"fmt": "xlsx"}))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["部门"]
    (cell,) = [c for row in sheet.iter_rows() for c in row if c.value == world.dept_city.name]
    assert cell.data_type == "s"  # the drop-down offers the exact name, and it runs nothing
