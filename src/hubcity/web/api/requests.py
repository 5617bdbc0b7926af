"""/api/v1/data-requests: citizens' requests for data the city does not publish (공공데이터 제공신청)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from hubcity.domain.requests import STATUS_LABELS, DataRequest, RequestEvent, RequestStatus
from hubcity.services.requests import NewDataRequest, RequestAnswer
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = [
    "DataRequestAnswer",
    "DataRequestCreate",
    "DataRequestEventRead",
    "DataRequestPage",
    "DataRequestRead",
    "client_address",
    "router",
]

router = APIRouter(prefix="/data-requests", tags=["data requests"])

_STATUS_PATTERN = "^(|" + "|".join(s.value for s in RequestStatus) + ")$"


def client_address(request: Request) -> str | None:
    """The caller's address, handed to the service only as a rate-limit key (it is hashed, never stored)."""
    return request.client.host if request.client else None


class DataRequestCreate(BaseModel):
    # required, but checked by the service so that a missing one is explained in Korean and English
    title: str = Field("", description="Required: what data is wanted, in a line (up to 200 characters).")
    description: str = Field(
        "", description="Required: what the data is and why it is needed (up to 5,000 characters)."
    )
    requester_name: str = Field("", description="Optional; shown masked on the public board (홍*동).")
    requester_email: str = Field(
        "", description="Optional; never public — only staff of the owner department see it."
    )
    org: str = Field("", description="Optional: the department the requester suggests (organisation slug).")


class DataRequestAnswer(BaseModel):
    status: RequestStatus | None = Field(
        None,
        description="received, in_review, planned, published (needs a dataset), refused (needs a reason)",
    )
    answer: str | None = Field(None, description="The answer shown on the board; the reason when refused.")
    dataset: str | None = Field(
        None, description="Name of the public dataset that answers the request; empty removes the link."
    )
    org: str | None = Field(None, description="Slug of the owner department (reassigns the request).")


class DataRequestEventRead(BaseModel):
    at: datetime
    status: str
    status_label: str
    org: str | None
    org_title: str | None
    note: str
    dataset: str | None
    by: str | None = Field(None, description="Staff username; only for those who may answer the request.")

    @classmethod
    def of(cls, e: RequestEvent) -> DataRequestEventRead:
        return cls(
            at=e.at,
            status=str(e.status),
            status_label=STATUS_LABELS[e.status][0],
            org=e.org_slug,
            org_title=e.org_title,
            note=e.note,
            dataset=e.dataset_name,
            by=e.by,
        )


class DataRequestRead(BaseModel):
    id: int
    title: str
    description: str
    status: str
    status_label: str
    status_label_en: str
    requester_name: str = Field(description="Masked unless you may answer the request.")
    requester_email: str | None = Field(
        description="Only for staff of the owner department and sysadmins; null for everyone else."
    )
    org: str | None = Field(description="Owner department (slug); null until one is assigned.")
    org_title: str | None
    suggested_org: str | None
    due_on: date
    overdue: bool
    answer: str
    dataset: str | None
    dataset_title: str | None
    created_at: datetime
    updated_at: datetime
    answered_at: datetime | None
    url: str
    history: list[DataRequestEventRead] | None = None

    @classmethod
    def of(cls, r: DataRequest, today: date, *, history: bool = False) -> DataRequestRead:
        ko, en = STATUS_LABELS[r.status]
        return cls(
            id=r.id,
            title=r.title,
            description=r.description,
            status=str(r.status),
            status_label=ko,
            status_label_en=en,
            requester_name=r.requester_name,
            requester_email=r.requester_email,
            org=r.org_slug,
            org_title=r.org_title,
            suggested_org=r.suggested_org_slug,
            due_on=r.due_on,
            overdue=r.overdue(today),
            answer=r.answer,
            dataset=r.dataset_name,
            dataset_title=r.dataset_title,
            created_at=r.created_at,
            updated_at=r.updated_at,
            answered_at=r.answered_at,
            url=f"/requests/{r.id}",
            history=[DataRequestEventRead.of(e) for e in r.events] if history else None,
        )


class DataRequestPage(BaseModel):
    items: list[DataRequestRead]
    total: int
    limit: int
    offset: int
    counts: dict[str, int] = Field(description="Requests per status among the other filters.")


@router.get("", response_model=DataRequestPage, summary="The public board of data requests")
def list_requests(
    services: ServicesDep,
    actor: ActorDep,
    status: str = Query("", pattern=_STATUS_PATTERN),
    org: str | None = Query(None, description="Owner department (slug), or 'none' for unassigned"),
    overdue: bool = Query(False, description="Only open requests past their due date"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> DataRequestPage:
    page = services.requests.list_requests(
        actor, status=status or None, org=org, overdue=overdue, limit=limit, offset=offset
    )
    return DataRequestPage(
        items=[DataRequestRead.of(r, page.today) for r in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        counts=page.counts,
    )


@router.post(
    "",
    response_model=DataRequestRead,
    status_code=201,
    summary="Request data the city does not publish (no sign-in needed)",
    description="The e-mail is never public. Nothing is sent by e-mail: follow the request at its url.",
)
def create_request(
    body: DataRequestCreate, request: Request, services: ServicesDep, actor: ActorDep
) -> DataRequestRead:
    created = services.requests.create_request(
        actor,
        NewDataRequest(
            title=body.title,
            description=body.description,
            requester_name=body.requester_name,
            requester_email=body.requester_email,
            org=body.org,
        ),
        client=client_address(request),
    )
    return DataRequestRead.of(created, services.requests.today(), history=True)


@router.get("/{request_id}", response_model=DataRequestRead, summary="One data request with its history")
def get_request(request_id: int, services: ServicesDep, actor: ActorDep) -> DataRequestRead:
    found = services.requests.get_request(actor, request_id)
    return DataRequestRead.of(found, services.requests.today(), history=True)


@router.post(
    "/{request_id}/answer",
    response_model=DataRequestRead,
    summary="Answer, change the status of, or reassign a request (owner department's editors, sysadmins)",
)
def answer_request(
    request_id: int, body: DataRequestAnswer, services: ServicesDep, actor: ActorDep
) -> DataRequestRead:
    updated = services.requests.answer_request(
        actor,
        request_id,
        RequestAnswer(
            status=str(body.status) if body.status else None,
            answer=body.answer,
            dataset=body.dataset,
            org=body.org,
        ),
    )
    return DataRequestRead.of(updated, services.requests.today(), history=True)
