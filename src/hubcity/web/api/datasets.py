"""/api/v1/datasets: the catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from hubcity.ports import DatasetFilter
from hubcity.web.api.harvest import HarvestOriginRead
from hubcity.web.api.schemas import DatasetCreate, DatasetPage, DatasetRead, DatasetUpdate
from hubcity.web.deps import ActorDep, ServicesDep

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.get("", response_model=DatasetPage, summary="List and filter datasets")
def list_datasets(
    services: ServicesDep,
    actor: ActorDep,
    q: str | None = None,
    org: str | None = None,
    theme: str | None = None,
    licence: str | None = None,
    format: str | None = None,
    visibility: str | None = None,
    sort: str = Query("", pattern="^(|relevance|updated|created|popular|title)$"),
    limit: int = Query(20, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    facets: bool = False,
) -> DatasetPage:
    page = services.catalog.list_datasets(
        actor,
        DatasetFilter(
            q=q,
            org=org,
            theme=theme,
            licence=licence,
            format=format,
            visibility=visibility,
            sort=sort,
            limit=limit,
            offset=offset,
        ),
        facets=facets,
    )
    return DatasetPage(
        items=[DatasetRead.of(d) for d in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        facets=page.facets,
    )


@router.post("", response_model=DatasetRead, status_code=201, summary="Create a dataset")
def create_dataset(body: DatasetCreate, services: ServicesDep, actor: ActorDep) -> DatasetRead:
    dataset = services.catalog.create_dataset(actor, body.model_dump(exclude_unset=True))
    return DatasetRead.of(dataset, [])


@router.get("/{name}", response_model=DatasetRead, summary="One dataset with its resources")
def get_dataset(name: str, services: ServicesDep, actor: ActorDep) -> DatasetRead:
    dataset, resources = services.resources.list_resources(actor, name, channel="api")
    read = DatasetRead.of(dataset, resources)
    origin = services.harvest.origin(dataset)
    if origin is not None:
        read.harvest = HarvestOriginRead.of(origin).model_dump(mode="json")
    return read


@router.patch("/{name}", response_model=DatasetRead, summary="Change a dataset's metadata")
def update_dataset(name: str, body: DatasetUpdate, services: ServicesDep, actor: ActorDep) -> DatasetRead:
    services.catalog.update_dataset(actor, name, body.model_dump(exclude_unset=True))
    dataset, resources = services.resources.list_resources(actor, name)
    return DatasetRead.of(dataset, resources)


@router.delete("/{name}", status_code=204, summary="Delete a dataset")
def delete_dataset(name: str, services: ServicesDep, actor: ActorDep) -> Response:
    services.catalog.delete_dataset(actor, name)
    return Response(status_code=204)
