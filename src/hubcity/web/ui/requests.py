"""The public board of citizens' data requests (공공데이터 제공신청): list, form, detail and answer.

Anyone may read the board and file a request without signing in. Staff of the
owner department and sysadmins answer on the request's page; the service
decides who may (everyone else gets 403). Nothing is e-mailed: a requester
follows the request on its page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.domain.accounts import Actor, Org, OrgKind
from hubcity.domain.requests import STATUS_LABELS, DataRequest, RequestStatus
from hubcity.errors import InvalidInput, TooManyRequests
from hubcity.ports import DatasetFilter
from hubcity.services.requests import NewDataRequest, RequestAnswer
from hubcity.web.api.requests import DataRequestPage, DataRequestRead, client_address
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

PAGE_SIZE = 20
STATUSES = [s.value for s in RequestStatus]
_NEW_FIELDS = ("title", "description", "requester_name", "requester_email", "org", "website")
_ANSWER_FIELDS = ("status", "answer", "dataset", "org")
Errors = dict[str, tuple[str, str]]


def _orgs(services: Any) -> list[Org]:
    """Departments first (the city's own organisations), then partners; each group by title."""
    orgs: list[Org] = services.accounts.list_orgs()
    return sorted(orgs, key=lambda o: (not o.kind.is_city_staff, o.kind is OrgKind.COMPANY, o.title))


def _field_errors(exc: InvalidInput, known: tuple[str, ...]) -> tuple[Errors, list[tuple[str, str]]]:
    errors: Errors = {}
    general: list[tuple[str, str]] = []
    for err in exc.errors:
        if err.field in known and err.field != "website":
            errors.setdefault(err.field, (err.message, err.message_en))
        else:
            general.append((err.message, err.message_en))
    if not exc.errors:
        general.append((exc.message, exc.message_en))
    return errors, general


@router.get("/requests", name="requests")
def requests_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    status: str = "",
    org: str = "",
    overdue: str = "",
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    status = status if status in STATUSES else ""
    late = overdue in {"1", "true", "on"}
    result = services.requests.list_requests(
        actor,
        status=status or None,
        org=org or None,
        overdue=late,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    data = DataRequestPage(
        items=[DataRequestRead.of(r, result.today) for r in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
        counts=result.counts,
    )
    context = {
        "result": result,
        "today": result.today,
        "status": status,
        "org": org,
        "overdue": late,
        "statuses": STATUSES,
        "status_labels": STATUS_LABELS,
        "orgs": _orgs(services),
        "page": page,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
        "all_count": sum(result.counts.values()),
        "due_days": services.settings.requests.due_days,
    }
    return render(request, "requests.html", context, actor=actor, data=data)


def _new_page(
    request: Request,
    services: Any,
    actor: Actor,
    values: dict[str, str],
    errors: Errors,
    general: list[tuple[str, str]],
    status: int = 200,
) -> Response:
    orgs = _orgs(services)
    context = {
        "values": values,
        "errors": errors,
        "general": general,
        "orgs": orgs,
        "due_days": services.settings.requests.due_days,
    }
    data = {
        "create_url": "/api/v1/data-requests",
        "fields": list(_NEW_FIELDS[:-1]),
        "orgs": [{"slug": o.slug, "title": o.title, "title_en": o.title_en} for o in orgs],
        "due_days": services.settings.requests.due_days,
        "errors": [{"field": f, "message": ko, "message_en": en} for f, (ko, en) in errors.items()],
    }
    return render(request, "request_new.html", context, actor=actor, data=data, status=status)


@router.get("/requests/new", name="request_new")
def request_new(request: Request, services: ServicesDep, actor: ActorDep, org: str = "") -> Response:
    return _new_page(request, services, actor, {"org": org}, {}, [])


@router.post("/requests/new")
def request_create(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    requester_name: Annotated[str, Form()] = "",
    requester_email: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
    website: Annotated[str, Form()] = "",  # the honeypot: hidden from people, filled in by bots
) -> Response:
    check_csrf(request, csrf)
    values = {
        "title": title,
        "description": description,
        "requester_name": requester_name,
        "requester_email": requester_email,
        "org": org,
    }
    try:
        created = services.requests.create_request(
            actor,
            NewDataRequest(
                title=title,
                description=description,
                requester_name=requester_name,
                requester_email=requester_email,
                org=org,
            ),
            client=client_address(request),
            honeypot=website,
        )
    except InvalidInput as exc:
        errors, general = _field_errors(exc, _NEW_FIELDS)
        return _new_page(request, services, actor, values, errors, general, status=422)
    except TooManyRequests as exc:
        general = [(exc.message, exc.message_en)]
        return _new_page(request, services, actor, values, {}, general, status=429)
    return RedirectResponse(f"/requests/{created.id}?filed=1", status_code=303)


def _detail_page(
    request: Request,
    services: Any,
    actor: Actor,
    found: DataRequest,
    *,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
    general: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    today = services.requests.today()
    manage = services.requests.can_manage(actor, found)
    assign = services.requests.can_assign(actor, found)
    datasets: list[Any] = []
    if manage and found.org_slug:
        datasets = services.catalog.list_datasets(
            actor, DatasetFilter(org=found.org_slug, visibility="public", sort="title", limit=200)
        ).items
    context = {
        "req": found,
        "today": today,
        "overdue": found.overdue(today),
        "days_left": found.days_left(today),
        "manage": manage,
        "assign": assign,
        "statuses": STATUSES,
        "status_labels": STATUS_LABELS,
        "orgs": _orgs(services) if assign else [],
        "datasets": [d for d in datasets if str(d.visibility) == "public"],
        "values": values
        or {
            "status": str(found.status),
            "answer": found.answer,
            "dataset": found.dataset_name or "",
            "org": found.org_slug or "",
        },
        "errors": errors or {},
        "general": general or [],
        "filed": request.query_params.get("filed") == "1",
    }
    data = DataRequestRead.of(found, today, history=True)
    return render(request, "request.html", context, actor=actor, data=data, status=status)


@router.get("/requests/{request_id}", name="request")
def request_page(request: Request, request_id: int, services: ServicesDep, actor: ActorDep) -> Response:
    return _detail_page(request, services, actor, services.requests.get_request(actor, request_id))


@router.post("/requests/{request_id}/answer")
def request_answer(
    request: Request,
    request_id: int,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    dataset: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    found = services.requests.get_request(actor, request_id)
    # unchanged fields change nothing; the service decides who may change what
    change = RequestAnswer(status=status or None, answer=answer, dataset=dataset, org=org or None)
    try:
        services.requests.answer_request(actor, request_id, change)
    except InvalidInput as exc:
        errors, general = _field_errors(exc, _ANSWER_FIELDS)
        values = {"status": status, "answer": answer, "dataset": dataset, "org": org}
        return _detail_page(
            request, services, actor, found, values=values, errors=errors, general=general, status=422
        )
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
