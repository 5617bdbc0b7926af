"""Query rate limits shared by every process of an installation, counted in a real Redis.

Two hubcity applications built from the same settings stand for two server processes behind one
address: with ``HUBCITY_QUERY__RATE_REDIS_URL`` a caller's queries count together across both; with
Redis unreachable each counts on its own, and no request fails because of the limiter.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from hubcity.adapters.rates import RedisRates
from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.conftest import IN_CI
from tests.factories import api_token, make_city

REDIS_URL = "redis://127.0.0.1:6379/0"
SQL = {"sql": "SELECT 1 AS one"}


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required under CI but unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    yield REDIS_URL
    client.close()


def _settings(tmp_path: Path, url: str, per_minute: dict[str, int]) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'meta.sqlite3'}",
        secret_key=f"test-secret-{uuid.uuid4().hex}",  # type: ignore[arg-type]
        query={"rate_per_minute": per_minute, "rate_redis_url": url},  # type: ignore[arg-type]
    )


@pytest.fixture
def two_processes(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Services, Services]]:
    url = request.param
    settings = _settings(tmp_path, url, {"anonymous": 2, "member": 3, "editor": 3, "admin": 3, "sysadmin": 0})
    first = bootstrap(settings, immediate=True)
    first.migrate()
    second = bootstrap(settings, immediate=True)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _codes(services: tuple[Services, Services], headers: dict[str, str], n: int) -> list[Any]:
    out: list[Any] = []
    with TestClient(create_app(services=services[0])) as a, TestClient(create_app(services=services[1])) as b:
        for i in range(n):
            resp = (a if i % 2 == 0 else b).post("/api/v1/query", json=SQL, headers=headers)
            out.append((resp.status_code, resp.headers.get("Retry-After")))
    return out


@pytest.mark.parametrize("two_processes", [REDIS_URL], indirect=True)
def test_a_caller_counts_once_across_processes(
    redis_url: str, two_processes: tuple[Services, Services]
) -> None:
    city = make_city(two_processes[0])
    token = api_token(two_processes[0], city["actors"]["member"])
    results = _codes(two_processes, {"Authorization": f"Bearer {token}"}, 5)
    assert [code for code, _ in results] == [200, 200, 200, 429, 429]  # 3 a minute, both processes together
    assert all(1 <= int(wait) <= 60 for code, wait in results if code == 429)
    # anonymous callers count per client address, against their own limit
    assert [code for code, _ in _codes(two_processes, {}, 3)] == [200, 200, 429]


@pytest.mark.parametrize("two_processes", ["redis://127.0.0.1:1/0"], indirect=True)
def test_without_redis_each_process_counts_alone(two_processes: tuple[Services, Services]) -> None:
    city = make_city(two_processes[0])
    token = api_token(two_processes[0], city["actors"]["member"])
    results = _codes(two_processes, {"Authorization": f"Bearer {token}"}, 8)
    # each process allows 3 on its own: a limit still holds and nothing answers 500
    assert [code for code, _ in results] == [200, 200, 200, 200, 200, 200, 429, 429]


def test_redis_holds_no_user_or_address_and_the_window_slides(redis_url: str) -> None:
    prefix = f"hubcity-test:{uuid.uuid4().hex}"
    rates = RedisRates(redis_url, "secret-a", prefix=prefix)
    window = timedelta(milliseconds=400)
    assert [rates.hit("query:member", "user:7", 2, window) for _ in range(2)] == [0.0, 0.0]
    wait = rates.hit("query:member", "user:7", 2, window)
    assert wait is not None and 0 < wait <= 0.4
    assert rates.hit("query:member", "user:8", 2, window) == 0.0  # another caller has a count of its own
    client = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in client.keys(f"{prefix}:*")]
    # after the (random) prefix comes the rule and a keyed digest, never the caller itself
    tails = [k.removeprefix(prefix) for k in keys]
    assert len(tails) == 2 and all(re.fullmatch(r":query:member:[0-9a-f]{32}", t) for t in tails)
    assert all(0 < client.pttl(k) <= 400 for k in keys)  # gone with the window
    time.sleep(wait + 0.05)
    assert rates.hit("query:member", "user:7", 2, window) == 0.0
    # another installation (another secret) keys the same caller differently
    other = RedisRates(redis_url, "secret-b", prefix=prefix)
    assert other.key("query:member", "user:7") != rates.key("query:member", "user:7")
    client.delete(*client.keys(f"{prefix}:*"))
    client.close()
    rates.close()
    other.close()
