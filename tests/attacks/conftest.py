"""The attacker suite's world: the demo province, built once per module at a frozen instant.

DESIGN.md "Reporter protection" rule 5. The world is the full demo province (`seed_demo`, ~67k
entries) rolled up in process, at Wednesday 2026-11-25 10:00 Asia/Shanghai: 2026-W47 closed the day
before at noon, 2026-W48 is the open week. It is built inside one outer transaction that is rolled
back when the module ends, so the rest of the test session starts from an empty database; each
test runs in a savepoint of it (pytest-django's `db`), so what one attack changes is gone for the
next.

Pinned settings: the perturbation key (rule 2, so every figure is deterministic), a cache of the
module's own, and a fast password hasher (the demo's accounts are hashed while the world is built,
before the per-test fixtures apply).

Figures: every test prints its table (through capsys.disabled(), so `-s` is not needed) and, with
ATTACK_FIGURES=path.json in the environment, all figures of the run go to that file, rewritten
after each test so a failing assertion never loses what was measured.
"""

import contextlib
import datetime as dt
import io
import json
import math
import os
import time
import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from tests.conftest import need, on_postgres

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Wednesday of 2026-W48: W47 closed on Tuesday 2026-11-24 12:00 (36 h after its Sunday ended).
ATTACK_NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
LAST_CLOSED_WEEK = "2026-W47"
PERTURBATION_KEY = "attack-suite"
DRAW_KEYS = ["attack-suite-2", "attack-suite-3", "attack-suite-4"]  # province_draws
PINNED = {
    "BURDEN_PERTURBATION_KEY": PERTURBATION_KEY,
    "BURDEN_PERTURBATION": True,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}
# Accounts of the demo that read aggregates (README "Demo logins").
REGION_READER = "region_330000"
DEPARTMENT_VIEWERS = {
    "330000-AGRI": "dept_330000_agri",
    "330000-CIVIL": "dept_330000_civil",
    "330800-AGRI": "dept_330800_agri",
    "330802-PCO": "dept_330802_pco",
}

_FIGURES: dict = {}


def record(section: str, figures: dict) -> None:
    """Keep a test's figures for the JSON file named by ATTACK_FIGURES."""
    _FIGURES[section] = figures
    path = os.environ.get("ATTACK_FIGURES")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(_FIGURES, handle, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _fmt(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items())
    return str(value)


def show(capsys, title: str, rows) -> None:
    """Print a figures table whether or not pytest captures output."""
    with capsys.disabled():
        print(f"\n=== {title}")
        for key, value in rows:
            print(f"  {key:<62} {_fmt(value)}")


@contextlib.contextmanager
def frozen_at(instant: dt.datetime):
    with mock.patch.object(timezone, "now", return_value=instant.astimezone(dt.UTC)):
        yield


@pytest.fixture(scope="module")
def attack_world(django_db_setup, django_db_blocker):
    """The seeded and rolled-up demo province plus its truth oracle; rolled back afterwards."""
    need(on_postgres(), "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/burden_attack")
    from reports import jobs
    from tests.attacks.oracle import Oracle

    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(uuid.uuid4())}
    }
    with frozen_at(ATTACK_NOW), override_settings(CACHES=caches, **PINNED):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
        try:
            with django_db_blocker.unblock():
                t0 = time.monotonic()
                call_command("seed_demo", stdout=io.StringIO())
                t1 = time.monotonic()
                jobs.rollup_all()
                with connection.cursor() as cursor:
                    # Rows written in this open transaction are sampled by ANALYZE; without it the
                    # planner may take the tables for empty.
                    cursor.execute("ANALYZE")
                t2 = time.monotonic()
                oracle = Oracle.load()
                t3 = time.monotonic()
            yield {
                "oracle": oracle,
                "seconds": {"seed_demo": t1 - t0, "rollup": t2 - t1, "oracle": t3 - t2},
            }
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def setting(attack_world, django_db_blocker):
    """What the attacker learns by probing the API first (tests.attacks.harness.discover)."""
    from tests.attacks.harness import discover

    with django_db_blocker.unblock():
        return discover(attack_world["oracle"].structure, attack_world["oracle"])


def _read_province(setting) -> dict:
    from tests.attacks.harness import Snapshot

    started = time.monotonic()
    snapshot = Snapshot()
    setting.attacker.read_everything(snapshot, depts=setting.active_departments)
    return {"setting": setting, "snapshot": snapshot, "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def province_view(attack_world, setting, django_db_blocker):
    """Everything the province's region reviewer can read for the year, read once: the answers
    the subtraction, least-squares and utility attacks share."""
    with django_db_blocker.unblock():
        return _read_province(setting)


@pytest.fixture(scope="module")
def province_draws(attack_world, setting, province_view, django_db_blocker):
    """The province's view under PERTURBATION_KEY and under each of DRAW_KEYS: the same entries
    with every cell's noise drawn afresh. Whether a hidden cell's estimate lands within 0.25 h of
    its truth is partly luck of the draw (one draw moved the least-squares share from 0/65 to 5/65
    cells), so the shares asserted are means over draws, each draw's share reported beside them.
    Each other draw is rolled up and read inside a savepoint that is then rolled back, so the rest
    of the module reads the world of PERTURBATION_KEY."""
    from reports import jobs

    views = [province_view]
    state = setting.attacker.state
    for number, key in enumerate(DRAW_KEYS, start=1):
        redrawn = override_settings(BURDEN_PERTURBATION_KEY=key)
        # The derived rows come back with the same ids and the frozen computed_at, so the data
        # version does not change: answers cached under one draw must not be served in another,
        # by the portal's cache or by the attacker's own memo (keyed by its data state).
        cache.clear()
        setting.attacker.state = f"draw {number}"
        try:
            with django_db_blocker.unblock(), redrawn, transaction.atomic():
                jobs.rollup_all()
                views.append(_read_province(setting))
                transaction.set_rollback(True)
        finally:
            setting.attacker.state = state
            cache.clear()
    return views
