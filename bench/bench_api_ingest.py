"""API ingest: 100,000 entries through POST /api/v1/entries/bulk/ against gunicorn, as a ratio to
PostgreSQL COPY of the same rows in the same run; then single-entry POSTs at 16 connections.

    .venv/bin/python bench/run.py api_ingest

Needs the local PostgreSQL (127.0.0.1:5432, user postgres). Creates and drops its own database
(BENCH_API_DB, default burden_bench_api). Knobs: BENCH_API_ENTRIES (100000), BENCH_API_WORKERS
(gunicorn workers, 4), BENCH_API_CLIENTS (concurrent bulk clients, 4), BENCH_API_SINGLE (single
POSTs in total, 3200).
"""

import datetime as dt
import http.client
import io
import json
import os
import pathlib
import queue
import socket
import subprocess
import sys
import threading
import time
from zoneinfo import ZoneInfo

ROOT = pathlib.Path(__file__).resolve().parent.parent
PY = sys.executable
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
BATCH = 1000
PER_DAY = 40  # entries of 0.5 h a cadre files on one day: 20 h, under the 24 h rule
KINDS = ["meeting", "document", "inspection", "app_task"]


def _env(db):
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        SECRET_KEY="bench-not-secret",
        BURDEN_PERTURBATION_KEY="bench-not-secret",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="portal.settings",
        REDIS_URL="",
    )


