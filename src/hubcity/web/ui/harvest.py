"""/harvest: the harvest sources a sysadmin or organisation admin manages — add, change, remove
and run one now — and the change logs of their runs.

``/harvest`` lists the sources with their last run; ``/harvest?source=<name>`` adds that
source's recent runs and, for the chosen run (``&run=<id>``, default the newest), its
change log. ``/harvest/new`` and ``/harvest/{name}/edit`` are the source form,
``POST /harvest/{name}/delete`` removes a source and ``POST /harvest/{name}/run`` queues a run.
The service decides who sees what: anyone else gets an empty list, 403 on the form and 404s.
Each page has its JSON twin (``?format=json``) in the shapes of ``/api/v1/harvest/sources``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.domain.accounts import Actor, OrgKind
from hubcity.domain.harvest import CHANGE_LABELS, HarvestSource, SourceKind
from hubcity.errors import AlreadyExists, AuthenticationFailed, InvalidInput, PermissionDenied
from hubcity.web.api.harvest import HarvestRunRead, HarvestSourceRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.i18n import HARVEST_FIELD_HINTS
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

Errors = dict[str, tuple[str, str]]
_TEXT_FIELDS = ("name", "title", "kind", "url", "org", "schedule_hours", "filter_org", "filter_q")
_CHECKS = ("fetch_files", "enabled")
_DETAILS = ("official", "case_no")
_FIELDS = (*_TEXT_FIELDS, *_CHECKS, *_DETAILS)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _signed_in(actor: Actor) -> None:
    if not actor.authenticated:
        raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")


@router.get("/harvest", name="harvest")
def harvest_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    source: str = "",
    run: int | None = Query(None, ge=1),
    deleted: str = "",
) -> Response:
    _signed_in(actor)
    sources = services.harvest.list_sources(actor)
    chosen = services.harvest.get_source(actor, source) if source else None
    runs = services.harvest.list_runs(actor, chosen.name, 20) if chosen else []
    shown = None
    if chosen is not None and (run is not None or runs):
        shown = services.harvest.get_run(actor, chosen.name, run if run is not None else runs[0].id)
    context = {
        "sources": sources,
        "chosen": chosen,
        "runs": runs,
        "shown": shown,
        "change_labels": {str(k): v for k, v in CHANGE_LABELS.items()},
        "may_add": bool(services.harvest.orgs_managed(actor)),
        "deleted": deleted if _SLUG.match(deleted) else "",
    }
    data = {
        "sources": [HarvestSourceRead.of(s) for s in sources],
        "source": HarvestSourceRead.of(chosen) if chosen else None,
        "runs": [HarvestRunRead.of(r) for r in runs],
        "run": HarvestRunRead.of(shown) if shown else None,
    }
    return render(request, "harvest.html", context, actor=actor, data=data)


@router.post("/harvest/{name}/run", name="harvest_run")
def harvest_run(
    request: Request, name: str, services: ServicesDep, actor: ActorDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    queued = services.harvest.run_source(actor, name)
    return RedirectResponse(f"/harvest?source={name}&run={queued.id}", status_code=303)


# -- the source form ------------------------------------------------------------------------------


def _values(source: HarvestSource | None = None) -> dict[str, str]:
    """The form's values as the inputs hold them (checkboxes: "on" or "")."""
    if source is None:
        return {"kind": "ckan", "schedule_hours": "24", "enabled": "on"}
    return {
        "name": source.name,
        "title": source.title,
        "kind": str(source.kind),
        "url": source.url,
        "org": source.org_slug,
        "schedule_hours": str(source.schedule_hours),
        "fetch_files": "on" if source.fetch_files else "",
        "filter_org": source.filter_org,
        "filter_q": source.filter_q,
        "enabled": "on" if source.enabled else "",
        "official": source.official,
        "case_no": source.case_no,
    }


async def _posted(request: Request) -> tuple[str, dict[str, str], str | None]:
    """(CSRF token, the fields to show again, the API key change: None keeps the stored key, "" removes
    it). The key is kept out of the values: a page never carries it back."""
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in _FIELDS}
    for k in _CHECKS:
        values[k] = "on" if values[k] else ""
    key = str(form.get("api_key") or "").strip()
    return str(form.get("csrf") or ""), values, key or ("" if form.get("clear_api_key") else None)


def _payload(values: dict[str, str]) -> dict[str, Any]:
    """The service's input: the text as typed (the service validates), the checkboxes as booleans."""
    data: dict[str, Any] = {k: values.get(k, "") for k in (*_TEXT_FIELDS, *_DETAILS)}
    data.update({k: values.get(k) == "on" for k in _CHECKS})
    return data


