"""Query quotas per API token: a rate per minute and a quota per Korean day, set per role.

Two tokens of one user count apart (two integrations of a department do not starve each other),
a browser session counts per user, anonymous callers per address; the daily quota renews at
midnight in Korea, and a caller can ask what is left (``GET /api/v1/quota``).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from hubcity.adapters.rates import RedisRates
from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.koreatime import KST
from hubcity.errors import InvalidInput, TooManyRequests
from hubcity.services.quota import QueryQuota
from tests.conftest import IN_CI
from tests.factories import PASSWORD, api_token, make_dataset, upload
from tests.web.ui.conftest import soup

SQL = {"sql": "SELECT count(*) AS n FROM complaints.rows"}
ROWS = "/api/v1/datasets/complaints/resources/rows/rows?행정동=충장동"  # filtered rows are queries
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def complaints(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    make_dataset(services, name="complaints", title="민원 현황", owner_org="transport", visibility="public")
    csv = tmp_path / "c.csv"
    csv.write_text("행정동,건수\n충장동,3\n동명동,5\n", encoding="utf-8")
    upload(services, SYSTEM, "complaints", csv, copy_to=tmp_path / "u" / "c.csv", resource="rows")
    return city


def _limit(services: Services, per_minute: dict[str, int], per_day: dict[str, int]) -> QueryQuota:
    quota = QueryQuota(per_minute, per_day=per_day)
    services.query.quota = services.resources.quota = quota
    return quota


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_each_token_has_a_rate_of_its_own(
    client: TestClient, services: Services, complaints: dict[str, Any]
) -> None:
    _limit(services, {"anonymous": 0, "member": 2, "editor": 2, "admin": 2, "sysadmin": 0}, {})
    member = complaints["actors"]["member"]
    first, second = api_token(services, member, "etl"), api_token(services, member, "dashboard")
    codes = [client.post("/api/v1/query", json=SQL, headers=_bearer(first)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # the same user's other token is not starved by the first
    assert client.get(ROWS, headers=_bearer(second)).status_code == 200
    over = client.get(ROWS, headers=_bearer(first))
    assert over.status_code == 429 and 1 <= int(over.headers["Retry-After"]) <= 60
    # the CKAN datastore actions count against the same token, in CKAN's envelope
    ckan = client.get(
        "/api/3/action/datastore_search",
        params={"resource_id": str(_resource_id(services))},
        headers={"X-CKAN-API-Key": first},
    )
    assert ckan.status_code == 429 and 1 <= int(ckan.headers["Retry-After"]) <= 60
    assert ckan.json()["success"] is False and ckan.json()["error"]["__type"] == "Too Many Requests"


def _resource_id(services: Services) -> int:
    return services.resources.get_resource(SYSTEM, "complaints", "rows")[1].id


def test_the_daily_quota_stops_a_token_until_midnight_in_korea(
    client: TestClient, services: Services, complaints: dict[str, Any]
) -> None:
    _limit(services, {}, {"anonymous": 2, "member": 3, "editor": 3, "admin": 3, "sysadmin": 0})
    member = complaints["actors"]["member"]
    token, other = api_token(services, member, "etl"), api_token(services, member, "other")
    before = client.get("/api/v1/quota", headers=_bearer(token)).json()
    assert before["counted_per"] == "token" and before["role"] == "member"
    assert before["per_day"] == 3 and before["used_today"] == 0 and before["remaining_today"] == 3
    assert [client.post("/api/v1/query", json=SQL, headers=_bearer(token)).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    over = client.post("/api/v1/query", json=SQL, headers=_bearer(token))
    assert over.status_code == 429
    body = over.json()
    assert "하루 3회" in body["error"] and "3 a day" in body["error_en"] and "midnight" in body["error_en"]
    now = datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(KST).date() + timedelta(days=1), datetime.min.time(), KST)
    wait = int(over.headers["Retry-After"])
    assert abs((now + timedelta(seconds=wait)) - midnight) < timedelta(seconds=5)
    after = client.get("/api/v1/quota", headers=_bearer(token)).json()  # asking is not a query
    assert after["used_today"] == 3 and after["remaining_today"] == 0
    assert datetime.fromisoformat(after["resets_at"]) == midnight
    assert client.get("/api/v1/quota", headers=_bearer(other)).json()["used_today"] == 0
    assert client.get(ROWS, headers=_bearer(other)).status_code == 200
    # anonymous callers count per address against their own role's quota
    anon = [client.get(ROWS).status_code for _ in range(3)]
    assert anon == [200, 200, 429]
    assert client.get("/api/v1/quota").json() | {"resets_at": None} == {
        "role": "anonymous",
        "counted_per": "address",
        "per_minute": 0,
        "per_day": 2,
        "used_today": 2,
        "remaining_today": 0,
        "resets_at": None,
    }


def test_a_browser_session_counts_per_user_and_the_token_page_shows_the_use(
    client: TestClient, services: Services, complaints: dict[str, Any]
) -> None:
    _limit(services, {"member": 100}, {"member": 5})
    member = complaints["actors"]["member"]
    token = api_token(services, member, "etl")
    for _ in range(2):
        assert client.get(ROWS, headers=_bearer(token)).status_code == 200
    csrf = str(soup(client.get("/login")).select_one("input[name=csrf]")["value"])
    resp = client.post(
        "/login", data={"username": "member", "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert resp.status_code == 303
    assert client.get(ROWS).status_code == 200  # the session: counted for the user, not the token
    quota = client.get("/api/v1/quota").json()
    assert quota["counted_per"] == "user" and quota["used_today"] == 1
    page = client.get("/me/tokens")
    assert page.status_code == 200
    assert "분당 100회" in page.text and "하루 5회" in page.text
    assert "2 / 5" in page.text  # the token's use today beside the quota


def test_a_user_holds_a_bounded_number_of_tokens(services: Services, city: dict[str, Any]) -> None:
    services.accounts.tokens_per_user = 3
    member: Actor = city["actors"]["member"]
    made = [services.accounts.create_token(member, name=f"t{i}")[0] for i in range(3)]
    with pytest.raises(InvalidInput) as refused:
        services.accounts.create_token(member, name="one too many")
    assert "3개까지" in refused.value.message and "at most 3" in (refused.value.message_en or "")
    services.accounts.revoke_token(member, made[0].id)
    assert services.accounts.create_token(member, name="after revoking one")[0].id > made[-1].id


@pytest.mark.parametrize("shared", [False, True], ids=["memory", "redis"])
def test_the_day_is_the_korean_day(shared: bool) -> None:
    """The quota renews at 00:00 KST (15:00 UTC), in memory and in Redis alike."""
    rates: RedisRates | None = None
    if shared:
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            if IN_CI:
                pytest.fail(f"Redis is required under CI but unreachable: {exc}")
            pytest.skip(f"Redis unreachable: {exc}")
        rates = RedisRates(REDIS_URL, "secret", prefix=f"hubcity-test:{uuid.uuid4().hex}")
    quota = QueryQuota({}, shared=rates, per_day={"member": 2})
    actor = Actor(user_id=7, username="member", token_id=11)
    evening = datetime(2026, 12, 7, 23, 59, 58, tzinfo=KST)
    quota.check(actor, None, now=evening)
    quota.check(actor, None, now=evening)
    with pytest.raises(TooManyRequests) as over:
        quota.check(actor, None, now=evening + timedelta(seconds=1))
    assert over.value.retry_after == 1  # one second to midnight in Korea
    assert quota.status(actor, None, now=evening).used_today == 2
    midnight = datetime(2026, 12, 8, 0, 0, tzinfo=KST)
    assert midnight.astimezone(UTC).hour == 15  # still 7 December in UTC
    quota.check(actor, None, now=midnight)
    assert quota.status(actor, None, now=midnight).used_today == 1
    if rates is not None:
        client = redis.Redis.from_url(REDIS_URL)
        keys = [k.decode() for k in client.keys(f"{rates.prefix}:*")]
        # one counter per day, with an end, and never the token's or the user's id
        assert len(keys) == 2 and all(0 < client.ttl(k) <= 2 * 86_400 for k in keys)
        tails = sorted(k.removeprefix(rates.prefix) for k in keys)
        assert [t[: len(":day:member:2026-12-07:")] for t in tails] == [
            ":day:member:2026-12-07:",
            ":day:member:2026-12-08:",
        ]
        assert all(re.fullmatch(r":day:member:[0-9-]{10}:[0-9a-f]{32}", t) for t in tails)
        client.delete(*keys)
        client.close()
        rates.close()