def _psql(sql, db="postgres"):
    subprocess.run(
        ["psql", "-h", PG["host"], "-U", PG["user"], "-d", db, "-qc", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _setup(cadres):
    """Run inside a child process on the bench database: reference data, cadres and their tokens."""
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from portal.models import App, DataItem, Department, Region, Role, User

    province = Region.objects.create(code="330000", name="浙江省", level="province")
    city = Region.objects.create(code="330800", name="衢州市", level="city", parent=province)
    county = Region.objects.create(code="330802", name="柯城区", level="county", parent=city)
    townships = [
        Region.objects.create(code=f"330802{t:03d}", name=f"街道{t}", level="township", parent=county)
        for t in range(1, 11)
    ]
    departments = [
        Department.objects.create(code=f"D{d:03d}", name=f"部门{d}", level="province", region=province)
        for d in range(30)
    ]
    apps = [App.objects.create(code=f"A{a}", name=f"应用{a}", owner=departments[a]) for a in range(5)]
    items = [DataItem.objects.create(code=f"I{i}", name=f"数据项{i}") for i in range(10)]
    users = User.objects.bulk_create(
        [
            User(username=f"cadre{c}", role=Role.CADRE, region=townships[c % len(townships)], password="!")
            for c in range(cadres)
        ]
    )
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    print(
        json.dumps(
            {
                "tokens": [t.key for t in tokens],
                "cadres": [u.pk for u in users],
                "departments": [d.pk for d in departments],
                "apps": [a.pk for a in apps],
                "items": [i.pk for i in items],
            }
        )
    )


def _entry(n, day, ref):
    kind = KINDS[n % 4]
    row = {
        "kind": kind,
        "occurred_on": day.isoformat(),
        "title": f"上级布置事项 {n % 97}",
        "hours": 0.5,
        "departments": [ref["departments"][n % 30]]
        + ([ref["departments"][(n + 7) % 30]] if n % 5 == 0 else []),
    }
    if kind == "meeting":
        row.update(meeting_format="video", meeting_role="participant", relayed=n % 3 == 0)
    elif kind == "document":
        row.update(doc_channel="unnumbered", pages=n % 12, report_back=n % 2 == 0)
    elif kind == "inspection":
        row.update(inspection_label="research", materials_pages=n % 50)
    else:
        row.update(app=ref["apps"][n % 5], app_action="data_entry", data_items=[ref["items"][n % 10]])
    return row


def _batches(total, ref, first_day):
    """Batches of 1,000 entries, one cadre each, spread over days so no day exceeds 20 h."""
    batches = []
    for b in range(total // BATCH):
        rows = [_entry(b * BATCH + i, first_day - dt.timedelta(days=i // PER_DAY), ref) for i in range(BATCH)]
        batches.append((b, rows))
    return batches


def _wait_for(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _post(port, path, body, token, method="POST"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(
        method,
        path,
        body=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def _run_parallel(jobs, clients, work):
    """Run work(job) for every job on `clients` threads; return (seconds, errors)."""
    pending = queue.Queue()
    for job in jobs:
        pending.put(job)
    errors = []

    def loop():
        while True:
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            status, data = work(job)
            if status not in (200, 201):
                errors.append((status, data[:300]))

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors


def _copy_baseline(db, batches, ref, cadre_of_batch):
    """COPY the same entries and their department / data-item links into the same tables."""
    import psycopg2

    connection = psycopg2.connect(dbname=db, **PG)
    cursor = connection.cursor()
    cursor.execute("TRUNCATE portal_entrydataitem, portal_entrydepartment, portal_entry")
    cursor.execute("SELECT cadre_id, week, id FROM portal_weeklylog")
    logs = {(cadre, week): log for cadre, week, log in cursor.fetchall()}
    connection.commit()

    entries, links, items = io.StringIO(), io.StringIO(), io.StringIO()
    now = dt.datetime.now(dt.UTC).isoformat()
    entry_id = 0
    fields = [
        "meeting_format",
        "meeting_role",
        "relayed",
        "repeat_topic",
        "doc_channel",
        "pages",
        "report_back",
        "inspection_label",
        "materials_pages",
        "rectification",
        "conflicting_demand",
        "app_id",
        "app_action",
        "duplicate_entry",
    ]
    own = {
        "meeting": {"meeting_format", "meeting_role", "relayed", "repeat_topic"},
        "document": {"doc_channel", "pages", "report_back"},
        "inspection": {"inspection_label", "materials_pages", "rectification", "conflicting_demand"},
        "app_task": {"app_id", "app_action", "duplicate_entry"},
    }
    defaults = {"relayed": False, "repeat_topic": False, "report_back": False, "pages": 0}
    defaults.update(rectification=False, conflicting_demand=False, materials_pages=0, duplicate_entry=False)
    for b, rows in batches:
        for row in rows:
            entry_id += 1
            day = dt.date.fromisoformat(row["occurred_on"])
            year, week, _ = day.isocalendar()
            log = logs[(cadre_of_batch[b], f"{year:04d}-W{week:02d}")]
            values = [
                str(entry_id),
                str(log),
                row["kind"],
                row["occurred_on"],
                row["title"],
                str(row["hours"]),
            ]
            for field in fields:
                if field not in own[row["kind"]]:
                    values.append("\\N")
                    continue
                value = row.get("app" if field == "app_id" else field, defaults.get(field))
                values.append("t" if value is True else "f" if value is False else str(value))
            values += [now, now]
            entries.write("\t".join(values) + "\n")
            for department in row["departments"]:
                links.write(f"{entry_id}\t{department}\n")
            for item in row.get("data_items", []):
                items.write(f"{entry_id}\t{item}\n")
    columns = ["id", "log_id", "kind", "occurred_on", "title", "hours", *fields, "created_at", "updated_at"]
    for buffer in (entries, links, items):
        buffer.seek(0)
    started = time.perf_counter()
    cursor.copy_expert(f"COPY portal_entry ({', '.join(columns)}) FROM STDIN", entries)
    cursor.copy_expert("COPY portal_entrydepartment (entry_id, department_id) FROM STDIN", links)
    cursor.copy_expert("COPY portal_entrydataitem (entry_id, data_item_id) FROM STDIN", items)
    connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, entry_id


def _count(db):
    import psycopg2

    connection = psycopg2.connect(dbname=db, **PG)
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM portal_entry")
    (count,) = cursor.fetchone()
    connection.close()
    return count


def main():
    db = os.environ.get("BENCH_API_DB", "burden_bench_api")
    total = int(os.environ.get("BENCH_API_ENTRIES", "100000"))
    workers = int(os.environ.get("BENCH_API_WORKERS", "4"))
    clients = int(os.environ.get("BENCH_API_CLIENTS", "4"))
    singles = int(os.environ.get("BENCH_API_SINGLE", "3200"))
    connections = 16
    bulk_cadres = total // BATCH
    env = _env(db)

    _psql(f"DROP DATABASE IF EXISTS {db}")
    _psql(f"CREATE DATABASE {db}")
    server = None
    try:
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = subprocess.run(
            [PY, __file__, "setup", str(bulk_cadres + connections)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        ref = json.loads(setup.stdout.strip().splitlines()[-1])

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [
            str(pathlib.Path(PY).with_name("gunicorn")),
            "portal.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
        ]
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        _wait_for(port)

        today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        batches = _batches(total, ref, today)
        bodies = [(b, json.dumps({"entries": rows}).encode()) for b, rows in batches]
        # Warm every worker (imports, connections) before timing.
        for _ in range(workers * 2):
            _post(port, "/api/v1/weeks/2026-W01/", None, ref["tokens"][0], method="GET")

        print(
            f"bulk: {total} entries in {len(bodies)} requests of {BATCH},"
            f" {clients} clients, {workers} gunicorn workers"
        )

        def bulk(job):
            b, body = job
            return _post(port, "/api/v1/entries/bulk/", body, ref["tokens"][b])

        api_seconds, errors = _run_parallel(bodies, clients, bulk)
        if errors:
            raise SystemExit(f"bulk errors: {errors[:3]}")
        stored = _count(db)
        assert stored == total, stored
        api_rate = total / api_seconds
        print(f"  API bulk:  {api_seconds:7.2f} s  {api_rate:9.0f} entries/s")

        cadre_of_batch = {b: ref["cadres"][b] for b, _ in batches}
        copy_seconds, copied = _copy_baseline(db, batches, ref, cadre_of_batch)
        assert copied == total
        copy_rate = total / copy_seconds
        print(f"  COPY:      {copy_seconds:7.2f} s  {copy_rate:9.0f} entries/s")
        print(f"  ratio API bulk / COPY: {api_rate / copy_rate:.3f}")

        # Single-entry POSTs: 16 connections, one cadre each, 0.25 h entries spread over days.
        per_client = singles // connections
        jobs = []
        for c in range(connections):
            token = ref["tokens"][bulk_cadres + c]
            for i in range(per_client):
                row = _entry(i, today - dt.timedelta(days=i // 80), ref)
                row["hours"] = 0.25
                jobs.append((token, json.dumps(row).encode()))
        # Interleave so the 16 threads work for 16 different cadres at once.
        jobs = [jobs[c * per_client + i] for i in range(per_client) for c in range(connections)]

        def single(job):
            token, body = job
            return _post(port, "/api/v1/entries/", body, token)

        single_seconds, errors = _run_parallel(jobs, connections, single)
        if errors:
            raise SystemExit(f"single POST errors: {errors[:3]}")
        print(
            f"single POST /entries/: {len(jobs)} requests at {connections} connections"
            f" in {single_seconds:.2f} s"
            f" = {len(jobs) / single_seconds:.0f} requests/s"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _psql(f"DROP DATABASE IF EXISTS {db}")


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "setup":
    sys.path.insert(0, str(ROOT))
    _setup(int(sys.argv[2]))
