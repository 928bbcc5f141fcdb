"""Settings come from the environment and refuse bad values, naming the variable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str, parse_database_url, parse_redis_url

ROOT = Path(__file__).resolve().parents[2]
SETTING_VARS = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "BURDEN_MIN_GROUP",
    "BURDEN_PERTURBATION",
    "BURDEN_PERTURBATION_KEY",
    "BURDEN_NOISE_SCALE",
    "BURDEN_NOISE_FLOOR_HOURS",
    "BURDEN_WEEK_CLOSES_AFTER_HOURS",
    "BURDEN_WAGE_TOWNSHIP",
    "BURDEN_WAGE_VILLAGE",
    "DB_CONN_MAX_AGE",
    "LOGIN_THROTTLE_RATE",
    "SECURE_COOKIES",
    "LOG_LEVEL",
    "TRUSTED_PROXIES",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_COOLOFF_MINUTES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
]
# Print what the rest of the tests check, after Django has loaded the settings.
PROBE = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST"), "port": db.get("PORT"),
    "user": db.get("USER"), "password": db.get("PASSWORD"),
    "debug": s.DEBUG, "hosts": s.ALLOWED_HOSTS, "min_group": s.BURDEN_MIN_GROUP,
    "broker": s.CELERY_BROKER_URL, "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "cache": s.CACHES["default"]["BACKEND"], "language": s.LANGUAGE_CODE,
    "languages": [code for code, _ in s.LANGUAGES], "tz": s.TIME_ZONE,
    "options": db.get("OPTIONS"), "sessions": s.SESSION_ENGINE,
    "https": [s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
              s.SECURE_HSTS_PRELOAD, getattr(s, "SECURE_PROXY_SSL_HEADER", None)],
    "proxies": [s.TRUSTED_PROXIES, s.REST_FRAMEWORK["NUM_PROXIES"]],
    "lockout": [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()],
    "log_level": s.LOGGING["root"]["level"],
}))
"""


