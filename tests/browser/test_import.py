"""A cadre uploads the same week's file twice on a 375 px phone: asked, not doubled."""

import io

import openpyxl
import pytest

from portal import weeks
from portal.models import Entry
from portal.week_import import template_xlsx

from .conftest import log_in, no_horizontal_scroll, shot

pytestmark = pytest.mark.browser


def filled_template(cadre, rows):
    """The cadre's own XLSX template with rows typed into its 填报 sheet."""
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(cadre)))
    sheet = book["填报"]
    headers = [cell.value for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return {
        "name": "本周事项.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": out.getvalue(),
    }


def upload(page, live_server, file):
    page.goto(f"{live_server.url}/import/")
    page.locator("input[type=file]").set_input_files(file)
    page.get_by_role("button", name="导入", exact=True).click()


def test_uploading_the_same_file_again_asks_and_skip_adds_no_duplicates(phone, live_server, browser_world):
    w = browser_world
    page = phone
    today = weeks.today().isoformat()
    rows = [
        {
            "类型": "会议",
            "日期": today,
            "事项名称": "全市防汛视频会",
            "耗时（小时）": 2,
            "发起部门": "衢州市民政局",
            "联合发起部门": "柯城区委办公室",
            "会议形式": "视频会议",
            "参会身份": "陪会",
        },
        {
            "类型": "文件",
            "日期": today,
            "事项名称": "报送材料的口头通知",
            "耗时（小时）": 1,
            "发起部门": "浙江省农业农村厅",
            "文件形式": "口头通知",
        },
    ]
    log_in(page, live_server, "alice")

    upload(page, live_server, filled_template(w.cadre, rows))
    page.get_by_text("已导入 2 条事项。").wait_for()
    assert Entry.objects.filter(log__cadre=w.cadre).count() == 2

    # The same rows again plus one new: asked first, nothing written yet.
    rows.append(
        {
            "类型": "政务应用任务",
            "日期": today,
            "事项名称": "浙里办数据填报",
            "耗时（小时）": 0.5,
            "发起部门": "浙江省农业农村厅",
            "应用": "浙里办",
            "应用操作": "数据填报",
            "数据项": "村户籍人口数",
        }
    )
    upload(page, live_server, filled_template(w.cadre, rows))
    page.get_by_role("heading", name="有些行已经记录过").wait_for()
    page.get_by_text("文件中的 3 行里有 2 行与您已记录的事项相同：").wait_for()
    assert page.get_by_text(f"{weeks.current_week()}：2 行（第 2–3 行）").is_visible()
    assert Entry.objects.filter(log__cadre=w.cadre).count() == 2
    no_horizontal_scroll(page)
    shot(page, "20-import-asks")

    page.get_by_role("button", name="跳过已有的，只导入 1 行新事项").click()
    page.get_by_text("已导入 1 条，跳过 2 条已有事项。").wait_for()
    no_horizontal_scroll(page)
    shot(page, "21-import-skipped")

    mine = Entry.objects.filter(log__cadre=w.cadre)
    titles = sorted(mine.values_list("title", flat=True))
    assert titles == sorted(["全市防汛视频会", "报送材料的口头通知", "浙里办数据填报"])  # each once
    meeting = mine.get(kind="meeting")
    assert set(meeting.departments.all()) == {w.dept_city, w.dept_county}
