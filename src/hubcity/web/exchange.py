"""Open standards for exchange: DCAT-AP 3 catalogue, Frictionless data packages, schema.org markup.

- ``/catalog.ttl``, ``/catalog.rdf``, ``/catalog.jsonld`` — the catalogue, paged (``?page=``,
  ``?page_size=``) with Hydra ``PagedCollection`` links; ``/catalog`` redirects by ``Accept``.
- ``/datasets/{name}.ttl|.rdf|.jsonld`` — one dataset.
- ``/datasets/{name}/datapackage.json`` and ``/api/v1/datasets/{name}/datapackage`` — the
  Frictionless data package.

What a caller may see comes from the services (anonymous callers get public datasets only);
this module gathers it and hands it to ``hubcity.adapters.exchange`` to translate. This router
is included before the UI's, whose ``/datasets/{name}`` would otherwise take ``/datasets/x.ttl``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from hubcity.adapters.exchange import (
    RDF_FORMATS,
    CatalogueInfo,
    DatasetEntry,
    Links,
    PageInfo,
    catalogue_graph,
    data_package,
    dataset_graph,
    dataset_markup,
    script_json,
    serialize,
)
from hubcity.bootstrap import Services
from hubcity.domain.accounts import Actor, Org
from hubcity.domain.datasets import Dataset, Resource
from hubcity.errors import NotFound
from hubcity.ports import DatasetFilter
from hubcity.web.deps import ActorDep, ServicesDep
from hubcity.web.ui.i18n import t

__all__ = ["CATALOGUE_PAGE_SIZE", "page_exchange", "router"]

router = APIRouter(tags=["open data standards"])

CATALOGUE_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# what a response depends on besides its URL: who asks
_VARY = {"Vary": "Authorization, Cookie"}
_LABELS = {"ttl": "Turtle", "rdf": "RDF/XML", "jsonld": "JSON-LD"}


def _links(request: Request) -> Links:
    return Links.of(str(request.base_url))


def _orgs(services: Services) -> dict[int, Org]:
    return {o.id: o for o in services.accounts.list_orgs()}


def _catalogue_info(orgs: dict[int, Org], modified: datetime | None) -> CatalogueInfo:
    # the city: the root organisation of the city's own kinds (a partner is a root too)
    roots = sorted(
        (o for o in orgs.values() if o.parent_id is None and o.kind.is_city_staff), key=lambda o: o.id
    )
    return CatalogueInfo(
        title=t("site.name", "ko"),
        title_en=t("site.name", "en"),
        description=t("site.tagline", "ko"),
        description_en=t("site.tagline", "en"),
        publisher=roots[0] if roots else None,
        modified=modified,
    )


def _dataset_entry(services: Services, actor: Actor, name: str) -> DatasetEntry:
    dataset, resources = services.resources.list_resources(actor, name)
    return DatasetEntry(dataset, resources, _orgs(services).get(dataset.owner_org_id))


def _rdf_response(body: bytes, ext: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body, media_type=RDF_FORMATS[ext][1], headers={**_VARY, **(headers or {})})


def _catalogue_endpoint(ext: str) -> Callable[..., Response]:
    def endpoint(
        request: Request,
        services: ServicesDep,
        actor: ActorDep,
        page: int = Query(1, ge=1, le=1_000_000, description="1-based page number"),
        page_size: int = Query(CATALOGUE_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="datasets per page"),
    ) -> Response:
        listing = services.catalog.list_datasets(
            actor, DatasetFilter(sort="created", limit=page_size, offset=(page - 1) * page_size)
        )
        paging = PageInfo(number=page, size=page_size, total=listing.total)
        if page > paging.last:
            raise NotFound(
                f"{page}쪽이 없습니다. 마지막 쪽은 {paging.last}쪽입니다.",
                f"There is no page {page}; the last page is {paging.last}.",
            )
        orgs = _orgs(services)
        resources = services.resources.resources_of(actor, listing.items)
        entries = [DatasetEntry(d, resources.get(d.id, []), orgs.get(d.owner_org_id)) for d in listing.items]
        latest = services.catalog.list_datasets(actor, DatasetFilter(sort="updated", limit=1)).items
        links = _links(request)
        info = _catalogue_info(orgs, latest[0].updated_at if latest else None)
        graph = catalogue_graph(info, entries, links, paging, ext)
        rels = [(1, "first"), (paging.last, "last")]
        if page > 1:
            rels.append((page - 1, "prev"))
        if page < paging.last:
            rels.append((page + 1, "next"))
        link_header = ", ".join(f'<{links.catalogue_doc(ext, n, page_size)}>; rel="{rel}"' for n, rel in rels)
        return _rdf_response(serialize(graph, ext), ext, {"Link": link_header})

    endpoint.__name__ = f"catalogue_{ext}"
    return endpoint


def _dataset_endpoint(ext: str) -> Callable[..., Response]:
    def endpoint(name: str, request: Request, services: ServicesDep, actor: ActorDep) -> Response:
        entry = _dataset_entry(services, actor, name)
        return _rdf_response(serialize(dataset_graph(entry, _links(request)), ext), ext)

    endpoint.__name__ = f"dataset_{ext}"
    return endpoint


for _ext, (_, _media) in RDF_FORMATS.items():
    router.add_api_route(
        f"/catalog.{_ext}",
        _catalogue_endpoint(_ext),
        methods=["GET"],
        summary=f"The catalogue as DCAT-AP 3 ({_LABELS[_ext]}), paged",
        response_class=Response,
        responses={200: {"content": {_media.split(";")[0]: {}}}},
    )
    router.add_api_route(
        f"/datasets/{{name}}.{_ext}",
        _dataset_endpoint(_ext),
        methods=["GET"],
        summary=f"A dataset as DCAT-AP 3 ({_LABELS[_ext]})",
        response_class=Response,
        responses={200: {"content": {_media.split(";")[0]: {}}}},
    )

_ACCEPT = {"text/turtle": "ttl", "application/rdf+xml": "rdf", "application/ld+json": "jsonld"}


@router.get("/catalog", summary="The catalogue: redirects to the format the Accept header asks for")
def catalogue(request: Request) -> RedirectResponse:
    accept = request.headers.get("accept", "")
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ext = _ACCEPT.get(media.strip().lower())
        if ext and q > 0 and (best is None or q > best[0]):
            best = (q, ext)
    target = f"/catalog.{best[1]}" if best else "/datasets"
    query = f"?{request.url.query}" if request.url.query and best else ""
    return RedirectResponse(target + query, status_code=303, headers={"Vary": "Accept"})


def _package(request: Request, services: Services, actor: Actor, name: str) -> JSONResponse:
    package = data_package(_dataset_entry(services, actor, name), _links(request))
    return JSONResponse(package, headers=_VARY)


@router.get(
    "/datasets/{name}/datapackage.json",
    summary="A dataset as a Frictionless data package",
    response_class=JSONResponse,
)
def datapackage_json(name: str, request: Request, services: ServicesDep, actor: ActorDep) -> JSONResponse:
    return _package(request, services, actor, name)


@router.get(
    "/api/v1/datasets/{name}/datapackage",
    summary="A dataset as a Frictionless data package",
    response_class=JSONResponse,
)
def datapackage_api(name: str, request: Request, services: ServicesDep, actor: ActorDep) -> JSONResponse:
    return _package(request, services, actor, name)


def page_exchange(
    request: Request, services: Services, dataset: Dataset, resources: list[Resource]
) -> dict[str, Any]:
    """For the dataset page: its schema.org JSON-LD and links to the open formats."""
    links = _links(request)
    entry = DatasetEntry(dataset, resources, _orgs(services).get(dataset.owner_org_id))
    markup = dataset_markup(entry, links, catalogue_name=t("site.name", "ko"))
    formats = [
        (_LABELS[ext], links.dataset_doc(dataset.name, ext), RDF_FORMATS[ext][1].split(";")[0])
        for ext in ("ttl", "jsonld", "rdf")
    ]
    formats.append(("Frictionless datapackage.json", links.datapackage(dataset.name), "application/json"))
    return {"jsonld": Markup(script_json(markup)), "formats": formats}
