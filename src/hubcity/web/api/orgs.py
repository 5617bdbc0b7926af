"""/api/v1/orgs: organisations."""

from __future__ import annotations

from fastapi import APIRouter

from hubcity.web.api.schemas import OrgCreate, OrgRead
from hubcity.web.deps import ActorDep, ServicesDep

router = APIRouter(prefix="/orgs", tags=["orgs"])


@router.get("", response_model=list[OrgRead], summary="All organisations")
def list_orgs(services: ServicesDep, actor: ActorDep) -> list[OrgRead]:
    counts = services.catalog.count_by_org(actor)
    return [OrgRead.of(o, counts.get(o.id, 0)) for o in services.accounts.list_orgs()]


@router.post("", response_model=OrgRead, status_code=201, summary="Create an organisation (sysadmins)")
def create_org(body: OrgCreate, services: ServicesDep, actor: ActorDep) -> OrgRead:
    return OrgRead.of(services.accounts.create_org(actor, **body.model_dump()))


@router.get("/{slug}", response_model=OrgRead, summary="One organisation")
def get_org(slug: str, services: ServicesDep, actor: ActorDep) -> OrgRead:
    org = services.accounts.get_org(slug)
    return OrgRead.of(org, services.catalog.count_by_org(actor).get(org.id, 0))
