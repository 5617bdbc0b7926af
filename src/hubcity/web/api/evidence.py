"""/api/v1/charts, /api/v1/dashboards and /api/v1/evidence: charts, dashboards, evidence packs.

Every chart, tile and pack is drawn from data asked for again under the
caller's rights; what they may not read does not exist for them (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hubcity.domain.charts import Chart, ChartOptions, Dashboard, Tile
from hubcity.domain.evidence import Drift, EvidencePack
from hubcity.services.charts import ChartData
from hubcity.web.deps import ActorDep, ServicesDep

__all__ = ["router"]

router = APIRouter()


# -- shapes ------------------------------------------------------------------------------------
class ChartOptionsIn(BaseModel):
    kind: str = Field("bar", description="bar, line, area, scatter, pie, map or heat")
    x: str = ""
    y: str = ""
    color: str = ""
    aggregate: str = Field("", description="'', sum, count, avg, min or max")
    title: str = ""

    def options(self) -> ChartOptions:
        return ChartOptions.of(self.model_dump())


class ChartSource(BaseModel):
    sql: str | None = Field(None, description="SQL of your own")
    query_id: str | None = Field(None, description="a saved query (yours or shared)")
    dataset: str | None = Field(None, description="a dataset's table: dataset name …")
    resource: str | None = Field(None, description="… and resource name")


class ChartPreview(ChartSource):
    options: ChartOptionsIn
    filters: dict[str, str] = Field(default_factory=dict)


class ChartCreate(ChartSource):
    title: str
    options: ChartOptionsIn
    shared: bool = False


class ChartUpdate(BaseModel):
    title: str | None = None
    shared: bool | None = None
    options: ChartOptionsIn | None = None


class ChartRead(BaseModel):
    id: str
    title: str
    owner: str
    shared: bool
    sql: str
    source: str
    options: dict[str, str]
    created_at: datetime
    updated_at: datetime
    url: str
    svg_url: str
    png_url: str

    @classmethod
    def of(cls, c: Chart) -> ChartRead:
        return cls(
            id=c.id,
            title=c.title,
            owner=c.owner_name,
            shared=c.shared,
            sql=c.sql,
            source=c.source,
            options=c.options.as_dict(),
            created_at=c.created_at,
            updated_at=c.updated_at,
            url=f"/charts/{c.id}",
            svg_url=f"/api/v1/charts/{c.id}.svg",
            png_url=f"/api/v1/charts/{c.id}.png",
        )


class ChartPreviewRead(BaseModel):
    options: dict[str, str]
    columns: list[dict[str, str]]
    spec: dict[str, Any]
    svg: str
    filters: dict[str, str]

    @classmethod
    def of(cls, data: ChartData, svg: str) -> ChartPreviewRead:
        return cls(
            options=data.options.as_dict(),
            columns=data.columns,
            spec=data.spec,
            svg=svg,
            filters=data.filters,
        )


class TileCreate(BaseModel):
    kind: str = Field("chart", description="chart or number")
    title: str = ""
    chart_id: str | None = None
    sql: str = Field("", description="a number tile: the first column of the first row")
    width: int = Field(1, ge=1, le=3)


class TileUpdate(BaseModel):
    title: str | None = None
    width: int | None = Field(None, description="grid columns: 1, 2 or 3")
    position: int | None = Field(None, ge=1, description="1 = first; past the last = last")


class TileRead(BaseModel):
    id: int
    kind: str
    title: str
    chart_id: str | None
    sql: str
    width: int
    position: int

    @classmethod
    def of(cls, t: Tile) -> TileRead:
        return cls(
            id=t.id,
            kind=t.kind,
            title=t.title,
            chart_id=t.chart_id,
            sql=t.sql,
            width=t.width,
            position=t.position,
        )


class DashboardCreate(BaseModel):
    title: str
    description: str = ""
    shared: bool = False
    filters: list[str] = Field(default_factory=list, description="columns offered as filters")


class DashboardUpdate(BaseModel):
    title: str | None = None
    description: str | None = None
    shared: bool | None = None
    filters: list[str] | None = None


class DashboardRead(BaseModel):
    id: str
    title: str
    description: str
    owner: str
    shared: bool
    filters: list[str]
    tiles: list[TileRead]
    created_at: datetime
    updated_at: datetime
    url: str
    embed_url: str

    @classmethod
    def of(cls, d: Dashboard) -> DashboardRead:
        return cls(
            id=d.id,
            title=d.title,
            description=d.description,
            owner=d.owner_name,
            shared=d.shared,
            filters=d.filters,
            tiles=[TileRead.of(t) for t in d.tiles],
            created_at=d.created_at,
            updated_at=d.updated_at,
            url=f"/dashboards/{d.id}",
            embed_url=f"/dashboards/{d.id}/embed",
        )


class EvidenceCreate(BaseModel):
    title: str
    sql: str
    narrative: str = ""
    chart: ChartOptionsIn | None = None
    shared_with: list[str] = Field(default_factory=list, description="usernames who may open it")
    shared: bool = Field(False, description="open to anyone with the link who may read every table it pins")


class EvidenceShare(BaseModel):
    shared: bool = Field(description="open to anyone with the link who may read every table it pins")


class PinRead(BaseModel):
    ref: str
    dataset: str
    resource: str
    version: int


class EvidenceRead(BaseModel):
    id: str
    title: str
    narrative: str
    owner: str
    shared_with: list[str]
    shared: bool
    sql: str
    pinned_sql: str
    pinned: list[PinRead]
    chart: dict[str, str] | None
    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    truncated: bool
    created_at: datetime
    url: str
    pdf_url: str
    png_url: str | None

    @classmethod
    def of(cls, p: EvidencePack) -> EvidenceRead:
        return cls(
            id=p.id,
            title=p.title,
            narrative=p.narrative,
            owner=p.owner_name,
            shared_with=p.shared_with,
            shared=p.shared,
            sql=p.sql,
            pinned_sql=p.pinned_sql,
            pinned=[PinRead(**p.__dict__) for p in p.pinned],
            chart=p.chart,
            columns=p.columns,
            rows=p.rows,
            truncated=p.truncated,
            created_at=p.created_at,
            url=f"/evidence/{p.id}",
            pdf_url=f"/api/v1/evidence/{p.id}.pdf",
            png_url=f"/api/v1/evidence/{p.id}.png" if p.chart else None,
        )


class DriftRead(BaseModel):
    changed: bool
    stale: bool
    cells: list[dict[str, Any]]
    added_rows: list[dict[str, Any]]
    removed_rows: list[dict[str, Any]]
    columns_added: list[str]
    columns_removed: list[str]
    newer: list[dict[str, Any]]
    sql: str

    @classmethod
    def of(cls, drift: Drift, sql: str) -> DriftRead:
        return cls(
            changed=drift.changed,
            stale=drift.stale,
            cells=[c.__dict__ for c in drift.cells],
            added_rows=drift.added_rows,
            removed_rows=drift.removed_rows,
            columns_added=drift.columns_added,
            columns_removed=drift.columns_removed,
            newer=[n.__dict__ for n in drift.newer],
            sql=sql,
        )


def _filters(request: Request) -> dict[str, str]:
    """``?f.<column>=value`` query parameters."""
    return {k[2:]: v for k, v in request.query_params.items() if k.startswith("f.") and len(k) > 2}


_SVG = "image/svg+xml"
_PNG = "image/png"


# -- charts ------------------------------------------------------------------------------------
@router.post(
    "/charts/preview", response_model=ChartPreviewRead, tags=["charts"], summary="Draw a chart, unsaved"
)
def preview(body: ChartPreview, services: ServicesDep, actor: ActorDep) -> ChartPreviewRead:
    sql, _ = services.charts.source_sql(
        actor, sql=body.sql, query_id=body.query_id, dataset=body.dataset, resource=body.resource
    )
    data = services.charts.data(actor, sql, body.options.options(), body.filters)
    return ChartPreviewRead.of(data, services.charts.svg(data))


@router.get("/charts", response_model=list[ChartRead], tags=["charts"], summary="Your charts")
def list_charts(services: ServicesDep, actor: ActorDep) -> list[ChartRead]:
    return [ChartRead.of(c) for c in services.charts.list_charts(actor)]


@router.post("/charts", status_code=201, response_model=ChartRead, tags=["charts"], summary="Save a chart")
def create_chart(body: ChartCreate, services: ServicesDep, actor: ActorDep) -> ChartRead:
    sql, source = services.charts.source_sql(
        actor, sql=body.sql, query_id=body.query_id, dataset=body.dataset, resource=body.resource
    )
    chart = services.charts.create_chart(
        actor, title=body.title, sql=sql, source=source, options=body.options.options(), shared=body.shared
    )
    return ChartRead.of(chart)


@router.get("/charts/{chart_id}.svg", tags=["charts"], summary="The chart as SVG (filters: ?f.column=value)")
def chart_svg(chart_id: str, request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    _, data = services.charts.chart_data(actor, chart_id, _filters(request))
    return Response(services.charts.svg(data), media_type=_SVG)


@router.get("/charts/{chart_id}.png", tags=["charts"], summary="The chart as PNG (filters: ?f.column=value)")
def chart_png(chart_id: str, request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    _, data = services.charts.chart_data(actor, chart_id, _filters(request))
    return Response(services.charts.png(data), media_type=_PNG)


@router.get("/charts/{chart_id}", response_model=ChartRead, tags=["charts"], summary="A chart")
def get_chart(chart_id: str, services: ServicesDep, actor: ActorDep) -> ChartRead:
    return ChartRead.of(services.charts.get_chart(actor, chart_id))


@router.patch(
    "/charts/{chart_id}", response_model=ChartRead, tags=["charts"], summary="Change a chart of yours"
)
def update_chart(chart_id: str, body: ChartUpdate, services: ServicesDep, actor: ActorDep) -> ChartRead:
    changes = body.model_dump(exclude_unset=True)
    return ChartRead.of(services.charts.update_chart(actor, chart_id, changes))


@router.delete("/charts/{chart_id}", status_code=204, tags=["charts"], summary="Delete a chart of yours")
def delete_chart(chart_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    services.charts.delete_chart(actor, chart_id)
    return Response(status_code=204)


# -- dashboards --------------------------------------------------------------------------------
@router.get("/dashboards", response_model=list[DashboardRead], tags=["dashboards"], summary="Your dashboards")
def list_dashboards(services: ServicesDep, actor: ActorDep) -> list[DashboardRead]:
    return [DashboardRead.of(d) for d in services.charts.list_dashboards(actor)]


@router.post(
    "/dashboards",
    status_code=201,
    response_model=DashboardRead,
    tags=["dashboards"],
    summary="Make a dashboard",
)
def create_dashboard(body: DashboardCreate, services: ServicesDep, actor: ActorDep) -> DashboardRead:
    board = services.charts.create_dashboard(
        actor, title=body.title, description=body.description, shared=body.shared, filters=body.filters
    )
    return DashboardRead.of(board)


@router.get(
    "/dashboards/{dashboard_id}", response_model=DashboardRead, tags=["dashboards"], summary="A dashboard"
)
def get_dashboard(dashboard_id: str, services: ServicesDep, actor: ActorDep) -> DashboardRead:
    return DashboardRead.of(services.charts.get_dashboard(actor, dashboard_id))


@router.patch("/dashboards/{dashboard_id}", response_model=DashboardRead, tags=["dashboards"])
def update_dashboard(
    dashboard_id: str, body: DashboardUpdate, services: ServicesDep, actor: ActorDep
) -> DashboardRead:
    changes = body.model_dump(exclude_unset=True)
    return DashboardRead.of(services.charts.update_dashboard(actor, dashboard_id, changes))


@router.delete("/dashboards/{dashboard_id}", status_code=204, tags=["dashboards"])
def delete_dashboard(dashboard_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    services.charts.delete_dashboard(actor, dashboard_id)
    return Response(status_code=204)


@router.post(
    "/dashboards/{dashboard_id}/tiles", status_code=201, response_model=TileRead, tags=["dashboards"]
)
def add_tile(dashboard_id: str, body: TileCreate, services: ServicesDep, actor: ActorDep) -> TileRead:
    tile = services.charts.add_tile(
        actor,
        dashboard_id,
        kind=body.kind,
        title=body.title,
        chart_id=body.chart_id,
        sql=body.sql,
        width=body.width,
    )
    return TileRead.of(tile)


@router.patch(
    "/dashboards/{dashboard_id}/tiles/{tile_id}",
    response_model=TileRead,
    tags=["dashboards"],
    summary="Rename, resize or move a tile (the dashboard's owner)",
)
def arrange_tile(
    dashboard_id: str, tile_id: int, body: TileUpdate, services: ServicesDep, actor: ActorDep
) -> TileRead:
    tile = services.charts.arrange_tile(
        actor, dashboard_id, tile_id, title=body.title, width=body.width, position=body.position
    )
    return TileRead.of(tile)


@router.delete("/dashboards/{dashboard_id}/tiles/{tile_id}", status_code=204, tags=["dashboards"])
def remove_tile(dashboard_id: str, tile_id: int, services: ServicesDep, actor: ActorDep) -> Response:
    services.charts.remove_tile(actor, dashboard_id, tile_id)
    return Response(status_code=204)


# -- evidence packs ----------------------------------------------------------------------------
@router.get("/evidence", response_model=list[EvidenceRead], tags=["evidence"], summary="Packs you may open")
def list_packs(services: ServicesDep, actor: ActorDep) -> list[EvidenceRead]:
    return [EvidenceRead.of(p) for p in services.evidence.list_packs(actor)]


@router.post(
    "/evidence",
    status_code=201,
    response_model=EvidenceRead,
    tags=["evidence"],
    summary="Make an evidence pack (pins every table to the version read now)",
)
def create_pack(body: EvidenceCreate, services: ServicesDep, actor: ActorDep) -> EvidenceRead:
    pack = services.evidence.create_pack(
        actor,
        title=body.title,
        sql=body.sql,
        narrative=body.narrative,
        chart=body.chart.options() if body.chart else None,
        shared_with=body.shared_with,
        shared=body.shared,
    )
    return EvidenceRead.of(pack)


@router.get("/evidence/{pack_id}.pdf", tags=["evidence"], summary="The pack as a PDF approval document")
def pack_pdf(pack_id: str, request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    url = str(request.base_url).rstrip("/") + f"/evidence/{pack_id}"
    pdf = services.evidence.pdf(actor, pack_id, url=url)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="evidence-{pack_id}.pdf"'},
    )


@router.get("/evidence/{pack_id}.png", tags=["evidence"], summary="The pack's chart as PNG")
def pack_png(pack_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    return Response(services.evidence.png(actor, pack_id), media_type=_PNG)


@router.get("/evidence/{pack_id}", response_model=EvidenceRead, tags=["evidence"], summary="An evidence pack")
def get_pack(pack_id: str, services: ServicesDep, actor: ActorDep) -> EvidenceRead:
    return EvidenceRead.of(services.evidence.get_pack(actor, pack_id))


@router.patch(
    "/evidence/{pack_id}",
    response_model=EvidenceRead,
    tags=["evidence"],
    summary="Share the pack by link, or stop sharing it (its owner)",
)
def share_pack(pack_id: str, body: EvidenceShare, services: ServicesDep, actor: ActorDep) -> EvidenceRead:
    return EvidenceRead.of(services.evidence.share_pack(actor, pack_id, body.shared))


@router.post(
    "/evidence/{pack_id}/rerun",
    response_model=DriftRead,
    tags=["evidence"],
    summary="Re-run on the newest versions under your rights: the evidence drift",
)
def rerun(pack_id: str, services: ServicesDep, actor: ActorDep) -> DriftRead:
    done = services.evidence.rerun(actor, pack_id)
    return DriftRead.of(done.drift, done.sql)
