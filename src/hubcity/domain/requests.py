"""Citizens' data requests (공공데이터 제공신청): what a request is, its statuses and who may answer.

Anyone may ask for data the city does not publish. A request gets an owner
department, a due date (10 days by default, as the Public Data Act asks for a
decision within 10 days), a public status and an answer; the board is public.
The requester's e-mail is never public: only staff of the owner department
(editors and admins) and sysadmins see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hubcity.domain.accounts import Actor

__all__ = [
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "DataRequest",
    "DataRequestFilter",
    "RequestEvent",
    "RequestStatus",
    "can_assign",
    "can_manage",
    "mask_name",
    "valid_email",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RequestStatus(StrEnum):
    RECEIVED = "received"  # 접수
    IN_REVIEW = "in_review"  # 검토중
    PLANNED = "planned"  # 제공 예정
    PUBLISHED = "published"  # 제공 완료 (a dataset is linked)
    REFUSED = "refused"  # 제공 불가 (with a reason)


STATUS_LABELS: dict[RequestStatus, tuple[str, str]] = {
    RequestStatus.RECEIVED: ("접수", "Received"),
    RequestStatus.IN_REVIEW: ("검토중", "In review"),
    RequestStatus.PLANNED: ("제공 예정", "Planned"),
    RequestStatus.PUBLISHED: ("제공 완료", "Published"),
    RequestStatus.REFUSED: ("제공 불가", "Refused"),
}

# Requests still waiting for a decision; only these can be overdue.
OPEN_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.IN_REVIEW})


def mask_name(name: str) -> str:
    """A requester's name as the public board shows it: '홍길동' → '홍*동', '김철' → '김*'."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def valid_email(value: str) -> bool:
    return len(value) <= 320 and bool(_EMAIL.match(value))


@dataclass(frozen=True)
class RequestEvent:
    """One step in a request's public history: its status after the step, the owner, the note."""

    at: datetime
    status: RequestStatus
    org_slug: str | None = None
    org_title: str | None = None
    note: str = ""
    dataset_name: str | None = None
    by: str | None = None  # the staff member's username; shown only to those who may answer


@dataclass(frozen=True)
class DataRequest:
    id: int
    title: str
    description: str
    status: RequestStatus
    due_on: date
    created_at: datetime
    updated_at: datetime
    requester_name: str = ""
    # None when the reader may not see it (everyone but the owner department's staff and sysadmins)
    requester_email: str | None = ""
    org_id: int | None = None
    org_slug: str | None = None
    org_title: str | None = None
    suggested_org_slug: str | None = None
    suggested_org_title: str | None = None
    answer: str = ""
    dataset_name: str | None = None
    dataset_title: str | None = None
    answered_at: datetime | None = None
    events: tuple[RequestEvent, ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, today: date) -> bool:
        """Past its due date with no decision yet."""
        return self.is_open and self.due_on < today

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


@dataclass(frozen=True)
class DataRequestFilter:
    status: RequestStatus | None = None
    org: str | None = None  # an organisation's slug, or "none" for requests without an owner yet
    overdue_on: date | None = None  # only open requests due before this date
    limit: int = 20
    offset: int = 0


def can_manage(actor: Actor, request: DataRequest) -> bool:
    """Answer, change the status of, or reassign a request: the owner department's editors, sysadmins."""
    if actor.sysadmin:
        return True
    return request.org_id is not None and actor.can_edit_in(request.org_id)


def can_assign(actor: Actor, request: DataRequest) -> bool:
    """Give a request an owner: who may manage it, and any city staff editor while it has none."""
    if can_manage(actor, request):
        return True
    return request.org_id is None and actor.staff and any(r.can_edit for r in actor.roles.values())
