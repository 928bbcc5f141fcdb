"""Week import: the template, all rows or none, every bad row named by its row number."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import week_import
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
        week_import.import_rows(world.cadre, week_import.parse_upload(csv_file(rows)))
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
        week_import.import_rows(world.cadre, week_import.parse_upload(xlsx(rows)))
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


def test_english_field_codes_work_as_headers(world, frozen):
    headers = [field for field, _h in week_import.COLUMNS]
    mapping = dict(zip(HEADERS, headers))
    rows = [{mapping[k]: v for k, v in good_rows()[1].items()}]
    rows[0]["kind"] = "document"
    rows[0]["doc_channel"] = "oral"
    created = week_import.import_rows(world.cadre, week_import.parse_upload(xlsx(rows, headers=headers)))
    assert [e.doc_channel for e in created] == ["oral"]
