"""The audit view of a dataset (/datasets/{name}/audit), for the owning organisation's admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hubcity.errors import FieldError, InvalidInput
from hubcity.web.api.audit import AuditEntryRead, AuditPageRead
from hubcity.web.deps import ActorDep, ServicesDep
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

PAGE_SIZE = 50


def _when(value: str | None, name: str) -> datetime | None:
    """A date or time typed in the filter form; empty means no bound."""
    if not value or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"'{value}'은(는) 날짜가 아닙니다. 2026-11-01 모양으로 입력하세요.",
            f"'{value}' is not a date; write it as 2026-11-01.",
            [FieldError(name, "날짜가 아닙니다", "not a date")],
        ) from None


@router.get("/datasets/{name}/audit", name="dataset_audit")
def dataset_audit(
    request: Request,
    name: str,
    services: ServicesDep,
    actor: ActorDep,
    actor_name: str | None = Query(None, alias="actor", max_length=200),
    action: str | None = Query(None, max_length=200),
    since: str | None = Query(None, max_length=40),
    until: str | None = Query(None, max_length=40),
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    dataset = services.catalog.get_dataset(actor, name)
    result = services.audit.list_entries(
        actor,
        dataset=name,
        actor_name=actor_name or None,
        action=action or None,
        since=_when(since, "since"),
        until=_when(until, "until"),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    context: dict[str, Any] = {
        "dataset": dataset,
        "entries": result.items,
        "total": result.total,
        "page": page,
        "pages": pages,
        "filters": {
            "actor": actor_name or "",
            "action": action or "",
            "since": since or "",
            "until": until or "",
        },
    }
    data = AuditPageRead(
        items=[AuditEntryRead.of(e) for e in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )
    return render(request, "audit.html", context, actor=actor, data=data)
