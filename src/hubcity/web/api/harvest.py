"""/api/v1/harvest/sources: harvest sources (CRUD), runs and their change logs.

Sysadmins and admins of a source's target organisation manage it; for anyone else a
source does not exist (404). ``POST …/{name}/run`` queues a run on the job workers.
A source whose organisation is a partner institution names ``official`` and ``case_no``:
its files land only inside an agreement, each recorded as a transfer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from hubcity.domain.harvest import CHANGE_LABELS, HarvestChange, HarvestRun, HarvestSource, SourceKind
from hubcity.services.harvest import HarvestOrigin
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = [
    "HarvestChangeRead",
    "HarvestOriginRead",
    "HarvestRunRead",
    "HarvestSourceCreate",
    "HarvestSourceRead",
    "HarvestSourceUpdate",
    "router",
]

router = APIRouter(prefix="/harvest/sources", tags=["harvest"])


class HarvestSourceCreate(BaseModel):
    name: str = Field(
        description="Short slug (a-z, 0-9, '-'); harvested datasets are named '<name>--<upstream>'."
    )
    title: str = ""
    kind: SourceKind = Field(description="ckan (an Action API) or dcat (a DCAT catalogue document)")
    url: str = Field(description="CKAN: the portal's address; DCAT: the catalogue's URL (e.g. …/catalog.ttl)")
    org: str = Field(description="Slug of the local organisation that will own the harvested datasets")
    schedule_hours: int = Field(24, description="Hours between scheduled runs; 0 = only by hand")
    fetch_files: bool = Field(False, description="Also download the files and ingest them as versions")
    filter_org: str = Field("", description="CKAN: harvest only this upstream organisation")
    filter_q: str = Field("", description="CKAN: harvest only datasets matching this search")
    enabled: bool = True
    official: str = Field(
        "",
        description="The requesting official recorded on each transfer (required when org is a partner)",
    )
    case_no: str = Field(
        "",
        description="The case or document number each transfer serves (required when org is a partner)",
    )
    api_key: str = Field(
        "",
        description=(
            "CKAN: an API token of the upstream portal. With it, the datasets the token may read there "
            "are harvested too, and the private ones arrive restricted to org. Stored sealed; never shown."
        ),
    )


class HarvestSourceUpdate(BaseModel):
    title: str | None = None
    kind: SourceKind | None = None
    url: str | None = None
    org: str | None = None
    schedule_hours: int | None = None
    fetch_files: bool | None = None
    filter_org: str | None = None
    filter_q: str | None = None
    enabled: bool | None = None
    official: str | None = None
    case_no: str | None = None
    api_key: str | None = Field(None, description='A new upstream API key; "" removes the stored one')


class HarvestChangeRead(BaseModel):
    kind: str
    kind_label: str
    identifier: str
    title: str
    dataset: str | None
    diff: dict[str, list[Any]] = Field(description="Changed fields: {field: [before, after]}")
    message: str
    message_en: str

    @classmethod
    def of(cls, c: HarvestChange) -> HarvestChangeRead:
        return cls(
            kind=str(c.kind),
            kind_label=CHANGE_LABELS[c.kind][0],
            identifier=c.identifier,
            title=c.title,
            dataset=c.dataset_name,
            diff=c.diff,
            message=c.message,
            message_en=c.message_en,
        )


class HarvestRunRead(BaseModel):
    id: int
    state: str
    trigger: str
    counts: dict[str, int]
    message: str
    message_en: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    changes: list[HarvestChangeRead] | None = None

    @classmethod
    def of(cls, r: HarvestRun) -> HarvestRunRead:
        return cls(
            id=r.id,
            state=str(r.state),
            trigger=r.trigger,
            counts=r.counts,
            message=r.message,
            message_en=r.message_en,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            changes=[HarvestChangeRead.of(c) for c in r.changes] if r.changes is not None else None,
        )


class HarvestSourceRead(BaseModel):
    name: str
    title: str
    kind: str
    url: str
    org: str
    org_title: str
    schedule_hours: int
    fetch_files: bool
    filter_org: str
    filter_q: str
    enabled: bool
    official: str = Field(description="The requesting official recorded on each transfer from a partner")
    case_no: str = Field(description="The case or document number those transfers serve")
    has_api_key: bool = Field(False, description="An upstream API key is stored (it is never shown)")
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    last_run: HarvestRunRead | None

    @classmethod
    def of(cls, s: HarvestSource) -> HarvestSourceRead:
        return cls(
            name=s.name,
            title=s.title,
            kind=str(s.kind),
            url=s.url,
            org=s.org_slug,
            org_title=s.org_title,
            schedule_hours=s.schedule_hours,
            fetch_files=s.fetch_files,
            filter_org=s.filter_org,
            filter_q=s.filter_q,
            enabled=s.enabled,
            official=s.official,
            case_no=s.case_no,
            has_api_key=s.has_api_key,
            created_by=s.created_by,
            created_at=s.created_at,
            updated_at=s.updated_at,
            last_run=HarvestRunRead.of(s.last_run) if s.last_run else None,
        )


class HarvestOriginRead(BaseModel):
    """Where a harvested dataset came from."""

    source: str
    source_title: str
    kind: str
    upstream_url: str
    identifier: str
    deleted_upstream: bool
    harvested_at: datetime | None

    @classmethod
    def of(cls, o: HarvestOrigin) -> HarvestOriginRead:
        return cls(**o.__dict__)


@router.get("", response_model=list[HarvestSourceRead], summary="Harvest sources the caller manages")
def list_sources(services: ServicesDep, actor: ActorDep) -> list[HarvestSourceRead]:
    return [HarvestSourceRead.of(s) for s in services.harvest.list_sources(actor)]


@router.post("", response_model=HarvestSourceRead, status_code=201, summary="Add a harvest source")
def create_source(body: HarvestSourceCreate, services: ServicesDep, actor: ActorDep) -> HarvestSourceRead:
    return HarvestSourceRead.of(services.harvest.create_source(actor, body.model_dump(mode="json")))


@router.get("/{name}", response_model=HarvestSourceRead, summary="One harvest source")
def get_source(name: str, services: ServicesDep, actor: ActorDep) -> HarvestSourceRead:
    return HarvestSourceRead.of(services.harvest.get_source(actor, name))


@router.patch("/{name}", response_model=HarvestSourceRead, summary="Change a harvest source")
def update_source(
    name: str, body: HarvestSourceUpdate, services: ServicesDep, actor: ActorDep
) -> HarvestSourceRead:
    changes = body.model_dump(mode="json", exclude_unset=True)
    return HarvestSourceRead.of(services.harvest.update_source(actor, name, changes))


@router.delete("/{name}", status_code=204, summary="Remove a harvest source (its datasets stay)")
def delete_source(name: str, services: ServicesDep, actor: ActorDep) -> Response:
    services.harvest.delete_source(actor, name)
    return Response(status_code=204)


@router.post("/{name}/run", response_model=HarvestRunRead, status_code=202, summary="Run a harvest now")
def run_source(
    name: str,
    services: ServicesDep,
    actor: ActorDep,
    restore: Annotated[
        bool, Query(description="Also harvest again the datasets deleted here (skipped otherwise).")
    ] = False,
) -> HarvestRunRead:
    return HarvestRunRead.of(services.harvest.run_source(actor, name, restore=restore))


@router.get("/{name}/runs", response_model=list[HarvestRunRead], summary="Recent runs, newest first")
def list_runs(
    name: str,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(20, ge=1, le=200),
    changes: bool = Query(True, description="Include each run's change log"),
) -> list[HarvestRunRead]:
    return [HarvestRunRead.of(r) for r in services.harvest.list_runs(actor, name, limit, changes=changes)]


@router.get("/{name}/runs/{run_id}", response_model=HarvestRunRead, summary="One run with its change log")
def get_run(name: str, run_id: int, services: ServicesDep, actor: ActorDep) -> HarvestRunRead:
    return HarvestRunRead.of(services.harvest.get_run(actor, name, run_id))
