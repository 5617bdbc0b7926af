"""A small catalogue for the CKAN Action API tests: public, internal and restricted datasets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from hubcity.adapters.db.tables import Base
from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.factories import api_token, make_city, make_dataset, upload

LOTS = [
    ("구", "주차장명", "주차면수", "개장일"),
    ("동구", "충장로 공영주차장", "120", "2019.03.01"),
    ("서구", "상무지구 공영주차장", "1,050", "2020.07.15"),
    ("북구", "첨단 공영주차장", "300", "2021.11.30"),
    ("서구", "풍암 공영주차장", "85", "2018.05.02"),
]


def csv_bytes(rows: Sequence[tuple[str, ...]], encoding: str = "cp949") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def ok(resp: Any) -> Any:
    """The result of a successful CKAN call, after checking the envelope."""
    body = resp.json()
    assert resp.status_code == 200, resp.text
    assert body["success"] is True, body
    assert body["help"].endswith(
        "/api/3/action/help_show?name=" + resp.url.path.rstrip("/").rsplit("/", 1)[-1]
    )
    return body["result"]


def failed(resp: Any, status: int, kind: str) -> dict[str, Any]:
    """The error of a failed CKAN call, after checking the envelope, the status and the type."""
    body = resp.json()
    assert resp.status_code == status, resp.text
    assert body["success"] is False and "result" not in body, body
    assert body["error"]["__type"] == kind, body
    assert "help" in body
    error: dict[str, Any] = body["error"]
    return error


def key(token: str) -> dict[str, str]:
    """A token as ckanapi sends it."""
    return {"X-CKAN-API-Key": token}


def build_catalogue(services: Services, tmp_path: Path) -> dict[str, Any]:
    """The city of tests/factories.py with five datasets (one of them internal, one restricted)."""
    city = make_city(services)
    editor = city["actors"]["editor"]
    other = city["actors"]["other"]
    make_dataset(
        services,
        editor,
        name="public-parking",
        title="광주광역시 공영주차장 현황",
        title_en="Public parking lots",
        description="구별 공영주차장의 위치와 주차면 수",
        keywords=["주차장", "교통"],
        theme="transport",
        licence="kogl-1",
        update_cycle="yearly",
        spatial_coverage="광주광역시",
        temporal_start="2024-01-01",
        temporal_end="2024-12-31",
        contact_name="김주차",
        contact_email="parking@gwangju.go.kr",
    )
    src = tmp_path / "lots.csv"
    src.write_bytes(csv_bytes(LOTS))
    job = upload(
        services, editor, "public-parking", src, copy_to=tmp_path / "up" / "lots.csv", resource="lots"
    )
    assert job.state == "succeeded", job.error
    make_dataset(
        services, editor, name="population", title="행정동별 인구현황", keywords=["인구"], licence="kogl-2"
    )
    make_dataset(
        services,
        other,
        name="parking-fines",
        title="주차위반 과태료 부과 현황",
        owner_org="transport",
        keywords=["과태료"],
        theme="transport",
        licence="kogl-1",
    )
    make_dataset(
        services,
        editor,
        name="staff-only",
        title="내부 업무 통계",
        visibility="internal",
        keywords=["주차장"],
    )
    make_dataset(
        services,
        editor,
        name="secret-parking",
        title="주차 단속 내부 자료",
        visibility="restricted",
        keywords=["주차장", "단속"],
        theme="transport",
        licence="kogl-4",
    )
    secret = tmp_path / "secret.csv"
    secret.write_bytes(csv_bytes([("구", "단속건수"), ("동구", "12")]))
    job = upload(
        services, editor, "secret-parking", secret, copy_to=tmp_path / "up" / "secret.csv", resource="raw"
    )
    assert job.state == "succeeded", job.error
    tokens = {name: api_token(services, actor) for name, actor in city["actors"].items()}
    return {"tokens": tokens}


@pytest.fixture
def catalogue(services: Services, tmp_path: Path) -> dict[str, Any]:
    return build_catalogue(services, tmp_path)


@pytest.fixture
def ckan(client: TestClient, catalogue: dict[str, Any]) -> TestClient:
    return client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_services(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    """Services shared by a module of tests that only read (the catalogue is built once per database)."""
    tmp = tmp_path_factory.mktemp("ckan")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'meta.sqlite3'}"
    else:
        pg: str | None = request.getfixturevalue("pg_url")
        if pg is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        url = pg
        engine = create_engine(url)
        with engine.begin() as conn:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    settings = Settings(
        environment="test",
        data_dir=tmp / "var",
        database_url=url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )
    svc = bootstrap(settings, immediate=True)
    svc.migrate()
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def shared_catalogue(shared_services: Services, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_catalogue(shared_services, tmp_path_factory.mktemp("files"))


@pytest.fixture(scope="module")
def reader(shared_services: Services, shared_catalogue: dict[str, Any]) -> Iterator[TestClient]:
    """A client over the shared catalogue; tests that take it must not change anything."""
    with TestClient(create_app(services=shared_services)) as c:
        yield c
