"""Query rate limits and daily quotas, per API token, set per role.

Every query (SQL, filtered rows, aggregates; the CKAN datastore actions too) counts once against
two limits of the caller's role: queries per minute (a sliding window) and queries per Korean day
(reset at midnight KST, as data.go.kr's daily traffic is). A call with an API token counts against
that token, so two integrations of one department do not starve each other; a browser session
counts per user, an anonymous caller per client address. Callers are kept only as keyed hashes.

With ``shared`` (Redis) every process of the installation counts together; without it, or while
it cannot be reached, each process counts in its own memory, so a limit still holds and no request
fails because of the limiter.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hubcity.domain.accounts import Actor, Role
from hubcity.domain.koreatime import day_end, korean_date
from hubcity.errors import TooManyRequests
from hubcity.ports import SharedRates
from hubcity.services.requests import RateLimiter

__all__ = ["DayCounter", "QueryQuota", "QuotaStatus"]


class DayCounter:
    """Uses per caller and period (a Korean day), in this process's memory; keys are salted hashes.

    Only the current period is kept: the counts of a period are dropped when another one starts.
    """

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._salt = secrets.token_bytes(32)
        self._period = ""
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, caller: str) -> str:
        return hmac.new(self._salt, caller.encode(), hashlib.sha256).hexdigest()

    def _roll(self, period: str) -> None:
        if period != self._period:
            self._period = period
            self._counts.clear()

    def take(self, caller: str, limit: int, period: str) -> bool:
        """Count one use when under ``limit``; False when the period's uses are used up."""
        key = self._key(caller)
        with self._lock:
            self._roll(period)
            n = self._counts.get(key, 0)
            if n >= limit:
                return False
            self._counts[key] = n + 1
            self._counts.move_to_end(key)
            while len(self._counts) > self.max_keys:
                self._counts.popitem(last=False)
            return True

    def used(self, caller: str, period: str) -> int:
        with self._lock:
            self._roll(period)
            return self._counts.get(self._key(caller), 0)


@dataclass(frozen=True)
class QuotaStatus:
    """What a caller may still ask today (``GET /api/v1/quota``)."""

    role: str
    counted_per: str  # "token", "user" or "address"
    per_minute: int  # 0 = no limit
    per_day: int  # 0 = no quota
    used_today: int  # counted only while the role has a daily quota
    resets_at: datetime  # the next midnight in Korea (UTC)

    @property
    def remaining_today(self) -> int | None:
        if not self.per_day:
            return None
        return max(0, self.per_day - self.used_today)


class QueryQuota:
    """Queries per minute and per Korean day for each caller, the limits set per role (0 = none)."""

    WINDOW = timedelta(minutes=1)

    def __init__(
        self,
        per_minute: dict[str, int],
        shared: SharedRates | None = None,
        *,
        per_day: dict[str, int] | None = None,
    ) -> None:
        self.per_minute = dict(per_minute)
        self.per_day = dict(per_day or {})
        self.shared = shared
        self._limiters = {role: RateLimiter(n, self.WINDOW) for role, n in self.per_minute.items() if n > 0}
        self._days = DayCounter()

    @staticmethod
    def role_of(actor: Actor) -> str:
        if actor.sysadmin:
            return "sysadmin"
        if not actor.authenticated:
            return "anonymous"
        roles = set(actor.roles.values())
        for role in (Role.ADMIN, Role.EDITOR):
            if role in roles:
                return str(role)
        return "member"

    def limits(self, actor: Actor) -> tuple[int, int]:
        """(queries per minute, queries per day) for the actor's role; 0 = none."""
        role = self.role_of(actor)
        return self.per_minute.get(role, 0), self.per_day.get(role, 0)

    @staticmethod
    def caller_of(actor: Actor, client: str | None) -> tuple[str, str]:
        """(what the caller is counted per, its key): a token, a signed-in user or an address."""
        if actor.token_id is not None:
            return "token", f"token:{actor.token_id}"
        if actor.authenticated:
            return "user", f"user:{actor.user_id}"
        return "address", f"addr:{client or '-'}"

    def check(self, actor: Actor, client: str | None, *, now: datetime | None = None) -> None:
        """Count one query; over a limit, TooManyRequests with the seconds to wait."""
        role = self.role_of(actor)
        _, caller = self.caller_of(actor, client)
        self._check_minute(role, caller)
        self._check_day(role, caller, now or datetime.now(UTC))

    def _check_minute(self, role: str, caller: str) -> None:
        limiter = self._limiters.get(role)
        if limiter is None:
            return
        limit = self.per_minute[role]
        wait: float | None = None
        if self.shared is not None:
            wait = self.shared.hit(f"query:{role}", caller, limit, self.WINDOW)
        if wait is None:  # counted in this process
            key = limiter.key(caller)
            mono = time.monotonic()
            wait = 0.0 if limiter.allowed(key, mono) else max(0.001, limiter.retry_after(key, mono))
            if not wait:
                limiter.hit(key, mono)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"쿼리가 너무 잦습니다(분당 {limit}회까지). {seconds}초 뒤에 다시 시도하세요.",
                f"Too many queries (at most {limit} a minute); try again in {seconds} s.",
                retry_after=seconds,
            )

    def _check_day(self, role: str, caller: str, now: datetime) -> None:
        limit = self.per_day.get(role, 0)
        if limit <= 0:
            return
        day = korean_date(now)
        resets = day_end(day)
        allowed: bool | None = None
        if self.shared is not None:
            allowed = self.shared.take(
                f"day:{role}", caller, limit, day.isoformat(), resets - now + timedelta(days=1)
            )
        if allowed is None:
            allowed = self._days.take(caller, limit, day.isoformat())
        if not allowed:
            seconds = max(1, math.ceil((resets - now).total_seconds()))
            raise TooManyRequests(
                f"오늘 쿼리 한도(하루 {limit:,}회)를 다 썼습니다. 한국 시간 자정에 다시 채워집니다"
                f"({math.ceil(seconds / 60):,}분 뒤). 더 필요하면 관리자에게 문의하세요.",
                f"The daily query quota ({limit:,} a day) is used up; it renews at midnight Korean time "
                f"(in {math.ceil(seconds / 60):,} min). Ask an administrator if you need more.",
                retry_after=seconds,
            )

    def status(self, actor: Actor, client: str | None, *, now: datetime | None = None) -> QuotaStatus:
        """The caller's limits and what it used today (counted per token, user or address)."""
        now = now or datetime.now(UTC)
        role = self.role_of(actor)
        per, caller = self.caller_of(actor, client)
        day = korean_date(now)
        used: int | None = None
        if self.shared is not None and self.per_day.get(role, 0) > 0:
            used = self.shared.used(f"day:{role}", caller, day.isoformat())
        if used is None:  # unshared, or Redis cannot answer: this process's own count
            used = self._days.used(caller, day.isoformat())
        return QuotaStatus(
            role=role,
            counted_per=per,
            per_minute=self.per_minute.get(role, 0),
            per_day=self.per_day.get(role, 0),
            used_today=used,
            resets_at=day_end(day),
        )
