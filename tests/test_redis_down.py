"""With Redis down the portal answers (slower), and the dirty marks drain once Redis is back.

"Down" is a real dead port: one bound and closed again, so nothing listens there. The full run
goes through a subprocess with the production settings (REDIS_URL set: Redis cache, Redis broker,
tasks not eager) against the test database, which is why it needs PostgreSQL.
"""

import json
import os
import socket
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.test import Client

from portal import weeks
from portal.models import DirtyCountyWeek
from reports.models import CountyWeekStat
from tests.conftest import PASSWORD
from tests.reports import processes


def dead_redis_url(db: int = 0) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Closed without listen(): connecting is refused.
    return f"redis://127.0.0.1:{port}/{db}"


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return caches["default"]


def test_a_dead_cache_answers_misses(dead_cache, caplog):
    assert dead_cache.get("k", "default") == "default"
    dead_cache.set("k", 1)
    assert dead_cache.add("k", 1) is False
    assert dead_cache.get_many(["k"]) == {}
    assert dead_cache.delete("k") is False
    with pytest.raises(ValueError):
        dead_cache.incr("k")
    assert "cache unavailable" in caplog.text


def test_with_a_dead_cache_the_token_login_and_its_throttle_answer(world, dead_cache):
    for _ in range(3):
        credentials = {"username": "alice", "password": PASSWORD}
        response = Client().post("/api/v1/auth/token/", credentials, content_type="application/json")
        assert response.status_code == 200, response.content


SCRIPT = """
import json
from django.test import Client
from portal import weeks

today, week = weeks.today(), weeks.current_week()
answers = {}

def note(name, response, expected):
    answers[name] = [response.status_code, expected]
    if response.status_code != expected:
        print("BODY", name, response.content.decode(errors="replace")[:300])

web = Client()
note("web login", web.post("/login/", {"username": "alice", "password": PASSWORD}), 302)
note("home", web.get("/", follow=True), 200)
note("week page", web.get(f"/weeks/{week}/"), 200)
form = {"occurred_on": today.isoformat(), "title": "redis down", "hours": "1.5",
        "departments": [str(DEPT)], "meeting_format": "video", "meeting_role": "participant"}
note("web filing", web.post(f"/weeks/{week}/add/meeting/", form), 302)
note("web submit page", web.get(f"/weeks/{week}/submit/"), 200)
note("web submit", web.post(f"/weeks/{week}/submit/"), 302)
note("dashboard (cadre)", web.get("/reports/", follow=True), 200)

token = Client().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD},
                      content_type="application/json")
note("token login", token, 200)
api = Client(HTTP_AUTHORIZATION="Token " + token.json().get("token", ""))
entry = {"kind": "document", "occurred_on": today.isoformat(), "title": "api filing", "hours": 1,
         "departments": [DEPT], "doc_channel": "numbered"}
note("api filing (amends the submitted week)", api.post("/api/v1/entries/", entry,
     content_type="application/json"), 201)
note("api submit", api.post(f"/api/v1/weeks/{week}/submit/"), 200)

reviewer = Client()
note("reviewer login", reviewer.post("/login/", {"username": "dave", "password": PASSWORD}), 302)
note("county dashboard", reviewer.get("/reports/counties/COUNTY/"), 200)
note("township dashboard", reviewer.get("/reports/counties/COUNTY/townships/TOWNSHIP/"), 200)
note("stats api", reviewer.get("/api/v1/stats/counties/COUNTY/weeks/"), 200)
note("stats api departments", reviewer.get("/api/v1/stats/counties/COUNTY/departments/"), 200)
print("ANSWERS " + json.dumps({"week": week, "answers": answers}))
"""


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_logins_filing_submit_dashboards_and_stats_answer_and_marks_drain_after(
    world, settings, need_postgres, need_redis
):
    # The subprocess checks passwords with the default hasher, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for user in (world.cadre, world.county_reviewer):
        user.set_password(PASSWORD)
        user.save()
    script = (
        SCRIPT.replace("PASSWORD", repr(PASSWORD))
        .replace("DEPT", str(world.dept_city.pk))
        .replace("COUNTY", world.county.code)
        .replace("TOWNSHIP", world.township.code)
    )
    started = time.monotonic()
    result = processes.manage("shell", "-c", script, REDIS_URL=dead_redis_url(5), timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("ANSWERS "))
    report = json.loads(line.removeprefix("ANSWERS "))
    wrong = {name: got for name, (got, expected) in report["answers"].items() if got != expected}
    bodies = [ln for ln in result.stdout.splitlines() if ln.startswith("BODY")]
    assert not wrong, (wrong, bodies, result.stderr[-2000:])
    assert elapsed < 60
    # Redis was asked and found down: the cache answered misses, the enqueue was given up.
    assert "cache unavailable" in result.stderr
    assert "could not enqueue the rollup" in result.stderr
    week = report["week"]
    assert DirtyCountyWeek.objects.filter(county=world.county, week=week).exists()
    assert not CountyWeekStat.objects.filter(county=world.county, week=week).exists()

    # Redis is back: a worker on a live Redis, and the beat entry that drains dirty marks sends
    # its task exactly as beat does every minute.
    live = os.environ["REDIS_URL"]
    worker = processes.start_worker(live)
    try:
        entry = django_settings.CELERY_BEAT_SCHEDULE["drain-dirty-county-weeks"]
        send = f"from portal.celery import app; app.send_task({entry['task']!r})"
        sent = processes.manage("shell", "-c", send, REDIS_URL=live)
        assert sent.returncode == 0, sent.stderr[-2000:]
        deadline = time.monotonic() + 60
        while DirtyCountyWeek.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        log = processes.stop_worker(worker)
    assert not DirtyCountyWeek.objects.exists(), log[-3000:]
    assert CountyWeekStat.objects.filter(county=world.county, week=week).exists()
    assert weeks.is_week(week)
    connection.close()
