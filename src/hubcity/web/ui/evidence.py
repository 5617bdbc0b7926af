"""Pages for charts, dashboards and evidence packs; every chart is an SVG drawn on the server.

``/charts/new`` (the builder, opened from a result on ``/sql``), ``/charts/{id}``,
``/dashboards``, ``/dashboards/{id}`` (filters as ``?f.<column>=value``),
``/dashboards/{id}/embed`` (the tiles alone, for other pages), ``/evidence``,
``/evidence/{id}`` (``POST …/rerun`` shows the drift panel). Writes are form
POSTs with the session's CSRF token. The handlers parse, call one service, render.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from hubcity.domain.charts import CHART_AGGREGATES, CHART_KINDS, ChartOptions
from hubcity.errors import PlatformError
from hubcity.web.api.evidence import ChartRead, DashboardRead, DriftRead, EvidenceRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.i18n import request_lang
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

_OPTION_KEYS = ("kind", "x", "y", "color", "aggregate", "title")


def _filters(request: Request) -> dict[str, str]:
    return {k[2:]: v for k, v in request.query_params.items() if k.startswith("f.") and len(k) > 2}


def _lang(request: Request) -> str:
    return request_lang(request)


def _svg(svg: str) -> Markup:
    """vl-convert's SVG: drawn by us from escaped data, safe to inline."""
    return Markup(svg)  # noqa: S704 - the SVG comes from vl-convert, whose text nodes are escaped


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


# -- charts ------------------------------------------------------------------------------------
@router.get("/charts/new", name="chart_new")
def chart_new(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    sql: str = "",
    query: str = "",
    dataset: str = "",
    resource: str = "",
) -> Response:
    params = dict(request.query_params)
    options = ChartOptions.of({k: params.get(k, "") for k in _OPTION_KEYS})
    context: dict[str, Any] = {
        "sql": sql,
        "query": query,
        "dataset": dataset,
        "resource": resource,
        "options": options,
        "kinds": CHART_KINDS,
        "aggregates": CHART_AGGREGATES,
        "columns": [],
        "svg": None,
        "error": None,
        "field_errors": [],
        "source_sql": "",
    }
    data_out: dict[str, Any] = {}
    status = 200
    try:
        source_sql, _ = services.charts.source_sql(
            actor, sql=sql, query_id=query or None, dataset=dataset or None, resource=resource or None
        )
        context["source_sql"] = source_sql
        context["columns"] = services.charts.columns_of(actor, source_sql)
        if "kind" in params:  # the form was sent: draw the preview
            data = services.charts.data(actor, source_sql, options, lang=_lang(request))
            context["options"] = data.options
            context["svg"] = _svg(services.charts.svg(data))
            data_out = {"options": data.options.as_dict(), "spec": data.spec}
    except PlatformError as exc:
        context["error"] = (exc.message, exc.message_en)
        context["field_errors"] = exc.details()
        data_out = {"ok": False, "error": exc.message, "error_en": exc.message_en, "errors": exc.details()}
        status = exc.status if exc.status != 404 else 404
    return render(request, "chart_new.html", context, actor=actor, data=data_out, status=status)


@router.post("/charts", name="chart_create")
def chart_create(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    sql: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    dataset: Annotated[str, Form()] = "",
    resource: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "bar",
    x: Annotated[str, Form()] = "",
    y: Annotated[str, Form()] = "",
    color: Annotated[str, Form()] = "",
    aggregate: Annotated[str, Form()] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf)
    source_sql, source = services.charts.source_sql(
        actor, sql=sql, query_id=query or None, dataset=dataset or None, resource=resource or None
    )
    options = ChartOptions(kind=kind, x=x, y=y, color=color, aggregate=aggregate, title=title)
    chart = services.charts.create_chart(
        actor, title=title, sql=source_sql, source=source, options=options, shared=shared
    )
    return RedirectResponse(f"/charts/{chart.id}", status_code=303)


