# ruff: noqa: E501  (long SQL lines read better unwrapped)
"""Rollup at province scale on PostgreSQL, each figure against a bare baseline in the same run.

    .venv/bin/python bench/run.py rollup

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/burden_h4_bench; created,
migrated and filled on first use), BENCH_REDIS_URL (default redis://127.0.0.1:6379/6),
BENCH_ENTRIES (default 1,000,000), BENCH_SKIP_CELERY=1 to leave out the worker figures.

Figures:
  full      rollup of every derived table (reports.jobs.rollup_all, in process) vs. SQL
            INSERT ... SELECT ... GROUP BY statements building the same tables (target <= 1.5x)
  memory    peak RSS growth of a process running the full rollup, per entry row (target <= 300 B),
            against a process that imports the same modules and rolls up nothing
  county    one county-week incremental rollup vs. the same SQL for that county-week (target <= 3x)
  workers   full rebuild as a Celery group with 2 worker processes vs. 1
  freshness seconds from a submit through the API to the stats API showing it (target <= 5 s)
"""

import contextlib
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burden_h4_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "1000000"))
WEEK = "2026-W47"
CITIES, COUNTIES_PER_CITY, TOWNSHIPS_PER_COUNTY = 11, 8, 12
ENTRIES_PER_CADRE = 20


