"""The channel's pages through HTTP: each role's list, filing with a preview, triage to rating;
bad input is a 400 with the field's message and changes nothing; another's report is 404; a role
that does not use the channel is 403."""

import re

import pytest
from django.urls import reverse

from problems.models import Assignment, Report, Status

from .conftest import answered, file, routed, verified


def client_for(client, user):
    client.force_login(user)
    return client


def post_report(client, w, **overrides):
    data = {
        "departments": [str(w.dept_province.pk)],
        "pattern": "meeting_flood",
        "summary": "一周五个视频会层层陪会",
        "details": "每次都要全体村干部在线签到。",
    }
    data.update(overrides)
    return client.post(reverse("problems:new"), data)


def test_a_cadre_previews_exactly_what_others_see_then_sends(client, w):
    client = client_for(client, w.cadre)
    page = client.get(reverse("problems:new"))
    assert page.status_code == 200
    assert "data-warning" in page.content.decode()
    preview = post_report(client, w)
    body = preview.content.decode()
    assert preview.status_code == 200 and "data-preview" in body
    assert "一周五个视频会层层陪会" in body and "2026-W48" in body and "柯城区" in body
    # A township with fewer than BURDEN_MIN_GROUP cadres is not named, and the preview says so.
    assert "府山街道" not in body.split("data-preview")[1].split("</section>")[0]
    assert Report.objects.count() == 0
    sent = post_report(client, w, send="1")
    report = Report.objects.get()
    assert sent.status_code == 302 and sent.url == reverse("problems:detail", args=[report.pk])
    mine = client.get(reverse("problems:home")).content.decode()
    assert f'data-report="{report.pk}"' in mine


def test_the_township_is_named_once_it_has_enough_cadres(client, w, settings):
    settings.BURDEN_MIN_GROUP = 2  # alice (a village of the township) and bob (the township)
    report = routed(w)
    body = (
        client_for(client, w.department_viewer)
        .get(reverse("problems:detail", args=[report.pk]))
        .content.decode()
    )
    assert "府山街道" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"departments": []}, "请至少选择一个部门"),
        ({"pattern": "moon"}, "请从所列类型中选择"),
        ({"summary": ""}, "此项为必填项"),
        ({"details": "x" * 5001}, "5000"),
        ({"departments": ["abc"]}, "部门编号"),
    ],
)
def test_bad_filing_input_is_400_with_the_message_and_nothing_saved(client, w, overrides, message):
    answer = post_report(client_for(client, w.cadre), w, send="1", **overrides)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert Report.objects.count() == 0