def start(**env):
    """Load the settings in a fresh interpreter with only the given settings variables."""
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_VARS}
    clean["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


GOOD = {
    "SECRET_KEY": "not-a-real-key",
    "BURDEN_PERTURBATION_KEY": "not-a-real-perturbation-key",
    "DEBUG": "0",
    "DATABASE_URL": "sqlite:////tmp/burden-settings-test.db",
}


@pytest.mark.parametrize(
    "variable, value",
    [
        ("DEBUG", "maybe"),
        ("BURDEN_MIN_GROUP", "abc"),
        ("BURDEN_MIN_GROUP", "0"),
        ("BURDEN_WAGE_TOWNSHIP", "sixty"),
        ("BURDEN_NOISE_SCALE", "half"),
        ("BURDEN_NOISE_SCALE", "-0.5"),
        ("BURDEN_NOISE_SCALE", "0.2"),
        ("BURDEN_NOISE_FLOOR_HOURS", "4"),
        ("BURDEN_NOISE_FLOOR_HOURS", "nan"),
        ("BURDEN_WEEK_CLOSES_AFTER_HOURS", "-1"),
        ("BURDEN_PERTURBATION", "off"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "sqlite:///relative.db"),
        ("DATABASE_URL", "postgres://127.0.0.1:5432/"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:port/burden"),
        ("REDIS_URL", "http://x"),
        ("REDIS_URL", "redis://127.0.0.1:port/0"),
        ("LOG_LEVEL", "verbose"),
        ("TRUSTED_PROXIES", "-1"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("SECURE_SSL_REDIRECT", "sometimes"),
        ("LOGIN_FAILURE_LIMIT", "0"),
    ],
)
def test_it_refuses_a_bad_value(variable, value):
    result = start(**{**GOOD, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_it_refuses_a_bad_connection_age_on_postgres():
    result = start(
        **{**GOOD, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/burden", "DB_CONN_MAX_AGE": "-1"}
    )
    assert result.returncode != 0
    assert "DB_CONN_MAX_AGE" in result.stderr.strip().splitlines()[-1]


def test_it_needs_a_secret_key_without_debug():
    result = start(DEBUG="0", DATABASE_URL=GOOD["DATABASE_URL"])
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]
    result = start(DATABASE_URL=GOOD["DATABASE_URL"])  # DEBUG defaults to off
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_needs_a_perturbation_key_without_debug():
    result = start(SECRET_KEY="x", DEBUG="0", DATABASE_URL=GOOD["DATABASE_URL"])
    assert result.returncode != 0
    assert "BURDEN_PERTURBATION_KEY" in result.stderr.strip().splitlines()[-1]


def test_exact_figures_are_refused_without_debug():
    result = start(**{**GOOD, "BURDEN_PERTURBATION": "0"})
    assert result.returncode != 0
    assert "BURDEN_PERTURBATION" in result.stderr.strip().splitlines()[-1]
    assert start(**{**GOOD, "BURDEN_PERTURBATION": "0", "DEBUG": "1"}).returncode == 0
    # Weaker noise than the measured defaults is for development only; stronger is always allowed.
    assert start(**{**GOOD, "BURDEN_NOISE_SCALE": "0.1", "DEBUG": "1"}).returncode == 0
    assert start(**{**GOOD, "BURDEN_NOISE_SCALE": "1", "BURDEN_NOISE_FLOOR_HOURS": "12"}).returncode == 0


def test_a_production_configuration_starts():
    result = start(
        SECRET_KEY="not-a-real-key",
        BURDEN_PERTURBATION_KEY="not-a-real-perturbation-key",
        DEBUG="0",
        DATABASE_URL="postgres://burden:s%40cret@db.example:5433/burden",
        REDIS_URL="redis://cache.example:6379/2",
        ALLOWED_HOSTS="burden.example.gov.cn, 10.0.0.5",
        BURDEN_MIN_GROUP="7",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["host"], loaded["port"], loaded["name"]) == ("db.example", "5433", "burden")
    assert (loaded["user"], loaded["password"]) == ("burden", "s@cret")
    assert loaded["debug"] is False
    assert loaded["hosts"] == ["burden.example.gov.cn", "10.0.0.5"]
    assert loaded["min_group"] == 7
    assert loaded["broker"] == "redis://cache.example:6379/2"
    assert loaded["eager"] is False
    # Redis errors are cache misses, and sessions never depend on Redis.
    assert loaded["cache"] == "portal.cache.ForgivingRedisCache"
    assert loaded["sessions"] == "django.contrib.sessions.backends.db"
    assert not loaded["options"]
    # HTTPS settings are off unless asked for; X-Forwarded-For is not believed.
    assert loaded["https"] == [False, 0, False, False, None]
    assert loaded["proxies"] == [0, 0]
    assert loaded["lockout"] == [10, 900]


def test_https_proxies_lockouts_and_log_level_are_set_by_environment():
    result = start(
        **GOOD,
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="yes",
        TRUSTED_PROXIES="1",
        LOGIN_FAILURE_LIMIT="5",
        LOGIN_COOLOFF_MINUTES="30",
        LOG_LEVEL="warning",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["https"] == [True, 31536000, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]]
    assert loaded["proxies"] == [1, 1]
    assert loaded["lockout"] == [5, 1800]
    assert loaded["log_level"] == "WARNING"


def test_database_url_parameters_reach_the_connection_options():
    url = "postgres://burden@db.example:5432/burden?sslmode=require&connect_timeout=5"
    result = start(**{**GOOD, "DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["options"] == {"sslmode": "require", "connect_timeout": "5"}


def test_each_4xx_is_logged_once_with_debug_on():
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "Client().get('/api/v1/no-such-thing/'); Client().get('/api/v1/stats/counties/x/weeks/')"
    )
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_VARS}
    clean.update(
        {**GOOD, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1", "ALLOWED_HOSTS": "testserver"}
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /api/v1/no-such-thing/") == 1, result.stderr
    assert result.stderr.count("/api/v1/stats/counties/x/weeks/") == 1, result.stderr


def test_with_no_settings_it_runs_embedded():
    result = start(DEBUG="1")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(ROOT / "var" / "db.sqlite3")
    assert loaded["eager"] is True
    assert loaded["broker"] == "memory://"
    assert loaded["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["min_group"] == 5
    assert loaded["hosts"] == ["127.0.0.1", "localhost"]
    assert (loaded["language"], loaded["tz"]) == ("zh-hans", "Asia/Shanghai")
    assert "en" in loaded["languages"]


# --- portal.env unit tests ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected", [("1", True), ("true", True), (" On ", True), ("0", False), ("no", False)]
)
def test_env_bool_reads_yes_and_no(monkeypatch, value, expected):
    monkeypatch.setenv("X_FLAG", value)
    assert env_bool("X_FLAG", not expected) is expected


def test_env_bool_defaults_and_refuses(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env_bool("X_FLAG", True) is True
    monkeypatch.setenv("X_FLAG", "2")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int(monkeypatch):
    monkeypatch.delenv("X_INT", raising=False)
    assert env_int("X_INT", 5) == 5
    monkeypatch.setenv("X_INT", "")
    assert env_int("X_INT", 5) == 5
    monkeypatch.setenv("X_INT", "12")
    assert env_int("X_INT", 5, minimum=1) == 12
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be at least 1"):
        env_int("X_INT", 5, minimum=1)
    monkeypatch.setenv("X_INT", "1.5")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be an integer"):
        env_int("X_INT", 5)


def test_env_list_and_str(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example ,, b.example ")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.delenv("X_LIST")
    assert env_list("X_LIST", ["d"]) == ["d"]
    assert env_str("X_LIST") is None
    assert env_str("X_LIST", "fallback") == "fallback"


def test_parse_database_url():
    assert parse_database_url("sqlite:////srv/burden/db.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/burden/db.sqlite3",
    }
    assert parse_database_url("postgresql://u:p%2Fw@h:6543/n%20x") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "n x",
        "USER": "u",
        "PASSWORD": "p/w",
        "HOST": "h",
        "PORT": "6543",
    }
    assert parse_database_url("postgres://postgres@127.0.0.1/burden")["PORT"] == ""
    assert parse_database_url("postgres://h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem")[
        "OPTIONS"
    ] == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ca.pem",
    }
    bad_urls = ["mysql://h/db", "sqlite:///rel.db", "postgres://h/", "postgres:///db", "postgres://h:x/db"]
    for bad in [*bad_urls, "postgres://h/db?sslmode"]:
        with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
            parse_database_url(bad)


def test_parse_redis_url():
    assert parse_redis_url("redis://127.0.0.1:6379/1") == "redis://127.0.0.1:6379/1"
    assert parse_redis_url("rediss://:pw@cache.example:6380/0") == "rediss://:pw@cache.example:6380/0"
    for bad in ["http://x", "redis://", "redis://h:port/0"]:
        with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
            parse_redis_url(bad)
