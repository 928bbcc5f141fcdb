"""Empty the one Redis database that REDIS_URL names (FLUSHDB, never FLUSHALL).

.ci/run calls it at the start and the end of a run on its own database: tasks that the tests
enqueued without a worker would otherwise wait there for databases that no longer exist.
"""

import os
import sys

import redis


def main() -> int:
    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set; nothing to empty", file=sys.stderr)
        return 1
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    removed = client.dbsize()
    client.flushdb()
    print(f"emptied {url.rsplit('@', 1)[-1]}: {removed} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