def test_the_office_queue_sorts_new_overdue_and_awaiting_verification(client, w, frozen):
    new = file(w)
    late = routed(w)
    waiting = answered(w)
    import datetime as dt

    from problems import services

    frozen.set(dt.datetime(2026, 12, 9, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    services.recompute_overdue()
    body = client_for(client, w.county_reviewer).get(reverse("problems:home")).content.decode()

    def section(name):
        return body.split(f'data-queue="{name}"')[1].split("</section>")[0]

    assert f'data-report="{new.pk}"' in section("new")
    assert f'data-report="{late.pk}"' in section("overdue") and 'data-mark="overdue"' in section("overdue")
    assert f'data-report="{waiting.pk}"' in section("verify")


def test_the_whole_loop_through_the_pages(client, w):
    report = file(w)
    office = client_for(client, w.county_reviewer)
    url = reverse("problems:detail", args=[report.pk])

    def act(action, **data):
        return client.post(reverse("problems:act", args=[report.pk, action]), data)

    assert act("edit", summary="视频会过多", details="每周五个视频会。").status_code == 302
    assert act("route", departments=[str(w.dept_province.pk)]).status_code == 302
    page = office.get(url).content.decode()
    assert "2026-12-07" in page
    client_for(client, w.department_viewer)
    dept_page = client.get(url).content.decode()
    assert "视频会过多" in dept_page and "一周五个" not in dept_page  # the edited text only
    assignment = Assignment.objects.get(report=report)
    assert act("answer", routing=str(assignment.pk), kind="rectified", text="已合并为一次").status_code == 302
    client_for(client, w.county_reviewer)
    assert act("verify", routing=str(assignment.pk), decision="accept").status_code == 302
    client_for(client, w.cadre)
    author_page = client.get(url).content.decode()
    assert "同一户籍" in author_page  # the author's own original stays visible to the author
    assert act("rate", resolved="no").status_code == 302
    assert Report.objects.get(pk=report.pk).status == Status.REOPENED


def test_bad_action_input_is_400_and_changes_nothing(client, w):
    report = file(w)
    client_for(client, w.county_reviewer)
    answer = client.post(reverse("problems:act", args=[report.pk, "route"]), {"departments": ["999999"]})
    assert answer.status_code == 400 and "未知部门" in answer.content.decode()
    answer = client.post(reverse("problems:act", args=[report.pk, "close"]), {"reason": ""})
    assert answer.status_code == 400
    answer = client.post(reverse("problems:act", args=[report.pk, "merge"]), {"into": "abc"})
    assert answer.status_code == 400
    assert Report.objects.get(pk=report.pk).status == Status.NEW
    routed(w, report)
    assignment = Assignment.objects.get(report=report)
    client_for(client, w.department_viewer)
    answer = client.post(
        reverse("problems:act", args=[report.pk, "answer"]),
        {"routing": str(assignment.pk), "kind": "", "text": ""},
    )
    assert answer.status_code == 400 and "此项为必填项" in answer.content.decode()
    answer = client.post(
        reverse("problems:act", args=[report.pk, "answer"]), {"routing": "x", "kind": "explained"}
    )
    assert answer.status_code == 404
    assert client.post(reverse("problems:act", args=[report.pk, "explode"])).status_code == 404


def test_another_cadres_report_is_404_and_roles_without_the_channel_403(client, w):
    report = file(w)
    for user in (w.cadre2, w.other_cadre, w.department_viewer, w.region_reviewer):
        client_for(client, user)
        assert client.get(reverse("problems:detail", args=[report.pk])).status_code == 404, user
        assert (
            client.post(reverse("problems:act", args=[report.pk, "message"]), {"text": "x"}).status_code
            == 404
        )
    client_for(client, w.admin)
    assert client.get(reverse("problems:home")).status_code == 403
    assert client.get(reverse("problems:detail", args=[report.pk])).status_code == 403
    assert client.get(reverse("problems:detail", args=[2**64])).status_code == 403
    client_for(client, w.cadre)
    assert client.get(reverse("problems:detail", args=[2**64])).status_code == 404
    client.logout()
    assert client.get(reverse("problems:home")).status_code == 302


def test_a_neighbour_cosigns_in_one_tap_and_the_count_shows_under_the_minimum(client, w):
    report = routed(w)
    client_for(client, w.cadre2)
    home = client.get(reverse("problems:home")).content.decode()
    assert f'data-report="{report.pk}"' in home
    assert client.post(reverse("problems:act", args=[report.pk, "cosign"])).status_code == 302
    again = client.post(reverse("problems:act", args=[report.pk, "cosign"]))
    assert again.status_code == 400
    client_for(client, w.department_viewer)
    body = client.get(reverse("problems:detail", args=[report.pk])).content.decode()
    assert 'data-cosigns="&lt;5"' in body


def test_messages_are_not_shown_to_the_department(client, w):
    report = routed(w)
    client_for(client, w.cadre)
    client.post(reverse("problems:act", args=[report.pk, "message"]), {"text": "补充说明XYZ"})
    client_for(client, w.county_reviewer)
    assert "补充说明XYZ" in client.get(reverse("problems:detail", args=[report.pk])).content.decode()
    client_for(client, w.department_viewer)
    assert "补充说明XYZ" not in client.get(reverse("problems:detail", args=[report.pk])).content.decode()


def test_the_nav_links_the_channel_once_for_each_role_that_uses_it(client, w):
    for user, expected in [
        (w.cadre, 1),
        (w.county_reviewer, 1),
        (w.region_reviewer, 1),
        (w.department_viewer, 1),
        (w.admin, 0),
    ]:
        client_for(client, user)
        page = client.get(reverse("reports:home"), follow=True).content.decode()
        nav = page.split('class="main-nav"')[1].split("</nav>")[0]
        assert len(re.findall(r'href="/problems/"', nav)) == expected, user


def test_a_verified_report_shows_the_rating_buttons_to_author_and_cosigners(client, w):
    report = routed(w)
    from problems import services

    services.report_cosign(cadre=w.cadre2, report=report)
    verified(w, answered(w, report))
    for user in (w.cadre, w.cadre2):
        client_for(client, user)
        assert "data-rate" in client.get(reverse("problems:detail", args=[report.pk])).content.decode()
