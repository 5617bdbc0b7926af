"""Notices: what hubcity tells a user without being asked — an access request waiting for their
decision, one that is due soon or overdue, the decision on their own request.

Each notice goes to one user's inbox (shown in the header of every page and under
``/api/v1/notifications``) and, when mail is set up and the user has an address, by e-mail.
A notice has a key (``access:17:due``) so the same event is never announced twice to the same user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hubcity.domain.grants import AccessRequest, RequestStatus

__all__ = [
    "Notice",
    "NoticeDraft",
    "NoticeKind",
    "request_decided",
    "request_due_soon",
    "request_overdue",
    "request_waiting",
]


class NoticeKind(StrEnum):
    ACCESS_REQUESTED = "access.requested"  # to the owner's admins: a request waits for a decision
    ACCESS_DUE_SOON = "access.due_soon"  # to the owner's admins: the decision is due within days
    ACCESS_OVERDUE = "access.overdue"  # to the owner's admins and the requester: the due date passed
    ACCESS_DECIDED = "access.decided"  # to the requester: provided, provided in part or refused


@dataclass(frozen=True)
class NoticeDraft:
    """What to say, in Korean and English, and where it leads."""

    kind: NoticeKind
    key: str
    subject: str
    subject_en: str
    body: str
    body_en: str
    link: str


@dataclass(frozen=True)
class Notice:
    id: int
    user_id: int
    kind: NoticeKind
    key: str
    subject: str
    subject_en: str
    body: str
    body_en: str
    link: str
    created_at: datetime
    read_at: datetime | None = None
    mailed_at: datetime | None = None
    mail_tries: int = 0
    mail_error: str = ""

    @property
    def unread(self) -> bool:
        return self.read_at is None


def _link(req: AccessRequest) -> str:
    return f"/access/requests/{req.id}"


def _who(req: AccessRequest) -> tuple[str, str]:
    if req.org_title:
        return f"{req.requester_name}({req.org_title})", f"{req.requester_name} ({req.org_title})"
    return req.requester_name, req.requester_name


def request_waiting(req: AccessRequest) -> NoticeDraft:
    """To the owner's admins when a request arrives."""
    who, who_en = _who(req)
    return NoticeDraft(
        kind=NoticeKind.ACCESS_REQUESTED,
        key=f"access:{req.id}:requested",
        subject=f"접근 요청: {req.dataset_title} — {req.due_on.isoformat()}까지 결정",
        subject_en=f"Access request: {req.dataset_title} — decide by {req.due_on.isoformat()}",
        body=(
            f"{who} 님이 '{req.dataset_title}'({req.dataset_name}) 이용을 요청했습니다.\n"
            f"목적: {req.purpose}\n"
            f"열: {', '.join(req.columns) if req.columns else '전체'}\n"
            f"결정 기한: {req.due_on.isoformat()} (데이터기반행정법: 요청일부터 기한 안에 결정)"
        ),
        body_en=(
            f"{who_en} asks to use '{req.dataset_title}' ({req.dataset_name}).\n"
            f"Purpose: {req.purpose}\n"
            f"Columns: {', '.join(req.columns) if req.columns else 'all'}\n"
            f"Decide by {req.due_on.isoformat()}."
        ),
        link=_link(req),
    )


def request_due_soon(req: AccessRequest, days_left: int) -> NoticeDraft:
    """To the owner's admins, once, a few days before the due date."""
    when = "오늘" if days_left == 0 else f"{days_left}일 뒤"
    when_en = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
    return NoticeDraft(
        kind=NoticeKind.ACCESS_DUE_SOON,
        key=f"access:{req.id}:due",
        subject=f"결정 기한 {when}: {req.dataset_title} 접근 요청 #{req.id}",
        subject_en=f"Due {when_en}: access request #{req.id} on {req.dataset_title}",
        body=(
            f"'{req.dataset_title}' 접근 요청 #{req.id}({req.requester_name})의 결정 기한은 "
            f"{req.due_on.isoformat()}입니다. 제공, 부분 제공 또는 거절을 결정하세요."
        ),
        body_en=(
            f"Access request #{req.id} ({req.requester_name}) on '{req.dataset_title}' is due "
            f"{req.due_on.isoformat()}. Provide, provide in part or refuse it."
        ),
        link=_link(req),
    )


def request_overdue(req: AccessRequest, days_over: int) -> NoticeDraft:
    """To the owner's admins and the requester, once, the day after the due date passed."""
    return NoticeDraft(
        kind=NoticeKind.ACCESS_OVERDUE,
        key=f"access:{req.id}:overdue",
        subject=f"기한 지남: {req.dataset_title} 접근 요청 #{req.id}",
        subject_en=f"Overdue: access request #{req.id} on {req.dataset_title}",
        body=(
            f"'{req.dataset_title}' 접근 요청 #{req.id}의 결정 기한 {req.due_on.isoformat()}이 "
            f"{days_over}일 지났습니다. 요청은 부서별 현황판에 기한 초과로 표시됩니다."
        ),
        body_en=(
            f"Access request #{req.id} on '{req.dataset_title}' passed its due date "
            f"{req.due_on.isoformat()} {days_over} day{'s' if days_over != 1 else ''} ago; "
            "the department board shows it as overdue."
        ),
        link=_link(req),
    )


def request_decided(req: AccessRequest, until: date | None = None) -> NoticeDraft:
    """To the requester when the owner decided (``until``: the last day of the grant it made)."""
    until = until or req.ends_on
    label, label_en = req.status.label("ko"), req.status.label("en")
    reason = f"\n사유: {req.reason}" if req.reason else ""
    reason_en = f"\nReason: {req.reason}" if req.reason else ""
    granted = req.status in (RequestStatus.PROVIDED, RequestStatus.PARTIAL)
    return NoticeDraft(
        kind=NoticeKind.ACCESS_DECIDED,
        key=f"access:{req.id}:decided",
        subject=f"{label}: {req.dataset_title} 접근 요청 #{req.id}",
        subject_en=f"{label_en}: access request #{req.id} on {req.dataset_title}",
        body=(
            f"'{req.dataset_title}' 접근 요청이 '{label}'(으)로 결정되었습니다({req.decided_by or ''})."
            + (f"\n이용 기간: {until.isoformat()}까지, 목적: {req.purpose}" if granted else "")
            + reason
        ),
        body_en=(
            f"Your access request on '{req.dataset_title}' was decided: {label_en} ({req.decided_by or ''})."
            + (f"\nUse until {until.isoformat()}, for: {req.purpose}" if granted else "")
            + reason_en
        ),
        link=_link(req),
    )
