"""Dashboards under load: the county dashboard page and the county stats API, served by gunicorn
with persistent database connections from the 1,000,000-entry PostgreSQL database, at 16
connections with wrk, each as a ratio to a trivial Django view behind the same login, served
the same way (issue 11): the page against a trivial view behind the session login, the API
against a trivial DRF view behind the same token authentication. The ratios to a bare trivial
view (no reader, no query; issue 6's first measure) are printed for context.

    .venv/bin/python bench/run.py dashboards

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/burden_bench, which
must hold the loaded entries; its derived tables are rolled up first if empty), BENCH_SECONDS
(default 10 per URL and round), BENCH_ROUNDS (default 3; every URL once per round, ratios taken
within a round, the median round reported), BENCH_WORKERS (gunicorn workers, default 2 x CPUs),
BENCH_REDIS_URL (the cache, default redis://127.0.0.1:6379/8). Goals: page >= 0.3 and API >= 0.5
of the trivial view's requests/s, API p99 <= 50 ms; each ratio is judged against the same goal.
Needs `wrk` (apt-get install wrk).
"""

import os
import pathlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burden_bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
CONNECTIONS = 16
GOALS = {"page": 0.3, "api": 0.5}
# The trivial view behind the same login as each measured URL (the headline ratio's denominator).
SAME_LOGIN = {"page": "trivial-logged-in", "api": "trivial-api"}
API_P99_MS = 50.0
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DB_CONN_MAX_AGE": "600",
    "SECRET_KEY": "bench-only-secret-key-not-for-production",
    "BURDEN_PERTURBATION_KEY": "bench-only-perturbation-key",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "dashboards_settings",
    # The production cache (pages cache their bodies there); reads never touch the broker.
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
}


def _setup():
    os.environ.update(ENV)
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
    import django

    django.setup()


def _credentials():
    """The busiest county, one of its county reviewers, a session cookie and an API token."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from portal.models import Entry, Region, Role, User
    from reports.models import CountyWeekStat

    entries = Entry.objects.count()
    if not CountyWeekStat.objects.exists():
        print("derived tables empty: manage.py rollup --all", flush=True)
        call_command("rollup", "--all")
    busiest = (
        CountyWeekStat.objects.values("county_id").annotate(n=Count("id")).order_by("-n", "county_id").first()
    )
    county = Region.objects.get(pk=busiest["county_id"])
    reviewer = User.objects.filter(role=Role.COUNTY_REVIEWER, region=county).order_by("pk").first()
    if reviewer is None:
        reviewer, _ = User.objects.get_or_create(
            username=f"bench-reviewer-{county.code}",
            defaults={"role": Role.COUNTY_REVIEWER, "region": county},
        )
    session = SessionStore()
    session[SESSION_KEY] = str(reviewer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = reviewer.get_session_auth_hash()
    session.create()
    token, _ = Token.objects.get_or_create(user=reviewer)
    return county, entries, session.session_key, token.key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(port):
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}")
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial/", timeout=1)
            return process, " ".join(command)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _wrk(url, headers) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale,
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "command": " ".join(command),
    }


def _check(url, headers):
    request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200, (url, answer.status)
        answer.read()


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install -y wrk")
    _setup()
    county, entries, session_key, token = _credentials()
    port = _free_port()
    process, command = _gunicorn(port)
    base = f"http://127.0.0.1:{port}"
    cases = {
        "trivial": (f"{base}/bench/trivial/", []),
        "trivial-logged-in": (f"{base}/bench/trivial-logged-in/", [f"Cookie: sessionid={session_key}"]),
        "trivial-api": (f"{base}/bench/trivial-api/", [f"Authorization: Token {token}"]),
        "page": (
            f"{base}/reports/counties/{county.code}/",
            [f"Cookie: sessionid={session_key}", "Accept-Language: zh-hans"],
        ),
        "api": (f"{base}/api/v1/stats/counties/{county.code}/weeks/", [f"Authorization: Token {token}"]),
    }
    print(
        f"{entries:,} entries; county {county.code}; gunicorn {WORKERS} sync workers; {command}", flush=True
    )
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    for url, headers in cases.values():
        for _ in range(3 * WORKERS):  # warm every worker's connection and caches
            _check(url, headers)
    # Rounds of every URL one after the other: on a shared machine the load drifts, so each ratio
    # is taken within a round (neighbours in time) and the median round is reported.
    rounds = []
    try:
        for number in range(1, ROUNDS + 1):
            results = {name: _wrk(url, headers) for name, (url, headers) in cases.items()}
            rounds.append(results)
            load = os.getloadavg()[0]
            print(f"round {number} (load {load:.2f})", flush=True)
            for name, r in results.items():
                print(
                    f"  {name:17} {r['rps']:9.1f} req/s  p99 {r['p99_ms']:7.1f} ms  non-2xx {r['errors']}",
                    flush=True,
                )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    def median(values):
        return statistics.median(values)

    def ratio(name, floor):
        return median([r[name]["rps"] / r[floor]["rps"] for r in rounds])

    print(f"medians of {ROUNDS} rounds of {SECONDS} s per URL:")
    for name in cases:
        rps = median([r[name]["rps"] for r in rounds])
        p99 = median([r[name]["p99_ms"] for r in rounds])
        print(f"  {name:17} {rps:9.1f} req/s  p99 {p99:7.1f} ms")
    for name, goal in GOALS.items():
        floor = SAME_LOGIN[name]
        value = ratio(name, floor)
        verdict = "meets" if value >= goal else "MISSES"
        print(f"{name} / {floor} = {value:.2f} ({verdict} the goal >= {goal}; same login)")
    for name, goal in GOALS.items():
        value = ratio(name, "trivial")
        verdict = "meets" if value >= goal else "MISSES"
        print(f"{name} / trivial = {value:.2f} ({verdict} the goal >= {goal} against the bare view)")
    for floor in SAME_LOGIN.values():
        print(f"{floor} / trivial = {ratio(floor, 'trivial'):.2f} (identifying the reader alone)")
    print(f"page p99 = {median([r['page']['p99_ms'] for r in rounds]):.1f} ms (no goal)")
    p99 = median([r["api"]["p99_ms"] for r in rounds])
    verdict = "meets" if p99 <= API_P99_MS else "MISSES"
    print(f"api p99 = {p99:.1f} ms ({verdict} the goal <= {API_P99_MS:.0f} ms)")
    print(f"wrk: {rounds[0]['page']['command']}")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
