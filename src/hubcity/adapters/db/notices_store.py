"""SqlNoticeStore: users' inboxes and the mail outbox, on SQLAlchemy 2 (SQLite or PostgreSQL).

Each method is one transaction; rows never leave this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hubcity.adapters.db.tables import NoticeRow
from hubcity.adapters.db.times import aware as _aware
from hubcity.adapters.db.times import stamp as _at
from hubcity.domain.notices import Notice, NoticeDraft, NoticeKind

__all__ = ["SqlNoticeStore"]


def _notice(row: NoticeRow) -> Notice:
    return Notice(
        id=row.id,
        user_id=row.user_id,
        kind=NoticeKind(row.kind),
        key=row.key,
        subject=row.subject,
        subject_en=row.subject_en,
        body=row.body,
        body_en=row.body_en,
        link=row.link,
        created_at=_at(row.created_at),
        read_at=_aware(row.read_at),
        mailed_at=_aware(row.mailed_at),
        mail_tries=row.mail_tries,
        mail_error=row.mail_error,
    )


class SqlNoticeStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(self, user_id: int, draft: NoticeDraft, now: datetime) -> Notice | None:
        """Put a notice in the user's inbox; None when one with the same key is already there."""
        row = NoticeRow(
            user_id=user_id,
            kind=str(draft.kind),
            key=draft.key[:120],
            subject=draft.subject[:300],
            subject_en=draft.subject_en[:300],
            body=draft.body,
            body_en=draft.body_en,
            link=draft.link[:500],
            created_at=now,
            mail_tries=0,
            mail_error="",
        )
        try:
            with self._sessions.begin() as s:
                if s.scalar(
                    select(NoticeRow.id).where(NoticeRow.user_id == user_id, NoticeRow.key == row.key)
                ):
                    return None
                s.add(row)
                s.flush()
                return _notice(row)
        except IntegrityError:  # the same notice added at the same moment by another worker
            return None

    def find(self, notice_id: int) -> Notice | None:
        with self._sessions.begin() as s:
            row = s.get(NoticeRow, notice_id)
            return _notice(row) if row is not None else None

    def list_for(
        self, user_id: int, *, unread: bool = False, limit: int = 50, offset: int = 0
    ) -> list[Notice]:
        stmt = select(NoticeRow).where(NoticeRow.user_id == user_id)
        if unread:
            stmt = stmt.where(NoticeRow.read_at.is_(None))
        stmt = stmt.order_by(NoticeRow.created_at.desc(), NoticeRow.id.desc()).limit(limit).offset(offset)
        with self._sessions.begin() as s:
            return [_notice(r) for r in s.scalars(stmt)]

    def count_for(self, user_id: int, *, unread: bool = False) -> int:
        stmt = select(func.count()).select_from(NoticeRow).where(NoticeRow.user_id == user_id)
        if unread:
            stmt = stmt.where(NoticeRow.read_at.is_(None))
        with self._sessions.begin() as s:
            return int(s.scalar(stmt) or 0)

    def mark_read(self, user_id: int, notice_ids: list[int] | None, now: datetime) -> int:
        """Mark the user's notices read (all unread ones when ``notice_ids`` is None); how many changed."""
        stmt = update(NoticeRow).where(NoticeRow.user_id == user_id, NoticeRow.read_at.is_(None))
        if notice_ids is not None:
            stmt = stmt.where(NoticeRow.id.in_(notice_ids))
        with self._sessions.begin() as s:
            return int(s.execute(stmt.values(read_at=now)).rowcount or 0)  # type: ignore[attr-defined]

    def outbox(self, *, since: datetime, max_tries: int, limit: int = 200) -> list[Notice]:
        """Notices not mailed yet, newer than ``since``, tried fewer than ``max_tries`` times."""
        stmt = (
            select(NoticeRow)
            .where(
                NoticeRow.mailed_at.is_(None),
                NoticeRow.created_at >= since,
                NoticeRow.mail_tries < max_tries,
            )
            .order_by(NoticeRow.id)
            .limit(limit)
        )
        with self._sessions.begin() as s:
            return [_notice(r) for r in s.scalars(stmt)]

    def mailed(self, notice_id: int, fields: dict[str, Any]) -> None:
        """Record a delivery attempt: ``mailed_at`` on success, ``mail_tries``/``mail_error`` always."""
        with self._sessions.begin() as s:
            row = s.get(NoticeRow, notice_id)
            if row is None:
                return
            row.mail_tries = (row.mail_tries or 0) + 1
            for name, value in fields.items():
                setattr(row, name, value)
