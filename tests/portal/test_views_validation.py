"""Every entry rule, seen through the filing form: a Chinese message at its field, nothing saved."""

import datetime as dt

import pytest
from django.urls import reverse

from portal import services
from portal.models import Entry

from .test_views import form_data


@pytest.fixture
def cadre_client(client, world, frozen):
    client.force_login(world.cadre)
    return client


def post(client, kind, data):
    return client.post(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": kind}), data)


def field_errors(response, field):
    form = response.context["form"]
    return form.errors.get(field, [])


RULES = [
    # (kind, overrides, field, Chinese message)
    ("meeting", {"occurred_on": ""}, "occurred_on", "此项为必填项。"),
    ("meeting", {"occurred_on": "2026-02-30"}, "occurred_on", "请输入有效日期（YYYY-MM-DD）。"),
    ("meeting", {"occurred_on": "2026-11-23"}, "occurred_on", "日期不能晚于今天。"),
    ("meeting", {"title": ""}, "title", "此项为必填项。"),
    ("meeting", {"title": "   "}, "title", "此项为必填项。"),
    ("meeting", {"title": "会" * 201}, "title", "最多 200 个字符。"),
    ("meeting", {"hours": ""}, "hours", "此项为必填项。"),
    ("meeting", {"hours": "abc"}, "hours", "请输入小时数。"),
    ("meeting", {"hours": "0"}, "hours", "耗时必须大于 0 且不超过 24 小时。"),
    ("meeting", {"hours": "-1"}, "hours", "耗时必须大于 0 且不超过 24 小时。"),
    ("meeting", {"hours": "30"}, "hours", "耗时必须大于 0 且不超过 24 小时。"),
    ("meeting", {"hours": "1.234"}, "hours", "耗时最多保留两位小数。"),
    ("meeting", {"departments": []}, "departments", "请至少选择一个发起部门。"),
    ("meeting", {"departments": ["999999"]}, "departments", "999999"),
    ("meeting", {"meeting_format": ""}, "meeting_format", "此项为必填项。"),
    ("meeting", {"meeting_format": "telepathy"}, "meeting_format", "“telepathy”不是有效选项。"),
    ("meeting", {"meeting_role": ""}, "meeting_role", "此项为必填项。"),
    ("document", {"doc_channel": ""}, "doc_channel", "此项为必填项。"),
    ("document", {"pages": "-3"}, "pages", "不能小于 0。"),
    ("document", {"pages": "2.5"}, "pages", "输入整数。"),
    ("document", {"pages": "100001"}, "pages", "不能超过 100000。"),
    ("inspection", {"inspection_label": ""}, "inspection_label", "此项为必填项。"),
    ("inspection", {"materials_pages": "-1"}, "materials_pages", "不能小于 0。"),
    ("app_task", {"app": ""}, "app", "此项为必填项。"),
    ("app_task", {"app": "999999"}, "app", "未知应用：999999。"),
    ("app_task", {"app_action": ""}, "app_action", "此项为必填项。"),
    ("app_task", {"data_items": ["999999"]}, "data_items", "999999"),
]


@pytest.mark.parametrize(("kind", "overrides", "field", "message"), RULES)
def test_each_rule_shows_its_chinese_message_at_its_field(
    cadre_client, world, kind, overrides, field, message
):
    response = post(cadre_client, kind, form_data(world, kind, **overrides))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(message in str(error) for error in errors), errors
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page  # rendered next to the field
    assert "未保存" in page
    assert not Entry.objects.exists()


def test_a_days_hours_may_not_add_up_to_more_than_24(cadre_client, world):
    services.entry_create(cadre=world.cadre, data=world.entry_data(day=dt.date(2026, 11, 20), hours="20"))
    response = post(cadre_client, "document", form_data(world, "document", hours="5"))
    assert "2026-11-20 的事项合计将超过 24 小时。" in " ".join(field_errors(response, "hours"))
    assert Entry.objects.count() == 1
    # Exactly 24 is allowed.
    response = post(cadre_client, "document", form_data(world, "document", hours="4"))
    assert response.status_code == 302
    assert Entry.objects.count() == 2


def test_an_edit_that_breaks_a_rule_changes_nothing(cadre_client, world):
    entry = services.entry_create(cadre=world.cadre, data=world.entry_data("inspection"))
    url = reverse("entry_edit", kwargs={"pk": entry.pk})
    response = cadre_client.post(url, form_data(world, "inspection", hours="30", title="新名字"))
    assert "耗时必须大于 0 且不超过 24 小时。" in field_errors(response, "hours")
    entry.refresh_from_db()
    assert entry.title == "全省乡村振兴工作视频会"


def test_errors_are_in_english_for_an_english_reader(cadre_client, world):
    cadre_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = post(cadre_client, "meeting", form_data(world, "meeting", hours="30"))
    assert "Hours must be more than 0 and at most 24." in field_errors(response, "hours")
