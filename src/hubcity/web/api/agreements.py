"""/api/v1/agreements: data-sharing agreements with partner institutions and their transfer records.

Sysadmins and admins of the responsible city department create, change and terminate them;
members of either party read them; to anyone else they do not exist (404).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hubcity.domain.agreements import (
    Agreement,
    AgreementDraft,
    AgreementStatus,
    Contact,
    Transfer,
)
from hubcity.services.agreements import AgreementView
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = [
    "AgreementCreate",
    "AgreementDatasetRead",
    "AgreementPage",
    "AgreementRead",
    "AgreementTerminate",
    "AgreementUpdate",
    "ContactBody",
    "TransferPage",
    "TransferRead",
    "header_text",
    "router",
]

router = APIRouter(prefix="/agreements", tags=["agreements"])

OFFICIAL_HEADER = "X-Hubcity-Official"
CASE_HEADER = "X-Hubcity-Case"


def header_text(value: str | None) -> str | None:
    """A header's text: HTTP carries bytes, so a Korean name arrives percent-encoded UTF-8
    (``%EA%B9%80…``, as ``encodeURIComponent`` writes it) or as raw UTF-8 read as Latin-1."""
    if value is None:
        return None
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return unquote(value) if "%" in value else value


class ContactBody(BaseModel):
    name: str = Field("", description="The contact person's name.")
    email: str = Field("", description="E-mail (an e-mail or a phone number is required).")
    phone: str = Field("", description="Phone number, e.g. 062-613-1234.")

    @classmethod
    def of(cls, c: Contact) -> ContactBody:
        return cls(name=c.name, email=c.email, phone=c.phone)


class AgreementCreate(BaseModel):
    # required fields are checked by the service, so that a missing one is explained in Korean and English
    title: str = Field("", description="Required: the agreement's title (2–300 characters).")
    partner: str = Field(
        "", description="Required: slug of the partner institution (an org of kind partner)."
    )
    city_org: str = Field("", description="Required: slug of the city department responsible.")
    datasets: list[str] = Field(
        default_factory=list, description="Required: names of the datasets in scope, of either party."
    )
    purpose: str = Field("", description="Required: what the shared data serves (5–5000 characters).")
    legal_basis: str = Field("", description="Required: the law or article the sharing rests on.")
    starts_on: str = Field("", description="Required: first day in force (YYYY-MM-DD, Korean calendar).")
    ends_on: str = Field("", description="Required: last day in force (YYYY-MM-DD), today or later.")
    delete_after_days: int | str = Field(
        "", description="Required: the partner deletes the shared data this many days after the end (0–3650)."
    )
    partner_contact: ContactBody = Field(default_factory=ContactBody)
    city_contact: ContactBody = Field(default_factory=ContactBody)
    no_onward_transfer: bool = Field(
        True, description="Always true: no agreement allows onward transfer to third parties."
    )

    def draft(self) -> AgreementDraft:
        return AgreementDraft(
            title=self.title,
            partner=self.partner,
            city_org=self.city_org,
            datasets=tuple(self.datasets),
            purpose=self.purpose,
            legal_basis=self.legal_basis,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            delete_after_days=self.delete_after_days,
            partner_contact=Contact.of(self.partner_contact.model_dump()),
            city_contact=Contact.of(self.city_contact.model_dump()),
            no_onward_transfer=self.no_onward_transfer,
        )


class AgreementUpdate(BaseModel):
    """Only the fields given change; the datasets list, when given, replaces the scope."""

    title: str | None = None
    partner: str | None = None
    city_org: str | None = None
    datasets: list[str] | None = None
    purpose: str | None = None
    legal_basis: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    delete_after_days: int | str | None = None
    partner_contact: ContactBody | None = None
    city_contact: ContactBody | None = None
    no_onward_transfer: bool | None = None

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


class AgreementTerminate(BaseModel):
    reason: str = Field("", description="Required: why the agreement ends early.")


class AgreementDatasetRead(BaseModel):
    name: str
    title: str
    side: str = Field(description="partner or city: whose dataset it is.")
    shared: str | None = Field(
        description="For the city's datasets: the partner's grant (active, expired, revoked) or null."
    )
    url: str


class AgreementRead(BaseModel):
    id: int
    title: str
    partner: str
    partner_title: str
    city_org: str
    city_org_title: str
    datasets: list[AgreementDatasetRead]
    purpose: str
    legal_basis: str
    starts_on: date
    ends_on: date
    delete_after_days: int
    delete_by: date = Field(description="The day by which the partner must have deleted what it received.")
    no_onward_transfer: bool = Field(
        description="Always true: onward transfer to third parties is forbidden."
    )
    contacts: dict[str, ContactBody] = Field(description="partner and city: one contact per side.")
    status: str = Field(description="scheduled, active or ended (from the dates, in Asia/Seoul).")
    status_label: str
    status_label_en: str
    ended_early_at: datetime | None
    end_reason: str
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    can_manage: bool = Field(description="Whether you may change or terminate it.")
    url: str
    transfers_url: str

    @classmethod
    def of(cls, view: AgreementView) -> AgreementRead:
        a: Agreement = view.agreement
        status = view.status
        return cls(
            id=a.id,
            title=a.title,
            partner=a.partner_org_slug,
            partner_title=a.partner_org_title,
            city_org=a.city_org_slug,
            city_org_title=a.city_org_title,
            datasets=[
                AgreementDatasetRead(
                    name=d.name,
                    title=d.title,
                    side="city" if d.owner_org_id == a.city_org_id else "partner",
                    shared=view.grant_state(d.id) if d.owner_org_id == a.city_org_id else None,
                    url=f"/api/v1/datasets/{d.name}",
                )
                for d in a.datasets
            ],
            purpose=a.purpose,
            legal_basis=a.legal_basis,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
            delete_after_days=a.delete_after_days,
            delete_by=a.delete_by,
            no_onward_transfer=a.no_onward_transfer,
            contacts={"partner": ContactBody.of(a.partner_contact), "city": ContactBody.of(a.city_contact)},
            status=str(status),
            status_label=status.label("ko"),
            status_label_en=status.label("en"),
            ended_early_at=a.ended_early_at,
            end_reason=a.end_reason,
            created_at=a.created_at,
            created_by=a.created_by,
            updated_at=a.updated_at,
            can_manage=view.can_manage,
            url=f"/agreements/{a.id}",
            transfers_url=f"/api/v1/agreements/{a.id}/transfers",
        )


class AgreementPage(BaseModel):
    items: list[AgreementRead]
    total: int


class TransferRead(BaseModel):
    id: int
    direction: str = Field(description="in: a partner's push; out: a partner member's export.")
    direction_label: str
    dataset: str
    resource: str
    version: int | None = Field(description="The version pushed or exported (null while an ingest runs).")
    official: str = Field(description="The requesting official (for exports: the user).")
    case: str = Field(description="The case or document number the transfer serves.")
    format: str
    username: str | None
    job: str | None = Field(description="The ingest job of a push (/api/v1/jobs/{id}).")
    at: datetime

    @classmethod
    def of(cls, t: Transfer) -> TransferRead:
        return cls(
            id=t.id,
            direction=str(t.direction),
            direction_label=t.direction.label("ko"),
            dataset=t.dataset_name,
            resource=t.resource_name,
            version=t.version_number,
            official=t.official,
            case=t.case_no,
            format=t.format,
            username=t.username,
            job=f"/api/v1/jobs/{t.job_id}" if t.job_id else None,
            at=t.at,
        )


class TransferPage(BaseModel):
    items: list[TransferRead]
    total: int


_STATUS_PATTERN = "^(|" + "|".join(s.value for s in AgreementStatus) + ")$"


@router.get("", response_model=AgreementPage, summary="Agreements your organisations are party to")
def list_agreements(
    services: ServicesDep,
    actor: ActorDep,
    status: str = Query("", pattern=_STATUS_PATTERN, description="scheduled, active or ended"),
) -> AgreementPage:
    items = [AgreementRead.of(v) for v in services.agreements.list_views(actor, status=status or None)]
    return AgreementPage(items=items, total=len(items))


@router.post(
    "",
    response_model=AgreementRead,
    status_code=201,
    summary="Register an agreement (sysadmins, admins of the city department)",
    description="While it is active, the city's datasets in scope are granted to the partner organisation.",
)
def create_agreement(body: AgreementCreate, services: ServicesDep, actor: ActorDep) -> AgreementRead:
    created = services.agreements.create_agreement(actor, body.draft())
    return AgreementRead.of(services.agreements.view(actor, created.id))


@router.get("/{agreement_id}", response_model=AgreementRead, summary="One agreement with its datasets")
def get_agreement(agreement_id: int, services: ServicesDep, actor: ActorDep) -> AgreementRead:
    return AgreementRead.of(services.agreements.view(actor, agreement_id))


@router.patch(
    "/{agreement_id}",
    response_model=AgreementRead,
    summary="Change an agreement (the grants follow its datasets, purpose and period)",
)
def update_agreement(
    agreement_id: int, body: AgreementUpdate, services: ServicesDep, actor: ActorDep
) -> AgreementRead:
    services.agreements.update_agreement(actor, agreement_id, body.changes())
    return AgreementRead.of(services.agreements.view(actor, agreement_id))


@router.post(
    "/{agreement_id}/terminate",
    response_model=AgreementRead,
    summary="End an agreement early: what it allowed is revoked at once",
)
def terminate_agreement(
    agreement_id: int, body: AgreementTerminate, services: ServicesDep, actor: ActorDep
) -> AgreementRead:
    services.agreements.terminate(actor, agreement_id, body.reason)
    return AgreementRead.of(services.agreements.view(actor, agreement_id))


@router.get(
    "/{agreement_id}/transfers",
    response_model=TransferPage,
    summary="Transfers under an agreement: partners' pushes (in) and exports (out), newest first",
)
def list_transfers(agreement_id: int, services: ServicesDep, actor: ActorDep) -> TransferPage:
    items = [TransferRead.of(t) for t in services.agreements.list_transfers(actor, agreement_id)]
    return TransferPage(items=items, total=len(items))
