"""/api/v1/access-requests, /api/v1/grants, /api/v1/processing-records: sharing across silos.

A department asks another for a dataset (purpose, columns, end date); the owner's admins
decide within the legal deadline (provide, provide in part, refuse); a decision to provide
makes a grant, which its owner may revoke. Every rule lives in ``AccessService``: these
routes parse, call it once and shape the answer. Dates and deadlines are Korean days
(Asia/Seoul), so the requester and the owner see the same "days left".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, JsonValue

from hubcity.domain.grants import TRANSFORMS, AccessRequest, Grant, RequestStatus, Transform
from hubcity.domain.koreatime import korean_date, korean_today, last_day
from hubcity.services.access import DepartmentBoard
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = [
    "AccessBoardRead",
    "AccessDecision",
    "AccessRequestCreate",
    "AccessRequestRead",
    "GrantRead",
    "GrantRevoke",
    "ProcessingRecordRead",
    "router",
]

router = APIRouter()

_STATUSES: list[JsonValue] = [str(s) for s in RequestStatus]


# -- bodies ------------------------------------------------------------------------------------
class AccessRequestCreate(BaseModel):
    # purpose and ends_on are checked by the service, so that a mistake is explained in Korean and English
    dataset: str = Field(description="Name of the dataset asked for.")
    purpose: str = Field("", description="Required: what the data will serve (5 to 5,000 characters).")
    columns: list[str] = Field(
        default_factory=list, description="Columns needed; empty asks for every column."
    )
    ends_on: str = Field(
        "",
        description="Required: the last day of use, YYYY-MM-DD (after today).",
        json_schema_extra={"format": "date"},
        examples=["2026-12-31"],
    )
    org: str | None = Field(
        None, description="Ask on behalf of this organisation of yours (slug); empty: for yourself alone."
    )


class RowFilterIn(BaseModel):
    column: str
    op: str = Field("eq", description="eq, ne, gt, gte, lt, lte, in, like")
    value: str | int | float | list[str | int | float] | None = None


class TransformIn(BaseModel):
    kind: str = Field(description=", ".join(TRANSFORMS))
    # a string too, so that a wrong one is explained by the service in Korean and English
    param: int | str | None = Field(
        None, description="A whole number: mask keeps so many characters, age_band years, round a multiple …"
    )


class AccessDecision(BaseModel):
    decision: str = Field(
        description="provide (what was asked), partial (fewer columns, a row filter or transformations) "
        "or refuse (needs a reason).",
        json_schema_extra={"enum": ["provide", "partial", "refuse"]},
    )
    columns: list[str] | None = Field(None, description="Columns provided; default: those asked for.")
    row_filter: list[str | RowFilterIn] | None = Field(
        None, description='Rows kept: "col=value", "col__op=value" or {column, op, value}.'
    )
    transforms: dict[str, str | TransformIn] | None = Field(
        None, description='Per column: "pseudonym", "mask:3", or {kind, param}.'
    )
    reason: str = Field("", description="Shown to the requester; required when refusing.")
    ends_on: str | None = Field(
        None,
        description="Last day of use, YYYY-MM-DD; default: the one asked for.",
        json_schema_extra={"format": "date"},
    )

    def filters(self) -> list[Any] | None:
        if self.row_filter is None:
            return None
        return [f if isinstance(f, str) else f.model_dump() for f in self.row_filter]

    def transform_map(self) -> dict[str, Any] | None:
        if self.transforms is None:
            return None
        return {k: v if isinstance(v, str) else v.model_dump() for k, v in self.transforms.items()}


class GrantRevoke(BaseModel):
    reason: str = Field("", description="Why the grant ends early (kept in the audit log).")


# -- answers -----------------------------------------------------------------------------------
class AccessRequestRead(BaseModel):
    id: int
    dataset: str
    dataset_title: str
    owner_org_id: int
    owner_org_title: str
    requester: str = Field(description="The requester's display name.")
    org_id: int | None = Field(description="Asked on behalf of this organisation; null: for the requester.")
    org_title: str | None
    purpose: str
    columns: list[str] = Field(description="Columns asked for; empty: every column.")
    ends_on: date
    status: str = Field(json_schema_extra={"enum": _STATUSES})
    status_label: str
    status_label_en: str
    due_on: date = Field(description="The owner decides by this day (Korean date).")
    days_left: int = Field(description="Days from today (Asia/Seoul) to due_on; negative when past.")
    overdue: bool = Field(description="Still pending after due_on.")
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str
    grant_id: int | None
    reminded_at: datetime | None
    url: str

    @classmethod
    def of(cls, r: AccessRequest, today: date) -> AccessRequestRead:
        return cls(
            id=r.id,
            dataset=r.dataset_name,
            dataset_title=r.dataset_title,
            owner_org_id=r.owner_org_id,
            owner_org_title=r.owner_org_title,
            requester=r.requester_name,
            org_id=r.org_id,
            org_title=r.org_title,
            purpose=r.purpose,
            columns=list(r.columns),
            ends_on=r.ends_on,
            status=str(r.status),
            status_label=r.status.label("ko"),
            status_label_en=r.status.label("en"),
            due_on=r.due_on,
            days_left=r.days_left(today),
            overdue=r.overdue(today),
            created_at=r.created_at,
            decided_at=r.decided_at,
            decided_by=r.decided_by,
            reason=r.reason,
            grant_id=r.grant_id,
            reminded_at=r.reminded_at,
            url=f"/access/requests/{r.id}",
        )


class AccessBoardRead(BaseModel):
    org_id: int
    org_title: str
    pending: int
    overdue: int
    due_soon: int = Field(description="Pending requests due within the reminder window.")
    requests: list[AccessRequestRead] = Field(description="The pending requests, soonest due first.")

    @classmethod
    def of(cls, b: DepartmentBoard, today: date) -> AccessBoardRead:
        return cls(
            org_id=b.org_id,
            org_title=b.org_title,
            pending=b.pending,
            overdue=b.overdue,
            due_soon=b.due_soon,
            requests=[AccessRequestRead.of(r, today) for r in b.requests],
        )


class TransformRead(BaseModel):
    kind: str
    param: int | None
    label: str
    label_en: str

    @classmethod
    def of(cls, t: Transform) -> TransformRead:
        ko, en, _ = TRANSFORMS[t.kind]
        return cls(kind=t.kind, param=t.param, label=ko, label_en=en)


class RowFilterRead(BaseModel):
    column: str
    op: str
    value: str | list[str]


class GrantRead(BaseModel):
    id: int
    dataset: str
    dataset_title: str
    owner_org_id: int
    grantee: str = Field(description="The holder: a user's display name or an organisation's title.")
    grantee_user_id: int | None
    grantee_org_id: int | None
    columns: list[str]
    row_filter: list[RowFilterRead]
    transforms: dict[str, TransformRead]
    purpose: str
    state: str = Field(json_schema_extra={"enum": ["active", "expired", "revoked", "scheduled"]})
    starts_at: datetime
    ends_at: datetime = Field(description="The first instant the grant no longer holds.")
    ends_on: date = Field(description="The last Korean day the grant holds.")
    created_at: datetime
    created_by: str | None
    request_id: int | None
    agreement_id: int | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str

    @classmethod
    def of(cls, g: Grant, now: datetime) -> GrantRead:
        return cls(
            id=g.id,
            dataset=g.dataset_name,
            dataset_title=g.dataset_title,
            owner_org_id=g.owner_org_id,
            grantee=g.grantee_label,
            grantee_user_id=g.grantee_user_id,
            grantee_org_id=g.grantee_org_id,
            columns=list(g.columns),
            row_filter=[RowFilterRead(column=f.column, op=f.op, value=f.value) for f in g.row_filter],
            transforms={k: TransformRead.of(v) for k, v in g.transforms.items()},
            purpose=g.purpose,
            state=g.state(now),
            starts_at=g.starts_at,
            ends_at=g.ends_at,
            ends_on=last_day(g.ends_at),
            created_at=g.created_at,
            created_by=g.created_by,
            request_id=g.request_id,
            agreement_id=g.agreement_id,
            revoked_at=g.revoked_at,
            revoked_by=g.revoked_by,
            revoke_reason=g.revoke_reason,
        )


class ProcessingItem(BaseModel):
    column: str
    transform: TransformRead | None = Field(description="null: provided as it is.")


class ProcessingPeriod(BaseModel):
    start: date
    end: date


class ProcessingRecordRead(BaseModel):
    """A record of pseudonymised provision, in the terms of PIPA (개인정보 처리 기록)."""

    grant_id: int
    dataset: str
    dataset_title: str
    purpose: str
    items: list[ProcessingItem] = Field(description="The columns provided, each with its transformation.")
    recipient: str = Field(description="Who received the data (user or organisation).")
    period: ProcessingPeriod = Field(description="Korean days, both included.")
    state: str
    destroyed: datetime | None = Field(
        description="When the provided copy ended: revoked, or the end passed."
    )
    keep_until: date = Field(
        description="Keep this record until then: three years after the data's destruction (the end, "
        "or the revocation when earlier)."
    )

    @classmethod
    def of(cls, g: Grant, now: datetime) -> ProcessingRecordRead:
        return cls(
            grant_id=g.id,
            dataset=g.dataset_name,
            dataset_title=g.dataset_title,
            purpose=g.purpose,
            items=[
                ProcessingItem(
                    column=c, transform=TransformRead.of(g.transforms[c]) if c in g.transforms else None
                )
                for c in g.columns
            ],
            recipient=g.grantee_label,
            period=ProcessingPeriod(start=korean_date(g.starts_at), end=last_day(g.ends_at)),
            state=g.state(now),
            destroyed=g.destroyed_at(now),
            keep_until=g.keep_record_until(now),
        )


# -- access requests ---------------------------------------------------------------------------
_TAG_REQ = "access requests"


@router.post(
    "/access-requests",
    status_code=201,
    response_model=AccessRequestRead,
    tags=[_TAG_REQ],
    summary="Ask another department for a dataset (purpose, columns, end date)",
)
def create_access_request(
    body: AccessRequestCreate, services: ServicesDep, actor: ActorDep
) -> AccessRequestRead:
    req = services.access.request_access(
        actor,
        dataset=body.dataset,
        purpose=body.purpose,
        ends_on=body.ends_on,
        columns=body.columns,
        org=body.org or None,
    )
    return AccessRequestRead.of(req, korean_today())


@router.get(
    "/access-requests",
    response_model=list[AccessRequestRead],
    tags=[_TAG_REQ],
    summary="Requests you made (box=mine) or your organisations are asked to decide (box=decide)",
)
def list_access_requests(
    services: ServicesDep,
    actor: ActorDep,
    box: str = Query("mine", json_schema_extra={"enum": ["mine", "decide"]}),
    status: str | None = Query(None, json_schema_extra={"enum": _STATUSES}),
) -> list[AccessRequestRead]:
    found = services.access.list_requests(actor, box=box, status=status or None)
    today = korean_today()
    return [AccessRequestRead.of(r, today) for r in found]


@router.get(
    "/access-requests/board",
    response_model=list[AccessBoardRead],
    tags=[_TAG_REQ],
    summary="Pending requests per owner organisation of yours: overdue first",
)
def access_board(services: ServicesDep, actor: ActorDep) -> list[AccessBoardRead]:
    today = korean_today()
    return [AccessBoardRead.of(b, today) for b in services.access.board(actor, today)]


@router.get(
    "/access-requests/{request_id}",
    response_model=AccessRequestRead,
    tags=[_TAG_REQ],
    summary="One request (its requester and the owner organisation's members)",
)
def get_access_request(request_id: int, services: ServicesDep, actor: ActorDep) -> AccessRequestRead:
    return AccessRequestRead.of(services.access.get_request(actor, request_id), korean_today())


@router.post(
    "/access-requests/{request_id}/withdraw",
    response_model=AccessRequestRead,
    tags=[_TAG_REQ],
    summary="Withdraw a pending request (its requester)",
)
def withdraw_access_request(request_id: int, services: ServicesDep, actor: ActorDep) -> AccessRequestRead:
    return AccessRequestRead.of(services.access.withdraw(actor, request_id), korean_today())


@router.post(
    "/access-requests/{request_id}/decision",
    response_model=AccessRequestRead,
    tags=[_TAG_REQ],
    summary="Provide, provide in part or refuse (admins of the owner organisation)",
    description="A decision to provide creates a grant; its id is the answer's grant_id.",
)
def decide_access_request(
    request_id: int, body: AccessDecision, services: ServicesDep, actor: ActorDep
) -> AccessRequestRead:
    decided = services.access.decide(
        actor,
        request_id,
        decision=body.decision,
        columns=body.columns,
        row_filter=body.filters(),
        transforms=body.transform_map(),
        reason=body.reason,
        ends_on=body.ends_on or None,
    )
    return AccessRequestRead.of(decided, korean_today())


# -- grants ------------------------------------------------------------------------------------
@router.get(
    "/grants",
    response_model=list[GrantRead],
    tags=["grants"],
    summary="Grants you hold (box=mine) or your organisations gave (box=given)",
)
def list_grants(
    services: ServicesDep,
    actor: ActorDep,
    box: str = Query("mine", json_schema_extra={"enum": ["mine", "given"]}),
    dataset: str | None = Query(None, description="Only grants on this dataset (name)"),
) -> list[GrantRead]:
    now = datetime.now(UTC)
    return [GrantRead.of(g, now) for g in services.access.list_grants(actor, box=box, dataset=dataset)]


@router.get(
    "/grants/{grant_id}", response_model=GrantRead, tags=["grants"], summary="One grant and its state"
)
def get_grant(grant_id: int, services: ServicesDep, actor: ActorDep) -> GrantRead:
    return GrantRead.of(services.access.get_grant(actor, grant_id), datetime.now(UTC))


@router.post(
    "/grants/{grant_id}/revoke",
    response_model=GrantRead,
    tags=["grants"],
    summary="End a grant now (admins of the owner organisation); its view files are destroyed",
)
def revoke_grant(grant_id: int, body: GrantRevoke, services: ServicesDep, actor: ActorDep) -> GrantRead:
    return GrantRead.of(services.access.revoke(actor, grant_id, body.reason), datetime.now(UTC))


@router.get(
    "/processing-records",
    response_model=list[ProcessingRecordRead],
    tags=["grants"],
    summary="Records of pseudonymised provision: grants your organisations gave with transformations",
)
def processing_records(services: ServicesDep, actor: ActorDep) -> list[ProcessingRecordRead]:
    now = datetime.now(UTC)
    return [ProcessingRecordRead.of(g, now) for g in services.access.processing_records(actor)]
