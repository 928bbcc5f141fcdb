"""Writes into submitted weeks while a rollup runs: cadres posting entries into weeks they have
already submitted (each post marks the county-week dirty) against the same cadres posting into
draft weeks (no mark), in one run, with a rollup of the whole province running all the time, and
readers of the stats API alongside. Goal (issue #12): submitted >= 0.7x draft.

    .venv/bin/python bench/run.py contention

Served by gunicorn (3 sync workers, the production shape) from a fresh PostgreSQL database
holding the demo province (`seed_demo`), with Redis as cache and broker (no Celery worker: the
announced rollups queue up, and the Redis db is flushed at the end). The rollup runs in a loop in
another process (`jobs.rollup_county()`), as a busy worker would. Knobs: BENCH_CONTENTION_DB
(burden_bench_contention), BENCH_CONTENTION_REDIS (redis://127.0.0.1:6379/7), BENCH_SECONDS (15
per phase), BENCH_WRITERS (8), BENCH_READERS (2).

The rollup loop recomputes the writers' own county, every week, again and again: the worst case
(a rebuild, or a Monday of amendments) for writers whose posts mark that county's weeks dirty.
"""

import datetime as dt
import http.client
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PY = sys.executable
DB = os.environ.get("BENCH_CONTENTION_DB", "burden_bench_contention")
REDIS = os.environ.get("BENCH_CONTENTION_REDIS", "redis://127.0.0.1:6379/7")
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WRITERS = int(os.environ.get("BENCH_WRITERS", "8"))
READERS = int(os.environ.get("BENCH_READERS", "2"))
GOAL = 0.7

ROLLUP_LOOP = """
import os, time
from portal.models import Region
from reports import jobs
county = Region.objects.get(code=os.environ["BENCH_COUNTY"])
while True:
    started = time.perf_counter()
    jobs.rollup_county(county.pk)
    print(f"rollup {time.perf_counter() - started:.2f}", flush=True)
"""


def _env(redis_url=""):
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
        SECRET_KEY="bench-not-secret",
        BURDEN_PERTURBATION_KEY="bench-not-secret",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="portal.settings",
        REDIS_URL=redis_url,
    )


