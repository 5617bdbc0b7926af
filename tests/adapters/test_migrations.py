"""Alembic's migrations and the table definitions agree, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hubcity.adapters.db.engine import create_db_engine, current_revision, migrate
from hubcity.adapters.db.tables import Base


def test_migrated_schema_matches_the_tables(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate(engine)
        assert current_revision(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        migrate(engine)  # a second run is a no-op
    finally:
        engine.dispose()
