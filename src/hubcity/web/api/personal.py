"""/api/v1: personal-data findings on columns — owners confirm or dismiss them, and re-run the scan."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hubcity.web.deps import ActorDep, ServicesDep

__all__ = ["PersonalDecision", "PersonalRead", "RescanRead", "router"]

router = APIRouter(prefix="/datasets/{name}", tags=["personal data"])


class PersonalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["confirmed", "dismissed"] = Field(description="The owner's decision on the finding.")
    kind: str | None = Field(
        None,
        description="Kind of personal data (rrn, foreigner_rn, business_no, corporate_no, phone, card, "
        "email, passport, driver_licence, address, name): to mark a column the detector missed, or to "
        "correct it.",
    )


class PersonalRead(BaseModel):
    """A column's personal-data finding, as ``personal`` on each column of GET …/resources/{resource}."""

    model_config = ConfigDict(extra="allow")
    kind: str
    confidence: float
    explanation: str
    explanation_en: str
    status: str = Field(description="suspected, confirmed or dismissed")
    rules: str = Field(description="Version of the detection rules that made the finding.")
    counts: dict[str, int] = {}
    unique_identifier: bool = False
    decided_by: str | None = None
    decided_at: str | None = None


class RescanRead(BaseModel):
    versions: int
    columns: int
    findings: int
    changed: list[str]


@router.post(
    "/resources/{resource}/columns/{column:path}/personal",
    response_model=PersonalRead,
    summary="Confirm or dismiss a column's personal-data finding",
    description="Editors of the owning organisation only. The decision applies to the current version and "
    "carries over to later versions that keep the column.",
)
def decide(
    name: str, resource: str, column: str, body: PersonalDecision, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    return services.personal.decide(actor, name, resource, column, body.status, kind=body.kind)


@router.post(
    "/personal/rescan",
    response_model=RescanRead,
    summary="Run the personal-data rules again over the dataset's current versions",
)
def rescan(name: str, services: ServicesDep, actor: ActorDep, all_versions: bool = False) -> RescanRead:
    report = services.personal.rescan(actor, name, all_versions=all_versions)
    return RescanRead(
        versions=report.versions, columns=report.columns, findings=report.findings, changed=report.changed
    )
