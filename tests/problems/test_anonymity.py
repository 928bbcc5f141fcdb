"""Anonymous by construction: plant a marker in the author's username and display name, take a
report through the whole loop (with a co-signer, a merged duplicate, messages, a late answer, a
rating and a reopening), then walk every page, API answer, export and admin page as every other
role, and read the server log of it all: the marker, the author's id-keyed hash and the author's
account id appear nowhere."""

import datetime as dt
import io
import logging
import zipfile

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from portal import services as filing
from portal.models import User
from problems import services
from problems.models import Assignment, Report
from reports.exports import DATASETS, FORMATS
from tests.api.test_permissions import KWARGS, ROUTE_KWARGS, ROUTES, WALKED

from .conftest import MONDAY, file, routed

MARKER = "Zq7Marker"
LOGGERS = [
    "",
    "django",
    "django.request",
    "django.server",
    "django.db.backends",
    "celery",
    "problems",
    "portal",
]


@pytest.fixture
def loop(world, frozen, caplog):
    """The loop run with the author's own requests through HTTP, the log captured at DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    w = world
    frozen.set(MONDAY)
    author = w.cadre
    author.username = f"alice_{MARKER}"
    author.display_name = f"爱丽丝{MARKER}"
    author.save()
    # The author also files burden entries, so the dashboards and exports have rows of theirs.
    filing.entry_create(cadre=author, data=w.entry_data(day=dt.date(2026, 11, 23)))
    filing.week_submit(cadre=author, week="2026-W48")

    me = Client()
    me.force_login(author)
    me.post(
        reverse("problems:new"),
        {
            "departments": [str(w.dept_province.pk)],
            "pattern": "duplicate_data",
            "summary": "三个系统重复填报人口数",
            "details": "每月一次。",
            "send": "1",
        },
    )
    report = Report.objects.get()
    me.post(reverse("problems:act", args=[report.pk, "message"]), {"text": "补充说明"})
    duplicate = file(w, cadre=w.cadre2, summary="重复填报")
    services.report_merge(reviewer=w.county_reviewer, report=duplicate, into=report.pk)
    services.message_send(user=w.county_reviewer, report=report, text="已收到")
    services.report_edit(
        reviewer=w.county_reviewer, report=report, summary="重复填报人口数", details="每月一次"
    )
    routed(w, report, departments=[w.dept_province.pk, w.dept_division.pk])
    frozen.set(dt.datetime(2026, 12, 9, 9, tzinfo=MONDAY.tzinfo))
    services.recompute_overdue()
    for assignment in Assignment.objects.filter(report=report):
        services.assignment_answer(
            viewer=w.department_viewer, assignment=assignment, kind="explained", text="已说明"
        )
        services.assignment_verify(reviewer=w.county_reviewer, assignment=assignment, accept=True)
    me.force_login(author)  # two weeks on: the first session has expired
    rated = me.post(reverse("problems:act", args=[report.pk, "rate"]), {"resolved": "no"})
    assert rated.status_code == 302, rated.content.decode()[-3000:]
    assert Report.objects.get(pk=report.pk).status == "reopened"
    me.get(reverse("problems:detail", args=[report.pk]))
    me.get(reverse("problems:home"))
    me.get(f"/api/v1/problems/{report.pk}/")
    from reports import jobs

    jobs.rollup_county(w.county.pk)
    return w, author, report, duplicate


def _body(response) -> bytes:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # an xlsx: read every part of the workbook
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return b"".join(book.read(name) for name in book.namelist())
    return content


def _pages(w, reports) -> list[str]:
    c, t = w.county.code, w.township.code
    pages = [
        "/",
        "/weeks/2026-W48/",
        "/import/",
        "/lookup/departments/?q=",
        "/problems/",
        "/problems/new/",
        "/reports/",
        f"/reports/counties/{c}/?period=2026-Q4",
        f"/reports/counties/{c}/townships/{t}/?period=2026-Q4",
        f"/reports/regions/{w.city.code}/?period=2026-Q4",
        f"/reports/regions/{w.province.code}/league/?year=2026",
        f"/reports/regions/{w.city.code}/league/?year=2026",
        "/api/v1/problems/",
    ]
    for department in (w.dept_province, w.dept_division, w.dept_city, w.dept_county):
        pages.append(f"/reports/departments/{department.pk}/?period=2026-Q4")
    for report in reports:
        pages += [f"/problems/{report.pk}/", f"/api/v1/problems/{report.pk}/"]
    # Every API route that answers a GET, as the permission matrix builds it.
    for name, method in sorted(WALKED):
        if method == "GET" and not name.startswith("api-problems"):
            builder = ROUTE_KWARGS.get(name)
            kwargs = (
                builder(w, None) if builder else {k: KWARGS[k](w, None) for k in ROUTES[name][1] if k != "pk"}
            )
            if "pk" not in ROUTES[name][1]:
                pages.append(reverse(name, kwargs=kwargs) + "?period=2026-Q4")
    for dataset in DATASETS:
        for fmt in FORMATS:
            query = f"county={c}&region={w.city.code}&department={w.dept_province.pk}&period=2026-Q4"
            pages.append(f"/api/v1/exports/{dataset}.{fmt}?{query}")
    return pages


def _admin_pages(author) -> list[str]:
    pages = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        if model is User:
            continue  # the account list names accounts by design; checked separately below
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        for pk in model.objects.values_list("pk", flat=True)[:50]:
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]))
    return pages


def test_no_page_answer_export_admin_page_or_log_line_shows_the_author(loop, caplog):
    w, author, report, duplicate = loop
    others = [
        w.cadre2,
        w.other_cadre,
        w.county_reviewer,
        w.region_reviewer,
        w.department_viewer,
        w.admin,
        None,
    ]
    secrets_ = [MARKER.encode(), report.author_key.encode()]
    pages = _pages(w, [report, duplicate])
    walked = 0
    seen_report = set()
    for user in others:
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in pages + (_admin_pages(author) if user == w.admin else []):
            response = client.get(url, follow=True)
            assert response.status_code < 500, url
            body = _body(response)
            for secret in secrets_:
                assert secret not in body, (getattr(user, "username", None), url)
            if "重复填报人口数".encode() in body:
                seen_report.add(getattr(user, "username", "anonymous"))
            walked += 1
    # The walk really reached the report: the office, the department, the region reviewer and
    # the co-signing neighbour read it; the administrator in the admin.
    assert {"dave", "frank", "erin", "bob", "grace"} <= seen_report, seen_report
    assert walked > 200
    # The author's own account page in the admin shows the account, and nothing of the report.
    admin_client = Client()
    admin_client.force_login(w.admin)
    account = admin_client.get(reverse("admin:portal_user_change", args=[author.pk])).content.decode()
    assert MARKER in account and "重复填报" not in account and str(report.pk) not in account
    # And the log of everything above, the author's own requests included.
    # The loop ran in the fixture (the setup phase), the walk in the test (the call phase).
    records = caplog.get_records("setup") + caplog.get_records("call")
    log = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in records)
    assert log, "the log capture saw nothing"
    assert MARKER not in log and report.author_key not in log
    assert "/problems/" in log  # the capture did see the channel's requests


def test_the_admin_shows_no_key_and_cannot_write(loop):
    w, _author, report, _duplicate = loop
    client = Client()
    client.force_login(w.admin)
    page = client.get(reverse("admin:problems_report_change", args=[report.pk])).content.decode()
    assert "重复填报人口数" in page and report.author_key not in page
    assert client.get(reverse("admin:problems_report_add")).status_code == 403
    answer = client.post(reverse("admin:problems_report_delete", args=[report.pk]), {"post": "yes"})
    assert answer.status_code == 403 and Report.objects.filter(pk=report.pk).exists()
