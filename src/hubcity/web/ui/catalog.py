"""Catalogue pages: home, the dataset list, a dataset, and the new-dataset form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from hubcity.domain.accounts import Actor
from hubcity.domain.datasets import LICENCES, THEMES, UPDATE_CYCLES, Version, Visibility, can_edit
from hubcity.domain.places import GUS
from hubcity.errors import AlreadyExists, InvalidInput, PermissionDenied
from hubcity.ports import DatasetFilter
from hubcity.web import exchange
from hubcity.web.api.harvest import HarvestOriginRead
from hubcity.web.api.schemas import DatasetPage, DatasetRead, OrgRead, ResourceRead, RowsRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.highlight import dataset_marks
from hubcity.web.ui.i18n import FIELD_HINTS
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

PAGE_SIZE = 20
DOWNLOAD_FORMATS = ("csv", "csv-cp949", "xlsx", "parquet", "json", "source")
SORTS = ("relevance", "updated", "created", "popular", "title")
# empty form values that mean "not set"
_OPTIONAL = {"theme", "licence", "update_cycle", "temporal_start", "temporal_end"}
_FORM_FIELDS = (
    "name", "title", "title_en", "owner_org", "visibility", "theme", "licence", "keywords", "description",
    "update_cycle", "contact_name", "contact_email", "contact_phone", "temporal_start", "temporal_end",
    "spatial_coverage",
)  # fmt: skip


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={target}", status_code=303)


@router.get("/", name="home")
def home(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    recent = services.catalog.list_datasets(actor, DatasetFilter(sort="updated", limit=6))
    popular = services.catalog.list_datasets(actor, DatasetFilter(sort="popular", limit=6))
    counts = services.catalog.count_by_org(actor)
    orgs = [o for o in services.accounts.list_orgs() if counts.get(o.id)]
    orgs.sort(key=lambda o: (-counts.get(o.id, 0), o.title))
    data = {
        "total": recent.total,
        "recent": [DatasetRead.of(d) for d in recent.items],
        "popular": [DatasetRead.of(d) for d in popular.items],
        "orgs": [OrgRead.of(o, counts.get(o.id, 0)) for o in orgs],
    }
    context = {
        "total": recent.total,
        "recent": recent.items,
        "popular": popular.items,
        "orgs": orgs[:12],
        "counts": counts,
    }
    return render(request, "home.html", context, actor=actor, data=data)


@router.get("/datasets", name="datasets")
def dataset_list(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    q: str | None = None,
    org: str | None = None,
    theme: str | None = None,
    licence: str | None = None,
    res_format: str | None = None,
    update_cycle: str | None = None,
    district: str | None = None,
    sort: str = "",
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    sort = sort if sort in SORTS else ""
    flt = DatasetFilter(
        q=(q or "").strip() or None,
        org=org or None,
        theme=theme or None,
        licence=licence or None,
        format=res_format or None,
        update_cycle=update_cycle or None,
        district=district or None,
        sort=sort,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    result = services.catalog.list_datasets(actor, flt, facets=True)
    org_titles = {o.slug: (o.title, o.title_en or o.title) for o in services.accounts.list_orgs()}
    pages = max(1, -(-result.total // PAGE_SIZE))
    marks = {
        d.id: {k: Markup(v) for k, v in dataset_marks(d, result.matched[d.id], limit=140).items()}
        for d in result.items
        if result.matched.get(d.id)
    }
    data = DatasetPage(
        items=[DatasetRead.of(d) for d in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
        facets=result.facets,
        suggestion=result.suggestion,
    )
    context = {
        "result": result,
        "flt": flt,
        "q": flt.q or "",
        "sort": sort or ("relevance" if flt.q else "updated"),
        "sorts": SORTS if flt.q else SORTS[1:],
        "marks": marks,
        "page": page,
        "pages": pages,
        "org_titles": org_titles,
        "district_titles": {gu.name: (gu.name, gu.name_en) for gu in GUS},
        "suggestion": result.suggestion,
        "active": {
            k: v
            for k, v in {
                "org": org,
                "theme": theme,
                "licence": licence,
                "res_format": res_format,
                "update_cycle": update_cycle,
                "district": district,
            }.items()
            if v
        },
    }
    return render(request, "datasets.html", context, actor=actor, data=data)


def _new_form_context(
    services: Any,
    actor: Actor,
    values: dict[str, str],
    errors: dict[str, tuple[str, str]],
    general: list[Any],
) -> dict[str, Any]:
    orgs = [o for o in services.accounts.list_orgs() if actor.can_edit_in(o.id)]
    return {
        "orgs": orgs,
        "values": values,
        "errors": errors,
        "general": general,
        "themes": THEMES,
        "licences": LICENCES,
        "cycles": UPDATE_CYCLES,
        "visibilities": [str(v) for v in Visibility],
    }


def _new_form_data(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "orgs": [OrgRead.of(o) for o in context["orgs"]],
        "themes": {k: list(v) for k, v in THEMES.items()},
        "licences": {k: list(v) for k, v in LICENCES.items()},
        "update_cycles": {k: list(v) for k, v in UPDATE_CYCLES.items()},
        "visibilities": context["visibilities"],
        "errors": [
            {"field": f, "message": ko, "message_en": en} for f, (ko, en) in context["errors"].items()
        ],
        "create_url": "/api/v1/datasets",
    }


@router.get("/datasets/new", name="dataset_new")
def dataset_new(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    if not actor.authenticated:
        return _login_redirect(request)
    values = {"visibility": "public", "licence": "kogl-1"}
    context = _new_form_context(services, actor, values, {}, [])
    return render(request, "dataset_new.html", context, actor=actor, data=_new_form_data(context))


@router.post("/datasets/new")
def dataset_create(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    title_en: Annotated[str, Form()] = "",
    owner_org: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "public",
    theme: Annotated[str, Form()] = "",
    licence: Annotated[str, Form()] = "",
    keywords: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    update_cycle: Annotated[str, Form()] = "",
    contact_name: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
    contact_phone: Annotated[str, Form()] = "",
    temporal_start: Annotated[str, Form()] = "",
    temporal_end: Annotated[str, Form()] = "",
    spatial_coverage: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if not actor.authenticated:
        return _login_redirect(request)
    values = {
        "name": name, "title": title, "title_en": title_en, "owner_org": owner_org, "visibility": visibility,
        "theme": theme, "licence": licence, "keywords": keywords, "description": description,
        "update_cycle": update_cycle, "contact_name": contact_name, "contact_email": contact_email,
        "contact_phone": contact_phone, "temporal_start": temporal_start, "temporal_end": temporal_end,
        "spatial_coverage": spatial_coverage,
    }  # fmt: skip
    payload: dict[str, Any] = {k: (v.strip() or None) if k in _OPTIONAL else v for k, v in values.items()}
    errors: dict[str, tuple[str, str]] = {}
    general: list[tuple[str, str]] = []
    try:
        dataset = services.catalog.create_dataset(actor, payload)
    except InvalidInput as exc:
        for err in exc.errors:
            field = err.field.split(".", 1)[0]
            if field not in _FORM_FIELDS:
                general.append((err.message, err.message_en))
                continue
            hint = FIELD_HINTS.get(field)
            # the validator's message is English in both slots: put the Korean hint first
            ko = hint[0] if hint and err.message == err.message_en else err.message
            errors[field] = (ko, err.message_en)
        if not exc.errors:
            general.append((exc.message, exc.message_en))
    except (AlreadyExists, PermissionDenied) as exc:
        target = "name" if isinstance(exc, AlreadyExists) else "owner_org"
        errors[target] = (exc.message, exc.message_en)
    else:
        return RedirectResponse(f"/datasets/{dataset.name}", status_code=303)
    context = _new_form_context(services, actor, values, errors, general)
    return render(request, "dataset_new.html", context, actor=actor, data=_new_form_data(context), status=422)


def _downloads(name: str, resource: str, version: Version) -> list[tuple[str, str]]:
    base = f"/api/v1/datasets/{name}/resources/{resource}/download"
    formats = DOWNLOAD_FORMATS if version.is_table else ("source",)
    return [(fmt, f"{base}?format={fmt}&version={version.number}") for fmt in formats]


@router.get("/datasets/{name}", name="dataset")
def dataset_page(
    request: Request,
    name: str,
    services: ServicesDep,
    actor: ActorDep,
    resource: str | None = None,
    version: int | None = Query(None, ge=1),
) -> Response:
    dataset, resources = services.resources.list_resources(actor, name)
    chosen = resource or (resources[0].name if resources else None)
    context: dict[str, Any] = {
        "dataset": dataset,
        "resources": resources,
        "editable": can_edit(actor, dataset),
        "resource": None,
        "versions": [],
        "shown": None,
        "preview": None,
        "downloads": {},
        "exchange": exchange.page_exchange(request, services, dataset, resources),  # schema.org, formats
        "harvest": services.harvest.origin(dataset),  # where a harvested dataset came from
    }
    data: dict[str, Any] = {"dataset": DatasetRead.of(dataset, resources), "resource": None, "preview": None}
    if context["harvest"] is not None:
        data["dataset"].harvest = HarvestOriginRead.of(context["harvest"]).model_dump(mode="json")
    if chosen is not None:
        _, res, versions = services.resources.get_resource(actor, name, chosen)
        shown = res.current
        if version is not None:
            shown = next((v for v in versions if v.number == version), None)
            if shown is None:
                _, _, shown = services.resources.get_version(actor, name, chosen, version)
        preview = None
        if shown is not None and shown.is_table:
            preview = services.resources.read_rows(
                actor, name, chosen, limit=services.settings.ingest.preview_rows, version=shown.number
            )
        context.update(
            resource=res,
            versions=versions,
            shown=shown,
            preview=preview,
            downloads={v.number: _downloads(name, res.name, v) for v in versions},
        )
        data["resource"] = ResourceRead.of(dataset, res, versions)
        data["version"] = shown.number if shown else None
        data["preview"] = RowsRead(**preview.__dict__) if preview else None
    services.catalog.record_view(dataset)
    return render(request, "dataset.html", context, actor=actor, data=data)
