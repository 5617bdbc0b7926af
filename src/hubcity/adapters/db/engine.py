"""Engines, sessions and migrations for the metadata database."""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["create_db_engine", "current_revision", "database_unavailable", "make_sessionmaker", "migrate"]

_ALEMBIC_DIR = Path(__file__).parent / "alembic"
# Korean text stays readable (and searchable) inside JSON columns.
_json_dumps = partial(json.dumps, ensure_ascii=False)


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL (synchronous=NORMAL), a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, json_serializer=_json_dumps
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # WAL's recommended level: never corrupt, and a commit costs no fsync (a power cut may
            # lose the last commits, never half of one)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, json_serializer=_json_dumps)


# SQLite's errors that mean "not now" rather than "this statement is wrong"
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "attempt to write a readonly database",
)
# PostgreSQL's SQLSTATE classes of the same: connection exception, insufficient resources,
# operator intervention (shutdown, cancelled statement), system error
_PG_UNAVAILABLE = ("08", "53", "57", "58")


def database_unavailable(exc: DBAPIError) -> bool:
    """Whether a database error means the database cannot serve now (down, unreachable, locked,
    full): a retry later may succeed. A wrong statement or a missing table is a bug, not an outage."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        message = str(orig).lower()
        return any(m in message for m in _SQLITE_UNAVAILABLE)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:  # psycopg's failures to connect carry no SQLSTATE
        return isinstance(exc, OperationalError)
    return str(sqlstate).startswith(_PG_UNAVAILABLE)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic: the same path in production and tests."""
    cfg = _config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row else None
