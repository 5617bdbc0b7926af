"""/api/v1/audit: the tamper-evident audit log — query, export for regulators, verify the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from hubcity.domain.audit import AuditEntry, ChainCheck
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = ["AuditEntryRead", "AuditPageRead", "AuditVerifyRead", "router"]

router = APIRouter(prefix="/audit", tags=["audit"])

_DATASET = Query(None, max_length=200, description="Only entries about this dataset (its name).")
_ACTOR = Query(None, max_length=200, description="Only entries by this user (username).")
_ACTION = Query(None, max_length=200, description="Only this action, e.g. rows.read, export, dataset.update.")
_SINCE = Query(None, description="Entries at or after this time (ISO 8601; UTC when no offset is given).")
_UNTIL = Query(None, description="Entries before this time (ISO 8601).")


class AuditEntryRead(BaseModel):
    seq: int
    at: datetime
    action: str
    actor_id: int | None
    actor_name: str | None
    object_kind: str
    object_id: str
    dataset_id: int | None
    columns: list[str]
    rows: int | None = Field(None, description="Rows returned or exported, when the entry is a read.")
    purpose: str
    grant_id: int | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryRead:
        return cls(**{**entry.fields(), "columns": list(entry.columns)})


class AuditPageRead(BaseModel):
    items: list[AuditEntryRead]
    total: int
    limit: int
    offset: int


class AuditVerifyRead(BaseModel):
    ok: bool
    checked: int = Field(description="Entries that verified, from the first one on.")
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = Field(None, description="hash_mismatch, broken_link or missing_seq")
    message: str | None = None
    message_en: str | None = None

    @classmethod
    def of(cls, check: ChainCheck) -> AuditVerifyRead:
        out = cls(ok=check.ok, checked=check.checked, head_seq=check.head_seq, head_hash=check.head_hash)
        if check.broken is not None:
            ko, en = check.broken.message()
            out = out.model_copy(
                update={
                    "broken_seq": check.broken.seq,
                    "reason": check.broken.reason,
                    "message": ko,
                    "message_en": en,
                }
            )
        return out


@router.get(
    "",
    response_model=AuditPageRead,
    summary="Audit entries, newest first",
    description=(
        "Sysadmins see every entry; an organisation's admins see the entries about the datasets "
        "their organisation owns. Everyone else is refused."
    ),
)
def list_audit(
    services: ServicesDep,
    actor: ActorDep,
    dataset: str | None = _DATASET,
    actor_name: str | None = Query(None, alias="actor", max_length=200, description=_ACTOR.description),
    action: str | None = _ACTION,
    since: datetime | None = _SINCE,
    until: datetime | None = _UNTIL,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> AuditPageRead:
    page = services.audit.list_entries(
        actor,
        dataset=dataset,
        actor_name=actor_name,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    items = [AuditEntryRead.of(e) for e in page.items]
    return AuditPageRead(items=items, total=page.total, limit=page.limit, offset=page.offset)


@router.get(
    "/export",
    summary="Export audit entries as CSV or JSON Lines (for regulators)",
    description=(
        "The matching entries in chain order, with their hashes, streamed. The export itself is "
        "recorded in the log. Same rights and filters as GET /api/v1/audit."
    ),
    response_class=StreamingResponse,
)
def export_audit(
    services: ServicesDep,
    actor: ActorDep,
    format: Literal["csv", "jsonl"] = "jsonl",
    dataset: str | None = _DATASET,
    actor_name: str | None = Query(None, alias="actor", max_length=200, description=_ACTOR.description),
    action: str | None = _ACTION,
    since: datetime | None = _SINCE,
    until: datetime | None = _UNTIL,
) -> StreamingResponse:
    lines = services.audit.export(
        actor, format, dataset=dataset, actor_name=actor_name, action=action, since=since, until=until
    )
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    return StreamingResponse(
        lines, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit.{format}"'}
    )


@router.get("/verify", response_model=AuditVerifyRead, summary="Verify the whole hash chain (sysadmins)")
def verify_audit(services: ServicesDep, actor: ActorDep) -> AuditVerifyRead:
    return AuditVerifyRead.of(services.audit.verify_as(actor))