def _field_errors(exc: InvalidInput) -> tuple[Errors, list[tuple[str, str]]]:
    errors: Errors = {}
    general: list[tuple[str, str]] = []
    for err in exc.errors:
        key = err.field.split(".", 1)[0]
        if key not in (*_FIELDS, "api_key") or key in errors:
            general.append((err.message, err.message_en))
            continue
        hint = HARVEST_FIELD_HINTS.get(key)
        # the validator's message is English in both slots: the Korean hint goes first
        errors[key] = (hint[0] if hint and err.message == err.message_en else err.message, err.message_en)
    if not exc.errors:
        general.append((exc.message, exc.message_en))
    return errors, general


def _form_page(
    request: Request,
    services: Any,
    actor: Actor,
    values: dict[str, str],
    *,
    source: str | None = None,
    errors: Errors | None = None,
    general: list[tuple[str, str]] | None = None,
    status: int = 200,
    has_api_key: bool = False,
) -> Response:
    orgs = services.harvest.orgs_managed(actor)
    errors = errors or {}
    context = {
        "values": values,
        "errors": errors,
        "general": general or [],
        "orgs": orgs,
        "partners": [o.slug for o in orgs if o.kind is OrgKind.PARTNER],
        "kinds": [str(k) for k in SourceKind],
        "source": source,
        "action": f"/harvest/{source}/edit" if source else "/harvest/new",
        "has_api_key": has_api_key,
    }
    data = {
        "api": f"/api/v1/harvest/sources/{source}" if source else "/api/v1/harvest/sources",
        "method": "PATCH" if source else "POST",
        "fields": list(_FIELDS),
        "orgs": [o.slug for o in orgs],
        "values": values,
        "errors": [{"field": f, "message": ko, "message_en": en} for f, (ko, en) in errors.items()],
    }
    return render(request, "harvest_form.html", context, actor=actor, data=data, status=status)


def _refused(services: Any, actor: Actor, exc: PermissionDenied) -> Errors:
    """A refusal shown beside the organisation; for someone who manages none, the 403 page."""
    if not services.harvest.orgs_managed(actor):
        raise exc
    return {"org": (exc.message, exc.message_en)}


@router.get("/harvest/new", name="harvest_new")
def harvest_new(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    _signed_in(actor)
    services.harvest.require_manager(actor)
    return _form_page(request, services, actor, _values())


@router.post("/harvest/new")
async def harvest_create(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    csrf, values, key = await _posted(request)
    check_csrf(request, csrf)
    _signed_in(actor)
    errors: Errors = {}
    general: list[tuple[str, str]] = []
    status = 422
    try:
        created = services.harvest.create_source(actor, {**_payload(values), "api_key": key or ""})
    except InvalidInput as exc:
        errors, general = _field_errors(exc)
    except AlreadyExists as exc:
        errors = {"name": (exc.message, exc.message_en)}
        status = 409
    except PermissionDenied as exc:
        errors, status = _refused(services, actor, exc), 403
    else:
        return RedirectResponse(f"/harvest?source={created.name}", status_code=303)
    return _form_page(request, services, actor, values, errors=errors, general=general, status=status)


@router.get("/harvest/{name}/edit", name="harvest_edit")
def harvest_edit(request: Request, name: str, services: ServicesDep, actor: ActorDep) -> Response:
    _signed_in(actor)
    source = services.harvest.get_source(actor, name)
    return _form_page(
        request, services, actor, _values(source), source=source.name, has_api_key=source.has_api_key
    )


@router.post("/harvest/{name}/edit")
async def harvest_update(request: Request, name: str, services: ServicesDep, actor: ActorDep) -> Response:
    csrf, values, key = await _posted(request)
    check_csrf(request, csrf)
    _signed_in(actor)
    source = services.harvest.get_source(actor, name)  # 404 before anything is shown
    values["name"] = source.name  # a source keeps its name
    changes = _payload(values)
    changes.pop("name")
    if key is not None:
        changes["api_key"] = key
    errors: Errors = {}
    general: list[tuple[str, str]] = []
    status = 422
    try:
        services.harvest.update_source(actor, source.name, changes)
    except InvalidInput as exc:
        errors, general = _field_errors(exc)
    except PermissionDenied as exc:
        errors, status = _refused(services, actor, exc), 403
    else:
        return RedirectResponse(f"/harvest?source={source.name}", status_code=303)
    return _form_page(
        request,
        services,
        actor,
        values,
        source=source.name,
        errors=errors,
        general=general,
        status=status,
        has_api_key=source.has_api_key,
    )


@router.post("/harvest/{name}/delete", name="harvest_delete")
def harvest_delete(
    request: Request, name: str, services: ServicesDep, actor: ActorDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    _signed_in(actor)
    services.harvest.delete_source(actor, name)
    return RedirectResponse(f"/harvest?deleted={name}", status_code=303)
