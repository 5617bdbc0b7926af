"""/api/v1/notifications: the signed-in user's inbox of reminders and decisions.

What goes in it, and when it is mailed, is ``NoticeService``'s business; these routes list the
inbox and mark notices read. Only the owner of a notice ever sees it.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hubcity.domain.notices import Notice, NoticeKind
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = ["NoticeList", "NoticeRead", "NoticesMarked", "router"]

router = APIRouter()
_TAG = "notifications"


class NoticeRead(BaseModel):
    id: int
    kind: NoticeKind
    subject: str
    subject_en: str
    body: str
    body_en: str
    link: str = Field(description="Path of the page the notice is about, e.g. /access/requests/17.")
    created_at: datetime
    read_at: datetime | None
    mailed_at: datetime | None = Field(description="When it went out by e-mail (null: inbox only so far).")

    @classmethod
    def of(cls, n: Notice) -> NoticeRead:
        return cls(
            id=n.id,
            kind=n.kind,
            subject=n.subject,
            subject_en=n.subject_en,
            body=n.body,
            body_en=n.body_en,
            link=n.link,
            created_at=n.created_at,
            read_at=n.read_at,
            mailed_at=n.mailed_at,
        )


class NoticeList(BaseModel):
    count: int = Field(description="Notices matching (all of them, or the unread ones).")
    unread: int = Field(description="Unread notices in the inbox.")
    results: list[NoticeRead]


class NoticesRead(BaseModel):
    ids: list[int] | None = Field(None, description="Notices to mark read; omit to mark every one read.")


class NoticesMarked(BaseModel):
    marked: int = Field(description="How many notices were unread and are read now.")
    unread: int


@router.get("/notifications", response_model=NoticeList, tags=[_TAG], summary="Your notices, newest first")
def list_notices(
    services: ServicesDep,
    actor: ActorDep,
    unread: bool = Query(False, description="Only the unread ones."),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> NoticeList:
    found = services.notices.inbox(actor, unread=unread, limit=limit, offset=offset)
    return NoticeList(
        count=services.notices.count(actor, unread=unread),
        unread=services.notices.count(actor, unread=True),
        results=[NoticeRead.of(n) for n in found],
    )


@router.get(
    "/notifications/{notice_id}", response_model=NoticeRead, tags=[_TAG], summary="One of your notices"
)
def get_notice(notice_id: int, services: ServicesDep, actor: ActorDep) -> NoticeRead:
    return NoticeRead.of(services.notices.get(actor, notice_id))


@router.post(
    "/notifications/read",
    response_model=NoticesMarked,
    tags=[_TAG],
    summary="Mark some or all of your notices read",
)
def mark_notices_read(body: NoticesRead, services: ServicesDep, actor: ActorDep) -> NoticesMarked:
    marked = services.notices.mark_read(actor, body.ids)
    return NoticesMarked(marked=marked, unread=services.notices.count(actor, unread=True))
