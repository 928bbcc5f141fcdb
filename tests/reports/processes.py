"""Run manage.py and Celery as real subprocesses against the test database (PostgreSQL only:
the test data must be committed, so tests using these take `transactional_db`)."""

import os
import pathlib
import subprocess
import sys

from django.db import connection

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def environment(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or "test-subprocess-key",
        DATABASE_URL=test_database_url(),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="portal.settings",
        PYTHONPATH=str(ROOT),
    )
    env.update({k: v for k, v in overrides.items() if v is not None})
    return env


def manage(*args, timeout=60, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_worker(
    redis_url: str, concurrency: int = 1, *, beat_schedule=None, solo=False, **env
) -> subprocess.Popen:
    """`celery -A portal worker` on `redis_url`; the caller stops it with stop_worker().

    The queue is purged first: earlier tests that committed without a worker left rollup tasks
    for databases that are gone, and a worker would spend the test's time on them."""
    subprocess.run(
        [PYTHON, "-m", "celery", "-A", "portal", "purge", "-f"],
        cwd=ROOT,
        env=environment(REDIS_URL=redis_url),
        check=True,
        capture_output=True,
    )
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            # solo: the task runs in this very process, so killing it kills the task too
            *(["--pool=solo"] if solo else []),
            # embedded beat, its schedule file outside the checkout
            *(["--beat", f"--schedule={beat_schedule}"] if beat_schedule else []),
        ],
        cwd=ROOT,
        env=environment(REDIS_URL=redis_url, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_worker(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return output or ""
