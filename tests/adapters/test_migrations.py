"""Alembic's migrations and the table definitions agree, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hubcity.adapters.db.engine import create_db_engine, current_revision, migrate
from hubcity.adapters.db.tables import Base


def test_migrated_schema_matches_the_tables(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate(engine)
        assert current_revision(engine) is not None
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLite's reflection skips indexes on expressions (ix_datasets_live_popular and _title,
            # with its "id DESC"), so those are compared on PostgreSQL only, and only found here
            if engine.dialect.name == "sqlite":
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based")
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                found = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
                indexes = {r[0] for r in found}
            assert {f"ix_datasets_live_{o}" for o in ("updated", "created", "title", "popular")} <= indexes
        assert diff == []
        migrate(engine)  # a second run is a no-op
    finally:
        engine.dispose()
