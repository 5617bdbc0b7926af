"""SqlGrantStore: access requests and grants on SQLAlchemy 2 (SQLite or PostgreSQL).

Each method is one transaction; rows never leave this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session, sessionmaker

from hubcity.adapters.db.tables import AccessRequestRow, GrantRow
from hubcity.adapters.db.times import aware as _aware
from hubcity.adapters.db.times import stamp as _at
from hubcity.domain.grants import AccessRequest, Grant, RequestStatus, parse_row_filter, parse_transform
from hubcity.errors import Conflict, NotFound

__all__ = ["SqlGrantStore"]


# who holds active grants, built once (asked on every request of a signed-in user); a user_id of
# None matches no row
_ACTIVE = (
    GrantRow.revoked_at.is_(None),
    GrantRow.starts_at <= bindparam("now"),
    GrantRow.ends_at > bindparam("now"),
)
_GRANTED = select(GrantRow.dataset_id).where(GrantRow.grantee_user_id == bindparam("user_id"), *_ACTIVE)
_GRANTED_WITH_ORGS = select(GrantRow.dataset_id).where(
    or_(
        GrantRow.grantee_user_id == bindparam("user_id"),
        and_(
            GrantRow.grantee_user_id.is_(None),
            GrantRow.grantee_org_id.in_(bindparam("org_ids", expanding=True)),
        ),
    ),
    *_ACTIVE,
)


def _request(row: AccessRequestRow) -> AccessRequest:
    return AccessRequest(
        id=row.id,
        dataset_id=row.dataset_id,
        dataset_name=row.dataset.name,
        dataset_title=row.dataset.title,
        owner_org_id=row.dataset.owner_org_id,
        owner_org_title=row.dataset.owner_org.title,
        requester_id=row.requester_id,
        requester_name=row.requester.display_name or row.requester.username,
        org_id=row.org_id,
        org_title=row.org.title if row.org else None,
        purpose=row.purpose,
        columns=tuple(str(c) for c in row.columns or []),
        ends_on=row.ends_on,
        status=RequestStatus(row.status),
        due_on=row.due_on,
        created_at=_at(row.created_at),
        decided_at=_aware(row.decided_at),
        decided_by=row.decided_by,
        reason=row.reason or "",
        grant_id=row.grant_id,
        reminded_at=_aware(row.reminded_at),
    )


def _grant(row: GrantRow) -> Grant:
    if row.grantee_user is not None:
        label = row.grantee_user.display_name or row.grantee_user.username
    else:
        label = row.grantee_org.title if row.grantee_org is not None else "-"
    return Grant(
        id=row.id,
        dataset_id=row.dataset_id,
        dataset_name=row.dataset.name,
        dataset_title=row.dataset.title,
        owner_org_id=row.dataset.owner_org_id,
        grantee_user_id=row.grantee_user_id,
        grantee_org_id=row.grantee_org_id,
        grantee_label=label,
        columns=tuple(str(c) for c in row.columns or []),
        row_filter=tuple(parse_row_filter(f) for f in row.row_filter or []),
        transforms={str(k): parse_transform(v) for k, v in (row.transforms or {}).items()},
        purpose=row.purpose,
        starts_at=_at(row.starts_at),
        ends_at=_at(row.ends_at),
        created_at=_at(row.created_at),
        created_by=row.created_by,
        request_id=row.request_id,
        agreement_id=row.agreement_id,
        revoked_at=_aware(row.revoked_at),
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason or "",
        key_salt=row.key_salt or "",
    )


class SqlGrantStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    # -- requests --------------------------------------------------------------------------
    def create_request(self, fields: dict[str, Any]) -> AccessRequest:
        with self._tx() as s:
            row = AccessRequestRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _request(row)

    def find_request(self, request_id: int) -> AccessRequest | None:
        with self._tx() as s:
            row = s.get(AccessRequestRow, request_id)
            return _request(row) if row is not None else None

    def update_request(
        self, request_id: int, fields: dict[str, Any], *, expect_status: str | None = None
    ) -> AccessRequest:
        """Change a request; with ``expect_status``, only while it still has that status (Conflict
        otherwise: two admins deciding at once, one wins)."""
        with self._tx() as s:
            s.execute(select(AccessRequestRow.id).where(AccessRequestRow.id == request_id).with_for_update())
            row = s.get(AccessRequestRow, request_id)
            if row is None:
                raise NotFound.of("접근 요청", "Access request", str(request_id))
            if expect_status is not None and row.status != expect_status:
                raise Conflict("이미 결정된 요청입니다.", "The request has already been decided.")
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            s.refresh(row)
            return _request(row)

    def list_requests(
        self,
        *,
        requester_id: int | None = None,
        owner_org_ids: frozenset[int] | None = None,
        dataset_id: int | None = None,
        status: str | None = None,
        due_before: date | None = None,
        not_reminded: bool = False,
    ) -> list[AccessRequest]:
        from hubcity.adapters.db.tables import DatasetRow

        stmt = select(AccessRequestRow).join(DatasetRow, DatasetRow.id == AccessRequestRow.dataset_id)
        if requester_id is not None:
            stmt = stmt.where(AccessRequestRow.requester_id == requester_id)
        if owner_org_ids is not None:
            stmt = stmt.where(DatasetRow.owner_org_id.in_(sorted(owner_org_ids)))
        if dataset_id is not None:
            stmt = stmt.where(AccessRequestRow.dataset_id == dataset_id)
        if status is not None:
            stmt = stmt.where(AccessRequestRow.status == status)
        if due_before is not None:
            stmt = stmt.where(AccessRequestRow.due_on <= due_before)
        if not_reminded:
            stmt = stmt.where(AccessRequestRow.reminded_at.is_(None))
        stmt = stmt.order_by(AccessRequestRow.due_on, AccessRequestRow.id)
        with self._tx() as s:
            return [_request(r) for r in s.scalars(stmt).unique()]

    # -- grants ----------------------------------------------------------------------------
    def create_grant(self, fields: dict[str, Any]) -> Grant:
        with self._tx() as s:
            row = GrantRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _grant(row)

    def find_grant(self, grant_id: int) -> Grant | None:
        with self._tx() as s:
            row = s.get(GrantRow, grant_id)
            return _grant(row) if row is not None else None

    def update_grant(self, grant_id: int, fields: dict[str, Any]) -> Grant:
        with self._tx() as s:
            s.execute(select(GrantRow.id).where(GrantRow.id == grant_id).with_for_update())
            row = s.get(GrantRow, grant_id)
            if row is None:
                raise NotFound.of("권한", "Grant", str(grant_id))
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            s.refresh(row)
            return _grant(row)

    def list_grants(
        self,
        *,
        dataset_id: int | None = None,
        holder: tuple[int | None, frozenset[int]] | None = None,
        owner_org_ids: frozenset[int] | None = None,
        agreement_id: int | None = None,
        active_at: datetime | None = None,
    ) -> list[Grant]:
        """Grants by dataset, by holder (user id, their organisations), by owner organisations."""
        from hubcity.adapters.db.tables import DatasetRow

        stmt = select(GrantRow).join(DatasetRow, DatasetRow.id == GrantRow.dataset_id)
        if dataset_id is not None:
            stmt = stmt.where(GrantRow.dataset_id == dataset_id)
        if holder is not None:
            user_id, org_ids = holder
            who = []
            if user_id is not None:
                who.append(GrantRow.grantee_user_id == user_id)
            if org_ids:
                who.append(
                    and_(GrantRow.grantee_user_id.is_(None), GrantRow.grantee_org_id.in_(sorted(org_ids)))
                )
            if not who:
                return []
            stmt = stmt.where(or_(*who))
        if owner_org_ids is not None:
            stmt = stmt.where(DatasetRow.owner_org_id.in_(sorted(owner_org_ids)))
        if agreement_id is not None:
            stmt = stmt.where(GrantRow.agreement_id == agreement_id)
        if active_at is not None:
            stmt = stmt.where(
                GrantRow.revoked_at.is_(None), GrantRow.starts_at <= active_at, GrantRow.ends_at > active_at
            )
        stmt = stmt.order_by(GrantRow.id.desc())
        with self._tx() as s:
            return [_grant(r) for r in s.scalars(stmt).unique()]

    def granted_dataset_ids(
        self, user_id: int | None, org_ids: frozenset[int], now: datetime
    ) -> frozenset[int]:
        """Datasets this user (or one of their organisations) holds an active grant on — one query,
        asked on every request of a signed-in user (so a revoked or ended grant stops at once)."""
        if user_id is None and not org_ids:
            return frozenset()
        stmt = _GRANTED_WITH_ORGS if org_ids else _GRANTED
        params = {"user_id": user_id, "org_ids": sorted(org_ids), "now": now}
        with self._tx() as s:
            return frozenset(int(i) for (i,) in s.connection().execute(stmt, params))
