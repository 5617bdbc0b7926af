"""A read that must be audited is not served when the audit log cannot be written: 503, not 500."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from hubcity.bootstrap import bootstrap
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.factories import api_token, make_city, make_dataset, upload
from tests.services.test_personal import write_people


def test_restricted_rows_are_withheld_when_the_audit_log_fails(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'meta.sqlite3'}",
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )
    services = bootstrap(settings, immediate=True)
    services.migrate()
    try:
        city = make_city(services)
        editor = city["actors"]["editor"]
        make_dataset(services, name="welfare", title="긴급복지", visibility="restricted")
        src = write_people(tmp_path / "p.csv")
        assert (
            upload(
                services, editor, "welfare", src, copy_to=tmp_path / "u" / "p.csv", resource="people"
            ).state
            == "succeeded"
        )
        token = api_token(services, city["actors"]["member"])
        with services.engine.begin() as conn:  # the log's table is gone: no entry can be written
            conn.execute(text("DROP TABLE audit_log"))
        with TestClient(create_app(services=services)) as client:
            resp = client.get(
                "/api/v1/datasets/welfare/resources/people/rows",
                headers={"Authorization": f"Bearer {token}"},
            )
        assert resp.status_code == 503
        assert resp.headers["Retry-After"] == "30"
        body = resp.json()
        assert body["ok"] is False and "데이터베이스" in body["error"] and "rows" not in body
    finally:
        services.close()
