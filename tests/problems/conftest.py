"""Helpers for the direct channel's tests: a report taken along the loop by service calls."""

import datetime as dt

import pytest

from problems import services
from problems.models import Assignment, Report
from tests.conftest import SHANGHAI

# Monday 2026-11-23, 10:00 Shanghai (2026-W48): routed today, due ten working days later.
MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
DUE = dt.date(2026, 12, 7)


@pytest.fixture
def w(world, frozen):
    frozen.set(MONDAY)
    return world


def file(w, cadre=None, **overrides) -> Report:
    data = {
        "departments": [w.dept_province.pk],
        "pattern": "duplicate_data",
        "summary": "同一户籍人口数每月要在三个系统重复填报",
        "details": "浙里办、四平台和表格各要一次，口径还不一样。",
    }
    data.update(overrides)
    return services.report_file(cadre=cadre or w.cadre, data=data)


def routed(w, report=None, departments=None) -> Report:
    report = report or file(w)
    return services.report_route(
        reviewer=w.county_reviewer, report=report, departments=departments or [w.dept_province.pk]
    )


def answered(w, report=None, kind="rectified") -> Report:
    report = report or routed(w)
    for assignment in Assignment.objects.filter(report=report):
        services.assignment_answer(
            viewer=w.department_viewer, assignment=assignment, kind=kind, text="已整改：三表合一"
        )
    return Report.objects.get(pk=report.pk)


def verified(w, report=None) -> Report:
    report = report or answered(w)
    for assignment in Assignment.objects.filter(report=report):
        services.assignment_verify(reviewer=w.county_reviewer, assignment=assignment, accept=True)
    return Report.objects.get(pk=report.pk)