def _setup_django():
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("BURDEN_PERTURBATION_KEY", "bench-only-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _ensure_database():
    import psycopg2
    from psycopg2 import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = psycopg2.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


# ---------------------------------------------------------------------------- data

GENERATE = """
INSERT INTO portal_region (code, name, level, parent_id) VALUES ('990000', 'Bench province', 'province', NULL);
INSERT INTO portal_region (code, name, level, parent_id)
  SELECT '99' || lpad(c::text, 2, '0') || '00', 'City ' || c, 'city', (SELECT id FROM portal_region WHERE code = '990000')
  FROM generate_series(1, %(cities)s) c;
INSERT INTO portal_region (code, name, level, parent_id)
  SELECT p.code || lpad(k::text, 2, '0'), p.name || ' county ' || k, 'county', p.id
  FROM portal_region p CROSS JOIN generate_series(1, %(counties)s) k WHERE p.level = 'city' AND p.code LIKE '99%%';
INSERT INTO portal_region (code, name, level, parent_id)
  SELECT p.code || lpad(t::text, 3, '0'), p.name || ' township ' || t, 'township', p.id
  FROM portal_region p CROSS JOIN generate_series(1, %(townships)s) t WHERE p.level = 'county' AND p.code LIKE '99%%';
INSERT INTO portal_department (code, name, level, parent_id, region_id)
  SELECT 'B-P' || d, 'Province department ' || d, 'province', NULL, NULL FROM generate_series(1, 40) d;
INSERT INTO portal_department (code, name, level, parent_id, region_id)
  SELECT p.code || '-' || v, p.name || ' division ' || v, 'province', p.id, NULL
  FROM portal_department p CROSS JOIN generate_series(1, 3) v WHERE p.code LIKE 'B-P%%';
INSERT INTO portal_department (code, name, level, parent_id, region_id)
  SELECT 'B-C' || d, 'City bureau ' || d, 'city', NULL, NULL FROM generate_series(1, 30) d;
INSERT INTO portal_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                         date_joined, display_name, role, region_id)
  SELECT '!', false, 'bench-' || t.code || '-' || n, '', '', '', false, true, now(), '', 'cadre', t.id
  FROM portal_region t CROSS JOIN generate_series(1, %(per_township)s) n
  WHERE t.level = 'township' AND t.code LIKE '99%%';
INSERT INTO portal_weeklylog (cadre_id, week, status, submitted_at, amended, township_id, county_id, created_at)
  SELECT u.id, %(week)s, 'submitted', now(), false, t.id, t.parent_id, now()
  FROM portal_user u JOIN portal_region t ON t.id = u.region_id WHERE u.username LIKE 'bench-%%';
INSERT INTO portal_entry (log_id, kind, occurred_on, title, hours, meeting_format, meeting_role, relayed,
                          repeat_topic, doc_channel, pages, report_back, inspection_label, materials_pages,
                          rectification, conflicting_demand, app_id, app_action, duplicate_entry,
                          created_at, updated_at)
  SELECT l.id, k.kind, DATE '2026-11-16' + (n %% 5), 'bench item ' || (n %% 50), (1 + (n * 7 + l.id) %% 12) * 0.25,
         CASE WHEN k.kind = 'meeting' THEN (ARRAY['in_person','video','phone'])[1 + (n + l.id) %% 3] END,
         CASE WHEN k.kind = 'meeting' THEN (ARRAY['host','speaker','participant','accompanying'])[1 + (n * 3 + l.id) %% 4] END,
         CASE WHEN k.kind = 'meeting' THEN (n + l.id) %% 3 = 0 END,
         CASE WHEN k.kind = 'meeting' THEN (n + l.id) %% 5 = 0 END,
         CASE WHEN k.kind = 'document' THEN (ARRAY['numbered','unnumbered','oral','chat','sticky_note'])[1 + (n + l.id) %% 5] END,
         CASE WHEN k.kind = 'document' THEN (n + l.id) %% 9 END,
         CASE WHEN k.kind = 'document' THEN (n + l.id) %% 4 = 0 END,
         CASE WHEN k.kind = 'inspection' THEN (ARRAY['inspection','supervision','assessment','research','investigation','guidance','other'])[1 + (n + l.id) %% 7] END,
         CASE WHEN k.kind = 'inspection' THEN ((n + l.id) %% 3) * 10 END,
         CASE WHEN k.kind = 'inspection' THEN (n + l.id) %% 4 = 0 END,
         CASE WHEN k.kind = 'inspection' THEN false END,
         CASE WHEN k.kind = 'app_task' THEN (SELECT min(id) FROM portal_app) END,
         CASE WHEN k.kind = 'app_task' THEN (ARRAY['data_entry','photo_upload','check_in','other'])[1 + (n + l.id) %% 4] END,
         CASE WHEN k.kind = 'app_task' THEN (n + l.id) %% 3 = 0 END,
         now(), now()
  FROM portal_weeklylog l CROSS JOIN generate_series(1, %(per_cadre)s) n
  CROSS JOIN LATERAL (SELECT (ARRAY['meeting','document','inspection','app_task','app_task'])[1 + (n + l.id) %% 5] AS kind) k
  WHERE l.week = %(week)s;
INSERT INTO portal_entrydepartment (entry_id, department_id)
  WITH d AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM portal_department)
  SELECT e.id, d.ids[1 + (e.id * 13 + s.j * 7) %% d.n] FROM portal_entry e CROSS JOIN d
  CROSS JOIN LATERAL (SELECT generate_series(0, CASE WHEN e.id %% 5 = 0 THEN 1 ELSE 0 END) AS j) s;
"""


def _ensure_data():
    from django.core.management import call_command
    from django.db import connection

    from portal.models import App, Department, Entry

    call_command("migrate", verbosity=0)
    existing = Entry.objects.count()
    if existing >= ENTRIES:
        return existing
    if existing:
        raise SystemExit(f"{DATABASE_URL} holds {existing} entries, fewer than {ENTRIES}: drop it and rerun")
    counties = CITIES * COUNTIES_PER_CITY
    per_township = math.ceil(ENTRIES / ENTRIES_PER_CADRE / counties / TOWNSHIPS_PER_COUNTY)
    print(f"generating ~{ENTRIES:,} entries ({counties} counties) ...", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in GENERATE.split(";\n"):
            if statement.strip():
                if "portal_entry (" in statement and not App.objects.exists():
                    owner = Department.objects.order_by("id").first()
                    App.objects.create(code="B-APP", name="Bench app", owner=owner)
                cursor.execute(
                    statement,
                    {
                        "cities": CITIES,
                        "counties": COUNTIES_PER_CITY,
                        "townships": TOWNSHIPS_PER_COUNTY,
                        "per_township": per_township,
                        "per_cadre": ENTRIES_PER_CADRE,
                        "week": WEEK,
                    },
                )
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return Entry.objects.count()


# ---------------------------------------------------------------------------- bare SQL baseline

# The same five tables with INSERT ... SELECT ... GROUP BY (the per-entry indicator flags spelled
# out in SQL; each log's record key as an md5 of its cadre, week and entries, the nearest SQL
# stand-in for the keyed hash of its content digest). {scope} filters the submitted logs, e.g. to one county-week.
BASELINE = """
DELETE FROM reports_countyweekstat x WHERE true {dscope};
DELETE FROM reports_townshipweekstat x WHERE true {dscope};
DELETE FROM reports_departmentweekstat x WHERE true {dscope};
DELETE FROM reports_reporterweek x WHERE true {dscope};
DELETE FROM reports_reporterdepartmentweek x WHERE true {dscope};
CREATE TEMP TABLE bench_entry ON COMMIT DROP AS
  SELECT e.id AS entry_id, l.id AS log_id, l.county_id, l.township_id, l.week, l.cadre_id, e.kind, e.hours::float8 AS hours,
    (e.kind = 'document' AND e.doc_channel <> 'numbered')::int AS unnumbered,
    (e.kind = 'meeting' AND e.relayed)::int AS relayed,
    (e.kind = 'meeting' AND e.repeat_topic)::int AS repeat,
    (e.kind = 'meeting' AND e.meeting_role = 'accompanying')::int AS accompanying,
    (e.kind = 'inspection' AND e.inspection_label IN ('research', 'investigation', 'guidance')
      AND (e.materials_pages > 0 OR e.rectification))::int AS disguised,
    (e.kind = 'app_task' AND e.duplicate_entry)::int AS duplicate
  FROM portal_weeklylog l JOIN portal_entry e ON e.log_id = l.id WHERE l.status = 'submitted' {scope};
CREATE TEMP TABLE bench_log ON COMMIT DROP AS
  SELECT l.id AS log_id, l.county_id, l.township_id, l.week, l.cadre_id,
    count(e.entry_id) AS entries,
    count(*) FILTER (WHERE e.kind = 'meeting') AS em, count(*) FILTER (WHERE e.kind = 'document') AS ed,
    count(*) FILTER (WHERE e.kind = 'inspection') AS ei, count(*) FILTER (WHERE e.kind = 'app_task') AS ea,
    coalesce(sum(e.hours) FILTER (WHERE e.kind = 'meeting'), 0) AS hm,
    coalesce(sum(e.hours) FILTER (WHERE e.kind = 'document'), 0) AS hd,
    coalesce(sum(e.hours) FILTER (WHERE e.kind = 'inspection'), 0) AS hi,
    coalesce(sum(e.hours) FILTER (WHERE e.kind = 'app_task'), 0) AS ha,
    coalesce(sum(e.hours), 0) AS ht,
    coalesce(sum(unnumbered), 0) AS n1, coalesce(sum(relayed), 0) AS n2, coalesce(sum(repeat), 0) AS n3,
    coalesce(sum(accompanying), 0) AS n4, coalesce(sum(disguised), 0) AS n5, coalesce(sum(duplicate), 0) AS n6,
    ('x' || substr(md5(l.cadre_id || ':' || l.week || ':' || coalesce(string_agg(e.kind || e.hours || e.unnumbered
      || e.relayed || e.repeat || e.accompanying || e.disguised || e.duplicate, ',' ORDER BY e.entry_id), '')),
      1, 8))::bit(32)::bigint AS record_key
  FROM portal_weeklylog l LEFT JOIN bench_entry e ON e.log_id = l.id WHERE l.status = 'submitted' {scope}
  GROUP BY l.id;
INSERT INTO reports_reporterweek (county_id, week, quarter, year, township_id, cadre_id, entries, hours_total, record_key)
  SELECT county_id, week, to_char(to_date(week, 'IYYY-"W"IW') + 3, 'YYYY-"Q"Q'),
    to_char(to_date(week, 'IYYY-"W"IW') + 3, 'YYYY'), township_id, cadre_id, entries, ht, record_key FROM bench_log;
INSERT INTO reports_countyweekstat (county_id, week, reporters, entries_meeting, entries_document,
    entries_inspection, entries_app_task, hours_meeting, hours_document, hours_inspection, hours_app_task,
    hours_total, unnumbered_docs, relayed_meetings, repeat_meetings, accompanying_meetings,
    disguised_inspections, duplicate_app_tasks, computed_at)
  SELECT county_id, week, count(*), sum(em), sum(ed), sum(ei), sum(ea), sum(hm), sum(hd), sum(hi), sum(ha), sum(ht),
    sum(n1), sum(n2), sum(n3), sum(n4), sum(n5), sum(n6), now() FROM bench_log GROUP BY county_id, week;
INSERT INTO reports_townshipweekstat (county_id, week, township_id, reporters, entries_meeting, entries_document,
    entries_inspection, entries_app_task, hours_meeting, hours_document, hours_inspection, hours_app_task,
    hours_total, unnumbered_docs, relayed_meetings, repeat_meetings, accompanying_meetings,
    disguised_inspections, duplicate_app_tasks, computed_at)
  SELECT county_id, week, township_id, count(*), sum(em), sum(ed), sum(ei), sum(ea), sum(hm), sum(hd), sum(hi),
    sum(ha), sum(ht), sum(n1), sum(n2), sum(n3), sum(n4), sum(n5), sum(n6), now()
  FROM bench_log GROUP BY county_id, week, township_id;
CREATE TEMP TABLE bench_link ON COMMIT DROP AS
  SELECT e.entry_id, ed.department_id, e.county_id, e.week, e.cadre_id, e.kind,
    e.hours / count(*) OVER (PARTITION BY e.entry_id) AS share
  FROM bench_entry e JOIN portal_entrydepartment ed ON ed.entry_id = e.entry_id;
CREATE TEMP TABLE bench_tree ON COMMIT DROP AS
  WITH RECURSIVE tree(department_id, ancestor_id) AS (
    SELECT id, id FROM portal_department
    UNION ALL SELECT t.department_id, d.parent_id FROM tree t JOIN portal_department d ON d.id = t.ancestor_id
      WHERE d.parent_id IS NOT NULL)
  SELECT * FROM tree;
CREATE TEMP TABLE bench_up ON COMMIT DROP AS
  SELECT k.county_id, k.week, t.ancestor_id, k.entry_id, k.cadre_id, sum(k.share) AS share
  FROM bench_link k JOIN bench_tree t ON t.department_id = k.department_id
  GROUP BY k.county_id, k.week, t.ancestor_id, k.entry_id, k.cadre_id;
INSERT INTO reports_departmentweekstat (county_id, week, department_id, entries, entries_meeting, entries_document,
    entries_inspection, entries_app_task, hours, reporters, tree_entries, tree_hours, tree_reporters, computed_at)
  SELECT u.county_id, u.week, u.ancestor_id, coalesce(d.entries, 0), coalesce(d.em, 0), coalesce(d.ed, 0),
    coalesce(d.ei, 0), coalesce(d.ea, 0), coalesce(d.hours, 0), coalesce(d.reporters, 0),
    u.entries, u.hours, u.reporters, now()
  FROM (SELECT county_id, week, ancestor_id, count(*) AS entries, sum(share) AS hours,
          count(DISTINCT cadre_id) AS reporters FROM bench_up GROUP BY county_id, week, ancestor_id) u
  LEFT JOIN (SELECT county_id, week, department_id, count(*) AS entries,
          count(*) FILTER (WHERE kind = 'meeting') AS em, count(*) FILTER (WHERE kind = 'document') AS ed,
          count(*) FILTER (WHERE kind = 'inspection') AS ei, count(*) FILTER (WHERE kind = 'app_task') AS ea,
          sum(share) AS hours, count(DISTINCT cadre_id) AS reporters
        FROM bench_link GROUP BY county_id, week, department_id) d
    ON d.county_id = u.county_id AND d.week = u.week AND d.department_id = u.ancestor_id;
INSERT INTO reports_reporterdepartmentweek (county_id, week, quarter, year, cadre_id, department_id, direct,
    hours, tree_hours, record_key)
  SELECT u.county_id, u.week, to_char(to_date(u.week, 'IYYY-"W"IW') + 3, 'YYYY-"Q"Q'),
    to_char(to_date(u.week, 'IYYY-"W"IW') + 3, 'YYYY'), u.cadre_id, u.ancestor_id,
    bool_or(k.entry_id IS NOT NULL), coalesce(sum(k.share), 0), sum(u.share), min(g.record_key)
  FROM bench_up u LEFT JOIN bench_link k ON k.entry_id = u.entry_id AND k.department_id = u.ancestor_id
  JOIN bench_log g ON g.cadre_id = u.cadre_id AND g.week = u.week
  GROUP BY u.county_id, u.week, u.cadre_id, u.ancestor_id;
"""


def _baseline(county_id=None, week=None):
    from django.db import connection, transaction

    scope = dscope = ""
    if county_id is not None:
        scope = f" AND l.county_id = {int(county_id)} AND l.week = '{week}'"
        dscope = f" AND x.county_id = {int(county_id)} AND x.week = '{week}'"
    statements = [s for s in BASELINE.format(scope=scope, dscope=dscope).split(";\n") if s.strip()]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return time.perf_counter() - started


def _vacuum():
    """Reclaim the rows the previous run deleted, so neither path pays for the other's dead rows
    (in production autovacuum does this between rollups)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "countyweekstat",
            "townshipweekstat",
            "departmentweekstat",
            "reporterweek",
            "reporterdepartmentweek",
        ):
            cursor.execute(f"VACUUM ANALYZE reports_{table}")


def _table_fingerprint():
    """Sums over the derived tables, to check the two paths built the same thing."""
    from django.db import connection

    queries = [
        "SELECT count(*), sum(reporters), round(sum(hours_total)::numeric, 2), sum(disguised_inspections) "
        "FROM reports_countyweekstat",
        "SELECT count(*), sum(reporters), round(sum(hours_total)::numeric, 2) FROM reports_townshipweekstat",
        "SELECT count(*), sum(entries), round(sum(hours)::numeric, 2), sum(reporters), sum(tree_entries), "
        "round(sum(tree_hours)::numeric, 2), sum(tree_reporters) FROM reports_departmentweekstat",
        "SELECT count(*), sum(entries) FROM reports_reporterweek",
        "SELECT count(*), sum(direct::int), round(sum(hours)::numeric, 2), round(sum(tree_hours)::numeric, 2) "
        "FROM reports_reporterdepartmentweek",
    ]
    with connection.cursor() as cursor:
        out = []
        for query in queries:
            cursor.execute(query)
            out.append(tuple(str(v) for v in cursor.fetchone()))
    return out


@contextlib.contextmanager
def _without_extras():
    """The rollup without the dashboards' extras (reports.extras), which the rollup also writes in
    the same transaction but the SQL baseline does not build."""
    from reports import extras

    original = extras.replace
    extras.replace = lambda county_ids, weeks=None, record_keys=None: None
    try:
        yield
    finally:
        extras.replace = original


def _best(fn, repeat=3):
    return min(fn() for _ in range(repeat))


def _timed(fn):
    def run():
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    return run


# ---------------------------------------------------------------------------- memory (subprocess)

MEMORY_CHILD = """
import os, sys
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
import django; django.setup()
import pandas, numpy  # the same modules as the rollup: the idle baseline pays for them too
from reports import jobs, loading, rollup
ids = jobs.county_ids()
if {run!r} == "all":
    jobs.rollup_all()
elif {run!r} == "county":
    jobs.rollup_county({county})
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def _peak_kib(run, county=0):
    """Peak resident memory (KiB) of a fresh process that rolls up `run` ("none", "all", "county")."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = DATABASE_URL
    code = MEMORY_CHILD.format(root=str(ROOT), run=run, county=county)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


# ---------------------------------------------------------------------------- Celery


def _worker(concurrency):
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(worker):
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _celery_rebuild(concurrency):
    from portal.celery import app
    from reports import tasks

    app.control.purge()
    worker = _worker(concurrency)
    try:
        time.sleep(3)  # let the worker connect
        from portal.models import DirtyCountyWeek

        started = time.perf_counter()
        tasks.rebuild_all()
        # Done when every mark the rebuild wrote is drained.
        while DirtyCountyWeek.objects.exists():
            if time.perf_counter() - started > 1800:
                raise RuntimeError("the rebuild did not finish in 30 minutes")
            time.sleep(0.2)
        return time.perf_counter() - started
    finally:
        _stop(worker)


def _freshness():
    from django.db import connection
    from rest_framework.test import APIClient

    from portal import services
    from portal.models import Region, Role, User
    from reports import jobs

    county = Region.objects.filter(level="county", code__startswith="99").order_by("code").first()
    township = Region.objects.filter(parent=county).order_by("code").first()
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMIN, "is_staff": True, "is_superuser": True}
    )
    department = _any_department()
    samples = []
    worker = _worker(1)
    try:
        time.sleep(3)
        jobs.drain_dirty()
        reader = APIClient()
        reader.force_authenticate(admin)
        url = f"/api/v1/stats/counties/{county.code}/weeks/?period={WEEK}"
        for sample in range(6):
            cadre = User.objects.create(
                username=f"bench-fresh-{time.time_ns()}", role=Role.CADRE, region=township, password="!"
            )
            services.entries_bulk_create(
                cadre=cadre,
                rows=[
                    {
                        "kind": "meeting",
                        "occurred_on": "2026-11-16",
                        "title": "fresh",
                        "hours": "1.5",
                        "departments": [department],
                        "meeting_format": "video",
                        "meeting_role": "participant",
                    }
                ],
            )
            before = reader.get(url).json()["results"][0]["reporters"]
            client = APIClient()
            client.force_authenticate(cadre)
            started = time.perf_counter()
            assert client.post(f"/api/v1/weeks/{WEEK}/submit/").status_code == 200
            while reader.get(url).json()["results"][0]["reporters"] != before + 1:
                if time.perf_counter() - started > 60:
                    raise SystemExit("freshness: the stats API did not show the submit within 60 s")
                time.sleep(0.1)
            if sample:  # the first submit warms the worker's process up and is not counted
                samples.append(time.perf_counter() - started)
        connection.close()
    finally:
        _stop(worker)
    return samples


def _any_department():
    from portal.models import Department

    return (
        Department.objects.filter(code__startswith="B-P").order_by("id").values_list("id", flat=True).first()
    )


# ---------------------------------------------------------------------------- main


def main():
    _ensure_database()
    _setup_django()
    from django.db import connection
    from django.db.models import Count

    from portal.models import Region, WeeklyLog
    from reports import jobs

    entries = _ensure_data()
    counties = Region.objects.counties().count()
    print(
        f"PostgreSQL {connection.pg_version}, {entries:,} entries, {counties} counties, week {WEEK}",
        flush=True,
    )

    # 1. Full rollup vs bare SQL (best of 3 each, interleaved so caches are alike).
    sql_times, pandas_times, extras_times = [], [], []
    for _ in range(3):
        _vacuum()
        sql_times.append(_baseline())
        sql_fp = _table_fingerprint()
        _vacuum()
        with _without_extras():
            pandas_times.append(_timed(jobs.rollup_all)())
        pandas_fp = _table_fingerprint()
        _vacuum()
        extras_times.append(_timed(jobs.rollup_all)())
    same = "same tables" if sql_fp == pandas_fp else f"DIFFERENT tables: {sql_fp} vs {pandas_fp}"
    full_sql, full_pandas, full_extras = min(sql_times), min(pandas_times), min(extras_times)
    print(
        f"full rollup: pandas {full_pandas:.2f} s vs SQL INSERT...SELECT...GROUP BY {full_sql:.2f} s "
        f"= {full_pandas / full_sql:.2f}x (target <= 1.5x); {same}",
        flush=True,
    )
    print(
        f"full rollup with the dashboards' extras too: {full_extras:.2f} s = {full_extras / full_sql:.2f}x",
        flush=True,
    )

    # 2. Peak memory of the rollup process per entry row.
    peak = _peak_kib("none")
    peak_all = _peak_kib("all")
    growth = (peak_all - peak) * 1024
    print(
        f"memory: full rollup process peak RSS {peak_all / 1024:.0f} MiB vs idle process {peak / 1024:.0f} MiB; "
        f"growth {growth / entries:.0f} bytes per entry row (target <= 300); whole process "
        f"{peak_all * 1024 / entries:.0f} bytes per entry row",
        flush=True,
    )
    largest = WeeklyLog.objects.values("county_id").annotate(n=Count("entries")).order_by("-n").first()
    peak_one = _peak_kib("county", largest["county_id"])
    print(
        f"memory: one county ({largest['n']:,} entries) peak growth {(peak_one - peak) * 1024 / largest['n']:.0f} "
        f"bytes per entry row of that county",
        flush=True,
    )

    # 3. One county-week incremental rollup vs the bare SQL for that county-week.
    county_id = largest["county_id"]
    _vacuum()
    one_sql = _best(lambda: _baseline(county_id, WEEK), 5)
    with _without_extras():
        one_pandas = _best(_timed(lambda: jobs.rollup_county_week(county_id, WEEK)), 5)
    one_extras = _best(_timed(lambda: jobs.rollup_county_week(county_id, WEEK)), 5)
    print(
        f"county-week rollup: pandas {one_pandas * 1000:.0f} ms vs SQL {one_sql * 1000:.0f} ms "
        f"= {one_pandas / one_sql:.2f}x (target <= 3x); with the dashboards' extras too "
        f"{one_extras * 1000:.0f} ms = {one_extras / one_sql:.2f}x",
        flush=True,
    )

    if os.environ.get("BENCH_SKIP_CELERY") == "1":
        return
    # 4. Full rebuild as a Celery group: 2 worker processes vs 1.
    one = _celery_rebuild(1)
    two = _celery_rebuild(2)
    print(
        f"celery full rebuild: 1 worker process {one:.2f} s, 2 processes {two:.2f} s = {two / one:.2f}x "
        f"({os.cpu_count()} cores shared with PostgreSQL)",
        flush=True,
    )

    # 5. Freshness: submit through the API, poll the stats API.
    samples = _freshness()
    print(
        f"freshness: submit to stats API {statistics.median(samples):.2f} s median, {max(samples):.2f} s max "
        f"over {len(samples)} submits (target <= 5 s)",
        flush=True,
    )
    print(f"bench process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
