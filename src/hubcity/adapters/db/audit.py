"""SqlAuditLog: the AuditLog port on SQLAlchemy 2 (SQLite or PostgreSQL).

Appends are serialised so that two writers never chain onto the same entry: on
PostgreSQL a transaction-scoped advisory lock, on SQLite ``BEGIN IMMEDIATE`` (one
writer at a time, across processes) behind a lock for the threads of this process.
The primary key on ``seq`` is the last guard: a collision is retried, never stored.
There is no update and no delete here, and the migration's trigger refuses both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from hubcity.adapters.db.tables import AuditRow, DatasetRow
from hubcity.domain.audit import GENESIS_HASH, AuditDraft, AuditEntry, AuditFilter

__all__ = ["SqlAuditLog"]

# pg_advisory_xact_lock key: "audit" in ASCII, any constant the rest of hubcity does not use
_PG_LOCK_KEY = 0x6175646974
_ATTEMPTS = 5
_BATCH = 1000


def _entry(row: Any) -> AuditEntry:
    at: datetime = row.at
    return AuditEntry(
        seq=int(row.seq),
        at=at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC),
        action=row.action,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        object_kind=row.object_kind,
        object_id=row.object_id,
        dataset_id=row.dataset_id,
        columns=tuple(row.columns or ()),
        rows=None if row.rows is None else int(row.rows),
        purpose=row.purpose,
        grant_id=row.grant_id,
        details=dict(row.details or {}),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class SqlAuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._local = threading.Lock()

    # -- writing -----------------------------------------------------------------------------
    def append(self, draft: AuditDraft, key: bytes) -> AuditEntry:
        """Chain ``draft`` onto the newest entry and store it, in one serialised transaction."""
        for attempt in range(_ATTEMPTS):
            try:
                with self._local:
                    return self._append_once(draft, key)
            except (IntegrityError, OperationalError):
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _append_once(self, draft: AuditDraft, key: bytes) -> AuditEntry:
        with self.engine.connect() as conn:
            self._lock(conn)
            last = conn.execute(
                select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
            ).first()
            seq, prev_hash = (int(last.seq) + 1, last.hash) if last else (1, GENESIS_HASH)
            entry = AuditEntry.chained(draft, seq=seq, at=datetime.now(UTC), prev_hash=prev_hash, key=key)
            values = entry.fields()
            values["columns"] = list(entry.columns)
            conn.execute(insert(AuditRow), values)
            conn.commit()
            return entry

    def _lock(self, conn: Connection) -> None:
        if self._sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})

    # -- reading -----------------------------------------------------------------------------
    def _where(self, stmt: Select[Any], flt: AuditFilter) -> Select[Any]:
        if flt.dataset_ids is not None:
            stmt = stmt.where(AuditRow.dataset_id.in_(flt.dataset_ids))
        if flt.owner_org_ids is not None:
            owned = select(DatasetRow.id).where(DatasetRow.owner_org_id.in_(flt.owner_org_ids))
            stmt = stmt.where(AuditRow.dataset_id.in_(owned))
        if flt.actor:
            stmt = stmt.where(AuditRow.actor_name == flt.actor)
        if flt.action:
            stmt = stmt.where(AuditRow.action == flt.action)
        if flt.since is not None:
            stmt = stmt.where(AuditRow.at >= flt.since)
        if flt.until is not None:
            stmt = stmt.where(AuditRow.at < flt.until)
        return stmt

    def list_entries(self, flt: AuditFilter) -> tuple[list[AuditEntry], int]:
        """A page of matching entries, newest first, and how many match in all."""
        with self.engine.connect() as conn:
            total = conn.execute(self._where(select(func.count()).select_from(AuditRow), flt)).scalar_one()
            rows = conn.execute(
                self._where(select(AuditRow), flt)
                .order_by(AuditRow.seq.desc())
                .limit(flt.limit)
                .offset(flt.offset)
            )
            return [_entry(r) for r in rows], int(total)

    def iter_entries(self, flt: AuditFilter | None = None) -> Iterator[AuditEntry]:
        """Every matching entry (all of them without a filter) in ``seq`` order, read in batches."""
        after = 0
        while True:
            stmt = select(AuditRow).where(AuditRow.seq > after)
            if flt is not None:
                stmt = self._where(stmt, flt)
            with self.engine.connect() as conn:
                batch = [_entry(r) for r in conn.execute(stmt.order_by(AuditRow.seq).limit(_BATCH))]
            yield from batch
            if len(batch) < _BATCH:
                return
            after = batch[-1].seq
