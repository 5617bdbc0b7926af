"""A read that must be audited is not served when the audit log cannot be written: 503, not 500.
A database error that is no outage (a table missing) is a bug and says so: 500, not 503."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.factories import api_token, make_city, make_dataset, upload
from tests.services.test_personal import write_people

ROWS = "/api/v1/datasets/welfare/resources/people/rows"


@pytest.fixture
def welfare(tmp_path: Path) -> Iterator[tuple[Services, str, Path]]:
    """A city on SQLite with a restricted dataset of people, and a member's token."""
    db = tmp_path / "meta.sqlite3"
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{db}",
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )
    services = bootstrap(settings, immediate=True)
    services.migrate()
    try:
        city = make_city(services)
        editor = city["actors"]["editor"]
        make_dataset(services, name="welfare", title="긴급복지", visibility="restricted")
        src = write_people(tmp_path / "p.csv")
        job = upload(services, editor, "welfare", src, copy_to=tmp_path / "u" / "p.csv", resource="people")
        assert job.state == "succeeded"
        yield services, api_token(services, city["actors"]["member"]), db
    finally:
        services.close()


def test_restricted_rows_are_withheld_when_the_audit_log_cannot_be_written(
    welfare: tuple[Services, str, Path],
) -> None:
    services, token, db = welfare

    # wait 0.2 s for a lock instead of 30 s, then let another process hold the write lock
    @event.listens_for(services.engine, "connect")
    def _short_wait(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=200")

    services.engine.dispose()
    with TestClient(create_app(services=services)) as client:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            resp = client.get(ROWS, headers={"Authorization": f"Bearer {token}"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "30"
    body = resp.json()
    assert body["ok"] is False and "데이터베이스" in body["error"] and "rows" not in body

    with TestClient(create_app(services=services)) as client:  # the lock gone, the same read is served
        resp = client.get(ROWS, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json()["rows"]


def test_a_missing_table_is_a_bug_not_an_outage(welfare: tuple[Services, str, Path]) -> None:
    services, token, _ = welfare
    with services.engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_log"))
    with TestClient(create_app(services=services), raise_server_exceptions=False) as client:
        resp = client.get(ROWS, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 500
    assert "Retry-After" not in resp.headers
    body = resp.json()
    assert body["ok"] is False and "rows" not in body