def _psql(sql):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _setup():
    """Inside a child process on the bench database: writers in the busiest county's first
    township, their tokens, a county reviewer's token, the weeks to write into."""
    import django

    django.setup()
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from portal import services, weeks
    from portal.models import Department, Entry, Region, RegionLevel, Role, User

    busiest = (
        Entry.objects.values("log__county_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["log__county_id"]
    )
    county = Region.objects.get(pk=busiest)
    township = Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code").first()
    current = weeks.current_week()
    draft_week, submitted_week = weeks.shift_week(current, -2), weeks.shift_week(current, -1)
    tokens = []
    for n in range(WRITERS):
        user = User.objects.create(
            username=f"bench-writer-{n}", role=Role.CADRE, region=township, password="!"
        )
        services.week_submit(cadre=user, week=submitted_week)  # empty: every post amends it
        tokens.append(Token.objects.create(user=user).key)
    reviewer = User.objects.create(
        username="bench-reviewer", role=Role.COUNTY_REVIEWER, region=county, password="!"
    )
    print(
        json.dumps(
            {
                "tokens": tokens,
                "reviewer": Token.objects.create(user=reviewer).key,
                "county": county.code,
                "department": Department.objects.order_by("pk").values_list("pk", flat=True).first(),
                "draft": draft_week,
                "submitted": submitted_week,
                "quarter": weeks.week_quarter(submitted_week),
            }
        )
    )


def _request(port, method, path, token, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(
        method,
        path,
        body=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, time.perf_counter() - started


def _phase(port, ref, week):
    """Writers post into `week` for SECONDS while readers read the county's weeks answer."""
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    stop = time.monotonic() + SECONDS
    writes, reads, errors = [], [], []

    def writer(n, token):
        i = 0
        while time.monotonic() < stop:
            body = {
                "kind": "document",
                "occurred_on": (monday + dt.timedelta(days=i % 7)).isoformat(),
                "title": f"上级临时通知 {i}",
                "hours": 0.01,
                "departments": [ref["department"]],
                "doc_channel": "chat",
            }
            status, seconds = _request(port, "POST", "/api/v1/entries/", token, json.dumps(body).encode())
            (writes if status == 201 else errors).append(seconds if status == 201 else status)
            i += 1

    def reader():
        path = f"/api/v1/stats/counties/{ref['county']}/weeks/?period={ref['quarter']}"
        while time.monotonic() < stop:
            status, seconds = _request(port, "GET", path, ref["reviewer"])
            (reads if status == 200 else errors).append(seconds if status == 200 else status)

    threads = [threading.Thread(target=writer, args=(n, t)) for n, t in enumerate(ref["tokens"])]
    threads += [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"errors: {errors[:5]}")
    return writes, reads


def _line(name, writes, reads):
    q = statistics.quantiles(writes, n=100)
    return (
        f"  {name:<15} writes {len(writes) / SECONDS:7.1f}/s  p50 {statistics.median(writes) * 1000:6.0f} ms"
        f"  p99 {q[98] * 1000:6.0f} ms   reads {len(reads) / SECONDS:7.1f}/s"
    )


def main():
    import redis

    _psql(f"DROP DATABASE IF EXISTS {DB}")
    _psql(f"CREATE DATABASE {DB}")
    server = loop = None
    try:
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=_env(), check=True)
        started = time.perf_counter()
        subprocess.run(
            [PY, "manage.py", "seed_demo"], cwd=ROOT, env=_env(), check=True, stdout=subprocess.DEVNULL
        )
        print(f"seed_demo: {time.perf_counter() - started:.0f} s", flush=True)
        setup = subprocess.run(
            [PY, __file__, "setup"], cwd=ROOT, env=_env(), check=True, capture_output=True, text=True
        )
        ref = json.loads(setup.stdout.strip().splitlines()[-1])
        redis.Redis.from_url(REDIS).flushdb()

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        gunicorn = str(pathlib.Path(PY).with_name("gunicorn"))
        server = subprocess.Popen(
            [gunicorn, "portal.wsgi", "--workers", "3", "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
            cwd=ROOT,
            env=_env(REDIS),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        for _ in range(6):  # warm every worker
            _request(port, "GET", f"/api/v1/weeks/{ref['draft']}/", ref["tokens"][0])

        loop = subprocess.Popen(
            [PY, "manage.py", "shell", "-c", ROLLUP_LOOP],
            cwd=ROOT,
            env={**_env(), "BENCH_COUNTY": ref["county"]},
            stdout=subprocess.PIPE,
            text=True,
        )
        rollups = []

        def collect():
            for line in loop.stdout:
                if line.startswith("rollup "):
                    rollups.append(float(line.split()[1]))

        threading.Thread(target=collect, daemon=True).start()
        time.sleep(5)  # the loop is up and rolling up

        print(
            f"{WRITERS} writers, {READERS} readers, {SECONDS:.0f} s per phase,"
            " the county rolled up throughout"
        )
        draft_w, draft_r = _phase(port, ref, ref["draft"])
        submitted_w, submitted_r = _phase(port, ref, ref["submitted"])
        print(_line("draft weeks", draft_w, draft_r))
        print(_line("submitted weeks", submitted_w, submitted_r))
        ratio = len(submitted_w) / len(draft_w)
        verdict = "meets" if ratio >= GOAL else "misses"
        print(
            f"  ratio submitted / draft: {ratio:.2f} ({verdict} the goal >= {GOAL}); readers in the "
            f"submitted phase {len(submitted_r) / max(len(draft_r), 1):.2f}x the draft phase"
        )
        if rollups:
            print(
                f"  rollups of the county meanwhile: {len(rollups)},"
                f" median {statistics.median(rollups):.2f} s"
            )
    finally:
        for process in (loop, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        redis.Redis.from_url(REDIS).flushdb()
        _psql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "setup":
    sys.path.insert(0, str(ROOT))
    _setup()
