"""Shared fixtures: real SQLite and real PostgreSQL, real lake folders, real job queue.

Every test that takes ``services`` (or anything built on it) runs twice: on
SQLite in tmp_path and on PostgreSQL at 127.0.0.1:5432 (one database per xdist
worker, emptied between tests). Without CI, a missing PostgreSQL skips those
runs; with CI=true it fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from hubcity.bootstrap import Services, bootstrap
from hubcity.settings import Settings
from hubcity.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
# the real public-data files live beside the project (never inside it); HUBCITY_REAL_DATA can point elsewhere
REAL_DATA = Path(os.environ.get("HUBCITY_REAL_DATA") or REPO.parent / "shared" / "data" / "real")
PG_SERVER = os.environ.get("HUBCITY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_database(worker: str) -> str:
    """A database of this xdist worker's own, migrated once per session."""
    # HUBCITY_TEST_DB_TAG keeps two test runs on one PostgreSQL server (two checkouts) apart
    tag = "".join(ch for ch in os.environ.get("HUBCITY_TEST_DB_TAG", "") if ch.isalnum())
    name = f"hubcity_test_{tag}{worker}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{PG_SERVER}/{name}"


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str | None]:
    try:
        url = _pg_database(worker_id)
    except Exception as exc:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {exc}")
        yield None
        return
    from hubcity.adapters.db.engine import create_db_engine, migrate

    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    yield url


def _tables() -> str:
    """Every table of the schema, so that a new table is emptied between tests too."""
    from hubcity.adapters.db.tables import Base

    return ", ".join(t.name for t in Base.metadata.sorted_tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meta.sqlite3'}"
    url: str | None = request.getfixturevalue("pg_url")
    if url is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {_tables()} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=db_url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """Services with jobs run inline (immediate), schema migrated by Alembic."""
    svc = bootstrap(settings, immediate=True)
    svc.migrate()
    yield svc
    svc.close()


@pytest.fixture
def threaded_services(settings: Settings) -> Iterator[Services]:
    """Services whose jobs run on real huey worker threads, as in `hubcity serve`."""
    svc = bootstrap(settings, immediate=False)
    svc.migrate()
    svc.start_workers()
    yield svc
    svc.close()


@pytest.fixture
def city(services: Services) -> dict[str, object]:
    """Two departments, a partner, and one user per role."""
    from tests.factories import make_city

    return make_city(services)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    app = create_app(services=services)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.fail(f"real data folder missing: {REAL_DATA}")
    return REAL_DATA


@pytest.fixture
def city_threaded(threaded_services: Services) -> dict[str, object]:
    from tests.factories import make_city

    return make_city(threaded_services)
