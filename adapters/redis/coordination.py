"""Fleet coordination on Redis: single-flight locks, cursors, queue depth, delivery counts,
unacked messages and refused configs."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

import redis

from domain.errors import TransientError

PREFIX = "ml-enrichment:"
# kombu's Redis transport keeps delivered-but-unacked messages here (its defaults).
UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"
CONFIG_REFUSED = PREFIX + "config:refused"
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisCoordinator:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    @contextmanager
    def single_flight(self, name: str, ttl_s: float) -> Iterator[bool]:
        """Yields True to the one holder; False (at once) to anyone else. The TTL frees the lock
        of a holder that died."""
        lock = self.client.lock(PREFIX + "lock:" + name, timeout=ttl_s, blocking=False)
        try:
            got = lock.acquire()
        except redis.RedisError as exc:
            raise TransientError(f"redis lock {name}: {exc}") from exc
        try:
            yield bool(got)
        finally:
            if got:  # a lock that expired under us (TTL too short) has nothing to release
                with suppress(redis.exceptions.LockError):
                    lock.release()

    def get_cursor(self, name: str) -> str | None:
        value = self.client.get(PREFIX + "cursor:" + name)
        return value.decode() if isinstance(value, bytes) else None

    def set_cursor(self, name: str, value: str | None, ttl_s: int = 7 * 86400) -> None:
        key = PREFIX + "cursor:" + name
        if value is None:
            self.client.delete(key)
        else:
            self.client.set(key, value, ex=ttl_s)

    def claim_in_flight(self, scope: str, keys: Sequence[str], ttl_s: float) -> set[str]:
        """One SET NX EX per key, in one round trip: a key is marked by one caller only."""
        prefix = PREFIX + "inflight:" + scope + ":"
        pipe = self.client.pipeline(transaction=False)
        for k in keys:
            pipe.set(prefix + k, b"1", nx=True, px=max(int(ttl_s * 1000), 1))
        try:
            got = pipe.execute()
        except redis.RedisError as exc:
            raise TransientError(f"redis in-flight marks {scope}: {exc}") from exc
        return {k for k, ok in zip(keys, got, strict=True) if ok}

    def release_in_flight(self, scope: str, keys: Sequence[str]) -> None:
        if not keys:
            return
        try:
            self.client.delete(*(PREFIX + "inflight:" + scope + ":" + k for k in keys))
        except redis.RedisError as exc:
            raise TransientError(f"redis in-flight marks {scope}: {exc}") from exc

    def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(8)
        try:
            got = self.client.set(PREFIX + "lock:" + name, token, nx=True, px=int(ttl_s * 1000))
        except redis.RedisError as exc:
            raise TransientError(f"redis lock {name}: {exc}") from exc
        return token if got else None

    def release(self, name: str, token: str) -> bool:
        """Compare-and-delete in one script: never frees a lock someone else took after ours
        expired."""
        try:
            return bool(self.client.eval(_RELEASE, 1, PREFIX + "lock:" + name, token))
        except redis.RedisError as exc:
            raise TransientError(f"redis unlock {name}: {exc}") from exc

    def queue_depth(self, queue: str) -> int:
        """Messages waiting in a Celery queue (kombu's Redis transport keeps a list per queue)."""
        return int(self.client.llen(queue))  # type: ignore[arg-type]

    def count_delivery(self, key: str, ttl_s: float) -> int:
        name = PREFIX + "deliveries:" + key
        try:
            n, _ = self.client.pipeline().incr(name).expire(name, int(ttl_s)).execute()
        except redis.RedisError as exc:
            raise TransientError(f"redis delivery count: {exc}") from exc
        return int(n)

    def clear_delivery(self, key: str) -> None:
        try:
            self.client.delete(PREFIX + "deliveries:" + key)
        except redis.RedisError as exc:
            raise TransientError(f"redis delivery count: {exc}") from exc

    def unacked(self) -> tuple[int, float | None]:
        """From kombu's Redis transport: the `unacked` hash (delivery tag -> message) and the
        `unacked_index` sorted set (tag -> the time a worker took it, by that worker's clock:
        the age is only as right as the clocks agree)."""
        pipe = self.client.pipeline()
        pipe.hlen(UNACKED).zrange(UNACKED_INDEX, 0, 0, withscores=True)
        count, oldest = pipe.execute()
        age = max(0.0, time.time() - float(oldest[0][1])) if oldest else None
        return int(count), (age if count else None)

    def report_config(self, worker: str, state: dict[str, str] | None) -> None:
        if state is None:
            self.client.hdel(CONFIG_REFUSED, worker)
        else:
            self.client.hset(CONFIG_REFUSED, worker, json.dumps(state, sort_keys=True))
            self.client.expire(CONFIG_REFUSED, 7 * 86400)

    def refused_configs(self) -> dict[str, dict[str, str]]:
        raw = self.client.hgetall(CONFIG_REFUSED)
        return {k.decode(): json.loads(v) for k, v in raw.items()}  # type: ignore[union-attr]
