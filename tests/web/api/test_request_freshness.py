"""Every request reads the catalogue and the caller's rights as they are now — also when another
process (a second server, a worker, the CLI) changed them a moment before. Nothing about a dataset,
its versions, a token or a grant is remembered between requests."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hubcity.bootstrap import Services, bootstrap
from hubcity.domain.accounts import SYSTEM, Actor
from tests.factories import make_dataset, make_welfare, upload

ROWS = "/api/v1/datasets/district-people/resources/people/rows"
AGGREGATE = "/api/v1/datasets/district-people/resources/people/aggregate"


@pytest.fixture
def elsewhere(services: Services) -> Iterator[Services]:
    """The same installation seen from another process: its own services, engine and connections."""
    other = bootstrap(services.settings, immediate=True)
    yield other
    other.close()


def _csv(path: Path, rows: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["자치구", "인구수", "연락처"])
        for i in range(rows):
            out.writerow([("동구", "서구", "남구")[i % 3], 1000 + i, f"010-{1000 + i:04d}-{2000 + i:04d}"])
    return path


def _publish(services: Services, editor: Actor, tmp_path: Path, rows: int) -> None:
    src = _csv(tmp_path / f"src-{rows}" / "people.csv", rows)
    job = upload(services, editor, "district-people", src, copy_to=tmp_path / f"up-{rows}" / "people.csv")
    assert job.state == "succeeded", job.error


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def people(services: Services, city: dict[str, Any], tmp_path: Path) -> Actor:
    editor: Actor = city["actors"]["editor"]
    make_dataset(services, editor, name="district-people", title="자치구별 인구")
    _publish(services, editor, tmp_path, rows=30)
    return editor


def test_a_new_version_is_served_at_once_from_this_process_and_another(
    client: TestClient, services: Services, elsewhere: Services, people: Actor, tmp_path: Path
) -> None:
    first = client.get(AGGREGATE, params={"metric": "count"}).json()
    assert (first["version"], first["rows"]) == (1, [{"count": 30}])
    assert client.get(ROWS, params={"limit": 1}).json()["version"] == 1

    _publish(services, people, tmp_path, rows=45)  # this process
    now = client.get(AGGREGATE, params={"metric": "count"}).json()
    assert (now["version"], now["rows"]) == (2, [{"count": 45}])
    page = client.get(ROWS, params={"limit": 100, "자치구": "서구"}).json()
    assert (page["version"], page["total"]) == (2, 15)

    _publish(elsewhere, people, tmp_path, rows=60)  # another process
    now = client.get(AGGREGATE, params={"metric": "count"}).json()
    assert (now["version"], now["rows"]) == (3, [{"count": 60}])
    assert client.get(ROWS, params={"limit": 1}).json()["total"] == 60
    # a pinned version still answers as it was
    assert client.get(AGGREGATE, params={"metric": "count", "version": 1}).json()["rows"] == [{"count": 30}]


def test_a_dataset_made_restricted_elsewhere_is_gone_at_once(
    client: TestClient, elsewhere: Services, people: Actor
) -> None:
    assert client.get(ROWS, params={"limit": 1}).status_code == 200
    elsewhere.catalog.update_dataset(people, "district-people", {"visibility": "restricted"})
    assert client.get(ROWS, params={"limit": 1}).status_code == 404
    assert client.get(AGGREGATE).status_code == 404
    assert client.get("/api/v1/datasets/district-people").status_code == 404


def test_a_column_confirmed_personal_elsewhere_is_hidden_at_once(
    client: TestClient, services: Services, elsewhere: Services, people: Actor
) -> None:
    assert "연락처" in client.get(ROWS, params={"limit": 1}).json()["rows"][0]
    _, _, version = services.resources.get_version(SYSTEM, "district-people", "people")
    elsewhere.catalog.store.set_column_personal(
        version.id, {"연락처": {"status": "confirmed", "kind": "phone"}}
    )
    row = client.get(ROWS, params={"limit": 1}).json()["rows"][0]
    assert set(row) == {"자치구", "인구수"}
    assert client.get(AGGREGATE, params={"group_by": "연락처"}).status_code == 422
    assert client.get(ROWS, params={"연락처": "010-1000-2000"}).status_code == 422


def test_a_token_revoked_elsewhere_stops_at_once(
    client: TestClient, services: Services, elsewhere: Services, people: Actor
) -> None:
    token, raw = services.accounts.create_token(people, name="notebook")
    assert client.get(ROWS, params={"limit": 1}, headers=_auth(raw)).status_code == 200
    elsewhere.accounts.revoke_token(people, token.id)
    assert client.get(ROWS, params={"limit": 1}, headers=_auth(raw)).status_code == 401
    assert client.get(AGGREGATE, headers=_auth(raw)).status_code == 401


def test_a_grant_that_ends_elsewhere_stops_at_once(
    client: TestClient, services: Services, elsewhere: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    make_welfare(services, city["actors"]["editor"], tmp_path)
    other: Actor = city["actors"]["other"]  # transport staff: the restricted dataset is not theirs
    req = services.access.request_access(
        other,
        dataset="welfare",
        purpose="교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
        ends_on=date.today() + timedelta(days=60),
        columns=["지원금액", "읍면동"],
    )
    chief = services.accounts.find_user("chief")
    assert chief is not None
    decided = services.access.decide(services.accounts.actor_for(chief.id), req.id, decision="provide")
    assert decided.grant_id is not None
    raw = services.accounts.create_token(other, name="analysis")[1]
    url = "/api/v1/datasets/welfare/resources/people/aggregate"
    granted = client.get(url, params={"group_by": "읍면동"}, headers=_auth(raw))
    assert granted.status_code == 200, granted.text

    elsewhere.access.store.update_grant(
        decided.grant_id, {"ends_at": datetime.now(UTC) - timedelta(seconds=1)}
    )
    assert client.get(url, params={"group_by": "읍면동"}, headers=_auth(raw)).status_code == 404
    assert client.get("/api/v1/datasets/welfare/resources/people/rows", headers=_auth(raw)).status_code == 404
