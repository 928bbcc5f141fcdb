"""Typed readers for settings taken from the environment.

Each helper fails loudly (ImproperlyConfigured naming the variable) on a value it cannot parse,
so a typo in a deployment never silently falls back to a default.
"""

import datetime as dt
import math
import os
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {value!r})")


def _env_number(name: str, default, convert, kind: str, minimum):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = convert(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind} (got {value!r})") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum} (got {number})")
    return number


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    return _env_number(name, default, int, "an integer", minimum)


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    return _env_number(name, default, _finite, "a finite number", minimum)


def env_choice(name: str, default: str, choices: list[str]) -> str:
    """One of `choices`, compared without case; the value as spelt in `choices`."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    for choice in choices:
        if value.strip().lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)} (got {value!r})")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_dates(name: str) -> list[dt.date]:
    """ISO dates separated by commas (e.g. holidays), sorted; any other value fails loudly."""
    days = []
    for item in env_list(name, []):
        try:
            days.append(dt.date.fromisoformat(item))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list ISO dates such as 2026-10-01 (got {item!r})"
            ) from None
    return sorted(days)


def parse_database_url(url: str) -> dict:
    """Turn `postgres://user:pw@host:port/name` or `sqlite:////abs/path` into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:////abs/path -> netloc "" and path "//abs/path"; sqlite:///rel is refused.
        path = parsed.path
        if not path.startswith("//"):
            raise ImproperlyConfigured(
                f"DATABASE_URL for SQLite must be sqlite:////absolute/path (got {url!r})"
            )
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path[1:]}
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        name = parsed.path.lstrip("/")
        if not name or not parsed.hostname:
            raise ImproperlyConfigured(f"DATABASE_URL must name a host and a database (got {url!r})")
        try:
            port = parsed.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL has a bad port (got {url!r})") from None
        config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(name),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname,
            "PORT": str(port or ""),
        }
        # ?sslmode=require&connect_timeout=5: libpq connection parameters, passed through as
        # OPTIONS (libpq refuses a name it does not know when connecting).
        try:
            options = parse_qsl(parsed.query, keep_blank_values=True, strict_parsing=bool(parsed.query))
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL has a bad query string (got {url!r})") from None
        if options:
            config["OPTIONS"] = dict(options)
        return config
    raise ImproperlyConfigured(f"DATABASE_URL must start with postgres:// or sqlite:/// (got {url!r})")


def parse_redis_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise ImproperlyConfigured(f"REDIS_URL must be redis://host:port/db (got {url!r})")
    try:
        _ = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"REDIS_URL has a bad port (got {url!r})") from None
    return url
