"""SqlHarvestStore: the HarvestStore port on SQLAlchemy 2 (SQLite or PostgreSQL).

Each method is one transaction; rows never leave this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hubcity.adapters.db.tables import (
    HarvestChangeRow,
    HarvestObjectRow,
    HarvestRunRow,
    HarvestSourceRow,
)
from hubcity.adapters.db.times import aware as _aware
from hubcity.adapters.db.times import stamp as _at
from hubcity.domain.harvest import (
    ChangeKind,
    HarvestChange,
    HarvestObject,
    HarvestRun,
    HarvestSource,
    RunState,
    SourceKind,
)
from hubcity.errors import AlreadyExists, NotFound

__all__ = ["SqlHarvestStore"]

_ACTIVE = (str(RunState.QUEUED), str(RunState.RUNNING))


def _run(row: HarvestRunRow, changes: list[HarvestChange] | None = None) -> HarvestRun:
    return HarvestRun(
        id=row.id,
        source_id=row.source_id,
        state=RunState(row.state),
        trigger=row.trigger,
        created_at=_at(row.created_at),
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at),
        counts={str(k): int(v) for k, v in (row.counts or {}).items()},
        message=row.message,
        message_en=row.message_en,
        changes=changes,
    )


def _change(row: HarvestChangeRow) -> HarvestChange:
    return HarvestChange(
        id=row.id,
        run_id=row.run_id,
        kind=ChangeKind(row.kind),
        identifier=row.identifier,
        title=row.title,
        dataset_name=row.dataset_name,
        diff=dict(row.diff or {}),
        message=row.message,
        message_en=row.message_en,
        at=_aware(row.at),
    )


def _source(row: HarvestSourceRow, last: HarvestRunRow | None) -> HarvestSource:
    return HarvestSource(
        id=row.id,
        name=row.name,
        title=row.title,
        kind=SourceKind(row.kind),
        url=row.url,
        org_id=row.org_id,
        org_slug=row.org.slug,
        org_title=row.org.title,
        schedule_hours=row.schedule_hours,
        fetch_files=row.fetch_files,
        filter_org=row.filter_org,
        filter_q=row.filter_q,
        enabled=row.enabled,
        created_at=_at(row.created_at),
        updated_at=_at(row.updated_at),
        created_by=row.created_by,
        official=row.official,
        case_no=row.case_no,
        has_api_key=bool(row.api_key_sealed),
        last_run=_run(last) if last is not None else None,
    )


def _object(row: HarvestObjectRow) -> HarvestObject:
    live = row.dataset is not None and row.dataset.deleted_at is None
    return HarvestObject(
        id=row.id,
        source_id=row.source_id,
        identifier=row.identifier,
        dataset_id=row.dataset_id if live else None,
        dataset_name=row.dataset.name if live and row.dataset is not None else None,
        upstream_url=row.upstream_url,
        upstream_modified=row.upstream_modified,
        content_hash=row.content_hash,
        files={str(k): str(v) for k, v in (row.files or {}).items()},
        state=row.state,
        harvested_at=_aware(row.harvested_at),
    )


class SqlHarvestStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _last_runs(self, s: Session, source_ids: list[int]) -> dict[int, HarvestRunRow]:
        if not source_ids:
            return {}
        newest = (
            select(HarvestRunRow.source_id, func.max(HarvestRunRow.id).label("id"))
            .where(HarvestRunRow.source_id.in_(source_ids))
            .group_by(HarvestRunRow.source_id)
            .subquery()
        )
        rows = s.scalars(select(HarvestRunRow).join(newest, newest.c.id == HarvestRunRow.id))
        return {r.source_id: r for r in rows}

    def _one(self, s: Session, row: HarvestSourceRow) -> HarvestSource:
        return _source(row, self._last_runs(s, [row.id]).get(row.id))

    # -- sources -----------------------------------------------------------------------------
    def create_source(self, fields: dict[str, Any]) -> HarvestSource:
        now = datetime.now(UTC)
        try:
            with self._tx() as s:
                row = HarvestSourceRow(**fields, created_at=now, updated_at=now)
                s.add(row)
                s.flush()
                s.refresh(row)
                return _source(row, None)
        except IntegrityError as exc:
            name = fields.get("name")
            raise AlreadyExists(
                f"수집 원본 '{name}'이(가) 이미 있습니다.", f"Harvest source '{name}' already exists."
            ) from exc

    def find_source(self, name: str) -> HarvestSource | None:
        with self._tx() as s:
            row = s.scalar(select(HarvestSourceRow).where(HarvestSourceRow.name == name))
            return self._one(s, row) if row else None

    def list_sources(self, org_ids: frozenset[int] | None) -> list[HarvestSource]:
        with self._tx() as s:
            stmt = select(HarvestSourceRow).order_by(HarvestSourceRow.name)
            if org_ids is not None:
                stmt = stmt.where(HarvestSourceRow.org_id.in_(sorted(org_ids)))
            rows = list(s.scalars(stmt))
            last = self._last_runs(s, [r.id for r in rows])
            return [_source(r, last.get(r.id)) for r in rows]

    def update_source(self, source_id: int, fields: dict[str, Any]) -> HarvestSource:
        with self._tx() as s:
            row = s.get(HarvestSourceRow, source_id)
            if row is None:
                raise NotFound.of("수집 원본", "Harvest source", str(source_id))
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = datetime.now(UTC)
            s.flush()
            s.refresh(row)
            return self._one(s, row)

    def sealed_api_key(self, source_id: int) -> str | None:
        """The source's API key as the harvest service sealed it, or None."""
        with self._tx() as s:
            row = s.get(HarvestSourceRow, source_id)
            return row.api_key_sealed if row is not None else None

    def delete_source(self, source_id: int) -> None:
        with self._tx() as s:
            row = s.get(HarvestSourceRow, source_id)
            if row is not None:
                s.delete(row)

    # -- runs --------------------------------------------------------------------------------
    def start_run(self, source_id: int, trigger: str, now: datetime) -> tuple[HarvestRun, bool]:
        """A new queued run, or the source's run that is already queued or running (and False)."""
        with self._tx() as s:
            # lock the source row so that two callers cannot both start a run (PostgreSQL)
            s.scalar(select(HarvestSourceRow.id).where(HarvestSourceRow.id == source_id).with_for_update())
            active = s.scalar(
                select(HarvestRunRow)
                .where(HarvestRunRow.source_id == source_id, HarvestRunRow.state.in_(_ACTIVE))
                .order_by(HarvestRunRow.id.desc())
                .limit(1)
            )
            if active is not None:
                return _run(active), False
            row = HarvestRunRow(
                source_id=source_id,
                state=str(RunState.QUEUED),
                trigger=trigger,
                counts={},
                message="",
                message_en="",
                created_at=now,
            )
            s.add(row)
            s.flush()
            return _run(row), True

    def claim_run(self, run_id: int, now: datetime) -> bool:
        with self._tx() as s:
            result = s.execute(
                update(HarvestRunRow)
                .where(HarvestRunRow.id == run_id, HarvestRunRow.state == str(RunState.QUEUED))
                .values(state=str(RunState.RUNNING), started_at=now, heartbeat_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def update_run(self, run_id: int, fields: dict[str, Any]) -> None:
        with self._tx() as s:
            s.execute(update(HarvestRunRow).where(HarvestRunRow.id == run_id).values(**fields))

    def add_change(self, run_id: int, change: HarvestChange) -> None:
        with self._tx() as s:
            s.add(
                HarvestChangeRow(
                    run_id=run_id,
                    kind=str(change.kind),
                    identifier=change.identifier[:500],
                    title=change.title[:300],
                    dataset_name=change.dataset_name,
                    diff=change.diff,
                    message=change.message,
                    message_en=change.message_en,
                    at=change.at or datetime.now(UTC),
                )
            )

    def find_run(self, run_id: int, *, changes: bool) -> HarvestRun | None:
        with self._tx() as s:
            row = s.get(HarvestRunRow, run_id)
            if row is None:
                return None
            listed = None
            if changes:
                rows = s.scalars(
                    select(HarvestChangeRow)
                    .where(HarvestChangeRow.run_id == run_id)
                    .order_by(HarvestChangeRow.id)
                )
                listed = [_change(c) for c in rows]
            return _run(row, listed)

    def list_runs(self, source_id: int, limit: int) -> list[HarvestRun]:
        with self._tx() as s:
            rows = s.scalars(
                select(HarvestRunRow)
                .where(HarvestRunRow.source_id == source_id)
                .order_by(HarvestRunRow.id.desc())
                .limit(limit)
            )
            return [_run(r) for r in rows]

    def fail_stale_runs(self, heartbeat_before: datetime, now: datetime, message: tuple[str, str]) -> int:
        with self._tx() as s:
            result = s.execute(
                update(HarvestRunRow)
                .where(
                    HarvestRunRow.state == str(RunState.RUNNING),
                    HarvestRunRow.heartbeat_at < heartbeat_before,
                )
                .values(
                    state=str(RunState.FAILED), finished_at=now, message=message[0], message_en=message[1]
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    # -- upstream objects ----------------------------------------------------------------------
    def list_objects(self, source_id: int) -> list[HarvestObject]:
        with self._tx() as s:
            rows = s.scalars(
                select(HarvestObjectRow)
                .where(HarvestObjectRow.source_id == source_id)
                .order_by(HarvestObjectRow.id)
            )
            return [_object(r) for r in rows]

    def save_object(self, source_id: int, identifier: str, fields: dict[str, Any]) -> None:
        with self._tx() as s:
            row = s.scalar(
                select(HarvestObjectRow).where(
                    HarvestObjectRow.source_id == source_id, HarvestObjectRow.identifier == identifier
                )
            )
            if row is None:
                row = HarvestObjectRow(
                    source_id=source_id,
                    identifier=identifier,
                    upstream_url="",
                    upstream_modified="",
                    content_hash="",
                    files={},
                    state="active",
                    harvested_at=datetime.now(UTC),
                )
                s.add(row)
            for key, value in fields.items():
                setattr(row, key, value)

    def origin_of(self, dataset_id: int) -> tuple[HarvestSource, HarvestObject] | None:
        with self._tx() as s:
            row = s.scalar(
                select(HarvestObjectRow)
                .where(HarvestObjectRow.dataset_id == dataset_id)
                .order_by(HarvestObjectRow.id.desc())
                .limit(1)
            )
            if row is None:
                return None
            source = s.get(HarvestSourceRow, row.source_id)
            assert source is not None
            return _source(source, None), _object(row)
