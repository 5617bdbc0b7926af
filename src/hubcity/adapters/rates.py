"""Rate limits shared by every process of an installation, kept in Redis.

One hubcity process counts its callers in memory (``services.requests.RateLimiter``). Several
processes or hosts behind one address would each allow the full limit, so with
``HUBCITY_QUERY__RATE_REDIS_URL`` set they count in Redis instead: a sorted set of hit times per
caller, trimmed to the window, checked and added to in one Lua script (atomic across processes,
timed by the Redis server's clock, so hosts need not agree on the time). Keys hold only a keyed
hash of the caller (HMAC with a key derived from the installation's secret), never a user id or an
address, and expire with their window.

When Redis cannot be reached, :meth:`RedisRates.hit` answers None and the caller counts in the
process's own memory instead (``QueryQuota``), so a limit still holds, per process, and no request
fails because of the limiter; a warning is logged once a minute at most.

Daily quotas are plain counters, one per caller and Korean day, incremented only while under the
quota (one Lua script) and expiring a day after the period ends.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from datetime import timedelta

import redis

__all__ = ["RedisRates"]

log = logging.getLogger(__name__)

# KEYS[1]: the caller's set; ARGV: window (ms), limit, a unique member. Returns 0 when the hit was
# counted, else the milliseconds until the oldest hit in the window leaves it.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""

# KEYS[1]: the caller's count for one period; ARGV: limit, seconds to keep it. Returns the new count
# when the use was within the limit (and counted), else -1.
_PERIOD_COUNT = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  return -1
end
n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return n
"""


class RedisRates:
    """Sliding-window counts in Redis under ``prefix``; ``secret`` keys the callers' hashes."""

    def __init__(
        self, url: str, secret: str, *, prefix: str = "hubcity:rate", timeout_s: float = 0.5
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._script = self._client.register_script(_SLIDING_WINDOW)
        self._count = self._client.register_script(_PERIOD_COUNT)
        self._salt = hmac.new(secret.encode("utf-8"), b"hubcity rate keys", hashlib.sha256).digest()
        self._warned = 0.0

    def key(self, scope: str, caller: str) -> str:
        digest = hmac.new(self._salt, f"{scope}\x00{caller}".encode(), hashlib.sha256).hexdigest()
        return f"{self.prefix}:{scope}:{digest[:32]}"

    def hit(self, scope: str, caller: str, limit: int, window: timedelta) -> float | None:
        """Count one hit of ``caller`` in ``scope``: 0 when it was allowed (and counted), else the
        seconds to wait (at most ``limit`` hits in any ``window``); None when Redis cannot answer."""
        window_ms = max(1, int(window.total_seconds() * 1000))
        try:
            wait_ms = self._script(keys=[self.key(scope, caller)], args=[window_ms, limit, uuid.uuid4().hex])
        except redis.RedisError as exc:
            self._warn(exc)
            return None
        return int(wait_ms) / 1000

    def take(self, scope: str, caller: str, limit: int, period: str, ttl: timedelta) -> bool | None:
        """Count one use of ``caller`` in ``scope`` for ``period``: True within ``limit``, False when
        it is used up, None when Redis cannot answer. The count expires ``ttl`` after its first use."""
        try:
            n = self._count(
                keys=[self.key(f"{scope}:{period}", caller)], args=[limit, max(1, int(ttl.total_seconds()))]
            )
        except redis.RedisError as exc:
            self._warn(exc)
            return None
        return int(n) >= 0

    def used(self, scope: str, caller: str, period: str) -> int | None:
        try:
            n: bytes | None = self._client.get(self.key(f"{scope}:{period}", caller))  # type: ignore[assignment]
        except redis.RedisError as exc:
            self._warn(exc)
            return None
        return int(n) if n is not None else 0

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned > 60:
            self._warned = now
            log.warning("rate limits counted per process: Redis at %s cannot answer (%s)", self.url, exc)

    def close(self) -> None:
        self._client.close()
