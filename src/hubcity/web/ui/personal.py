"""The dataset page's personal-data buttons: owners confirm or dismiss a column's finding."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.web.deps import ActorDep, ServicesDep, check_csrf

__all__ = ["router"]

router = APIRouter()


@router.post("/datasets/{name}/resources/{resource}/columns/{column:path}/personal")
def decide(
    request: Request,
    name: str,
    resource: str,
    column: str,
    services: ServicesDep,
    actor: ActorDep,
    status: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    services.personal.decide(actor, name, resource, column, status)
    target = f"/datasets/{quote(name)}?resource={quote(resource)}#profile-h"
    return RedirectResponse(target, status_code=303)
