"""A Redis cache that answers a miss when Redis is down, instead of failing the request.

Nothing the portal keeps in the cache is the only copy: stats answers are recomputed, throttle
histories start again (a throttle then allows: it fails safe, and logins stay guarded by
django-axes, whose attempts are in the database). So a lost Redis must cost speed, never a page.

After a failure the cache stops asking Redis for RETRY_SECONDS: a host that drops packets would
otherwise hold every cache call of every request for the connect timeout, and the log would get a
warning per call rather than one per outage window.
"""

import logging
import time

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class _ForgivingClient(RedisCacheClient):
    """Each operation answers, when Redis cannot be asked, what a cache without the key answers."""

    _down_until = 0.0

    def _call(self, name, *args, miss):
        if time.monotonic() < self._down_until:
            return miss
        try:
            return getattr(super(), name)(*args)
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + RETRY_SECONDS
            logger.warning(
                "cache unavailable (%s: %s); answering misses for %ss", type(exc).__name__, exc, RETRY_SECONDS
            )
            return miss

    def add(self, key, value, timeout):
        return self._call("add", key, value, timeout, miss=False)

    def get(self, key, default):
        return self._call("get", key, default, miss=default)

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout, miss=None)

    def touch(self, key, timeout):
        return self._call("touch", key, timeout, miss=False)

    def delete(self, key):
        return self._call("delete", key, miss=False)

    def get_many(self, keys):
        return self._call("get_many", keys, miss={})

    def has_key(self, key):
        return self._call("has_key", key, miss=False)

    def incr(self, key, delta):
        # A missing key is a ValueError to callers of incr(); so is an unreachable one.
        result = self._call("incr", key, delta, miss=_Missing)
        if result is _Missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout):
        return self._call("set_many", data, timeout, miss=[])

    def delete_many(self, keys):
        return self._call("delete_many", keys, miss=None)

    def clear(self):
        return self._call("clear", miss=False)


class _Missing:
    pass


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache whose errors are logged and answered as misses (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ForgivingClient
