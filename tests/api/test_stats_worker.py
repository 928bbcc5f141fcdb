"""A week submitted through the API reaches the stats API through a real Celery worker on the
local Redis, without anyone calling the rollup."""

import os
import time

import pytest

from portal import services
from portal.models import DirtyCountyWeek
from tests.api.conftest import client_for
from tests.reports import fixture, processes

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(need_postgres, need_redis):
    process = processes.start_worker(os.environ["REDIS_URL"])
    yield process
    output = processes.stop_worker(process)
    assert "Traceback" not in output, output[-3000:]


def test_a_submitted_week_appears_in_the_stats_api_via_the_worker(world, worker, settings, exact):
    settings.BURDEN_MIN_GROUP = 1
    services.entries_bulk_create(cadre=world.cadre, rows=[world.entry_data(day=fixture.DAY46, hours="3.25")])
    url = f"/api/v1/stats/counties/{world.county.code}/weeks/?period={fixture.W46}"
    reviewer = client_for(world.county_reviewer)
    assert reviewer.get(url).json()["results"][0]["suppressed"] is True  # nothing yet

    answer = client_for(world.cadre).post(f"/api/v1/weeks/{fixture.W46}/submit/")
    assert answer.status_code == 200
    submitted = time.monotonic()
    row = None
    while time.monotonic() - submitted < 60:
        row = reviewer.get(url).json()["results"][0]
        if not row["suppressed"]:
            break
        assert worker.poll() is None, "the worker died"
        time.sleep(0.2)
    assert row["reporters"] == 1 and row["hours_total"] == 3.25, row
    assert not DirtyCountyWeek.objects.exists()  # the worker claimed and drained the mark