@router.get("/charts/{chart_id}", name="chart_page")
def chart_page(request: Request, chart_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    chart, data = services.charts.chart_data(actor, chart_id, _filters(request), lang=_lang(request))
    context = {
        "chart": chart,
        "svg": _svg(services.charts.svg(data)),
        "dashboards": services.charts.list_dashboards(actor) if chart.owner_id == actor.user_id else [],
        "mine": chart.owner_id == actor.user_id,
    }
    return render(request, "chart.html", context, actor=actor, data=ChartRead.of(chart).model_dump())


@router.post("/charts/{chart_id}/dashboard", name="chart_to_dashboard")
def chart_to_dashboard(
    request: Request,
    chart_id: str,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    dashboard: Annotated[str, Form()] = "",
    new_title: Annotated[str, Form()] = "",
    filters: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if not dashboard:
        dashboard = services.charts.create_dashboard(actor, title=new_title, filters=_split(filters)).id
    services.charts.add_tile(actor, dashboard, kind="chart", chart_id=chart_id)
    return RedirectResponse(f"/dashboards/{dashboard}", status_code=303)


# -- dashboards --------------------------------------------------------------------------------
@router.get("/dashboards", name="dashboards")
def dashboards_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    boards = services.charts.list_dashboards(actor)
    context = {"boards": boards, "charts": services.charts.list_charts(actor)}
    data = [DashboardRead.of(d).model_dump() for d in boards]
    return render(request, "dashboards.html", context, actor=actor, data=data)


@router.post("/dashboards", name="dashboard_create")
def dashboard_create(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    filters: Annotated[str, Form()] = "",
    shared: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf)
    board = services.charts.create_dashboard(
        actor, title=title, description=description, shared=shared, filters=_split(filters)
    )
    return RedirectResponse(f"/dashboards/{board.id}", status_code=303)


def _dashboard(
    request: Request, dashboard_id: str, services: ServicesDep, actor: ActorDep, embed: bool
) -> Response:
    view = services.charts.view(actor, dashboard_id, _filters(request), lang=_lang(request))
    tiles = [
        {
            "tile": tv.tile,
            "title": tv.title,
            "svg": _svg(tv.svg) if tv.svg else None,
            "value": tv.value,
            "filters": tv.filters,
            "error": tv.error,
        }
        for tv in view.tiles
    ]
    context = {
        "board": view.dashboard,
        "tiles": tiles,
        "filters": view.filters,
        "mine": view.dashboard.owner_id == actor.user_id,
        "editable": view.dashboard.owner_id == actor.user_id and not embed,
        "embed": embed,
        "embed_url": f"/dashboards/{dashboard_id}/embed"
        + (f"?{urlencode({f'f.{k}': v for k, v in view.filters.items()})}" if view.filters else ""),
    }
    data = {
        **DashboardRead.of(view.dashboard).model_dump(),
        "applied": view.filters,
        "values": {str(tv.tile.id): tv.value for tv in view.tiles if tv.tile.kind == "number"},
    }
    template = "dashboard_embed.html" if embed else "dashboard.html"
    return render(request, template, context, actor=actor, data=data)


@router.get("/dashboards/{dashboard_id}", name="dashboard")
def dashboard_page(request: Request, dashboard_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    return _dashboard(request, dashboard_id, services, actor, embed=False)


@router.get("/dashboards/{dashboard_id}/embed", name="dashboard_embed")
def dashboard_embed(request: Request, dashboard_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    response = _dashboard(request, dashboard_id, services, actor, embed=True)
    response.headers["Content-Security-Policy"] = "frame-ancestors *"
    return response


@router.post("/dashboards/{dashboard_id}/tiles", name="dashboard_tile")
def dashboard_tile(
    request: Request,
    dashboard_id: str,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    sql: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    services.charts.add_tile(actor, dashboard_id, kind="number", title=title, sql=sql)
    return RedirectResponse(f"/dashboards/{dashboard_id}", status_code=303)


@router.post("/dashboards/{dashboard_id}/tiles/{tile_id}", name="dashboard_tile_arrange")
def dashboard_tile_arrange(
    request: Request,
    dashboard_id: str,
    tile_id: int,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    move: Annotated[str, Form()] = "",
    width: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    """The owner's buttons on a tile: earlier / later, a width, or remove."""
    check_csrf(request, csrf)
    if remove:
        services.charts.remove_tile(actor, dashboard_id, tile_id)
        return RedirectResponse(f"/dashboards/{dashboard_id}", status_code=303)
    board = services.charts.get_dashboard(actor, dashboard_id)
    ids = [t.id for t in board.tiles]
    at = ids.index(tile_id) + 1 if tile_id in ids else 1
    position = {"earlier": max(1, at - 1), "later": at + 1}.get(move)
    services.charts.arrange_tile(
        actor,
        dashboard_id,
        tile_id,
        width=int(width) if width.isdigit() else None,
        position=position,
    )
    return RedirectResponse(f"/dashboards/{dashboard_id}#tile-{tile_id}", status_code=303)


# -- evidence packs ----------------------------------------------------------------------------
@router.get("/evidence", name="evidence_list")
def evidence_list(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    packs = services.evidence.list_packs(actor)
    data = [EvidenceRead.of(p).model_dump() for p in packs]
    return render(request, "evidence_list.html", {"packs": packs}, actor=actor, data=data)


@router.post("/evidence", name="evidence_create")
def evidence_create(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    sql: Annotated[str, Form()] = "",
    narrative: Annotated[str, Form()] = "",
    shared_with: Annotated[str, Form()] = "",
    shared: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    x: Annotated[str, Form()] = "",
    y: Annotated[str, Form()] = "",
    color: Annotated[str, Form()] = "",
    aggregate: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    chart = ChartOptions(kind=kind, x=x, y=y, color=color, aggregate=aggregate, title=title) if kind else None
    pack = services.evidence.create_pack(
        actor,
        title=title,
        sql=sql,
        narrative=narrative,
        chart=chart,
        shared_with=_split(shared_with),
        shared=shared == "true",
    )
    return RedirectResponse(f"/evidence/{pack.id}", status_code=303)


@router.post("/evidence/{pack_id}/share", name="evidence_share")
def evidence_share(
    request: Request,
    pack_id: str,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    shared: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    services.evidence.share_pack(actor, pack_id, shared == "true")
    return RedirectResponse(f"/evidence/{pack_id}", status_code=303)


def _pack_page(
    request: Request, pack_id: str, services: ServicesDep, actor: ActorDep, rerun: bool
) -> Response:
    pack = services.evidence.get_pack(actor, pack_id)
    data = services.evidence.chart(actor, pack_id, lang=_lang(request))
    done = services.evidence.rerun(actor, pack_id) if rerun else None
    context = {
        "pack": pack,
        "svg": _svg(services.charts.svg(data)) if data else None,
        "drift": done.drift if done else None,
        "permanent": str(request.base_url).rstrip("/") + f"/evidence/{pack.id}",
        "mine": pack.owner_id == actor.user_id,
    }
    out: dict[str, Any] = EvidenceRead.of(pack).model_dump()
    if done:
        out["drift"] = DriftRead.of(done.drift, done.sql).model_dump()
    return render(request, "evidence.html", context, actor=actor, data=out)


@router.get("/evidence/{pack_id}", name="evidence_page")
def evidence_page(request: Request, pack_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    return _pack_page(request, pack_id, services, actor, rerun=False)


@router.post("/evidence/{pack_id}/rerun", name="evidence_rerun")
def evidence_rerun(
    request: Request, pack_id: str, services: ServicesDep, actor: ActorDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    return _pack_page(request, pack_id, services, actor, rerun=True)
